/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * lp_stamps: a client's per-message stamps in a shared-memory ring that a
 * tracer (latprobe --client) maps and reads, with no trap and no system call
 * per message. Plain C, no dependency on latprobe. The layout below is a
 * contract (docs/client-stamps.md); the version changes when it does.
 *
 * The client creates a sealed memfd named LP_STAMPS_MEMFD_NAME; the tracer
 * (root) finds it in /proc/PID/fd, maps it and announces itself in the
 * header. Per message the client asks lp_stamps_active(): with a live
 * reader it writes one record (lp_stamps_put), otherwise it takes its
 * fallback path (latprobe's USDT probe). Each message goes one way only.
 */
#ifndef __LP_STAMPS_H
#define __LP_STAMPS_H

#include <stdbool.h>
#include <stdint.h>

#define LP_STAMPS_MEMFD_NAME "lp_stamps"
#define LP_STAMPS_MAGIC 0x31504d4154535044ULL /* "DPSTAMP1" little endian */
#define LP_STAMPS_VERSION 1
#define LP_STAMPS_DEFAULT_RECS 16384 /* 1 MiB of records */
#define LP_STAMPS_MAX_RECS (1u << 22)
#define LP_STAMPS_CONNS 256 /* connection slots, reused round robin */
/* a reader that has not beaten its heart for this long is gone */
#define LP_STAMPS_STALE_NS 1000000000ULL

/* Header: three cache lines, one per writer of them. */
struct lp_stamps_hdr {
	/* written once by the client before anyone can map the file */
	uint64_t magic;
	uint32_t version;
	uint32_t hdr_size;  /* sizeof(struct lp_stamps_hdr) */
	uint32_t rec_size;  /* sizeof(struct lp_stamps_rec) */
	uint32_t nrecs;	    /* records in the ring, a power of two */
	uint32_t conn_size; /* sizeof(struct lp_stamps_conn) */
	uint32_t nconns;    /* connection slots */
	uint64_t conn_off;  /* byte offset of the connection table */
	uint64_t rec_off;   /* byte offset of the record ring */
	uint32_t pid;	    /* the client's pid */
	uint32_t pad0;
	uint64_t pad1;
	/* written by the client only */
	uint64_t head;	/* records written so far; record i is at i % nrecs */
	uint64_t conns; /* connection ids handed out so far */
	uint64_t pad2[6];
	/* written by readers only */
	uint32_t readers; /* readers attached (atomic add/sub) */
	uint32_t pad3;
	uint64_t reader_ns; /* CLOCK_MONOTONIC of a reader's last poll */
	uint64_t pad4[6];
};

/*
 * One connection, written when the client connects (lp_stamps_conn). id is
 * a seqlock: 0 while the slot is written, then the connection's id (>= 1,
 * slot (id - 1) % nconns). Addresses network order, IPv4 in the first four
 * bytes; ports host order.
 */
struct lp_stamps_conn {
	uint64_t id;
	uint16_t family; /* AF_INET or AF_INET6 */
	uint16_t lport;
	uint16_t rport;
	uint16_t pad;
	uint8_t laddr[16];
	uint8_t raddr[16];
	int32_t fd;
	uint32_t pad2[3];
};

/*
 * One message, one cache line. seq is a seqlock: 0 while the record is
 * written, then its position + 1. A reader that sees another value, before
 * or after copying, has a torn or overwritten record and discards it.
 * Stamps are CLOCK_MONOTONIC ns except exch_ns (exchange time, CLOCK_REALTIME
 * ns); a stamp that does not exist is 0.
 */
struct lp_stamps_rec {
	uint64_t seq;
	uint64_t frame_ns;     /* WebSocket frame complete */
	uint64_t parsed_ns;    /* JSON parsed */
	uint64_t published_ns; /* handed downstream, 0 if not published */
	uint64_t exch_ns;      /* exchange event time, 0 if absent */
	uint64_t offset; /* stream offset just past the message, 0 if unknown */
	uint32_t len;	 /* payload bytes */
	uint32_t tid;	 /* thread that handled the message (gettid) */
	uint64_t conn;	 /* id from lp_stamps_conn, 0 if unknown */
};

_Static_assert(sizeof(struct lp_stamps_hdr) == 192, "header layout");
_Static_assert(sizeof(struct lp_stamps_conn) == 64, "connection layout");
_Static_assert(sizeof(struct lp_stamps_rec) == 64, "record layout");

/* ---- the client side (lib/lp_stamps.c) ---- */

struct lp_stamps {
	struct lp_stamps_hdr *h; /* the mapping */
	struct lp_stamps_rec *recs;
	uint64_t
		head; /* private copies: never read back what readers can write */
	uint64_t size;
	uint32_t mask;
	int fd; /* kept open: readers find the ring through it */
};

/*
 * Create the ring. NULL when disabled (environment LP_STAMPS=0) or when the
 * memfd cannot be made; the client then uses its fallback only.
 * LP_STAMPS_RECORDS=N (a power of two, 64..4194304) sizes the ring.
 */
struct lp_stamps *lp_stamps_open(void);
void lp_stamps_close(struct lp_stamps *s);

/* A connected socket: its addresses go in the table. 0 on failure. */
uint64_t lp_stamps_conn(struct lp_stamps *s, int fd);

/* Is a reader attached and alive? @now_ns: any recent CLOCK_MONOTONIC. */
static inline bool lp_stamps_active(const struct lp_stamps *s, uint64_t now_ns)
{
	uint64_t beat;

	if (!s || !__atomic_load_n(&s->h->readers, __ATOMIC_RELAXED))
		return false;
	beat = __atomic_load_n(&s->h->reader_ns, __ATOMIC_RELAXED);
	return now_ns - beat < LP_STAMPS_STALE_NS || beat > now_ns;
}

/* Write one record (single producer: one thread per ring). */
void lp_stamps_put(struct lp_stamps *s, uint64_t conn, uint64_t frame_ns,
		   uint64_t parsed_ns, uint64_t published_ns, uint64_t exch_ns,
		   uint64_t offset, uint32_t len);

#endif /* __LP_STAMPS_H */
