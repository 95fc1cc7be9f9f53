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
	/* timed streams with statistics (feed_market.c) */
	FEED_KLINE,
	FEED_MINITICKER,
	FEED_TICKER,
	FEED_MINITICKER_ARR,
	FEED_TICKER_ARR,
	FEED_AVGPRICE,
	FEED_PARTIAL_DEPTH,
	/* USD-M futures only */
	FEED_MARKPRICE,
	FEED_MARKPRICE_ARR,
	FEED_FORCEORDER,
};

/*
 * The market emulated, process-wide: Binance spot
 * (wss://stream.binance.com:9443) or USD-M futures
 * (wss://fstream.binance.com). It decides which stream names are served,
 * their update speed and their payloads. Set once, before any stream.
 */
enum feed_market {
	FEED_SPOT,
	FEED_FUTURES,
};

extern enum feed_market feed_mkt;

/*
 * A symbol's running statistics: the 24 h window of the tickers, or the
 * current kline. Prices in ticks of 0.01, volumes in 1e-8 units.
 */
struct feed_stats {
	int64_t open, high, low;
	uint64_t vol, taker_vol, last_qty;
	double quote_vol, taker_quote_vol;
	uint64_t first, n;	/* first trade id, number of trades */
	uint64_t kstart, kend;	/* kline: open and close time, ms */
	uint64_t last_trade_ms; /* avgPrice T */
};

struct feed_rng {
	uint64_t s;
};

struct feed_book;

struct feed_stream {
	char name[FEED_NAME_LEN]; /* canonical: "btcusdt@depth@100ms" */
	char sym[FEED_SYM_LEN];	  /* upper case, as in "s" */
	enum feed_kind kind;
	int64_t price;	 /* in 1e-2 ticks */
	uint64_t id;	 /* t, a, or u */
	uint64_t sub_id; /* first trade id of aggTrade */
	/* timed streams: documented update speed, 0 = event stream (--rate) */
	unsigned int period_ms;
	uint64_t next_ns;     /* monotonic time of the next update */
	unsigned int levels;  /* partial depth: 5, 10 or 20 */
	/* futures partial depth: u of its last event (pu), from the book */
	uint64_t last_u;
	const char *interval; /* kline: "1m" ... */
	bool micros;	      /* E in microseconds: set by the sender */
	struct feed_stats stats;
	/* depth streams: the symbol's book (feed_book.c), NULL: a scratch one */
	struct feed_book *book;
	int reader; /* diff depth: its queue of changes in the book */
};

void feed_rng_seed(struct feed_rng *r, uint64_t seed);
uint64_t feed_rng_next(struct feed_rng *r);

/* Shared by the payload formatters (feed_gen.c, feed_market.c). */
int feed_fmt_price(char *b, size_t len, int64_t ticks);
uint64_t feed_rand_qty(struct feed_rng *r);
int feed_fmt_qty(char *b, size_t len, uint64_t q);
void feed_walk(struct feed_stream *st, struct feed_rng *r);

/*
 * feed_market.c: klines, tickers, average price and partial book depth.
 * feed_market_init() sets up @st's statistics once its kind and price
 * are known; feed_market_format() writes the next payload (no wrapping),
 * returning the length or -1. The !...@arr streams list the symbols given
 * to feed_market_symbols() (none until then).
 */
void feed_market_symbols(char *const *syms, int n);
void feed_market_init(struct feed_stream *st, struct feed_rng *r);
int feed_market_format(struct feed_stream *st, struct feed_rng *r, uint64_t e,
		       char *b, size_t len);

/*
 * feed_book.c: one order book per symbol, shared by a session's diff and
 * partial depth streams. feed_book_attach() gives a depth stream the book
 * of its symbol in @list (made on first use; 0, or -1 when out of memory
 * or readers), feed_book_detach() lets it go, feed_book_free_all() frees
 * the list. The formatters step the book and write the next payload
 * (no wrapping): the changes since this diff stream's last event, or the
 * top st->levels levels. A stream with no book gets a fresh one each call.
 */
int feed_book_attach(struct feed_stream *st, struct feed_book **list,
		     struct feed_rng *r);
void feed_book_detach(struct feed_stream *st);
void feed_book_free_all(struct feed_book **list);
int feed_book_diff(struct feed_stream *st, struct feed_rng *r, uint64_t e,
		   char *out, size_t len);
int feed_book_partial(struct feed_stream *st, struct feed_rng *r, uint64_t e,
		      char *out, size_t len);

/*
 * Parse "<symbol>@<kind>" (spot: trade, aggTrade, bookTicker, depth[@100ms|
 * @1000ms], depth<5|10|20>[@100ms], kline_<interval>, miniTicker, ticker,
 * avgPrice; futures: aggTrade, bookTicker, depth[@500ms|@100ms],
 * depth<5|10|20>[@500ms|@100ms], kline_<interval>, markPrice[@1s],
 * forceOrder) or "!miniTicker@arr", "!ticker@arr" (spot),
 * "!markPrice@arr[@1s]" (futures), in any case but for the kline interval
 * (1m is not 1M); st->name gets the one spelling (lower-case symbol, kind
 * as documented). Returns 0, or -1 if the name is not a stream served on
 * feed_mkt.
 */
int feed_stream_init(struct feed_stream *st, const char *name,
		     struct feed_rng *r);
/*
 * The parse alone (feed_stream.c), without the market state a kind past
 * FEED_DEPTH also gets (feed_market_init()): what feed_stream_init() and
 * the market's array streams build on.
 */
int feed_stream_parse(struct feed_stream *st, const char *name,
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
