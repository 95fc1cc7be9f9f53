// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdlib.h>
#include <string.h>
#include "correlator.h"
#include "corr_internal.h"
#include "stage_bias.h"

#define HSIZE 4096

struct corr *corr_new(const struct corr_cfg *cfg)
{
	struct corr *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->cfg = *cfg;
	if (!c->cfg.max_conns)
		c->cfg.max_conns = 4096;
	c->hsize = HSIZE;
	c->htab = calloc(c->hsize, sizeof(*c->htab));
	if (!c->htab) {
		free(c);
		return NULL;
	}
	c->tids = calloc(CORR_TIDS, sizeof(*c->tids));
	if (!c->tids) {
		free(c->htab);
		free(c);
		return NULL;
	}
	for (int i = 0; i < ST_MAX; i++)
		hist_init(&c->stages[i]);
	return c;
}

static void conn_free_live(struct conn *cn)
{
	free(cn->segs);
	free(cn->rd);
	corr_msgs_free(cn);
	cn->segs = NULL;
	cn->rd = NULL;
	cn->nsegs = cn->seg_head = cn->seg_woken = 0;
	cn->rd_count = cn->rd_head = 0;
}

void corr_free(struct corr *c)
{
	struct conn *cn, *next;

	if (!c)
		return;
	for (cn = c->all; cn; cn = next) {
		next = cn->next;
		conn_free_live(cn);
		for (int i = 0; i < ST_MAX; i++) {
			if (cn->stages[i])
				hist_free(cn->stages[i]);
			free(cn->stages[i]);
		}
		free(cn);
	}
	for (int i = 0; i < ST_MAX; i++) {
		hist_free(&c->stages[i]);
		stage_bias_free(c->bias[i]);
	}
	free(c->untracked);
	free(c->htab);
	free(c->tids);
	free(c->tls_threads);
	free(c);
}

/*
 * A socket over the cap: count its records, and the socket once. The set is
 * open-addressed and bounded; once full, further sockets are not counted
 * (untracked_full says the count is a lower bound).
 */
#define UNTRACKED_MAX 65536

#define UNTRACKED_GONE 1ULL /* tombstone: no socket lives at address 1 */

static uint64_t *untracked_find(struct corr *c, uint64_t sk, uint64_t **free_slot)
{
	unsigned int i = corr_hslot(c, sk) % UNTRACKED_MAX;

	*free_slot = NULL;
	for (unsigned int n = 0; n < UNTRACKED_MAX; n++) {
		uint64_t *e = &c->untracked[(i + n) % UNTRACKED_MAX];

		if (*e == sk)
			return e;
		if (*e == UNTRACKED_GONE && !*free_slot)
			*free_slot = e;
		if (!*e) {
			if (!*free_slot)
				*free_slot = e;
			break;
		}
	}
	return NULL;
}

static void untracked_note(struct corr *c, uint64_t sk)
{
	uint64_t *slot;

	c->t.events_not_tracked++;
	if (!c->untracked) {
		c->untracked = calloc(UNTRACKED_MAX, sizeof(*c->untracked));
		if (!c->untracked) {
			c->untracked_full = true;
			return;
		}
	}
	if (untracked_find(c, sk, &slot))
		return;
	if (!slot || c->untracked_n >= UNTRACKED_MAX / 2) {
		c->untracked_full = true;
		return;
	}
	if (!*slot)
		c->untracked_n++; /* tombstones reused do not fill the set */
	*slot = sk;
	c->t.conns_not_tracked++;
}

/* An untracked socket closed: its address may come back as a new socket. */
static void untracked_close(struct corr *c, uint64_t sk)
{
	uint64_t *slot, *e;

	if (!c->untracked || sk <= UNTRACKED_GONE)
		return;
	e = untracked_find(c, sk, &slot);
	if (e) {
		c->t.events_not_tracked++;
		*e = UNTRACKED_GONE;
	}
}

uint64_t corr_sk_by_tuple(const struct corr *c, const struct lp_sock_info *t)
{
	size_t alen = t->family == 2 /* AF_INET */ ? 4 : LP_ADDR_LEN;

	/* newest first: a reused 4-tuple finds its live socket */
	for (const struct conn *cn = c->all; cn; cn = cn->next)
		if (!cn->closed && cn->have_info &&
		    cn->info.family == t->family &&
		    cn->info.sport == t->sport && cn->info.dport == t->dport &&
		    !memcmp(cn->info.saddr, t->saddr, alen) &&
		    !memcmp(cn->info.daddr, t->daddr, alen))
			return cn->sk;
	return 0;
}

static struct conn *conn_get(struct corr *c, uint64_t sk)
{
	struct conn *cn = corr_lookup(c, sk);
	unsigned int slot;

	if (cn)
		return cn;
	if (c->t.conns_tracked >= c->cfg.max_conns) {
		untracked_note(c, sk);
		return NULL;
	}
	cn = calloc(1, sizeof(*cn));
	if (!cn)
		return NULL;
	cn->segs = calloc(CONN_SEGS, sizeof(*cn->segs));
	cn->rd = calloc(CONN_READS, sizeof(*cn->rd));
	if (!cn->segs || !cn->rd) {
		conn_free_live(cn);
		free(cn);
		return NULL;
	}
	cn->sk = sk;
	slot = corr_hslot(c, sk);
	cn->hnext = c->htab[slot];
	c->htab[slot] = cn;
	cn->next = c->all;
	c->all = cn;
	c->t.conns_tracked++;
	c->t.conns_live++;
	return cn;
}

static void conn_close(struct corr *c, struct conn *cn)
{
	struct conn **pp = &c->htab[corr_hslot(c, cn->sk)];

	while (*pp && *pp != cn)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = cn->hnext;
	cn->hnext = NULL;
	cn->closed = true;
	conn_free_live(cn);
	c->t.conns_live--;
}

static bool ents_valid(const struct lp_read_ent *ent, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (ent[i].r.ret <= 0)
			return false;
	return true;
}

static bool reads_valid(const struct lp_reads *b)
{
	return b->n && b->n <= LP_READS_BATCH && ents_valid(b->ent, b->n);
}

/* What a record of its type says its size is (0: it cannot say). */
static size_t record_size(const struct lp_event *e, size_t size)
{
	if (e->h.type != LP_EV_TLS)
		return lp_event_size(e->h.type);
	/* an SSL_read ends after the reads it carries */
	if (size < lp_tls_size(0) || e->tls.n > LP_TLS_READS)
		return 0;
	return lp_tls_size(e->tls.n);
}

/* a call that returned plaintext, or a record of held reads only */
static bool tls_valid(const struct lp_tls *t)
{
	return (t->bytes || t->n) && t->n <= LP_TLS_READS &&
	       ents_valid(t->ent, t->n);
}

/*
 * Reads of one socket that left in one record (a batch, or the SSL_read
 * that made them), in the order they returned: the connection is looked
 * up once, each read is handled as its own record would be.
 */
static void on_reads(struct corr *c, const struct lp_hdr *bh,
		     const struct lp_read_ent *ent, unsigned int n,
		     uint64_t *counted)
{
	struct conn *cn = conn_get(c, bh->sk);
	struct lp_hdr h = *bh;

	*counted += n;
	if (cn)
		cn->events++;
	h.type = LP_EV_READ;
	for (unsigned int i = 0; i < n; i++) {
		h.ts_ns = ent[i].ts_ns;
		h.tid = ent[i].tid;
		h.tgid = ent[i].tgid;
		corr_tls_note_read(c, &h);
		if (cn)
			corr_on_read(c, cn, &h, &ent[i].r);
	}
}

static void on_close(struct corr *c, const struct lp_event *e)
{
	struct conn *cn = corr_lookup(c, e->h.sk);

	if (!cn) {
		untracked_close(c, e->h.sk);
		return;
	}
	cn->events++;
	/* its reads are all in (the kernel sends a queue before the close) */
	corr_msgs_conn_settle(c, cn);
	cn->bytes_sent = e->close.bytes_sent;
	if (e->close.has_segs)
		corr_kernel_counts(c, cn, &e->close.segs);
	conn_close(c, cn);
}

void corr_event(struct corr *c, const void *data, size_t size)
{
	const struct lp_event *e = data;
	struct conn *cn;

	if (size < sizeof(struct lp_hdr) || !e->h.type ||
	    e->h.type >= LP_EV_MAX || size != record_size(e, size) ||
	    (e->h.type == LP_EV_READ && e->read.ret <= 0) ||
	    (e->h.type == LP_EV_READS && !reads_valid(&e->reads)) ||
	    (e->h.type == LP_EV_TLS && !tls_valid(&e->tls)) ||
	    (e->h.type == LP_EV_KTLS &&
	     (!e->ktls.bytes || !e->ktls.records ||
	      e->ktls.decrypt_ns > e->h.ts_ns))) {
		c->t.malformed++;
		return;
	}
	c->t.events++;
	c->t.by_type[e->h.type]++;
	/* records that name no connection of their own, or end one */
	switch (e->h.type) {
	case LP_EV_MSG:
		corr_on_msg(c, &e->h, &e->msg);
		return;
	case LP_EV_CB:
		corr_on_cb(c, &e->h, &e->cb);
		return;
	case LP_EV_TLS:
		/* the kernel reads inside the call first, as they returned */
		if (e->tls.n)
			on_reads(c, &e->h, e->tls.ent, e->tls.n,
				 &c->t.reads_in_tls);
		if (e->tls.bytes)
			corr_tls_event(c, &e->h, &e->tls);
		return;
	case LP_EV_READS:
		on_reads(c, &e->h, e->reads.ent, e->reads.n,
			 &c->t.reads_batched);
		return;
	case LP_EV_KTLS:
		corr_ktls_event(c, &e->h, &e->ktls);
		return;
	case LP_EV_CLOSE:
		on_close(c, e);
		return;
	case LP_EV_READ:
		corr_tls_note_read(c, &e->h);
		break;
	}
	cn = conn_get(c, e->h.sk);
	if (!cn)
		return;
	cn->events++;
	switch (e->h.type) {
	case LP_EV_SOCK:
		cn->info = e->sock;
		cn->info.comm[LP_COMM_LEN - 1] = '\0';
		cn->have_info = true;
		if (e->h.tgid)
			cn->tgid = e->h.tgid;
		break;
	case LP_EV_SEG:
		corr_seg_insert(c, cn, &e->h, &e->seg);
		if (e->seg.wake_ns)
			corr_seg_wake(cn, e->seg.wake_ns, e->seg.wake_rcv_nxt);
		break;
	case LP_EV_WAKE:
		corr_seg_wake(cn, e->h.ts_ns, e->wake.rcv_nxt);
		break;
	case LP_EV_READ:
		corr_on_read(c, cn, &e->h, &e->read);
		break;
	}
}

void corr_held_seg(struct corr *c, const struct lp_pending_seg *p)
{
	struct lp_event e;

	memset(&e, 0, sizeof(e));
	e.h.type = LP_EV_SEG;
	e.h.sk = p->sk;
	e.h.ts_ns = p->tcp_ns;
	e.seg = p->seg;
	corr_event(c, &e, lp_event_size(LP_EV_SEG));
}

void corr_live_sock(struct corr *c, const struct lp_live_sock *ls)
{
	struct conn *cn = corr_lookup(c, ls->sk);

	if (!cn)
		return;
	cn->bytes_sent = ls->bytes_sent;
	if (ls->has_segs)
		corr_kernel_counts(c, cn, &ls->segs);
}
