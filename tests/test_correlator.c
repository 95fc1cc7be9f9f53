// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The correlator on synthetic event streams: joins, sequence wrap,
 * out-of-order and retransmitted segments, message attribution, bounded
 * state, and garbage records.
 */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "correlator.h"

#define SK1 0xffff888001234500ULL

static struct corr *mk(bool per_message, unsigned int max_conns)
{
	struct corr_cfg cfg = { .per_message = per_message,
				.max_conns = max_conns };

	return corr_new(&cfg);
}

static void feed(struct corr *c, struct lp_event *e, uint8_t type,
		 uint64_t sk, uint64_t ts)
{
	e->h.type = type;
	e->h.sk = sk;
	e->h.ts_ns = ts;
	e->h.tid = e->h.tid ? e->h.tid : 7;
	if (type == LP_EV_TLS) /* ends after its reads */
		corr_event(c, e,
			   lp_tls_size(e->tls.n < LP_TLS_READS ? e->tls.n
							       : LP_TLS_READS));
	else
		corr_event(c, e, lp_event_size(type));
}

static void sock(struct corr *c, uint64_t sk, uint16_t port)
{
	struct lp_event e = {};

	e.sock.family = 2;
	e.sock.sport = port;
	e.sock.dport = 443;
	memcpy(e.sock.saddr, "\x0a\x4d\x00\x02", 4);
	memcpy(e.sock.daddr, "\x0a\x4d\x00\x01", 4);
	strcpy(e.sock.comm, "wsclient");
	e.h.tgid = 42;
	feed(c, &e, LP_EV_SOCK, sk, 1);
}

static void seg(struct corr *c, uint64_t sk, uint32_t seq, uint32_t end,
		uint32_t rcv_nxt, uint64_t dev, uint64_t ts)
{
	struct lp_event e = {};

	e.seg.seq = seq;
	e.seg.end_seq = end;

	e.seg.rcv_nxt = rcv_nxt;
	e.seg.dev_ns = dev;
	feed(c, &e, LP_EV_SEG, sk, ts);
}

static void wake(struct corr *c, uint64_t sk, uint32_t rcv_nxt, uint64_t ts)
{
	struct lp_event e = {};

	e.wake.rcv_nxt = rcv_nxt;
	feed(c, &e, LP_EV_WAKE, sk, ts);
}

static void rd(struct corr *c, uint64_t sk, uint32_t from, uint32_t to,
	       uint64_t start, uint64_t ts)
{
	struct lp_event e = {};

	e.read.seq_start = from;
	e.read.seq_end = to;
	e.read.ret = to - from;
	e.read.start_ns = start;
	feed(c, &e, LP_EV_READ, sk, ts);
}

static uint64_t stage_max(struct corr *c, enum lp_stage st)
{
	return c->stages[st].count ? c->stages[st].max : 0;
}

static void test_basic(void)
{
	struct corr *c = mk(false, 0);
	struct conn *cn;

	sock(c, SK1, 50000);
	seg(c, SK1, 1000, 1200, 1000, 1000, 1010);
	wake(c, SK1, 1200, 1020);
	rd(c, SK1, 1000, 1200, 990, 1050);
	cn = corr_lookup(c, SK1);
	if (!CHECK(cn, "connection tracked"))
		goto out;
	CHECK_EQ(cn->reads, 1);
	CHECK_EQ(cn->bytes_received, 200);
	CHECK_EQ(cn->segments_in, 1);
	CHECK_EQ(cn->tgid, 42);
	CHECK_EQ(stage_max(c, ST_NIC_TO_TCP), 10);
	CHECK_EQ(stage_max(c, ST_TCP_TO_WAKEUP), 10);
	CHECK_EQ(stage_max(c, ST_WAKEUP_TO_READ), 30);
	CHECK_EQ(stage_max(c, ST_READ_DURATION), 60);
	CHECK_EQ(stage_max(c, ST_TOTAL), 50);
	CHECK_EQ(cn->nsegs, 0); /* consumed marks are freed */
	CHECK_EQ(c->stages[ST_READ_TO_FRAME].count, 0);
out:
	corr_free(c);
}

/* A segment that straddles 2^32 and a read across the wrap. */
static void test_seq_wrap(void)
{
	struct corr *c = mk(false, 0);

	sock(c, SK1, 50000);
	seg(c, SK1, 0xffffff00u, 0x00000064u, 0xffffff00u, 100, 105);
	wake(c, SK1, 0x00000064u, 107);
	rd(c, SK1, 0xffffff00u, 0x00000064u, 0, 120);
	CHECK_EQ(c->stages[ST_WAKEUP_TO_READ].count, 1);
	CHECK_EQ(stage_max(c, ST_WAKEUP_TO_READ), 13);
	CHECK_EQ(corr_lookup(c, SK1)->bytes_received, 0x164);
	CHECK(seq_before(0xfffffff0u, 0x10u), "wrap compare");
	CHECK(!seq_before(0x10u, 0xfffffff0u), "wrap compare reverse");
	corr_free(c);
}

/* The later segment arrives first; the read's last byte is in it. */
static void test_out_of_order(void)
{
	struct corr *c = mk(false, 0);
	struct conn *cn;

	sock(c, SK1, 50000);
	seg(c, SK1, 1200, 1400, 1000, 200, 210);
	seg(c, SK1, 1000, 1200, 1000, 300, 320);
	cn = corr_lookup(c, SK1);
	CHECK_EQ(cn->nsegs, 2);
	CHECK_EQ(cn->segs[0].seq, 1000); /* index kept sorted */
	CHECK_EQ(cn->segs[1].seq, 1200);
	wake(c, SK1, 1400, 330);
	rd(c, SK1, 1000, 1400, 0, 400);
	CHECK_EQ(stage_max(c, ST_NIC_TO_TCP), 10); /* from 1200..1400 */
	CHECK_EQ(stage_max(c, ST_TCP_TO_WAKEUP), 120);
	CHECK_EQ(cn->nsegs, 0);
	corr_free(c);
}

static void test_retransmit(void)
{
	struct corr *c = mk(false, 0);
	struct conn *cn;

	sock(c, SK1, 50000);
	seg(c, SK1, 1000, 1200, 1000, 100, 110);
	/* spurious retransmit before the read: covered by the first */
	seg(c, SK1, 1000, 1200, 1200, 500, 520);
	wake(c, SK1, 1200, 120);
	rd(c, SK1, 1000, 1200, 0, 150);
	/* retransmit after the read: below rcv_nxt */
	seg(c, SK1, 1000, 1200, 1200, 600, 620);
	cn = corr_lookup(c, SK1);
	CHECK_EQ(cn->segments_in, 3);
	CHECK_EQ(cn->segments_dup, 2);
	CHECK_EQ(stage_max(c, ST_NIC_TO_TCP), 10); /* the original arrival */
	CHECK_EQ(cn->nsegs, 0);
	corr_free(c);
}

/* Missing marks make a stage absent, never zero. */
static void test_missing_marks(void)
{
	struct corr *c = mk(false, 0);

	sock(c, SK1, 50000);
	seg(c, SK1, 1, 101, 1, 0, 110); /* no dev_in */
	rd(c, SK1, 1, 101, 0, 150);	/* no wake-up, no read start */
	CHECK_EQ(c->stages[ST_NIC_TO_TCP].count, 0);
	CHECK_EQ(c->stages[ST_TCP_TO_WAKEUP].count, 0);
	CHECK_EQ(c->stages[ST_READ_DURATION].count, 0);
	CHECK_EQ(c->stages[ST_TOTAL].count, 1);
	CHECK_EQ(stage_max(c, ST_TOTAL), 40);
	corr_free(c);
}

static void test_messages(void)
{
	struct corr *c = mk(true, 0);
	struct lp_event e = {};

	sock(c, SK1, 50000);
	seg(c, SK1, 1000, 1300, 1000, 1000, 1010);
	wake(c, SK1, 1300, 1020);
	rd(c, SK1, 1000, 1300, 0, 1050);
	e.msg.frame_ns = 1100;
	e.msg.parsed_ns = 1130;
	e.msg.published_ns = 1160;
	e.msg.exch_ns = 900;
	feed(c, &e, LP_EV_MSG, SK1, 1170);
	CHECK_EQ(c->t.msgs_seen, 1);
	CHECK_EQ(c->t.msgs_correlated, 1);
	CHECK_EQ(c->t.msgs_by_last_read, 1);
	CHECK_EQ(stage_max(c, ST_EXCHANGE_TO_NIC), 100);
	CHECK_EQ(stage_max(c, ST_READ_TO_FRAME), 50);
	CHECK_EQ(stage_max(c, ST_FRAME_TO_PARSED), 30);
	CHECK_EQ(stage_max(c, ST_PARSED_TO_PUBLISHED), 30);
	CHECK_EQ(stage_max(c, ST_NIC_TO_USER), 100);
	CHECK_EQ(stage_max(c, ST_TOTAL), 260); /* E -> published */
	/* per message: reads alone produce no stage records */
	CHECK_EQ(c->stages[ST_WAKEUP_TO_READ].count, 1);

	/* a message on another thread than the read is not attributed */
	memset(&e, 0, sizeof(e));
	e.h.tid = 99;
	e.msg.frame_ns = 1200;
	e.msg.parsed_ns = 1210;
	feed(c, &e, LP_EV_MSG, SK1, 1220);
	CHECK_EQ(c->t.msgs_no_read, 1);
	CHECK_EQ(c->stages[ST_FRAME_TO_PARSED].count, 2);

	/* unknown socket */
	memset(&e, 0, sizeof(e));
	e.msg.frame_ns = 5;
	feed(c, &e, LP_EV_MSG, 0x1234, 10);
	CHECK_EQ(c->t.msgs_no_socket, 1);
	CHECK_EQ(c->t.msgs_correlated, 1);
	corr_free(c);
}

/* E's unit from its values; stages that do not start at E stay 1 ns */
static void test_exch_resolution(void)
{
	struct corr *c = mk(true, 0);
	struct lp_event e = {};

	sock(c, SK1, 50000);
	CHECK_EQ(corr_stage_res_ns(c, ST_EXCHANGE_TO_NIC), 1); /* no E yet */
	for (uint64_t i = 1; i <= 3; i++) {
		memset(&e, 0, sizeof(e));
		e.msg.frame_ns = 1000 * i;
		e.msg.exch_ns = 1700000000000ULL * 1000000ULL + i * 1000000ULL;
		feed(c, &e, LP_EV_MSG, SK1, 1000 * i + 10);
	}
	CHECK_EQ(corr_stage_res_ns(c, ST_EXCHANGE_TO_NIC), 1000000);
	CHECK_EQ(corr_stage_res_ns(c, ST_TOTAL), 1000000);
	CHECK_EQ(corr_stage_res_ns(c, ST_WAKEUP_TO_READ), 1);
	e.msg.exch_ns += 7000; /* one microsecond E: the unit is 1 us */
	feed(c, &e, LP_EV_MSG, SK1, 5000);
	CHECK_EQ(corr_stage_res_ns(c, ST_EXCHANGE_TO_NIC), 1000);
	corr_free(c);
}

/*
 * A message whose read left the connection's history (the consumer fell
 * behind the stamps ring) is no_read and counted as displaced; one that
 * came before any read is only no_read.
 */
static void test_read_displaced(void)
{
	struct corr *c = mk(true, 0);
	struct lp_event e = {};

	sock(c, SK1, 50000);
	e.msg.frame_ns = 500;
	feed(c, &e, LP_EV_MSG, SK1, 510);
	CHECK_EQ(c->t.msgs_no_read, 1);
	CHECK_EQ(c->t.msgs_read_displaced, 0);
	for (uint32_t i = 0; i < CONN_READS + 6; i++)
		rd(c, SK1, 1000 + i * 10, 1010 + i * 10, 0, 2000 + i * 100);
	memset(&e, 0, sizeof(e));
	e.msg.frame_ns = 2050; /* after the first read, long pushed out */
	feed(c, &e, LP_EV_MSG, SK1, 20000);
	CHECK_EQ(c->t.msgs_no_read, 2);
	CHECK_EQ(c->t.msgs_read_displaced, 1);
	corr_free(c);
}

static void cb(struct corr *c, uint32_t tid, uint64_t entry, uint64_t ret,
	       const char *payload)
{
	struct lp_event e = {};

	e.h.tid = tid;
	e.cb.entry_ns = entry;
	e.cb.len = strlen(payload);
	e.cb.ncopied = e.cb.len < LP_CB_PAYLOAD ? e.cb.len : LP_CB_PAYLOAD;
	memcpy(e.cb.payload, payload, e.cb.ncopied);
	feed(c, &e, LP_EV_CB, 0, ret);
}

/* --callback: one call = one message, joined to the thread's newest read. */
static void test_callback(void)
{
	/* E = 1700000000000 ms lands at CLOCK_MONOTONIC 1,000,000 ns */
	struct corr_cfg cfg = { .per_message = true,
				.realtime_offset_ns =
					1700000000000000000LL - 1000000 };
	struct corr *c = corr_new(&cfg);
	const uint64_t sk2 = SK1 + 0x100;

	sock(c, SK1, 50000);
	seg(c, SK1, 1000, 1300, 1000, 1000100, 1000110);
	wake(c, SK1, 1300, 1000120);
	rd(c, SK1, 1000, 1300, 0, 1000150);
	cb(c, 7, 1000200, 1000260,
	   "{\"e\":\"trade\",\"E\":1700000000000,\"s\":\"BTCUSDT\"}");
	CHECK_EQ(c->t.msgs_seen, 1);
	CHECK_EQ(c->t.msgs_correlated, 1);
	CHECK_EQ(c->t.msgs_exch_time, 1);
	CHECK_EQ(corr_lookup(c, SK1)->messages, 1);
	CHECK_EQ(stage_max(c, ST_EXCHANGE_TO_NIC), 100);
	CHECK_EQ(stage_max(c, ST_NIC_TO_TCP), 10);
	CHECK_EQ(stage_max(c, ST_WAKEUP_TO_READ), 30);
	CHECK_EQ(stage_max(c, ST_READ_TO_CALLBACK), 50);
	CHECK_EQ(stage_max(c, ST_CALLBACK), 60);
	CHECK_EQ(stage_max(c, ST_NIC_TO_USER), 100);
	CHECK_EQ(stage_max(c, ST_TOTAL), 260); /* E -> callback return */
	CHECK_EQ(c->stages[ST_READ_TO_FRAME].count, 0);

	/* a second message from the same read: same read, later entry */
	cb(c, 7, 1000300, 1000310, "{\"E\":1700000000000}");
	CHECK_EQ(stage_max(c, ST_READ_TO_CALLBACK), 150);
	CHECK_EQ(corr_lookup(c, SK1)->messages, 2);

	/* the thread reads another socket: the next call joins that read */
	sock(c, sk2, 50001);
	seg(c, sk2, 5000, 5100, 5000, 1000400, 1000410);
	rd(c, sk2, 5000, 5100, 0, 1000450);
	cb(c, 7, 1000500, 1000520, "{\"x\":1}"); /* no E: no total */
	CHECK_EQ(corr_lookup(c, sk2)->messages, 1);
	CHECK_EQ(c->stages[ST_TOTAL].count, 2);
	CHECK_EQ(c->stages[ST_CALLBACK].count, 3);

	/* a call that began before the newest read joins the one before */
	cb(c, 7, 1000440, 1000449, "{}");
	CHECK_EQ(corr_lookup(c, SK1)->messages, 3);

	/* another thread, no read: timed, counted, not correlated */
	cb(c, 8, 1000600, 1000605, "{}");
	CHECK_EQ(c->t.msgs_seen, 5);
	CHECK_EQ(c->t.msgs_no_read, 1);
	CHECK_EQ(c->t.msgs_correlated, 4);
	CHECK_EQ(c->stages[ST_CALLBACK].count, 5);
	corr_free(c);
}

static void test_exch_parse(void)
{
	const char *ms = "{\"e\":\"trade\",\"E\":1672515782136,\"s\":1}";
	const char *us = "{\"E\": 1672515782136123,\"s\":1}";
	const char *cut = "{\"e\":\"trade\",\"E\":16725157";

	CHECK_EQ(corr_payload_exch_ns(ms, strlen(ms), false),
		 1672515782136000000ULL);
	CHECK_EQ(corr_payload_exch_ns(us, strlen(us), false),
		 1672515782136123000ULL);
	/* cut off by the copy: unknown, never a wrong time */
	CHECK_EQ(corr_payload_exch_ns(cut, strlen(cut), true), 0);
	CHECK_EQ(corr_payload_exch_ns(ms, 10, true), 0);
	CHECK_EQ(corr_payload_exch_ns("{\"E\":12}", 9, false), 0);
	CHECK_EQ(corr_payload_exch_ns("", 0, false), 0);
}

static void test_bounded(void)
{
	struct corr *c = mk(false, 4);
	struct lp_event e = {};
	struct conn *cn;

	for (uint64_t i = 0; i < 10; i++)
		sock(c, SK1 + i * 64, 50000 + i);
	CHECK_EQ(c->t.conns_tracked, 4);
	/* connections and their records are counted apart (not one for the other) */
	CHECK_EQ(c->t.conns_not_tracked, 6);
	CHECK_EQ(c->t.events_not_tracked, 6);
	sock(c, SK1 + 9 * 64, 50009);
	CHECK_EQ(c->t.conns_not_tracked, 6);
	CHECK_EQ(c->t.events_not_tracked, 7);
	/* closed, its address comes back as a new connection: counted again */
	feed(c, &e, LP_EV_CLOSE, SK1 + 9 * 64, 4000);
	sock(c, SK1 + 9 * 64, 50019);
	CHECK_EQ(c->t.conns_not_tracked, 7);
	CHECK_EQ(c->t.events_not_tracked, 9);
	/* a socket that is never read keeps at most CONN_SEGS marks */
	for (uint32_t i = 0; i < CONN_SEGS + 100; i++)
		seg(c, SK1, i * 10, i * 10 + 10, i * 10, 0, 1000 + i);
	cn = corr_lookup(c, SK1);
	CHECK_EQ(cn->nsegs, CONN_SEGS);
	CHECK_EQ(cn->segments_evicted, 100);
	/* close frees live state but keeps the numbers */
	feed(c, &e, LP_EV_CLOSE, SK1, 5000);
	CHECK(!corr_lookup(c, SK1), "closed socket leaves the live table");
	CHECK(cn->closed && !cn->segs, "live state freed");
	CHECK_EQ(cn->segments_in, CONN_SEGS + 100);
	CHECK_EQ(c->t.conns_live, 3);
	corr_free(c);
}

/* The contract: right size for a known type, and reads return data. */
static bool is_valid(const unsigned char *buf, size_t n)
{
	const struct lp_event *e = (const void *)buf;

	if (n < sizeof(struct lp_hdr) || !e->h.type || e->h.type >= LP_EV_MAX)
		return false;
	if (e->h.type == LP_EV_TLS) {
		if (n < lp_tls_size(0) || e->tls.n > LP_TLS_READS ||
		    n != lp_tls_size(e->tls.n))
			return false;
	} else if (n != lp_event_size(e->h.type)) {
		return false;
	}
	if (e->h.type == LP_EV_READS) {
		if (!e->reads.n || e->reads.n > LP_READS_BATCH)
			return false;
		for (uint32_t i = 0; i < e->reads.n; i++)
			if (e->reads.ent[i].r.ret <= 0)
				return false;
	}
	/* SSL_read: plaintext, or only the reads it carries (all with data) */
	if (e->h.type == LP_EV_TLS) {
		if ((!e->tls.bytes && !e->tls.n) || e->tls.n > LP_TLS_READS)
			return false;
		for (uint32_t i = 0; i < e->tls.n; i++)
			if (e->tls.ent[i].r.ret <= 0)
				return false;
	}
	/* kTLS reads: plaintext, a record, no more decrypt time than clock */
	if (e->h.type == LP_EV_KTLS &&
	    (!e->ktls.bytes || !e->ktls.records ||
	     e->ktls.decrypt_ns > e->h.ts_ns))
		return false;
	return e->h.type != LP_EV_READ || e->read.ret > 0;
}

static void test_garbage(void)
{
	struct corr *c = mk(true, 16);
	unsigned char buf[sizeof(struct lp_event)];
	uint64_t good = 0;

	srandom(7);
	for (int i = 0; i < 200000; i++) {
		size_t n = random() % 256;

		for (size_t j = 0; j < n; j++)
			buf[j] = random();
		if (n > 32 && random() % 2) {
			/* a plausible header with a random payload */
			struct lp_hdr *h = (struct lp_hdr *)buf;

			h->type = 1 + random() % (LP_EV_MAX - 1);
			h->sk = SK1 + (random() % 8) * 64;
			n = lp_event_size(h->type);
			for (size_t j = 256; j < n; j++)
				buf[j] = random();
			/* batches: a valid count often enough to be read */
			if (h->type == LP_EV_READS && random() % 2)
				((struct lp_event *)buf)->reads.n =
					1 + random() % LP_READS_BATCH;
			/* SSL_read: a size that fits its count, often */
			if (h->type == LP_EV_TLS && random() % 2) {
				uint32_t k = random() % (LP_TLS_READS + 1);

				((struct lp_event *)buf)->tls.n = k;
				n = lp_tls_size(k);
			}
		}
		if (is_valid(buf, n))
			good++;
		corr_event(c, buf, n);
	}
	CHECK_EQ(c->t.events, good);
	CHECK_EQ(c->t.events + c->t.malformed, 200000);
	CHECK(c->t.conns_tracked <= 16, "bounded");
	corr_free(c);
}

static int fake_nic(void *ctx, const struct lp_sock_info *sock, uint32_t seq,
		    uint64_t tcp_ns, uint64_t *ns, uint8_t *src)
{
	int *calls = ctx;

	(*calls)++;
	/* the key is the segment as sent: the peer's port first */
	if ((seq != 1000 && seq != 1400) || sock->sport != 50000 ||
	    sock->dport != 443)
		return -1;
	/* 1400: a stamp 30 ns after tcp_in (a later copy, or clock error) */
	*ns = seq == 1000 ? 990 : 1150;
	*src = LP_NIC_DPDK_TSC;
	return 0;
}

/* A NIC stamp written after tcp_probe ran is found when the read consumes it. */
static void test_late_nic(void)
{
	struct corr_cfg cfg = { .nic_lookup = fake_nic };
	struct corr *c;
	struct conn *cn;
	int calls = 0;

	cfg.nic_ctx = &calls;
	c = corr_new(&cfg);
	sock(c, SK1, 50000);
	seg(c, SK1, 1000, 1200, 1000, 1000, 1010);
	seg(c, SK1, 1200, 1400, 1200, 1100, 1110);
	seg(c, SK1, 1400, 1600, 1400, 1115, 1120);
	rd(c, SK1, 1000, 1600, 0, 1200);
	cn = corr_lookup(c, SK1);
	CHECK_EQ(calls, 3);
	/* the 1400 stamp is after its tcp_in: counted, not used */
	CHECK_EQ(cn->nic.stamped, 1);
	CHECK_EQ(cn->nic.sources[LP_NIC_DPDK_TSC], 1);
	CHECK_EQ(cn->nic.sources[LP_NIC_DEV_IN], 2);
	CHECK_EQ(cn->nic.after_tcp, 1);
	CHECK_EQ(cn->nic.after_tcp_max_ns, 30);
	CHECK_EQ(c->nic.stamped, 1);
	CHECK_EQ(c->nic.after_tcp, 1);
	corr_free(c);
}

/*
 * Join mode: the kernel sends one record per read, carrying the mark of the
 * read's last segment and the socket's cumulative segment counters.
 */
static void joined_rd(struct corr *c, uint32_t from, uint32_t to,
		      const struct lp_mark *m, uint32_t in, uint32_t dev,
		      uint64_t ts)
{
	struct lp_event e = {};

	e.read.seq_start = from;
	e.read.seq_end = to;
	e.read.ret = to - from;
	e.read.joined = 1;
	e.read.has_mark = m != NULL;
	if (m)
		e.read.mark = *m;
	e.read.segs.in = in;
	e.read.segs.dev = dev;
	feed(c, &e, LP_EV_READ, SK1, ts);
}

static void test_joined(void)
{
	struct lp_mark m = { .seq = 1000, .end_seq = 1200, .dev_ns = 1000,
			     .tcp_ns = 1010, .wake_ns = 1020 };
	struct corr *c = mk(false, 0);
	struct lp_event e = {};
	struct conn *cn;

	sock(c, SK1, 50000);
	joined_rd(c, 1000, 1200, &m, 1, 1, 1050);
	cn = corr_lookup(c, SK1);
	if (!CHECK(cn, "connection tracked"))
		goto out;
	CHECK_EQ(stage_max(c, ST_NIC_TO_TCP), 10);
	CHECK_EQ(stage_max(c, ST_TCP_TO_WAKEUP), 10);
	CHECK_EQ(stage_max(c, ST_WAKEUP_TO_READ), 30);
	CHECK_EQ(stage_max(c, ST_TOTAL), 50);
	CHECK_EQ(cn->segments_in, 1);
	CHECK_EQ(cn->nic.sources[LP_NIC_DEV_IN], 1);
	CHECK_EQ(cn->nsegs, 0); /* the mark left with its read */
	/* three segments in one read: the counters say so, one mark came */
	m = (struct lp_mark){ .seq = 1400, .end_seq = 1600, .tcp_ns = 2010,
			      .wake_ns = 2020 };
	joined_rd(c, 1200, 1600, &m, 4, 1, 2050);
	CHECK_EQ(cn->segments_in, 4);
	CHECK_EQ(c->stages[ST_WAKEUP_TO_READ].count, 2);
	/* an older record overtaken by a newer one adds nothing */
	joined_rd(c, 1600, 1700, NULL, 3, 1, 2060);
	CHECK_EQ(cn->segments_in, 4);
	CHECK_EQ(c->stages[ST_WAKEUP_TO_READ].count, 2);
	/* close carries the segments nobody read */
	e.close.has_segs = 1;
	e.close.segs.in = 6;
	e.close.segs.dup = 1;
	e.close.segs.dev = 1;
	e.close.bytes_sent = 77;
	feed(c, &e, LP_EV_CLOSE, SK1, 3000);
	CHECK_EQ(cn->segments_in, 6);
	CHECK_EQ(cn->segments_dup, 1);
	CHECK_EQ(cn->bytes_sent, 77);
out:
	corr_free(c);
}

/* The i-th of a series of joined reads: 200 bytes, its own segment. */
static struct lp_read_ent series_read(uint32_t i)
{
	struct lp_read_ent re = {};
	uint64_t t = 10000 + i * 100;

	re.ts_ns = t + 50;
	re.tid = 7 + i % 3;
	re.tgid = 42;
	re.r.seq_start = 1000 + i * 200;
	re.r.seq_end = re.r.seq_start + 200;
	re.r.ret = 200;
	re.r.joined = 1;
	re.r.has_mark = i % 5 != 4; /* some reads find no mark */
	re.r.mark = (struct lp_mark){.seq = re.r.seq_start,
				     .end_seq = re.r.seq_end,
				     .dev_ns = t,
				     .tcp_ns = t + 5 + i % 7,
				     .wake_ns = t + 20};
	re.r.segs.in = i + 1;
	re.r.segs.dev = i + 1;
	return re;
}

/*
 * Batched reads (LP_EV_READS) are the same reads as records of their own:
 * every stage, counter and connection figure comes out identical.
 */
static void test_read_batch(void)
{
	struct corr *one = mk(false, 0), *bat = mk(false, 0);
	struct lp_event e = {};
	struct conn *a, *b;
	uint32_t i = 0;

	sock(one, SK1, 50000);
	sock(bat, SK1, 50000);
	for (i = 0; i < 11; i++) {
		struct lp_read_ent re = series_read(i);

		memset(&e, 0, sizeof(e));
		e.h.tid = re.tid;
		e.h.tgid = re.tgid;
		e.read = re.r;
		feed(one, &e, LP_EV_READ, SK1, re.ts_ns);
	}
	/* a full batch, then the three a flush sent */
	for (uint32_t base = 0; base < 11; base += LP_READS_BATCH) {
		memset(&e, 0, sizeof(e));
		for (i = 0; i < LP_READS_BATCH && base + i < 11; i++)
			e.reads.ent[i] = series_read(base + i);
		e.reads.n = i;
		feed(bat, &e, LP_EV_READS, SK1, 99999);
	}
	a = corr_lookup(one, SK1);
	b = corr_lookup(bat, SK1);
	if (!CHECK(a && b, "both connections tracked"))
		goto out;
	CHECK_EQ(b->reads, 11);
	CHECK_EQ(b->reads, a->reads);
	CHECK_EQ(b->bytes_received, a->bytes_received);
	CHECK_EQ(b->segments_in, a->segments_in);
	CHECK_EQ(b->nic.sources[LP_NIC_DEV_IN], a->nic.sources[LP_NIC_DEV_IN]);
	for (int st = 0; st < ST_MAX; st++) {
		CHECK_EQ(bat->stages[st].count, one->stages[st].count);
		CHECK_EQ(bat->stages[st].min, one->stages[st].min);
		CHECK_EQ(bat->stages[st].max, one->stages[st].max);
		CHECK(bat->stages[st].sum == one->stages[st].sum,
		      "stage %d: the same sum", st);
	}
	CHECK_EQ(bat->t.reads_batched, 11);
	CHECK_EQ(bat->t.by_type[LP_EV_READS], 2);
	CHECK_EQ(bat->t.by_type[LP_EV_READ], 0);
	CHECK_EQ(one->t.by_type[LP_EV_READ], 11);
	/* a batch with no entry, too many, or an entry without bytes */
	memset(&e, 0, sizeof(e));
	feed(bat, &e, LP_EV_READS, SK1, 99999);
	e.reads.n = LP_READS_BATCH + 1;
	feed(bat, &e, LP_EV_READS, SK1, 99999);
	e.reads.n = 2;
	e.reads.ent[0] = series_read(20);
	feed(bat, &e, LP_EV_READS, SK1, 99999);
	CHECK_EQ(bat->t.malformed, 3);
	CHECK_EQ(b->reads, 11); /* nothing of them was applied */
out:
	corr_free(one);
	corr_free(bat);
}

/*
 * Reads carried by the SSL_read that made them (LP_EV_TLS with n > 0) are
 * the same reads as records of their own followed by the call: the same
 * stages, and tls_decrypt runs from the last carried read.
 */
static void test_tls_carry(void)
{
	struct corr *one = mk(false, 0), *car = mk(false, 0);
	struct lp_event e = {};
	struct lp_read_ent r0 = series_read(0), r1 = series_read(3);
	struct conn *a, *b;

	r0.tid = r1.tid = 9;
	sock(one, SK1, 50000);
	sock(car, SK1, 50000);
	for (int i = 0; i < 2; i++) {
		memset(&e, 0, sizeof(e));
		e.h.tid = 9;
		e.read = (i ? r1 : r0).r;
		feed(one, &e, LP_EV_READ, SK1, (i ? r1 : r0).ts_ns);
	}
	memset(&e, 0, sizeof(e));
	e.h.tid = 9;
	e.tls.start_ns = r0.ts_ns - 30;
	e.tls.bytes = 150;
	feed(one, &e, LP_EV_TLS, 0, r1.ts_ns + 700);
	/* the same call carrying both reads */
	e.tls.n = 2;
	e.tls.ent[0] = r0;
	e.tls.ent[1] = r1;
	feed(car, &e, LP_EV_TLS, SK1, r1.ts_ns + 700);
	a = corr_lookup(one, SK1);
	b = corr_lookup(car, SK1);
	if (!CHECK(a && b, "both connections tracked"))
		goto out;
	CHECK_EQ(b->reads, 2);
	CHECK_EQ(b->bytes_received, a->bytes_received);
	for (int st = 0; st < ST_MAX; st++) {
		CHECK_EQ(car->stages[st].count, one->stages[st].count);
		CHECK(car->stages[st].sum == one->stages[st].sum,
		      "stage %d: the same sum", st);
	}
	CHECK_EQ(car->stages[ST_TLS_DECRYPT].count, 1);
	CHECK_EQ(stage_max(car, ST_TLS_DECRYPT), 700);
	CHECK_EQ(car->tls.after_kernel_read, 1);
	CHECK_EQ(car->t.reads_in_tls, 2);
	CHECK_EQ(corr_reads(car), 2);
	/* a call that returned nothing: its reads only, no TLS read */
	memset(&e, 0, sizeof(e));
	e.h.tid = 9;
	e.tls.n = 1;
	e.tls.ent[0] = series_read(6);
	feed(car, &e, LP_EV_TLS, SK1, 90000);
	CHECK_EQ(b->reads, 3);
	CHECK_EQ(car->tls.reads, 1);
	/* no bytes and no reads, too many reads, a carried read without data */
	memset(&e, 0, sizeof(e));
	feed(car, &e, LP_EV_TLS, SK1, 90000);
	e.tls.n = LP_TLS_READS + 1;
	e.tls.bytes = 10;
	feed(car, &e, LP_EV_TLS, SK1, 90000);
	e.tls.n = 1;
	feed(car, &e, LP_EV_TLS, SK1, 90000);
	CHECK_EQ(car->t.malformed, 3);
	/* one read in the count, the size of two */
	e.tls.ent[0] = series_read(7);
	corr_event(car, &e, lp_tls_size(2));
	CHECK_EQ(car->t.malformed, 4);
	CHECK_EQ(b->reads, 3);
out:
	corr_free(one);
	corr_free(car);
}

/*
 * Batched reads (reads_late): a message whose read still waits in the
 * kernel waits for it; a later read of its connection, a settle after the
 * queues' flush, or its connection's close joins it, to the right read.
 */
static void test_msg_waits_for_read(void)
{
	struct corr *c = mk(true, 0);
	struct lp_event e = {};

	c->reads_late = true;
	sock(c, SK1, 50000);
	seg(c, SK1, 1000, 1300, 1000, 1000, 1010);
	seg(c, SK1, 1300, 1600, 1300, 1400, 1410);
	seg(c, SK1, 1600, 1900, 1600, 1800, 1810);
	/* two messages before any read of theirs */
	e.msg.frame_ns = 1100;
	e.msg.parsed_ns = 1130;
	feed(c, &e, LP_EV_MSG, SK1, 1130);
	memset(&e, 0, sizeof(e));
	e.msg.frame_ns = 1500;
	e.msg.parsed_ns = 1520;
	feed(c, &e, LP_EV_MSG, SK1, 1520);
	CHECK_EQ(c->t.msgs_waited, 2);
	CHECK_EQ(c->stages[ST_FRAME_TO_PARSED].count, 0);
	/* the first one's read (ended 1050): not yet the second's */
	rd(c, SK1, 1000, 1300, 0, 1050);
	CHECK_EQ(c->t.msgs_correlated, 0);
	/* a read that ended after the first frame: the first joins it */
	rd(c, SK1, 1300, 1600, 0, 1450);
	CHECK_EQ(c->t.msgs_correlated, 1);
	CHECK_EQ(stage_max(c, ST_READ_TO_FRAME), 50); /* 1050 -> 1100 */
	/* the second's read is in (1450 <= 1500), but nothing after it yet */
	CHECK_EQ(c->stages[ST_FRAME_TO_PARSED].count, 1);
	/* a settle with no flush begun since it came: it waits on */
	corr_msgs_settle(c);
	CHECK_EQ(c->t.msgs_correlated, 1);
	corr_msgs_flush_begin(c);
	corr_msgs_settle(c);
	CHECK_EQ(c->t.msgs_correlated, 2);
	CHECK_EQ(c->stages[ST_READ_TO_FRAME].count, 2);
	CHECK_EQ(c->stages[ST_READ_TO_FRAME].min, 50); /* 1450 -> 1500 */
	/* a message whose read is already in (a newer read ended after it) */
	rd(c, SK1, 1600, 1900, 0, 1850);
	memset(&e, 0, sizeof(e));
	e.msg.frame_ns = 1840;
	e.msg.parsed_ns = 1845;
	feed(c, &e, LP_EV_MSG, SK1, 1845);
	CHECK_EQ(c->t.msgs_waited, 2);
	CHECK_EQ(c->t.msgs_correlated, 3);
	/* one left waiting when its connection closes: joined first */
	memset(&e, 0, sizeof(e));
	e.msg.frame_ns = 1900;
	e.msg.parsed_ns = 1905;
	feed(c, &e, LP_EV_MSG, SK1, 1905);
	CHECK_EQ(c->t.msgs_waited, 3);
	memset(&e, 0, sizeof(e));
	feed(c, &e, LP_EV_CLOSE, SK1, 2000);
	CHECK_EQ(c->t.msgs_correlated, 4);
	CHECK_EQ(c->t.msgs_seen, 4);
	corr_free(c);
}

/* The mark ring: evicting the head, out-of-order inserts, wake-ups after. */
static void test_ring(void)
{
	struct corr *c = mk(false, 0);
	struct conn *cn;

	sock(c, SK1, 50000);
	for (uint32_t i = 0; i < CONN_SEGS + 3; i++)
		seg(c, SK1, 100 + i * 10, 110 + i * 10, 100 + i * 10, 0,
		    1000 + i);
	cn = corr_lookup(c, SK1);
	CHECK_EQ(cn->nsegs, CONN_SEGS);
	CHECK_EQ(cn->segments_evicted, 3);
	/* a hole-filler older than the head's: evicts, then goes first */
	seg(c, SK1, 50, 60, 50, 0, 9000);
	CHECK_EQ(cn->segments_evicted, 4);
	wake(c, SK1, 100 + 20 * 10, 9100);
	/* the read of the first 20 segments ends in one woken at 9100 */
	rd(c, SK1, 130, 100 + 20 * 10, 0, 9200);
	CHECK_EQ(stage_max(c, ST_WAKEUP_TO_READ), 100);
	CHECK_EQ(cn->nsegs, CONN_SEGS - 17);
	corr_free(c);
}

int main(void)
{
	test_late_nic();
	test_basic();
	test_seq_wrap();
	test_out_of_order();
	test_retransmit();
	test_missing_marks();
	test_messages();
	test_exch_resolution();
	test_read_displaced();
	test_callback();
	test_exch_parse();
	test_bounded();
	test_garbage();
	test_joined();
	test_read_batch();
	test_tls_carry();
	test_msg_waits_for_read();
	test_ring();
	return check_done("test_correlator");
}
