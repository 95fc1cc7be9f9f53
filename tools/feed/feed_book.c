// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * wsfeed's order books: one per symbol per connection, shared by that
 * symbol's "Diff. Depth Stream" and "Partial Book Depth Streams"
 * (web-socket-streams.md), so that a client can keep a local book as
 * "How to manage a local order book correctly" says: a diff event's U..u
 * are the update ids of the changes it carries (each level's final
 * quantity, "0.00000000" for a level removed), the next event's U is this
 * one's u + 1, and a partial snapshot's lastUpdateId is the last update
 * its levels include.
 *
 * USD-M futures ("Diff. Book Depth Streams", "Partial Book Depth Streams",
 * "How to manage a local order book correctly" of its Websocket Market
 * Streams) sends both as depthUpdate events with T and pu, pu being the
 * u of the stream's previous event; a partial event's U..u are the
 * updates since that stream's previous event and its b / a the top
 * levels, so its u plays the part of lastUpdateId.
 *
 * The book changes whenever one of its streams sends (a step: the touch
 * walks a tick, a few levels change), and every change is queued for
 * each diff stream of the symbol, merged per price level, until that
 * stream sends its next event. Each side keeps BOOK_MIN levels or more
 * within BOOK_BAND ticks of its best price, bids below asks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feed_gen.h"

#define BOOK_LEVELS 128	  /* levels a side at the most */
#define BOOK_INIT 40	  /* levels a side when the book opens */
#define BOOK_MIN 25	  /* fewer: the side is refilled at its far end */
#define BOOK_BAND 60	  /* ticks from the best beyond which levels go */
#define BOOK_SPREAD 40	  /* random changes fall this deep */
#define BOOK_READERS 4	  /* diff streams of one symbol: 3 names */
#define BOOK_PENDING 4096 /* changes queued for one diff stream */

enum { BID, ASK };

struct book_level {
	int64_t px; /* ticks of 0.01 */
	uint64_t qty;
};

struct book_change {
	int side;
	int64_t px;
	uint64_t qty; /* 0: level removed */
};

/* A diff stream's changes since its last event, U = first. */
struct book_reader {
	bool used;
	uint64_t first;
	size_t n, cap;
	struct book_change *ch;
};

struct feed_book {
	struct feed_book *next;
	char sym[FEED_SYM_LEN];
	uint64_t id;			      /* the last update applied */
	struct book_level lv[2][BOOK_LEVELS]; /* best first */
	int n[2];
	struct book_reader rd[BOOK_READERS];
};

/* Is @a better than @b on @side (higher bid, lower ask)? */
static bool better(int side, int64_t a, int64_t b)
{
	return side == BID ? a > b : a < b;
}

static void record(struct feed_book *b, int side, int64_t px, uint64_t qty)
{
	struct book_reader *r;
	struct book_change *c;
	size_t i;
	int k;

	for (k = 0; k < BOOK_READERS; k++) {
		r = &b->rd[k];
		if (!r->used)
			continue;
		for (i = 0; i < r->n; i++)
			if (r->ch[i].side == side && r->ch[i].px == px)
				break;
		if (i == r->n) {
			if (r->n == r->cap) {
				size_t cap = r->cap ? r->cap * 2 : 64;

				c = realloc(r->ch, cap * sizeof(*c));
				if (!c)
					continue; /* step() sees it full */
				r->ch = c;
				r->cap = cap;
			}
			r->n++;
		}
		r->ch[i] = (struct book_change){side, px, qty};
	}
}

static void remove_at(struct feed_book *b, int side, int i)
{
	struct book_level *l = b->lv[side];

	record(b, side, l[i].px, 0);
	memmove(&l[i], &l[i + 1], (size_t)(b->n[side] - i - 1) * sizeof(*l));
	b->n[side]--;
}

/* Set a level (qty 0 removes it); a bid at or above an ask takes it out. */
static void book_set(struct feed_book *b, int side, int64_t px, uint64_t qty)
{
	struct book_level *l = b->lv[side];
	int other = !side, i;

	if (px < 1)
		return;
	for (i = 0; i < b->n[side] && better(side, l[i].px, px); i++)
		;
	if (i < b->n[side] && l[i].px == px) {
		if (!qty) {
			remove_at(b, side, i);
			return;
		}
		l[i].qty = qty;
	} else {
		if (!qty || b->n[side] == BOOK_LEVELS)
			return;
		memmove(&l[i + 1], &l[i],
			(size_t)(b->n[side] - i) * sizeof(*l));
		l[i] = (struct book_level){px, qty};
		b->n[side]++;
	}
	record(b, side, px, qty);
	while (b->n[other] && !better(side, b->lv[other][0].px, px))
		remove_at(b, other, 0);
}

static bool pending_full(const struct feed_book *b)
{
	int k;

	for (k = 0; k < BOOK_READERS; k++)
		if (b->rd[k].used &&
		    b->rd[k].n + 2 * BOOK_LEVELS > BOOK_PENDING)
			return true;
	return false;
}

/* Far-away levels go, a thin side is refilled at its far end. */
static void tidy(struct feed_book *b, struct feed_rng *r, int side)
{
	int64_t dir = side == BID ? -1 : 1, far;
	int i;

	for (i = b->n[side] - 1; i > 0; i--)
		if ((b->lv[side][i].px - b->lv[side][0].px) * dir > BOOK_BAND)
			remove_at(b, side, i);
	while (b->n[side] && b->n[side] < BOOK_MIN) {
		far = b->lv[side][b->n[side] - 1].px + dir;
		if (far < 1)
			break;
		book_set(b, side, far, feed_rand_qty(r));
	}
}

/* One step of the market: the touch walks, a few levels change. */
static void step(struct feed_book *b, struct feed_rng *r)
{
	int64_t mv = (int64_t)(feed_rng_next(r) % 3) - 1, px;
	int side, k;

	if (pending_full(b)) {
		b->id++; /* an update that changed nothing shown */
		return;
	}
	if (mv < 0 && b->lv[BID][0].px < 2 * BOOK_MIN)
		mv = 0; /* cheap symbols: keep the bid side full */
	if (mv > 0)
		book_set(b, BID, b->lv[BID][0].px + 1, feed_rand_qty(r));
	else if (mv < 0)
		book_set(b, ASK, b->lv[ASK][0].px - 1, feed_rand_qty(r));
	for (side = BID; side <= ASK; side++) {
		for (k = 1 + (int)(feed_rng_next(r) % 3); k > 0 && b->n[side];
		     k--) {
			px = b->lv[side][0].px +
			     (side == BID ? -1 : 1) *
				     (int64_t)(feed_rng_next(r) % BOOK_SPREAD);
			/* one change in five is a removal */
			if (feed_rng_next(r) % 5 == 0 && b->n[side] > BOOK_MIN)
				book_set(b, side, px, 0);
			else
				book_set(b, side, px, feed_rand_qty(r));
		}
	}
	tidy(b, r, BID);
	tidy(b, r, ASK);
	b->id += 1 + feed_rng_next(r) % 5;
}

static void book_open(struct feed_book *b, const struct feed_stream *st,
		      struct feed_rng *r)
{
	int i;

	memset(b, 0, sizeof(*b));
	memcpy(b->sym, st->sym, sizeof(b->sym));
	b->id = st->id;
	for (i = 0; i < BOOK_INIT; i++) {
		if (st->price - i >= 1)
			b->lv[BID][b->n[BID]++] = (struct book_level){
				st->price - i, feed_rand_qty(r)};
		b->lv[ASK][b->n[ASK]++] = (struct book_level){st->price + 1 + i,
							      feed_rand_qty(r)};
	}
}

int feed_book_attach(struct feed_stream *st, struct feed_book **list,
		     struct feed_rng *r)
{
	struct feed_book *b;
	int k;

	st->book = NULL;
	st->reader = -1;
	if (st->kind != FEED_DEPTH && st->kind != FEED_PARTIAL_DEPTH)
		return 0;
	for (b = *list; b && strcmp(b->sym, st->sym); b = b->next)
		;
	if (!b) {
		b = malloc(sizeof(*b));
		if (!b)
			return -1;
		book_open(b, st, r);
		b->next = *list;
		*list = b;
	}
	if (st->kind == FEED_DEPTH) {
		for (k = 0; k < BOOK_READERS && b->rd[k].used; k++)
			;
		if (k == BOOK_READERS)
			return -1;
		b->rd[k].used = true;
		b->rd[k].first = b->id + 1;
		b->rd[k].n = 0;
		st->reader = k;
	}
	st->last_u = b->id;
	st->book = b;
	return 0;
}

void feed_book_detach(struct feed_stream *st)
{
	if (st->book && st->reader >= 0)
		st->book->rd[st->reader].used = false;
	st->book = NULL;
	st->reader = -1;
}

void feed_book_free_all(struct feed_book **list)
{
	struct feed_book *b;
	int k;

	while ((b = *list)) {
		*list = b->next;
		for (k = 0; k < BOOK_READERS; k++)
			free(b->rd[k].ch);
		free(b);
	}
}

/* A stream formatted without a session (the fuzz target): a fresh book. */
static struct feed_book scratch;

static struct feed_book *book_of(struct feed_stream *st, struct feed_rng *r,
				 int *reader)
{
	if (st->book) {
		*reader = st->reader;
		return st->book;
	}
	free(scratch.rd[0].ch);
	book_open(&scratch, st, r);
	scratch.rd[0] = (struct book_reader){true, scratch.id + 1, 0, 0, NULL};
	*reader = 0;
	return &scratch;
}

/* Append ["price","qty"] (comma first unless @first); -1 if full. */
static int put_level(char *b, size_t len, int n, bool first, int64_t px,
		     uint64_t qty)
{
	char p[32], q[32];
	int k;

	if (n < 0)
		return -1;
	feed_fmt_price(p, sizeof(p), px);
	feed_fmt_qty(q, sizeof(q), qty);
	k = snprintf(b + n, len - (size_t)n, "%s[\"%s\",\"%s\"]",
		     first ? "" : ",", p, q);
	return k < 0 || (size_t)k >= len - (size_t)n ? -1 : n + k;
}

static int put(char *b, size_t len, int n, const char *s)
{
	int k;

	if (n < 0)
		return -1;
	k = snprintf(b + n, len - (size_t)n, "%s", s);
	return k < 0 || (size_t)k >= len - (size_t)n ? -1 : n + k;
}

/*
 * A depthUpdate event up to its first level: spot e, E, s, U, u; futures
 * e, E, T, s, U, u, pu. The transaction time T is E - 1 (E in its unit).
 * Returns the length or -1.
 */
static int depth_head(const struct feed_stream *st, uint64_t e, uint64_t U,
		      uint64_t u, uint64_t pu, char *out, size_t len)
{
	int n;

	if (feed_mkt == FEED_FUTURES)
		n = snprintf(out, len,
			     "{\"e\":\"depthUpdate\",\"E\":%llu,\"T\":%llu,"
			     "\"s\":\"%s\",\"U\":%llu,\"u\":%llu,\"pu\":%llu,"
			     "\"b\":[",
			     (unsigned long long)e,
			     (unsigned long long)(e ? e - 1 : 0), st->sym,
			     (unsigned long long)U, (unsigned long long)u,
			     (unsigned long long)pu);
	else
		n = snprintf(out, len,
			     "{\"e\":\"depthUpdate\",\"E\":%llu,\"s\":\"%s\","
			     "\"U\":%llu,\"u\":%llu,\"b\":[",
			     (unsigned long long)e, st->sym,
			     (unsigned long long)U, (unsigned long long)u);
	return n < 0 || (size_t)n >= len ? -1 : n;
}

/* "Diff. Depth Stream": the changes since this stream's last event. */
int feed_book_diff(struct feed_stream *st, struct feed_rng *r, uint64_t e,
		   char *out, size_t len)
{
	struct book_reader *rd;
	struct feed_book *b;
	bool first;
	int n, side, k;
	size_t i;

	b = book_of(st, r, &k);
	step(b, r);
	rd = &b->rd[k];
	n = depth_head(st, e, rd->first, b->id, rd->first - 1, out, len);
	for (side = BID; side <= ASK; side++) {
		first = true;
		for (i = 0; i < rd->n; i++) {
			if (rd->ch[i].side != side)
				continue;
			n = put_level(out, len, n, first, rd->ch[i].px,
				      rd->ch[i].qty);
			first = false;
		}
		n = put(out, len, n, side == BID ? "],\"a\":[" : "]}");
	}
	rd->first = b->id + 1;
	rd->n = 0;
	return n;
}

/*
 * "Partial Book Depth Streams": the book's top st->levels levels; spot
 * {lastUpdateId, bids, asks}, futures a depthUpdate event whose U..u are
 * the updates since this stream's previous event.
 */
int feed_book_partial(struct feed_stream *st, struct feed_rng *r, uint64_t e,
		      char *out, size_t len)
{
	bool fut = feed_mkt == FEED_FUTURES;
	struct feed_book *b;
	unsigned int i;
	int n, side, k;

	b = book_of(st, r, &k);
	if (!st->book)
		st->last_u = b->id;
	step(b, r);
	if (fut)
		n = depth_head(st, e, st->last_u + 1, b->id, st->last_u, out,
			       len);
	else
		n = snprintf(out, len, "{\"lastUpdateId\":%llu,\"bids\":[",
			     (unsigned long long)b->id);
	if (n < 0 || (size_t)n >= len)
		n = -1;
	st->last_u = b->id;
	for (side = BID; side <= ASK; side++) {
		for (i = 0; i < st->levels && i < (unsigned int)b->n[side]; i++)
			n = put_level(out, len, n, i == 0, b->lv[side][i].px,
				      b->lv[side][i].qty);
		if (side == BID)
			n = put(out, len, n,
				fut ? "],\"a\":[" : "],\"asks\":[");
		else
			n = put(out, len, n, "]}");
	}
	return n;
}
