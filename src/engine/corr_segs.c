// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Segment marks per connection: a ring sorted by sequence (mod 2^32).
 * Segments arrive in order almost always, so an insert is an append and an
 * eviction or a read's prune moves the head: no shifting. Lookups by byte
 * are binary searches. Also the NIC-source counts of the marks and the
 * kernel's segment counters (join mode).
 */
#include "correlator.h"
#include "corr_internal.h"

static struct seg_mark *seg_at(const struct conn *cn, unsigned int i)
{
	return &cn->segs[(cn->seg_head + i) & (CONN_SEGS - 1)];
}

/* The first mark that starts after seq (nsegs if none). */
static unsigned int seg_upper(const struct conn *cn, uint32_t seq)
{
	unsigned int lo = 0, hi = cn->nsegs;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (seq_before(seq, seg_at(cn, mid)->seq))
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static bool covers(const struct seg_mark *m, uint32_t seq, uint32_t end)
{
	return !seq_before(seq, m->seq) && !seq_before(m->end_seq, end);
}

static void after_tcp(struct nic_counts *n, uint64_t excess, int dir)
{
	n->after_tcp += dir;
	if (excess > n->after_tcp_max_ns)
		n->after_tcp_max_ns = excess;
}

static void nic_count(struct nic_counts *n, const struct seg_mark *m, int dir)
{
	if (m->nic_ns) {
		n->stamped += dir;
		n->sources[m->nic_src] += dir;
		/* a stamp read at tcp_probe: later only by clock error */
		if (m->tcp_ns && m->nic_ns > m->tcp_ns)
			after_tcp(n, m->nic_ns - m->tcp_ns, dir);
	} else if (m->dev_ns) {
		n->sources[LP_NIC_DEV_IN] += dir;
	}
}

static void count_nic(struct corr *c, struct conn *cn, const struct seg_mark *m,
		      int dir)
{
	nic_count(&cn->nic, m, dir);
	nic_count(&c->nic, m, dir);
}

/*
 * Where seq goes. Sequence order is modulo 2^32: marks spread over more than
 * 2^31 (garbage, or a socket never read) are not totally ordered and the
 * search can land off by some; settle so that both neighbours agree.
 */
static unsigned int seg_pos(const struct conn *cn, uint32_t seq)
{
	unsigned int pos = seg_upper(cn, seq);

	while (pos && seq_before(seq, seg_at(cn, pos - 1)->seq))
		pos--;
	while (pos < cn->nsegs && !seq_before(seq, seg_at(cn, pos)->seq))
		pos++;
	return pos;
}

/* Put m in order; false if a pending mark already covers it. */
static bool seg_put(struct conn *cn, const struct seg_mark *m)
{
	unsigned int pos = seg_pos(cn, m->seq);

	if (pos && covers(seg_at(cn, pos - 1), m->seq, m->end_seq))
		return false;
	if (cn->nsegs == CONN_SEGS) {
		/* never read (or reads lost): forget the oldest */
		cn->seg_head = (cn->seg_head + 1) & (CONN_SEGS - 1);
		cn->nsegs--;
		cn->segments_evicted++;
		if (cn->seg_woken)
			cn->seg_woken--;
		pos = seg_pos(cn, m->seq);
	}
	/* exactly 2^31 from its neighbour: no order exists, nothing to join */
	if (pos < cn->nsegs && seq_before(seg_at(cn, pos)->seq, m->seq))
		return false;
	/* out of order: shift the later ones (rare) */
	for (unsigned int i = cn->nsegs; i > pos; i--)
		*seg_at(cn, i) = *seg_at(cn, i - 1);
	*seg_at(cn, pos) = *m;
	cn->nsegs++;
	if (pos < cn->seg_woken)
		cn->seg_woken = pos;
	return true;
}

void corr_seg_insert(struct corr *c, struct conn *cn, const struct lp_hdr *h,
		     const struct lp_seg *s)
{
	struct seg_mark m = {
		.seq = s->seq,
		.end_seq = s->end_seq,
		.dev_ns = s->dev_ns,
		.tcp_ns = h->ts_ns,
		.nic_ns = s->nic_ns,
		.nic_src = s->nic_src < LP_NIC_MAX ? s->nic_src : LP_NIC_NONE,
	};

	cn->segments_in++;
	/* retransmission of bytes already received (or already read) */
	if (seq_before(s->seq, s->rcv_nxt) &&
	    !seq_before(s->rcv_nxt, s->end_seq)) {
		cn->segments_dup++;
		return;
	}
	if (!seg_put(cn, &m)) {
		cn->segments_dup++;
		return;
	}
	count_nic(c, cn, &m, 1);
}

/* Data up to rcv_nxt is readable: every mark it covers gets the wake-up. */
void corr_seg_wake(struct conn *cn, uint64_t ts, uint32_t rcv_nxt)
{
	unsigned int i = cn->seg_woken;

	for (; i < cn->nsegs; i++) {
		struct seg_mark *m = seg_at(cn, i);

		if (seq_before(rcv_nxt, m->end_seq))
			break;
		if (!m->wake_ns)
			m->wake_ns = ts;
	}
	cn->seg_woken = i;
}

const struct seg_mark *corr_seg_find(const struct conn *cn, uint32_t byte)
{
	unsigned int i = seg_upper(cn, byte);
	const struct seg_mark *m;

	if (!i)
		return NULL;
	m = seg_at(cn, i - 1);
	return seq_before(byte, m->end_seq) ? m : NULL;
}

/* Ask again for NIC stamps of the marks this read consumes. */
void corr_resolve_nic(struct corr *c, struct conn *cn, uint32_t copied)
{
	uint64_t ns;
	uint8_t src;

	if (!c->cfg.nic_lookup || !cn->have_info)
		return;
	for (unsigned int i = 0; i < cn->nsegs; i++) {
		struct seg_mark *m = seg_at(cn, i);

		if (!seq_before(m->seq, copied))
			break;
		if (m->nic_ns || m->nic_checked)
			continue;
		m->nic_checked = true;
		/*
		 * Give the stamper time only on connections it stamps: a
		 * stamper on one port must not slow down the others.
		 */
		if (c->cfg.nic_lookup(c->cfg.nic_ctx, &cn->info, m->seq,
				      cn->nic.stamped ? m->tcp_ns : 0, &ns,
				      &src) ||
		    !ns || src >= LP_NIC_MAX)
			continue;
		/*
		 * Later than this arrival: the stamp of a later copy (a
		 * retransmission replaces the entry) or a stamper's clock
		 * error. Counted, never used: dev_in stays the first mark.
		 */
		if (m->tcp_ns && ns > m->tcp_ns) {
			after_tcp(&cn->nic, ns - m->tcp_ns, 1);
			after_tcp(&c->nic, ns - m->tcp_ns, 1);
			continue;
		}
		count_nic(c, cn, m, -1);
		m->nic_ns = ns;
		m->nic_src = src;
		count_nic(c, cn, m, 1);
	}
}

/* Drop marks whose bytes were all copied to the reader (from the head). */
void corr_seg_prune(struct conn *cn, uint32_t copied)
{
	while (cn->nsegs && !seq_before(copied, seg_at(cn, 0)->end_seq)) {
		cn->seg_head = (cn->seg_head + 1) & (CONN_SEGS - 1);
		cn->nsegs--;
		if (cn->seg_woken)
			cn->seg_woken--;
	}
}

/*
 * Join mode: the kernel counted the segments and kept their marks; a read,
 * close or exit record carries the counters since the socket was first
 * seen. Add what is new (a record overtaken by an older one adds nothing).
 */
void corr_kernel_counts(struct corr *c, struct conn *cn,
			const struct lp_seg_counts *k)
{
	int32_t in = k->in - cn->kseen.in, dup = k->dup - cn->kseen.dup;
	int32_t ev = k->evicted - cn->kseen.evicted;
	int32_t dev = k->dev - cn->kseen.dev;

	if (in < 0 || dup < 0 || ev < 0 || dev < 0)
		return;
	cn->segments_in += in;
	cn->segments_dup += dup;
	cn->segments_evicted += ev;
	cn->nic.sources[LP_NIC_DEV_IN] += dev;
	c->nic.sources[LP_NIC_DEV_IN] += dev;
	cn->kseen = *k;
}

/* The segment mark a joined read carries: pending until the read takes it. */
void corr_joined_mark(struct conn *cn, const struct lp_read *r)
{
	struct seg_mark m = {
		.seq = r->mark.seq,
		.end_seq = r->mark.end_seq,
		.dev_ns = r->mark.dev_ns,
		.tcp_ns = r->mark.tcp_ns,
		.wake_ns = r->mark.wake_ns,
	};

	seg_put(cn, &m);
}
