// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include "stamps_read.h"

#define LOAD(p) __atomic_load_n(p, __ATOMIC_RELAXED)

int stamps_view_init(struct stamps_view *v, void *map, uint64_t size)
{
	struct lp_stamps_hdr *h = map;
	uint64_t conn_end, rec_end;
	uint32_t nrecs, nconns;

	memset(v, 0, sizeof(*v));
	if (size < sizeof(*h))
		return -EINVAL;
	if (__atomic_load_n(&h->magic, __ATOMIC_ACQUIRE) != LP_STAMPS_MAGIC)
		return -EAGAIN; /* the magic is written last */
	/* copied once: a writer changing them later cannot move our bounds */
	nrecs = LOAD(&h->nrecs);
	nconns = LOAD(&h->nconns);
	v->conn_off = LOAD(&h->conn_off);
	v->rec_off = LOAD(&h->rec_off);
	if (LOAD(&h->version) != LP_STAMPS_VERSION ||
	    LOAD(&h->hdr_size) != sizeof(*h) ||
	    LOAD(&h->rec_size) != sizeof(struct lp_stamps_rec) ||
	    LOAD(&h->conn_size) != sizeof(struct lp_stamps_conn) || !nrecs ||
	    nrecs > LP_STAMPS_MAX_RECS || (nrecs & (nrecs - 1)) || !nconns ||
	    nconns > 65536 || v->conn_off % 64 || v->rec_off % 64 ||
	    v->conn_off < sizeof(*h) || v->rec_off < sizeof(*h) ||
	    v->conn_off > size || v->rec_off > size)
		return -EINVAL;
	conn_end =
		v->conn_off + (uint64_t)nconns * sizeof(struct lp_stamps_conn);
	rec_end = v->rec_off + (uint64_t)nrecs * sizeof(struct lp_stamps_rec);
	if (conn_end > size || rec_end > size ||
	    (v->conn_off < rec_end && v->rec_off < conn_end))
		return -EINVAL;
	v->base = map;
	v->size = size;
	v->nrecs = nrecs;
	v->nconns = nconns;
	return 0;
}

static struct lp_stamps_hdr *hdr(const struct stamps_view *v)
{
	return (struct lp_stamps_hdr *)v->base;
}

uint64_t stamps_head(const struct stamps_view *v)
{
	return __atomic_load_n(&hdr(v)->head, __ATOMIC_ACQUIRE);
}

int stamps_next(const struct stamps_view *v, uint64_t *tail, uint64_t head,
		struct lp_stamps_rec *out, struct stamps_counts *n)
{
	struct lp_stamps_rec *r;
	uint64_t pos = *tail, s1, s2;

	if (head < pos) { /* a writer that went back: nothing to trust before */
		n->bad_head++;
		*tail = head;
		return 0;
	}
	if (head - pos > v->nrecs) {
		n->overrun += head - pos - v->nrecs;
		pos = head - v->nrecs;
	}
	r = (struct lp_stamps_rec *)(v->base + v->rec_off) +
	    (pos & (v->nrecs - 1));
	*tail = pos + 1;
	s1 = __atomic_load_n(&r->seq, __ATOMIC_ACQUIRE);
	out->frame_ns = LOAD(&r->frame_ns);
	out->parsed_ns = LOAD(&r->parsed_ns);
	out->published_ns = LOAD(&r->published_ns);
	out->exch_ns = LOAD(&r->exch_ns);
	out->offset = LOAD(&r->offset);
	out->len = LOAD(&r->len);
	out->tid = LOAD(&r->tid);
	out->conn = LOAD(&r->conn);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	s2 = LOAD(&r->seq);
	if (s1 != s2 || s1 != pos + 1) {
		/* newer than ours: the writer lapped us while we copied */
		if (s1 > pos + 1 || s2 > pos + 1)
			n->overrun++;
		else
			n->torn++;
		return 0;
	}
	out->seq = s1;
	n->records++;
	return 1;
}

int stamps_conn(const struct stamps_view *v, uint64_t id,
		struct lp_stamps_conn *out)
{
	struct lp_stamps_conn *c;
	uint64_t s1, s2;

	if (!id)
		return -1;
	c = (struct lp_stamps_conn *)(v->base + v->conn_off) +
	    (id - 1) % v->nconns;
	s1 = __atomic_load_n(&c->id, __ATOMIC_ACQUIRE);
	out->family = LOAD(&c->family);
	out->lport = LOAD(&c->lport);
	out->rport = LOAD(&c->rport);
	out->fd = LOAD(&c->fd);
	for (int i = 0; i < 16; i++) {
		out->laddr[i] = LOAD(&c->laddr[i]);
		out->raddr[i] = LOAD(&c->raddr[i]);
	}
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	s2 = LOAD(&c->id);
	if (s1 != id || s2 != id)
		return -1;
	out->id = id;
	return 0;
}

void stamps_reader_attach(const struct stamps_view *v, uint64_t now_ns)
{
	__atomic_store_n(&hdr(v)->reader_ns, now_ns, __ATOMIC_RELAXED);
	__atomic_fetch_add(&hdr(v)->readers, 1, __ATOMIC_RELEASE);
}

void stamps_reader_beat(const struct stamps_view *v, uint64_t now_ns)
{
	__atomic_store_n(&hdr(v)->reader_ns, now_ns, __ATOMIC_RELAXED);
}

void stamps_reader_detach(const struct stamps_view *v)
{
	uint32_t n = LOAD(&hdr(v)->readers);

	/* never below zero, whatever the writer put there; bounded retries */
	for (int i = 0; n && i < 64; i++)
		if (__atomic_compare_exchange_n(&hdr(v)->readers, &n, n - 1,
						false, __ATOMIC_RELEASE,
						__ATOMIC_RELAXED))
			break;
}
