/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Joins kernel marks and client messages per socket (rules in docs/design.md)
 * into per-read or per-message stage records fed to streaming histograms.
 * Memory is bounded: per-socket mark and read rings have fixed sizes, state
 * of closed sockets is freed, and tracked connections are capped.
 */
#ifndef __LP_CORRELATOR_H
#define __LP_CORRELATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/types.h>
#include "latprobe.h"
#include "hist.h"
#include "corr_tls.h"
#include "stages.h"

#define CONN_SEGS 512  /* pending segment marks per socket (power of 2) */
#define CONN_READS 64  /* recent reads per socket (message attribution) */

struct seg_mark {
	uint32_t seq, end_seq;
	uint64_t dev_ns, tcp_ns, wake_ns, nic_ns;
	uint8_t nic_src;
	bool nic_checked; /* late lookup done */
};

struct read_mark {
	uint32_t tid;
	uint64_t end_ns;
	struct seg_mark seg; /* the segment that carried the read's last byte */
	bool has_seg;
	bool has_sched; /* --sched: the kernel split sched_wake -> end_ns */
	uint64_t sched_wake;
	struct lp_sched_split sched;
};

/*
 * --callback: the newest reads per thread (any socket). A callback call is
 * joined to the newest read on its thread that ended before its entry.
 */
#define CORR_TIDS 256 /* threads remembered (direct-mapped by tid) */
#define TID_READS 4   /* reads remembered per thread */

struct tid_read {
	uint64_t sk;
	struct read_mark rm;
};

struct tid_reads {
	uint32_t tid;
	unsigned int head, count;
	struct tid_read r[TID_READS];
};

/*
 * Segments by where their first mark came from. after_tcp: NIC stamps later
 * than the segment's tcp_in mark (impossible for a NIC in front of the
 * kernel beyond the stamper's clock-conversion error), with the largest
 * excess.
 */
struct nic_counts {
	uint64_t stamped, sources[LP_NIC_MAX];
	uint64_t after_tcp, after_tcp_max_ns;
};

struct conn {
	uint64_t sk;
	struct lp_sock_info info;
	bool have_info, closed;
	uint32_t tgid;
	uint64_t events, reads, bytes_received, bytes_sent;
	uint64_t segments_in, segments_dup, segments_evicted;
	struct nic_counts nic;
	uint64_t messages;
	struct hist *stages[ST_MAX]; /* allocated on first value */
	/* the kernel's segment counters as last carried (join mode) */
	struct lp_seg_counts kseen;
	/*
	 * live state, freed on close. segs is a ring sorted by sequence:
	 * oldest at seg_head, nsegs of them; the first seg_woken all have
	 * their wake-up mark.
	 */
	struct seg_mark *segs;
	unsigned int seg_head, nsegs, seg_woken;
	struct read_mark *rd;
	unsigned int rd_head, rd_count;
	struct pend_msg *pend; /* messages waiting for their read */
	unsigned int pend_head, pend_count;
	struct conn *hnext; /* live hash chain */
	struct conn *next;  /* all connections, newest first */
};

/*
 * Late NIC stamp lookup: latprobe-nic may write a segment's stamp after
 * tcp_probe ran (it races the kernel). When a read consumes a segment that
 * has none, the correlator asks again; tcp_ns is the segment's tcp_in mark
 * (CLOCK_MONOTONIC), for a stamper given time to publish, or 0 on a
 * connection the stamper has not stamped yet (no waiting). Returns 0 and
 * fills ns/src if found.
 */
typedef int (*corr_nic_fn)(void *ctx, const struct lp_sock_info *sock,
			   uint32_t seq, uint64_t tcp_ns, uint64_t *ns,
			   uint8_t *src);

struct corr_cfg {
	bool per_message;    /* stages per client message (--client) */
	unsigned int max_conns; /* connections kept with detail */
	int64_t realtime_offset_ns; /* CLOCK_REALTIME - CLOCK_MONOTONIC */
	corr_nic_fn nic_lookup;	    /* optional */
	void *nic_ctx;
	/* hidden --sched-csv: one line per split read (corr_sched.c) */
	FILE *sched_csv;
};

struct corr_totals {
	uint64_t events, malformed, by_type[LP_EV_MAX];
	uint64_t reads_batched; /* reads that came in LP_EV_READS records */
	uint64_t reads_in_tls; /* ... in LP_EV_TLS records (the call's own) */
	uint64_t msgs_waited;	   /* messages that waited for their read */
	uint64_t msgs_waited_full; /* ... and were joined early: queue full */
	uint64_t msgs_seen, msgs_correlated, msgs_by_last_read;
	uint64_t msgs_no_socket, msgs_no_read;
	uint64_t msgs_read_displaced; /* of no_read: history overrun (lag) */
	uint64_t msgs_exch_time; /* --callback: messages whose "E" was read */
	uint64_t conns_tracked, conns_live;
	/* over --max-connections: distinct connections, and their records */
	uint64_t conns_not_tracked, events_not_tracked;
	uint64_t records;      /* stage records produced */
	/* --sched: reads whose wakeup_to_read was split, and was not */
	uint64_t sched_split, sched_unsplit;
	uint64_t out_of_order; /* a later mark before an earlier one */
};

#define TOTAL_COARSE 6 /* 0-1ms 1-5ms 5-10ms 10-50ms 50-100ms 100ms+ */
extern const char *const lp_coarse_names[TOTAL_COARSE];

struct corr {
	struct corr_cfg cfg;
	struct corr_totals t;
	struct hist stages[ST_MAX];
	struct nic_counts nic; /* all connections, also those without detail */
	uint64_t exch_res_ns;  /* E's unit (1e6, 1e3, 1), 0: no E seen */
	uint64_t total_coarse[TOTAL_COARSE];
	struct conn **htab;
	unsigned int hsize;
	struct conn *all;
	struct tid_reads *tids; /* CORR_TIDS, for --callback */
	/* sockets refused at the cap, to count each once (bounded set) */
	uint64_t *untracked;
	unsigned int untracked_n;
	bool untracked_full; /* set full: conns_not_tracked is a lower bound */
	struct tls_totals tls;		  /* TLS probes (corr_tls.c) */
	struct tls_thread *tls_threads; /* allocated on the first read */
	struct ktls_totals ktls;	/* kernel TLS reads (corr_tls.c) */
	/* stages bounded by a uprobe stamp, minus its bias (corr_bias.c) */
	struct stage_bias *bias[ST_MAX];
	int64_t tls_read_bias_ns; /* tls_decrypt from a kernel read */
	/* reads may wait in the kernel (batched): messages wait for them */
	bool reads_late;
	uint64_t pend_gen; /* flushes begun (corr_msgs_flush_begin) */
};

/* Reads (tcp_recvmsg calls with data) taken so far, batched or one a record. */
static inline uint64_t corr_reads(const struct corr *c)
{
	return c->t.by_type[LP_EV_READ] + c->t.reads_batched +
	       c->t.reads_in_tls;
}

struct corr *corr_new(const struct corr_cfg *cfg);
/*
 * Batched reads (corr_pending.c): before a flush of the kernel's read
 * queues, corr_msgs_flush_begin; once it was drained, corr_msgs_settle
 * joins the messages that were waiting before it began. At exit, with
 * every program detached, corr_msgs_settle_all joins the rest.
 */
void corr_msgs_flush_begin(struct corr *c);
void corr_msgs_settle(struct corr *c);
void corr_msgs_settle_all(struct corr *c);
void corr_free(struct corr *c);
/* Feed one raw ring-buffer record; malformed records are counted, never trusted. */
void corr_event(struct corr *c, const void *data, size_t size);
struct conn *corr_lookup(struct corr *c, uint64_t sk);
/* A traced socket still open at exit (the kernel's exit iterator). */
void corr_live_sock(struct corr *c, const struct lp_live_sock *ls);
/* A segment the kernel still held at exit: a segment record, late. */
void corr_held_seg(struct corr *c, const struct lp_pending_seg *p);
/*
 * The live connection with this 4-tuple (saddr/sport local, as in
 * lp_sock_info), for messages that name their socket by address instead of
 * by struct sock (client stamps ring). Its sk, or 0 if none is known.
 */
uint64_t corr_sk_by_tuple(const struct corr *c, const struct lp_sock_info *t);

/*
 * Binance's "E" (exchange event time) from the first bytes of a message:
 * CLOCK_REALTIME ns, or 0 when absent or cut off by the copy (truncated:
 * the message was longer than the n bytes seen). Milliseconds (13 digits),
 * microseconds (16, timeUnit=MICROSECOND) and nanoseconds are told apart
 * by their number of digits.
 */
/*
 * The resolution (ns) of a stage's values: 1 for the kernel's clock, E's
 * unit for the stages that start at the exchange time (exchange_to_nic,
 * total) once an E was seen.
 */
uint64_t corr_stage_res_ns(const struct corr *c, enum lp_stage st);
uint64_t corr_payload_exch_ns(const char *p, size_t n, bool truncated);
/*
 * Add one stage value from -> to (absent when a mark is 0) to the totals
 * and, when cn is not NULL, to that connection.
 */
void corr_stage_add(struct corr *c, struct conn *cn, enum lp_stage st,
		    uint64_t from, uint64_t to);
/* The same with the probe bias to subtract named (corr_bias.c). */
void corr_stage_add_b(struct corr *c, struct conn *cn, enum lp_stage st,
		      uint64_t from, uint64_t to, int64_t bias_ns);

/*
 * The calibrated parts of an entry + return uprobe's traps that the stamps
 * carry, ns (the kernel side's probe calibration measures them): gap, entry
 * stamp -> return stamp beyond the body; front, before the entry stamp;
 * ret_front, the body's end -> the return stamp.
 */
struct corr_trap_bias {
	double gap_ns, front_ns, ret_front_ns;
};
/*
 * Subtract the calibrated bias of the uprobe stamps from the stages they
 * bound (callback: this run probes a --callback).
 */
void corr_set_probe_bias(struct corr *c, const struct corr_trap_bias *tb,
			 bool callback);

/* Modulo-2^32 sequence comparison: a before b. */
static inline bool seq_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

#endif
