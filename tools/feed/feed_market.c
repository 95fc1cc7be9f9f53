// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * wsfeed's timed statistics streams, with the fields and JSON types of
 * Binance's spot WebSocket Streams documentation (web-socket-streams.md):
 * "Kline/Candlestick Streams for UTC", "Individual Symbol Mini Ticker
 * Stream", "All Market Mini Tickers Stream", "Individual Symbol Ticker
 * Streams", "Average Price" and "Partial Book Depth Streams". Prices,
 * quantities and volumes are strings, times, ids and counts numbers.
 *
 * Each stream keeps its own price walk and statistics (struct feed_stats):
 * trades happen between updates, so volumes and counts only grow within a
 * 24 h window or a kline. Partial depth is the top of the symbol's order
 * book (feed_book.c), the one its diff depth streams describe.
 *
 * With --market futures, the USD-M futures streams of these kinds (the
 * "Websocket Market Streams" pages of the USD-M futures documentation):
 * klines as on spot, every 250 ms, and the futures-only mark price
 * (one symbol and all), and liquidation order streams.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "feed_gen.h"

static char *const *market_syms;
static int market_nsyms;

void feed_market_symbols(char *const *syms, int n)
{
	market_syms = syms;
	market_nsyms = n;
}

/* A starting 24 h window: some history before the first update. */
void feed_market_init(struct feed_stream *st, struct feed_rng *r)
{
	struct feed_stats *x = &st->stats;
	int64_t p = st->price;

	x->open = p - (int64_t)(feed_rng_next(r) % 200) + 100;
	if (x->open < 2)
		x->open = 2;
	x->high =
		(p > x->open ? p : x->open) + (int64_t)(feed_rng_next(r) % 50);
	x->low = (p < x->open ? p : x->open) - (int64_t)(feed_rng_next(r) % 50);
	if (x->low < 1)
		x->low = 1;
	x->n = 10000 + feed_rng_next(r) % 100000;
	x->vol = x->n * 50000000;
	x->taker_vol = x->vol / 2;
	x->quote_vol = (double)x->vol / 1e8 * (double)p / 100.0;
	x->taker_quote_vol = x->quote_vol / 2;
	x->first = st->id > x->n ? st->id - x->n + 1 : 1;
	x->last_qty = feed_rand_qty(r);
}

/* 1 to 5 trades since the last update, each a step of the price walk. */
static void trades(struct feed_stream *st, struct feed_rng *r, uint64_t ems)
{
	struct feed_stats *x = &st->stats;
	int k = 1 + (int)(feed_rng_next(r) % 5);
	double quote;

	while (k-- > 0) {
		feed_walk(st, r);
		x->last_qty = feed_rand_qty(r);
		quote = (double)x->last_qty / 1e8 * (double)st->price / 100.0;
		x->vol += x->last_qty;
		x->quote_vol += quote;
		if (feed_rng_next(r) & 1) {
			x->taker_vol += x->last_qty;
			x->taker_quote_vol += quote;
		}
		x->n++;
		st->id++;
		if (st->price > x->high)
			x->high = st->price;
		if (st->price < x->low)
			x->low = st->price;
	}
	x->last_trade_ms = ems - feed_rng_next(r) % 1000;
}

static const struct {
	const char *name;
	uint64_t ms;
} intervals[] = {
	{"1s", 1000},	  {"1m", 60000},     {"3m", 180000},
	{"5m", 300000},	  {"15m", 900000},   {"30m", 1800000},
	{"1h", 3600000},  {"2h", 7200000},   {"4h", 14400000},
	{"6h", 21600000}, {"8h", 28800000},  {"12h", 43200000},
	{"1d", 86400000}, {"3d", 259200000}, {"1w", 604800000},
};

/* The UTC kline of @interval that holds @ms: [*start, *end]. */
static void kline_window(const char *interval, uint64_t ms, uint64_t *start,
			 uint64_t *end)
{
	const uint64_t monday = 4 * 86400000ULL; /* 1970-01-05 */
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	uint64_t len = 30 * 86400000ULL; /* 1M past what gmtime knows */
	size_t i;

	if (!strcmp(interval, "1M") && gmtime_r(&t, &tm)) {
		tm.tm_mday = 1;
		tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		*start = (uint64_t)timegm(&tm) * 1000;
		tm.tm_mon++;
		*end = (uint64_t)timegm(&tm) * 1000 - 1;
		return;
	}
	for (i = 0; i < sizeof(intervals) / sizeof(intervals[0]); i++)
		if (!strcmp(interval, intervals[i].name))
			len = intervals[i].ms;
	if (!strcmp(interval, "1w") && ms >= monday)
		*start = (ms - monday) / len * len + monday;
	else
		*start = ms / len * len;
	*end = *start + len - 1;
}

static void kline_open(struct feed_stream *st, uint64_t ms)
{
	struct feed_stats *x = &st->stats;

	memset(x, 0, sizeof(*x));
	kline_window(st->interval, ms, &x->kstart, &x->kend);
	x->open = x->high = x->low = st->price;
	x->first = st->id + 1;
}

static int fmt_vol(char *b, size_t len, uint64_t v)
{
	return feed_fmt_qty(b, len, v);
}

/* A time in ms, in the connection's unit. */
static unsigned long long in_unit(const struct feed_stream *st, uint64_t ms)
{
	return (unsigned long long)(st->micros ? ms * 1000 : ms);
}

/*
 * "Kline/Candlestick Streams for UTC". The update that finds its kline's
 * close time passed reports that kline closed ("x":true); the next one
 * opens the kline that holds its event time.
 */
static int fmt_kline(struct feed_stream *st, struct feed_rng *r, uint64_t e,
		     uint64_t ems, char *b, size_t len)
{
	struct feed_stats *x = &st->stats;
	char o[32], c[32], h[32], l[32], v[32], V[32];
	bool closed;
	int n;

	if (!x->kstart)
		kline_open(st, ems);
	closed = ems > x->kend;
	if (!closed)
		trades(st, r, ems);
	feed_fmt_price(o, sizeof(o), x->open);
	feed_fmt_price(c, sizeof(c), st->price);
	feed_fmt_price(h, sizeof(h), x->high);
	feed_fmt_price(l, sizeof(l), x->low);
	fmt_vol(v, sizeof(v), x->vol);
	fmt_vol(V, sizeof(V), x->taker_vol);
	n = snprintf(b, len,
		     "{\"e\":\"kline\",\"E\":%llu,\"s\":\"%s\",\"k\":{"
		     "\"t\":%llu,\"T\":%llu,\"s\":\"%s\",\"i\":\"%s\","
		     "\"f\":%llu,\"L\":%llu,\"o\":\"%s\",\"c\":\"%s\","
		     "\"h\":\"%s\",\"l\":\"%s\",\"v\":\"%s\",\"n\":%llu,"
		     "\"x\":%s,\"q\":\"%.8f\",\"V\":\"%s\",\"Q\":\"%.8f\","
		     "\"B\":\"0\"}}",
		     (unsigned long long)e, st->sym, in_unit(st, x->kstart),
		     in_unit(st, x->kend + 1) - 1, st->sym, st->interval,
		     (unsigned long long)x->first, (unsigned long long)st->id,
		     o, c, h, l, v, (unsigned long long)x->n,
		     closed ? "true" : "false", x->quote_vol, V,
		     x->taker_quote_vol);
	if (closed)
		x->kstart = 0;
	return n;
}

/* "Individual Symbol Mini Ticker Stream": one object, no wrapping. */
static int fmt_mini(const struct feed_stream *st, uint64_t e, char *b,
		    size_t len)
{
	const struct feed_stats *x = &st->stats;
	char o[32], c[32], h[32], l[32], v[32];

	feed_fmt_price(o, sizeof(o), x->open);
	feed_fmt_price(c, sizeof(c), st->price);
	feed_fmt_price(h, sizeof(h), x->high);
	feed_fmt_price(l, sizeof(l), x->low);
	fmt_vol(v, sizeof(v), x->vol);
	return snprintf(b, len,
			"{\"e\":\"24hrMiniTicker\",\"E\":%llu,\"s\":\"%s\","
			"\"c\":\"%s\",\"o\":\"%s\",\"h\":\"%s\",\"l\":\"%s\","
			"\"v\":\"%s\",\"q\":\"%.8f\"}",
			(unsigned long long)e, st->sym, c, o, h, l, v,
			x->quote_vol);
}

/* "Individual Symbol Ticker Streams": the 24 h window ends at E. */
static int fmt_ticker(const struct feed_stream *st, struct feed_rng *r,
		      uint64_t e, uint64_t ems, char *b, size_t len)
{
	const struct feed_stats *x = &st->stats;
	int64_t chg = st->price - x->open;
	char o[32], c[32], h[32], l[32], v[32], q[32], bp[32], bq[32], ap[32],
		aq[32], xp[32];

	feed_fmt_price(o, sizeof(o), x->open);
	feed_fmt_price(c, sizeof(c), st->price);
	feed_fmt_price(h, sizeof(h), x->high);
	feed_fmt_price(l, sizeof(l), x->low);
	feed_fmt_price(xp, sizeof(xp), x->open > 2 ? x->open - 1 : 1);
	fmt_vol(v, sizeof(v), x->vol);
	fmt_vol(q, sizeof(q), x->last_qty);
	feed_fmt_price(bp, sizeof(bp), st->price);
	feed_fmt_qty(bq, sizeof(bq), feed_rand_qty(r));
	feed_fmt_price(ap, sizeof(ap), st->price + 1);
	feed_fmt_qty(aq, sizeof(aq), feed_rand_qty(r));
	return snprintf(
		b, len,
		"{\"e\":\"24hrTicker\",\"E\":%llu,\"s\":\"%s\","
		"\"p\":\"%s%lld.%02lld000000\",\"P\":\"%.3f\","
		"\"w\":\"%.8f\",\"x\":\"%s\",\"c\":\"%s\",\"Q\":\"%s\","
		"\"b\":\"%s\",\"B\":\"%s\",\"a\":\"%s\",\"A\":\"%s\","
		"\"o\":\"%s\",\"h\":\"%s\",\"l\":\"%s\",\"v\":\"%s\","
		"\"q\":\"%.8f\",\"O\":%llu,\"C\":%llu,\"F\":%llu,\"L\":%llu,"
		"\"n\":%llu}",
		(unsigned long long)e, st->sym, chg < 0 ? "-" : "",
		(long long)(chg < 0 ? -chg : chg) / 100,
		(long long)(chg < 0 ? -chg : chg) % 100,
		100.0 * (double)chg / (double)x->open,
		x->vol ? x->quote_vol * 1e8 / (double)x->vol : 0.0, xp, c, q,
		bp, bq, ap, aq, o, h, l, v, x->quote_vol,
		in_unit(st, ems - 86400000), in_unit(st, ems),
		(unsigned long long)x->first, (unsigned long long)st->id,
		(unsigned long long)(st->id - x->first + 1));
}

/* "Average Price": the mean over the "5m" window, near the walk. */
static int fmt_avg(const struct feed_stream *st, uint64_t e, char *b,
		   size_t len)
{
	const struct feed_stats *x = &st->stats;
	char w[32];

	feed_fmt_price(w, sizeof(w), (x->open + st->price) / 2);
	return snprintf(b, len,
			"{\"e\":\"avgPrice\",\"E\":%llu,\"s\":\"%s\","
			"\"i\":\"5m\",\"w\":\"%s\",\"T\":%llu}",
			(unsigned long long)e, st->sym, w,
			in_unit(st, x->last_trade_ms));
}

/*
 * USD-M futures "Mark Price Stream": mark price (the walk), index price
 * and estimated settle price a few ticks off, a funding rate, and the next
 * funding time: the next 00:00, 08:00 or 16:00 UTC.
 */
static int fmt_mark(struct feed_stream *st, struct feed_rng *r, uint64_t e,
		    uint64_t ems, char *b, size_t len)
{
	const uint64_t every = 8 * 3600000ULL;
	char p[32], i[32], P[32];
	int64_t off = (int64_t)(feed_rng_next(r) % 7) - 3;

	feed_walk(st, r);
	feed_fmt_price(p, sizeof(p), st->price);
	feed_fmt_price(i, sizeof(i), st->price + off > 0 ? st->price + off : 1);
	feed_fmt_price(P, sizeof(P),
		       st->price + off / 2 > 0 ? st->price + off / 2 : 1);
	return snprintf(b, len,
			"{\"e\":\"markPriceUpdate\",\"E\":%llu,\"s\":\"%s\","
			"\"p\":\"%s\",\"i\":\"%s\",\"P\":\"%s\","
			"\"r\":\"0.%08llu\",\"T\":%llu}",
			(unsigned long long)e, st->sym, p, i, P,
			(unsigned long long)(5000 + feed_rng_next(r) % 10000),
			in_unit(st, (ems / every + 1) * every));
}

/*
 * USD-M futures "Liquidation Order Streams": Binance pushes the latest
 * liquidation of each 1000 ms window, none if there was none; here every
 * window has one, a filled IOC limit order near the price walk.
 */
static int fmt_force(struct feed_stream *st, struct feed_rng *r, uint64_t e,
		     char *b, size_t len)
{
	char p[32], ap[32], q[32];
	bool sell = feed_rng_next(r) & 1;

	feed_walk(st, r);
	feed_fmt_price(p, sizeof(p), sell ? st->price - 5 : st->price + 5);
	feed_fmt_price(ap, sizeof(ap), st->price);
	feed_fmt_qty(q, sizeof(q), feed_rand_qty(r));
	return snprintf(b, len,
			"{\"e\":\"forceOrder\",\"E\":%llu,\"o\":{"
			"\"s\":\"%s\",\"S\":\"%s\",\"o\":\"LIMIT\","
			"\"f\":\"IOC\",\"q\":\"%s\",\"p\":\"%s\","
			"\"ap\":\"%s\",\"X\":\"FILLED\",\"l\":\"%s\","
			"\"z\":\"%s\",\"T\":%llu}}",
			(unsigned long long)e, st->sym, sell ? "SELL" : "BUY",
			q, p, ap, q, q, (unsigned long long)(e ? e - 1 : 0));
}

/*
 * "All Market Mini Tickers Stream", "All Market ... Ticker", futures
 * "Mark Price Stream for All market": an array of one entry per symbol
 * served. Each is made afresh from @r (no state is kept per symbol):
 * prices near the symbol's base price.
 */
static int fmt_array(struct feed_stream *st, struct feed_rng *r, uint64_t e,
		     uint64_t ems, char *b, size_t len)
{
	struct feed_stream one;
	char name[FEED_NAME_LEN];
	int i, n = 1, k;

	if (len < 3)
		return -1;
	b[0] = '[';
	for (i = 0; i < market_nsyms; i++) {
		snprintf(name, sizeof(name), "%s@%s", market_syms[i],
			 st->kind == FEED_MARKPRICE_ARR ? "markPrice"
							: "ticker");
		if (feed_stream_parse(&one, name, r))
			continue;
		if (one.kind > FEED_DEPTH)
			feed_market_init(&one, r);
		one.micros = st->micros;
		if (st->kind != FEED_MARKPRICE_ARR)
			trades(&one, r, ems);
		if ((size_t)n + 2 >= len)
			return -1;
		if (i)
			b[n++] = ',';
		if (st->kind == FEED_MARKPRICE_ARR)
			k = fmt_mark(&one, r, e, ems, b + n, len - (size_t)n);
		else if (st->kind == FEED_TICKER_ARR)
			k = fmt_ticker(&one, r, e, ems, b + n, len - (size_t)n);
		else
			k = fmt_mini(&one, e, b + n, len - (size_t)n);
		if (k < 0 || (size_t)k >= len - (size_t)n)
			return -1;
		n += k;
	}
	if ((size_t)n + 2 > len)
		return -1;
	b[n++] = ']';
	b[n] = '\0';
	return n;
}

int feed_market_format(struct feed_stream *st, struct feed_rng *r, uint64_t e,
		       char *b, size_t len)
{
	uint64_t ems = st->micros ? e / 1000 : e;

	switch (st->kind) {
	case FEED_KLINE:
		return fmt_kline(st, r, e, ems, b, len);
	case FEED_MINITICKER:
		trades(st, r, ems);
		return fmt_mini(st, e, b, len);
	case FEED_TICKER:
		trades(st, r, ems);
		return fmt_ticker(st, r, e, ems, b, len);
	case FEED_AVGPRICE:
		trades(st, r, ems);
		return fmt_avg(st, e, b, len);
	case FEED_PARTIAL_DEPTH:
		return feed_book_partial(st, r, e, b, len);
	case FEED_MARKPRICE:
		return fmt_mark(st, r, e, ems, b, len);
	case FEED_FORCEORDER:
		return fmt_force(st, r, e, b, len);
	case FEED_MINITICKER_ARR:
	case FEED_TICKER_ARR:
	case FEED_MARKPRICE_ARR:
		return fmt_array(st, r, e, ems, b, len);
	default:
		return -1;
	}
}
