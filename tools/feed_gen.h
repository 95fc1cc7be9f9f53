/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Deterministic Binance-style payloads. A stream ("btcusdt@trade") owns a
 * price walk and id counters driven by a seeded xorshift generator, so the
 * same seed yields the same sequence of messages (apart from E and T,
 * which carry the send time).
 */
#ifndef __FEED_GEN_H
#define __FEED_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FEED_NAME_LEN 64
#define FEED_SYM_LEN 24

enum feed_kind {
	FEED_TRADE,
	FEED_AGGTRADE,
	FEED_BOOKTICKER,
	FEED_DEPTH,
};

struct feed_rng {
	uint64_t s;
};

struct feed_stream {
	char name[FEED_NAME_LEN]; /* canonical: "btcusdt@depth@100ms" */
	char sym[FEED_SYM_LEN];	  /* upper case, as in "s" */
	enum feed_kind kind;
	int64_t price;	 /* in 1e-2 ticks */
	uint64_t id;	 /* t, a, or u */
	uint64_t sub_id; /* first trade id of aggTrade */
	/* timed streams: documented update speed, 0 = event stream (--rate) */
	unsigned int period_ms;
	uint64_t next_ns; /* monotonic time of the next update */
};

void feed_rng_seed(struct feed_rng *r, uint64_t seed);
uint64_t feed_rng_next(struct feed_rng *r);

/*
 * Parse "<symbol>@<trade|aggTrade|bookTicker|depth[@100ms|@1000ms]>", in
 * any case; st->name gets the one spelling (lower-case symbol, kind as
 * documented). Returns 0, or -1 if the name is not a stream served here.
 */
int feed_stream_init(struct feed_stream *st, const char *name,
		     struct feed_rng *r);

/*
 * Format the next payload of @st into @buf. @e is the event time in the
 * unit the connection asked for (ms or us). With @combined the payload is
 * wrapped as {"stream":...,"data":{...}}. Returns the length or -1 if @buf
 * is too small.
 */
int feed_format(struct feed_stream *st, struct feed_rng *r, uint64_t e,
		bool combined, char *buf, size_t len);

/*
 * Copy a recorded JSON line, replacing the digits of its first "E": with @e.
 * Lines without E are copied verbatim. Returns the length or -1.
 */
int feed_replay_line(const char *line, size_t n, uint64_t e, char *buf,
		     size_t len);

#endif /* __FEED_GEN_H */
