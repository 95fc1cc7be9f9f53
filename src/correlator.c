// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdlib.h>
#include <string.h>
#include "correlator.h"

const char *const lp_stage_names[ST_MAX] = {
	[ST_EXCHANGE_TO_NIC] = "exchange_to_nic",
	[ST_NIC_TO_TCP] = "nic_to_tcp",
	[ST_TCP_TO_WAKEUP] = "tcp_to_wakeup",
	[ST_WAKEUP_TO_READ] = "wakeup_to_read",
	[ST_READ_DURATION] = "read_duration",
	[ST_TLS_DECRYPT] = "tls_decrypt",
	[ST_READ_TO_FRAME] = "read_to_frame",
	[ST_FRAME_TO_PARSED] = "frame_to_parsed",
	[ST_PARSED_TO_PUBLISHED] = "parsed_to_published",
	[ST_READ_TO_CALLBACK] = "read_to_callback",
	[ST_CALLBACK] = "callback",
	[ST_NIC_TO_USER] = "nic_to_user",
	[ST_TOTAL] = "total",
};

/* Which marks each stage is measured between (reported in "stages"). */
const char *const lp_stage_marks[ST_MAX] = {
	[ST_EXCHANGE_TO_NIC] = "E (CLOCK_REALTIME -> MONOTONIC) -> nic (else dev_in)",
	[ST_NIC_TO_TCP] = "nic (else dev_in: the skb RX stamp) -> tcp_in (tcp_probe)",
	[ST_TCP_TO_WAKEUP] = "tcp_in (tcp_probe) -> wakeup (sk_data_ready)",
	[ST_WAKEUP_TO_READ] = "wakeup -> read_end (tcp_recvmsg return of the read that copied the last byte)",
	[ST_READ_DURATION] = "read_start (tcp_recvmsg entry, or read syscall entry) -> read_end",
	[ST_TLS_DECRYPT] = "read_end of the thread's last kernel read inside the SSL_read call (none: SSL_read entry) -> SSL_read return (TLS probes, per SSL_read that returned data)",
	[ST_READ_TO_FRAME] = "read_end -> frame_ready (client USDT)",
	[ST_FRAME_TO_PARSED] = "frame_ready -> json_done (client USDT)",
	[ST_PARSED_TO_PUBLISHED] = "json_done -> published (client USDT)",
	[ST_READ_TO_CALLBACK] = "read_end (newest kernel read on the thread) -> callback entry (--callback uprobe)",
	[ST_CALLBACK] = "callback entry -> callback return (--callback uprobe + uretprobe)",
	[ST_NIC_TO_USER] = "nic (else dev_in) -> frame_ready (or callback entry)",
	[ST_TOTAL] = "first available mark -> last available mark",
};

const char *const lp_nic_src_names[LP_NIC_MAX] = {
	[LP_NIC_NONE] = "none",	       [LP_NIC_DPDK_HW] = "dpdk_hw",
	[LP_NIC_DPDK_TSC] = "dpdk_tsc", [LP_NIC_SKB_HW] = "skb_hw",
	[LP_NIC_SKB_SW] = "skb_sw",     [LP_NIC_DEV_IN] = "dev_in",
};

const char *const lp_coarse_names[TOTAL_COARSE] = {
	"0-1ms", "1-5ms", "5-10ms", "10-50ms", "50-100ms", "100ms+",
};

static unsigned int coarse_bucket(uint64_t ns)
{
	static const uint64_t upper_ms[TOTAL_COARSE - 1] = { 1, 5, 10, 50, 100 };
	unsigned int i;

	for (i = 0; i < TOTAL_COARSE - 1; i++)
		if (ns < upper_ms[i] * 1000000ULL)
			break;
	return i;
}

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
	for (int i = 0; i < ST_MAX; i++)
		hist_free(&c->stages[i]);
	free(c->untracked);
	free(c->htab);
	free(c->tids);
	free(c->tls_threads);
	free(c);
}

static unsigned int hslot(const struct corr *c, uint64_t sk)
{
	return (unsigned int)((sk >> 6) * 0x9E3779B97F4A7C15ULL >> 40) %
	       c->hsize;
}

struct conn *corr_lookup(struct corr *c, uint64_t sk)
{
	struct conn *cn;

	for (cn = c->htab[hslot(c, sk)]; cn; cn = cn->hnext)
		if (cn->sk == sk)
			return cn;
	return NULL;
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
	unsigned int i = hslot(c, sk) % UNTRACKED_MAX;

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
	slot = hslot(c, sk);
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
	struct conn **pp = &c->htab[hslot(c, cn->sk)];

	while (*pp && *pp != cn)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = cn->hnext;
	cn->hnext = NULL;
	cn->closed = true;
	conn_free_live(cn);
	c->t.conns_live--;
}

void corr_stage_add(struct corr *c, struct conn *cn, enum lp_stage st,
		    uint64_t from, uint64_t to)
{
	if (!from || !to)
		return; /* a missing mark: the stage is absent, never zero */
	if (to < from) {
		c->t.out_of_order++;
		return;
	}
	hist_add(&c->stages[st], to - from);
	if (st == ST_TOTAL)
		c->total_coarse[coarse_bucket(to - from)]++;
	if (!cn)
		return; /* a callback joined to no socket: global stages only */
	if (!cn->stages[st]) {
		cn->stages[st] = malloc(sizeof(struct hist));
		if (!cn->stages[st])
			return;
		hist_init(cn->stages[st]);
	}
	hist_add(cn->stages[st], to - from);
}

static void stage_add(struct corr *c, struct conn *cn, enum lp_stage st,
		      uint64_t from, uint64_t to)
{
	corr_stage_add(c, cn, st, from, to);
}

/*
 * ---- segment marks: a ring sorted by sequence (mod 2^32) ----
 * Segments arrive in order almost always, so an insert is an append and an
 * eviction or a read's prune moves the head: no shifting. Lookups by byte
 * are binary searches.
 */

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

static void nic_count(struct nic_counts *n, const struct seg_mark *m,
		      int dir)
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

static void count_nic(struct corr *c, struct conn *cn,
		      const struct seg_mark *m, int dir)
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

static void seg_insert(struct corr *c, struct conn *cn,
		       const struct lp_hdr *h,
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
static void seg_wake(struct conn *cn, uint64_t ts, uint32_t rcv_nxt)
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

static const struct seg_mark *seg_find(const struct conn *cn, uint32_t byte)
{
	unsigned int i = seg_upper(cn, byte);
	const struct seg_mark *m;

	if (!i)
		return NULL;
	m = seg_at(cn, i - 1);
	return seq_before(byte, m->end_seq) ? m : NULL;
}

/* Ask again for NIC stamps of the marks this read consumes. */
static void resolve_nic(struct corr *c, struct conn *cn, uint32_t copied)
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
static void seg_prune(struct conn *cn, uint32_t copied)
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
static void kernel_counts(struct corr *c, struct conn *cn,
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
static void joined_mark(struct conn *cn, const struct lp_read *r)
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

static uint64_t first_mark(const struct seg_mark *m)
{
	return m->nic_ns ? m->nic_ns : m->dev_ns ? m->dev_ns : m->tcp_ns;
}

/* Remember rm as the newest read of its thread (for --callback joins). */
static void tid_note_read(struct corr *c, uint64_t sk,
			  const struct read_mark *rm)
{
	struct tid_reads *t = &c->tids[rm->tid % CORR_TIDS];

	if (t->tid != rm->tid) { /* a new thread takes the slot */
		memset(t, 0, sizeof(*t));
		t->tid = rm->tid;
	}
	t->r[t->head].sk = sk;
	t->r[t->head].rm = *rm;
	t->head = (t->head + 1) % TID_READS;
	if (t->count < TID_READS)
		t->count++;
}

/* Kernel stages of one segment, ending at the read that returned it. */
static void kernel_stages(struct corr *c, struct conn *cn,
			  const struct seg_mark *m, uint64_t read_end)
{
	uint64_t in = m->nic_ns ? m->nic_ns : m->dev_ns;

	stage_add(c, cn, ST_NIC_TO_TCP, in, m->tcp_ns);
	stage_add(c, cn, ST_TCP_TO_WAKEUP, m->tcp_ns, m->wake_ns);
	stage_add(c, cn, ST_WAKEUP_TO_READ, m->wake_ns, read_end);
}

static void on_read(struct corr *c, struct conn *cn, const struct lp_hdr *h,
		    const struct lp_read *r)
{
	const struct seg_mark *m;
	struct read_mark *rm;

	cn->reads++;
	cn->bytes_received += (uint32_t)r->ret;
	if (r->joined)
		kernel_counts(c, cn, &r->segs);
	if (r->has_mark)
		joined_mark(cn, r);
	resolve_nic(c, cn, r->seq_end);
	m = seg_find(cn, r->seq_end - 1);

	rm = &cn->rd[cn->rd_head];
	cn->rd_head = (cn->rd_head + 1) % CONN_READS;
	if (cn->rd_count < CONN_READS)
		cn->rd_count++;
	memset(rm, 0, sizeof(*rm));
	rm->tid = h->tid;
	rm->end_ns = h->ts_ns;
	if (m) {
		rm->seg = *m;
		rm->has_seg = true;
	}
	tid_note_read(c, cn->sk, rm);

	if (!c->cfg.per_message) {
		c->t.records++;
		stage_add(c, cn, ST_READ_DURATION, r->start_ns, h->ts_ns);
		if (m) {
			kernel_stages(c, cn, m, h->ts_ns);
			stage_add(c, cn, ST_TOTAL, first_mark(m), h->ts_ns);
		}
	}
	seg_prune(cn, r->seq_end);
}

/* The newest read on this thread that returned before the frame was ready. */
static const struct read_mark *last_read(const struct conn *cn, uint32_t tid,
					 uint64_t frame_ns)
{
	for (unsigned int i = 0; i < cn->rd_count; i++) {
		unsigned int idx = (cn->rd_head + CONN_READS - 1 - i) %
				   CONN_READS;
		const struct read_mark *rm = &cn->rd[idx];

		if (rm->tid == tid && rm->end_ns <= frame_ns)
			return rm;
	}
	return NULL;
}

static void on_msg(struct corr *c, const struct lp_hdr *h,
		   const struct lp_msg *msg)
{
	const struct read_mark *rm = NULL;
	uint64_t e_mono = 0, in = 0, first, last;
	struct conn *cn;

	c->t.msgs_seen++;
	cn = h->sk ? corr_lookup(c, h->sk) : NULL;
	if (!cn) {
		c->t.msgs_no_socket++;
		return;
	}
	cn->messages++;
	rm = last_read(cn, h->tid, msg->frame_ns);
	if (!rm || !rm->has_seg) {
		c->t.msgs_no_read++;
	} else {
		c->t.msgs_correlated++;
		c->t.msgs_by_last_read++;
	}
	if (!c->cfg.per_message)
		return;
	c->t.records++;
	if (msg->exch_ns &&
	    (int64_t)msg->exch_ns > c->cfg.realtime_offset_ns)
		e_mono = msg->exch_ns - c->cfg.realtime_offset_ns;
	if (rm && rm->has_seg) {
		const struct seg_mark *m = &rm->seg;

		in = m->nic_ns ? m->nic_ns : m->dev_ns;
		stage_add(c, cn, ST_EXCHANGE_TO_NIC, e_mono, in);
		kernel_stages(c, cn, m, rm->end_ns);
		stage_add(c, cn, ST_READ_TO_FRAME, rm->end_ns, msg->frame_ns);
		stage_add(c, cn, ST_NIC_TO_USER, in ? in : m->tcp_ns,
			  msg->frame_ns);
	}
	stage_add(c, cn, ST_FRAME_TO_PARSED, msg->frame_ns, msg->parsed_ns);
	stage_add(c, cn, ST_PARSED_TO_PUBLISHED, msg->parsed_ns,
		  msg->published_ns);
	first = e_mono;
	if (!first && rm && rm->has_seg)
		first = first_mark(&rm->seg);
	if (!first)
		first = msg->frame_ns;
	last = msg->published_ns ? msg->published_ns : msg->parsed_ns;
	if (first != last)
		stage_add(c, cn, ST_TOTAL, first, last);
}

uint64_t corr_payload_exch_ns(const char *p, size_t n, bool truncated)
{
	const char *k = memmem(p, n, "\"E\":", 4), *end = p + n, *d;
	uint64_t v = 0;
	int digits = 0;

	if (!k)
		return 0;
	for (d = k + 4; d < end && *d == ' '; d++)
		;
	for (; d < end && *d >= '0' && *d <= '9' && digits < 20; d++, digits++)
		v = v * 10 + (uint64_t)(*d - '0');
	if (d == end && truncated)
		return 0; /* the number may go on past the bytes we have */
	if (digits >= 12 && digits <= 13)
		return v * 1000000ULL; /* ms */
	if (digits >= 15 && digits <= 16)
		return v * 1000ULL; /* us */
	if (digits >= 18 && digits <= 19)
		return v; /* ns */
	return 0;
}

/*
 * One call of the client's callback = one message. Joined to the newest
 * read on the same thread (any socket) that ended before the call began.
 */
static void on_cb(struct corr *c, const struct lp_hdr *h,
		  const struct lp_cb *cb)
{
	const struct tid_reads *t = &c->tids[h->tid % CORR_TIDS];
	const struct read_mark *rm = NULL;
	struct conn *cn = NULL;
	uint64_t e_mono = 0, exch, in;
	unsigned int n = cb->ncopied < LP_CB_PAYLOAD ? cb->ncopied
						      : LP_CB_PAYLOAD;

	c->t.msgs_seen++;
	for (unsigned int i = 0; t->tid == h->tid && i < t->count; i++) {
		const struct tid_read *r =
			&t->r[(t->head + TID_READS - 1 - i) % TID_READS];

		if (r->rm.end_ns <= cb->entry_ns) {
			rm = &r->rm;
			cn = corr_lookup(c, r->sk);
			break;
		}
	}
	if (cn)
		cn->messages++;
	if (!rm || !rm->has_seg) {
		c->t.msgs_no_read++;
	} else {
		c->t.msgs_correlated++;
		c->t.msgs_by_last_read++;
	}
	c->t.records++;
	exch = corr_payload_exch_ns(cb->payload, n, cb->len > n);
	if (exch && (int64_t)exch > c->cfg.realtime_offset_ns) {
		e_mono = exch - c->cfg.realtime_offset_ns;
		c->t.msgs_exch_time++;
	}
	stage_add(c, cn, ST_CALLBACK, cb->entry_ns, h->ts_ns);
	if (rm && rm->has_seg) {
		const struct seg_mark *m = &rm->seg;

		in = m->nic_ns ? m->nic_ns : m->dev_ns;
		stage_add(c, cn, ST_EXCHANGE_TO_NIC, e_mono, in);
		kernel_stages(c, cn, m, rm->end_ns);
		stage_add(c, cn, ST_NIC_TO_USER, in ? in : m->tcp_ns,
			  cb->entry_ns);
	}
	if (rm)
		stage_add(c, cn, ST_READ_TO_CALLBACK, rm->end_ns, cb->entry_ns);
	stage_add(c, cn, ST_TOTAL, e_mono, h->ts_ns);
}

void corr_event(struct corr *c, const void *data, size_t size)
{
	const struct lp_event *e = data;
	struct conn *cn;

	if (size < sizeof(struct lp_hdr) || !e->h.type ||
	    e->h.type >= LP_EV_MAX || size != lp_event_size(e->h.type) ||
	    (e->h.type == LP_EV_READ && e->read.ret <= 0) ||
	    (e->h.type == LP_EV_TLS && !e->tls.bytes)) {
		c->t.malformed++;
		return;
	}
	c->t.events++;
	c->t.by_type[e->h.type]++;
	if (e->h.type == LP_EV_MSG) {
		on_msg(c, &e->h, &e->msg);
		return;
	}
	if (e->h.type == LP_EV_CB) {
		on_cb(c, &e->h, &e->cb);
		return;
	}
	if (e->h.type == LP_EV_TLS) {
		corr_tls_event(c, &e->h, &e->tls);
		return;
	}
	if (e->h.type == LP_EV_READ)
		corr_tls_note_read(c, &e->h);
	if (e->h.type == LP_EV_CLOSE) {
		cn = corr_lookup(c, e->h.sk);
		if (cn) {
			cn->events++;
			cn->bytes_sent = e->close.bytes_sent;
			if (e->close.has_segs)
				kernel_counts(c, cn, &e->close.segs);
			conn_close(c, cn);
		} else {
			untracked_close(c, e->h.sk);
		}
		return;
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
		seg_insert(c, cn, &e->h, &e->seg);
		if (e->seg.wake_ns)
			seg_wake(cn, e->seg.wake_ns, e->seg.wake_rcv_nxt);
		break;
	case LP_EV_WAKE:
		seg_wake(cn, e->h.ts_ns, e->wake.rcv_nxt);
		break;
	case LP_EV_READ:
		on_read(c, cn, &e->h, &e->read);
		break;
	}
}

void corr_live_sock(struct corr *c, const struct lp_live_sock *ls)
{
	struct conn *cn = corr_lookup(c, ls->sk);

	if (!cn)
		return;
	cn->bytes_sent = ls->bytes_sent;
	if (ls->has_segs)
		kernel_counts(c, cn, &ls->segs);
}
