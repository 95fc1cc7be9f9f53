// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The tls_decrypt stage on synthetic streams: it starts at the end of the
 * thread's last kernel read inside the SSL call, else at the call's entry
 * (bytes already in user space), lands on the socket of that read, and
 * never borrows another thread's read; per-message mode keeps it. The
 * ktls_decrypt stage: one value per kernel TLS read, on its socket.
 */
#include <string.h>
#include "check.h"
#include "correlator.h"

#define SK1 0xffff888001234500ULL
#define SK2 0xffff888001239900ULL

static void read_ev(struct corr *c, uint64_t sk, uint32_t tid, uint64_t start,
		    uint64_t end, uint32_t seq)
{
	struct lp_event e = {};

	e.h.type = LP_EV_READ;
	e.h.sk = sk;
	e.h.tid = tid;
	e.h.ts_ns = end;
	e.read.seq_start = seq;
	e.read.seq_end = seq + 100;
	e.read.ret = 100;
	e.read.start_ns = start;
	corr_event(c, &e, lp_event_size(LP_EV_READ));
}

static void tls_ev(struct corr *c, uint32_t tid, uint64_t start, uint64_t end,
		   uint64_t bytes)
{
	struct lp_event e = {};

	e.h.type = LP_EV_TLS;
	e.h.tid = tid;
	e.h.ts_ns = end;
	e.tls.start_ns = start;
	e.tls.bytes = bytes;
	corr_event(c, &e, lp_tls_size(0));
}

static uint64_t conn_count(struct corr *c, uint64_t sk)
{
	struct conn *cn = corr_lookup(c, sk);

	return cn && cn->stages[ST_TLS_DECRYPT] ?
		       cn->stages[ST_TLS_DECRYPT]->count :
		       0;
}

static void run(bool per_message)
{
	struct corr_cfg cfg = { .per_message = per_message };
	struct corr *c = corr_new(&cfg);

	/* OpenSSL reads the socket itself: header, then body (two reads) */
	read_ev(c, SK1, 7, 1000, 1500, 0);
	read_ev(c, SK1, 7, 1600, 2000, 100);
	tls_ev(c, 7, 900, 2600, 90);
	CHECK_EQ(c->stages[ST_TLS_DECRYPT].count, 1);
	CHECK_EQ(c->stages[ST_TLS_DECRYPT].min, 600); /* last read's end */
	CHECK_EQ(c->tls.after_kernel_read, 1);
	CHECK_EQ(conn_count(c, SK1), 1);

	/* a second record from OpenSSL's buffer: no kernel read inside */
	tls_ev(c, 7, 3000, 3250, 40);
	CHECK_EQ(c->tls.from_user_buffer, 1);
	CHECK_EQ(c->stages[ST_TLS_DECRYPT].count, 2);
	CHECK_EQ(c->stages[ST_TLS_DECRYPT].min, 250); /* entry -> return */
	CHECK_EQ(conn_count(c, SK1), 2); /* the thread's socket */

	/* another thread's read inside the call is not this call's read */
	read_ev(c, SK2, 8, 4050, 4100, 0);
	tls_ev(c, 9, 4000, 4300, 10);
	CHECK_EQ(c->tls.no_socket, 1);
	CHECK_EQ(conn_count(c, SK2), 0);
	CHECK_EQ(c->stages[ST_TLS_DECRYPT].count, 3);

	/* bytes and calls are counted; an empty record is malformed */
	tls_ev(c, 8, 4200, 4400, 0);
	CHECK_EQ(c->t.malformed, 1);
	CHECK_EQ(c->tls.reads, 3);
	CHECK_EQ(c->tls.bytes, 140);

	/* a return before its entry: out of order, no value */
	tls_ev(c, 8, 5000, 4900, 5);
	CHECK_EQ(c->t.out_of_order, 1);
	CHECK_EQ(c->stages[ST_TLS_DECRYPT].count, 3);
	corr_free(c);
}

static void ktls_ev(struct corr *c, uint64_t sk, uint64_t end,
		    uint64_t decrypt_ns, uint64_t bytes, uint32_t records)
{
	struct lp_event e = {};

	e.h.type = LP_EV_KTLS;
	e.h.sk = sk;
	e.h.tid = 7;
	e.h.ts_ns = end;
	e.ktls.decrypt_ns = decrypt_ns;
	e.ktls.bytes = bytes;
	e.ktls.records = records;
	corr_event(c, &e, lp_event_size(LP_EV_KTLS));
}

static void run_ktls(void)
{
	struct corr_cfg cfg = {};
	struct corr *c = corr_new(&cfg);
	struct conn *cn;

	read_ev(c, SK1, 7, 1000, 1500, 0); /* the connection exists */
	ktls_ev(c, SK1, 5000, 300, 512, 1);
	ktls_ev(c, SK1, 9000, 700, 1024, 2);
	ktls_ev(c, SK2, 9500, 100, 64, 1); /* a socket not seen: totals only */
	CHECK_EQ(c->ktls.reads, 3);
	CHECK_EQ(c->ktls.bytes, 1600);
	CHECK_EQ(c->ktls.records, 4);
	CHECK_EQ(c->stages[ST_KTLS_DECRYPT].count, 3);
	CHECK_EQ(c->stages[ST_KTLS_DECRYPT].min, 100);
	CHECK_EQ(c->stages[ST_KTLS_DECRYPT].max, 700);
	cn = corr_lookup(c, SK1);
	CHECK(cn && cn->stages[ST_KTLS_DECRYPT] &&
		      cn->stages[ST_KTLS_DECRYPT]->count == 2,
	      "ktls_decrypt on the read's socket: %s", cn ? "count" : "none");
	/* no plaintext, no record, or more decrypt time than clock: malformed */
	ktls_ev(c, SK1, 9000, 10, 0, 1);
	ktls_ev(c, SK1, 9000, 10, 5, 0);
	ktls_ev(c, SK1, 9000, 9001, 5, 1);
	CHECK_EQ(c->t.malformed, 3);
	CHECK_EQ(c->ktls.reads, 3);
	/* the tls_decrypt stage (user-space probe) is not touched */
	CHECK_EQ(c->stages[ST_TLS_DECRYPT].count, 0);
	corr_free(c);
}

int main(void)
{
	run(false);
	run(true);
	run_ktls();
	return check_done("test_corr_tls");
}
