// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "feed_gen.h"

int feed_stream_init(struct feed_stream *st, const char *name,
		     struct feed_rng *r)
{
	if (feed_stream_parse(st, name, r))
		return -1;
	if (st->kind > FEED_DEPTH)
		feed_market_init(st, r);
	return 0;
}

static int fmt_price(char *b, size_t len, int64_t ticks)
{
	return feed_fmt_price(b, len, ticks);
}

static int fmt_qty(char *b, size_t len, struct feed_rng *r)
{
	return feed_fmt_qty(b, len, feed_rand_qty(r));
}

static int fmt_payload(struct feed_stream *st, struct feed_rng *r, uint64_t e,
		       char *b, size_t len)
{
	char p[32], q[32], p2[32], q2[32];
	uint64_t t = e - feed_rng_next(r) % 2;
	bool m = feed_rng_next(r) & 1;
	uint64_t first;

	if (st->kind > FEED_DEPTH)
		return feed_market_format(st, r, e, b, len);
	if (st->kind == FEED_DEPTH)
		return feed_book_diff(st, r, e, b, len);
	feed_walk(st, r);
	switch (st->kind) {
	case FEED_TRADE:
		fmt_price(p, sizeof(p), st->price);
		fmt_qty(q, sizeof(q), r);
		return snprintf(b, len,
				"{\"e\":\"trade\",\"E\":%llu,\"s\":\"%s\","
				"\"t\":%llu,\"p\":\"%s\",\"q\":\"%s\","
				"\"T\":%llu,\"m\":%s,\"M\":true}",
				(unsigned long long)e, st->sym,
				(unsigned long long)++st->id, p, q,
				(unsigned long long)t, m ? "true" : "false");
	case FEED_AGGTRADE:
		fmt_price(p, sizeof(p), st->price);
		fmt_qty(q, sizeof(q), r);
		first = st->sub_id + 1;
		st->sub_id += 1 + feed_rng_next(r) % 4;
		/* futures: nq, the quantity without RPI orders (none here) */
		if (feed_mkt == FEED_FUTURES)
			return snprintf(
				b, len,
				"{\"e\":\"aggTrade\",\"E\":%llu,\"s\":\"%s\","
				"\"a\":%llu,\"p\":\"%s\",\"q\":\"%s\","
				"\"nq\":\"%s\",\"f\":%llu,\"l\":%llu,"
				"\"T\":%llu,\"m\":%s}",
				(unsigned long long)e, st->sym,
				(unsigned long long)++st->id, p, q, q,
				(unsigned long long)first,
				(unsigned long long)st->sub_id,
				(unsigned long long)t, m ? "true" : "false");
		return snprintf(b, len,
				"{\"e\":\"aggTrade\",\"E\":%llu,\"s\":\"%s\","
				"\"a\":%llu,\"p\":\"%s\",\"q\":\"%s\","
				"\"f\":%llu,\"l\":%llu,\"T\":%llu,\"m\":%s,"
				"\"M\":true}",
				(unsigned long long)e, st->sym,
				(unsigned long long)++st->id, p, q,
				(unsigned long long)first,
				(unsigned long long)st->sub_id,
				(unsigned long long)t, m ? "true" : "false");
	case FEED_BOOKTICKER:
		/* Spot bookTicker has no event time, as on Binance. */
		fmt_price(p, sizeof(p), st->price);
		fmt_qty(q, sizeof(q), r);
		fmt_price(p2, sizeof(p2), st->price + 1);
		fmt_qty(q2, sizeof(q2), r);
		/* Futures bookTicker has them: e, E and T (transaction). */
		if (feed_mkt == FEED_FUTURES)
			return snprintf(
				b, len,
				"{\"e\":\"bookTicker\",\"u\":%llu,\"E\":%llu,"
				"\"T\":%llu,\"s\":\"%s\",\"b\":\"%s\","
				"\"B\":\"%s\",\"a\":\"%s\",\"A\":\"%s\"}",
				(unsigned long long)++st->id,
				(unsigned long long)e, (unsigned long long)t,
				st->sym, p, q, p2, q2);
		return snprintf(b, len,
				"{\"u\":%llu,\"s\":\"%s\",\"b\":\"%s\","
				"\"B\":\"%s\",\"a\":\"%s\",\"A\":\"%s\"}",
				(unsigned long long)++st->id, st->sym, p, q, p2,
				q2);
	default:
		break;
	}
	return -1;
}

int feed_format(struct feed_stream *st, struct feed_rng *r, uint64_t e,
		bool combined, char *buf, size_t len)
{
	int hdr = 0, n;

	if (combined) {
		hdr = snprintf(buf, len,
			       "{\"stream\":\"%s\",\"data\":", st->name);
		if (hdr < 0 || (size_t)hdr >= len)
			return -1;
	}
	n = fmt_payload(st, r, e, buf + hdr, len - hdr);
	if (n < 0 || (size_t)n >= len - hdr)
		return -1;
	n += hdr;
	if (combined) {
		if ((size_t)n + 2 > len)
			return -1;
		buf[n++] = '}';
		buf[n] = '\0';
	}
	return n;
}

int feed_replay_line(const char *line, size_t n, uint64_t e, char *buf,
		     size_t len)
{
	const char *key = memmem(line, n, "\"E\":", 4);
	size_t head, tail_at;
	char num[24];
	int k;

	if (!key) {
		if (n + 1 > len)
			return -1;
		memcpy(buf, line, n);
		buf[n] = '\0';
		return (int)n;
	}
	head = (size_t)(key - line) + 4;
	tail_at = head;
	while (tail_at < n && isdigit((unsigned char)line[tail_at]))
		tail_at++;
	k = snprintf(num, sizeof(num), "%llu", (unsigned long long)e);
	if (head + (size_t)k + (n - tail_at) + 1 > len)
		return -1;
	memcpy(buf, line, head);
	memcpy(buf + head, num, (size_t)k);
	memcpy(buf + head + k, line + tail_at, n - tail_at);
	buf[head + k + (n - tail_at)] = '\0';
	return (int)(head + k + (n - tail_at));
}
