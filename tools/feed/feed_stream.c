// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * wsfeed's ground: the seeded generator, the catalogue of stream kinds per
 * market and the parse of a stream name into a stream, the price and
 * quantity formats and the price walk. The book (feed_book.c), the market
 * formats (feed_market.c) and the payload dispatch (feed_gen.c) build on
 * it; it calls none of them.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "feed_gen.h"

void feed_rng_seed(struct feed_rng *r, uint64_t seed)
{
	/* splitmix64 step so that small seeds give unrelated states */
	uint64_t z = seed + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	r->s = (z ^ (z >> 31)) | 1;
}

uint64_t feed_rng_next(struct feed_rng *r)
{
	uint64_t x = r->s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	r->s = x;
	return x;
}

static const struct {
	const char *sym;
	int64_t price; /* ticks of 0.01 */
} base_prices[] = {
	{"btcusdt", 6500000}, {"ethusdt", 350000}, {"bnbusdt", 58000},
	{"solusdt", 15000},   {"xrpusdt", 52},
};

static int64_t base_price(const char *sym, struct feed_rng *r)
{
	size_t i;

	for (i = 0; i < sizeof(base_prices) / sizeof(base_prices[0]); i++)
		if (!strcmp(sym, base_prices[i].sym))
			return base_prices[i].price;
	return 100 + (int64_t)(feed_rng_next(r) % 100000);
}

enum feed_market feed_mkt = FEED_SPOT;

#define SPOT (1u << FEED_SPOT)
#define FUT (1u << FEED_FUTURES)
#define BOTH (SPOT | FUT)

/*
 * Stream kinds as the Binance documentation spells them, the markets that
 * serve them, with their documented update speed on each (0: real time,
 * paced by --rate here) and the depth levels or kline interval. Futures
 * speeds are those of the USD-M futures "Websocket Market Streams" pages.
 */
static const struct {
	const char *name;
	enum feed_kind kind;
	unsigned int markets;
	unsigned int period_ms[2]; /* spot, futures */
	unsigned int levels;
} kinds[] = {
	{"trade", FEED_TRADE, SPOT, {0, 0}, 0},
	{"aggTrade", FEED_AGGTRADE, BOTH, {0, 0}, 0},
	{"bookTicker", FEED_BOOKTICKER, BOTH, {0, 0}, 0},
	{"depth", FEED_DEPTH, BOTH, {1000, 250}, 0},
	{"depth@100ms", FEED_DEPTH, BOTH, {100, 100}, 0},
	{"depth@500ms", FEED_DEPTH, FUT, {0, 500}, 0},
	{"depth@1000ms", FEED_DEPTH, SPOT, {1000, 0}, 0},
	{"depth5", FEED_PARTIAL_DEPTH, BOTH, {1000, 250}, 5},
	{"depth10", FEED_PARTIAL_DEPTH, BOTH, {1000, 250}, 10},
	{"depth20", FEED_PARTIAL_DEPTH, BOTH, {1000, 250}, 20},
	{"depth5@100ms", FEED_PARTIAL_DEPTH, BOTH, {100, 100}, 5},
	{"depth10@100ms", FEED_PARTIAL_DEPTH, BOTH, {100, 100}, 10},
	{"depth20@100ms", FEED_PARTIAL_DEPTH, BOTH, {100, 100}, 20},
	{"depth5@500ms", FEED_PARTIAL_DEPTH, FUT, {0, 500}, 5},
	{"depth10@500ms", FEED_PARTIAL_DEPTH, FUT, {0, 500}, 10},
	{"depth20@500ms", FEED_PARTIAL_DEPTH, FUT, {0, 500}, 20},
	{"miniTicker", FEED_MINITICKER, SPOT, {1000, 0}, 0},
	{"ticker", FEED_TICKER, SPOT, {1000, 0}, 0},
	{"avgPrice", FEED_AVGPRICE, SPOT, {1000, 0}, 0},
	{"markPrice", FEED_MARKPRICE, FUT, {0, 3000}, 0},
	{"markPrice@1s", FEED_MARKPRICE, FUT, {0, 1000}, 0},
	/* at most one liquidation snapshot per 1000 ms: wsfeed has one */
	{"forceOrder", FEED_FORCEORDER, FUT, {0, 1000}, 0},
	/*
	 * Kline/Candlestick Streams: spot 1000 ms for 1s, else 2000 ms;
	 * futures has no 1s and updates every 250 ms
	 */
	{"kline_1s", FEED_KLINE, SPOT, {1000, 0}, 0},
	{"kline_1m", FEED_KLINE, BOTH, {2000, 250}, 0},
	{"kline_3m", FEED_KLINE, BOTH, {2000, 250}, 0},
	{"kline_5m", FEED_KLINE, BOTH, {2000, 250}, 0},
	{"kline_15m", FEED_KLINE, BOTH, {2000, 250}, 0},
	{"kline_30m", FEED_KLINE, BOTH, {2000, 250}, 0},
	{"kline_1h", FEED_KLINE, BOTH, {2000, 250}, 0},
	{"kline_2h", FEED_KLINE, BOTH, {2000, 250}, 0},
	{"kline_4h", FEED_KLINE, BOTH, {2000, 250}, 0},
	{"kline_6h", FEED_KLINE, BOTH, {2000, 250}, 0},
	{"kline_8h", FEED_KLINE, BOTH, {2000, 250}, 0},
	{"kline_12h", FEED_KLINE, BOTH, {2000, 250}, 0},
	{"kline_1d", FEED_KLINE, BOTH, {2000, 250}, 0},
	{"kline_3d", FEED_KLINE, BOTH, {2000, 250}, 0},
	{"kline_1w", FEED_KLINE, BOTH, {2000, 250}, 0},
	{"kline_1M", FEED_KLINE, BOTH, {2000, 250}, 0},
};

/* Streams of all symbols: no symbol before the '@'. */
static const struct {
	const char *name;
	enum feed_kind kind;
	unsigned int markets;
	unsigned int period_ms;
} all_market[] = {
	{"!miniTicker@arr", FEED_MINITICKER_ARR, SPOT, 1000},
	{"!ticker@arr", FEED_TICKER_ARR, SPOT, 1000},
	{"!markPrice@arr", FEED_MARKPRICE_ARR, FUT, 3000},
	{"!markPrice@arr@1s", FEED_MARKPRICE_ARR, FUT, 1000},
};

#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

static bool served(unsigned int markets)
{
	return markets & (1u << feed_mkt);
}

/*
 * Exact spelling first; any case but for a kline's interval (1m, 1M).
 * Kinds the market does not serve are not found.
 */
static size_t find_kind(const char *kind)
{
	size_t i;

	for (i = 0; i < NKINDS; i++)
		if (!strcmp(kind, kinds[i].name))
			return served(kinds[i].markets) ? i : NKINDS;
	for (i = 0; i < NKINDS; i++)
		if (kinds[i].kind != FEED_KLINE && served(kinds[i].markets) &&
		    !strcasecmp(kind, kinds[i].name))
			return i;
	if (!strncasecmp(kind, "kline_", 6))
		for (i = 0; i < NKINDS; i++)
			if (kinds[i].kind == FEED_KLINE &&
			    served(kinds[i].markets) &&
			    !strcmp(kind + 6, kinds[i].name + 6))
				return i;
	return NKINDS;
}

static void stream_clear(struct feed_stream *st)
{
	st->next_ns = 0;
	st->levels = 0;
	st->last_u = 0;
	st->interval = NULL;
	st->micros = false;
	memset(&st->stats, 0, sizeof(st->stats));
	st->book = NULL;
	st->reader = -1;
}

static int all_market_init(struct feed_stream *st, const char *name,
			   struct feed_rng *r)
{
	size_t i;

	for (i = 0; i < sizeof(all_market) / sizeof(all_market[0]); i++) {
		if (strcasecmp(name, all_market[i].name) ||
		    !served(all_market[i].markets))
			continue;
		stream_clear(st);
		st->kind = all_market[i].kind;
		st->period_ms = all_market[i].period_ms;
		st->sym[0] = '\0';
		snprintf(st->name, sizeof(st->name), "%s", all_market[i].name);
		st->price = 0;
		st->id = 100000000 + feed_rng_next(r) % 1000000;
		st->sub_id = 0;
		return 0;
	}
	return -1;
}

int feed_stream_parse(struct feed_stream *st, const char *name,
		      struct feed_rng *r)
{
	const char *at = strchr(name, '@');
	size_t symlen = at ? (size_t)(at - name) : 0;
	char sym[FEED_SYM_LEN];
	const char *kind;
	size_t i;

	if (name[0] == '!')
		return all_market_init(st, name, r);
	if (!at || symlen == 0 || symlen >= FEED_SYM_LEN ||
	    strlen(name) >= FEED_NAME_LEN)
		return -1;
	i = find_kind(at + 1);
	if (i == NKINDS)
		return -1;
	stream_clear(st);
	st->kind = kinds[i].kind;
	st->period_ms = kinds[i].period_ms[feed_mkt];
	st->levels = kinds[i].levels;
	if (st->kind == FEED_KLINE)
		st->interval = kinds[i].name + 6;
	kind = kinds[i].name;
	for (i = 0; i < symlen; i++) {
		if (!isalnum((unsigned char)name[i]))
			return -1;
		sym[i] = (char)tolower((unsigned char)name[i]);
		st->sym[i] = (char)toupper((unsigned char)name[i]);
	}
	sym[symlen] = '\0';
	st->sym[symlen] = '\0';
	/* one spelling per stream, so names compare with strcmp */
	snprintf(st->name, sizeof(st->name), "%s@%s", sym, kind);
	st->price = base_price(sym, r);
	st->id = 100000000 + feed_rng_next(r) % 1000000;
	st->sub_id = st->id * 3;
	return 0;
}

/* "12345.67000000": Binance prints 8 decimals. */
int feed_fmt_price(char *b, size_t len, int64_t ticks)
{
	return snprintf(b, len, "%lld.%02lld000000", (long long)(ticks / 100),
			(long long)(ticks % 100));
}

/* Quantity in 1e-8 units, 0.001 .. 2.0 */
uint64_t feed_rand_qty(struct feed_rng *r)
{
	return 100000 + feed_rng_next(r) % 200000000;
}

int feed_fmt_qty(char *b, size_t len, uint64_t q)
{
	return snprintf(b, len, "%llu.%08llu",
			(unsigned long long)(q / 100000000),
			(unsigned long long)(q % 100000000));
}

void feed_walk(struct feed_stream *st, struct feed_rng *r)
{
	/* +-1 tick, a little mean drift is fine for an emulator */
	int64_t step = (int64_t)(feed_rng_next(r) % 3) - 1;

	if (st->price + step > 1)
		st->price += step;
}
