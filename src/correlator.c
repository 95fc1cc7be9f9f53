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
	[ST_NIC_TO_TCP] = "nic (else dev_in: netif_receive_skb) -> tcp_in (tcp_probe)",
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
	cn->nsegs = cn->rd_count = cn->rd_head = 0;
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
	free(c->htab);
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

static struct conn *conn_get(struct corr *c, uint64_t sk)
{
	struct conn *cn = corr_lookup(c, sk);
	unsigned int slot;

	if (cn)
		return cn;
	if (c->t.conns_tracked >= c->cfg.max_conns) {
		c->t.conns_dropped++;
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
		return;
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

/* ---- segment marks, sorted by sequence (mod 2^32) ---- */

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
	unsigned int pos = cn->nsegs;

	cn->segments_in++;
	/* retransmission of bytes already received (or already read) */
	if (seq_before(s->seq, s->rcv_nxt) &&
	    !seq_before(s->rcv_nxt, s->end_seq)) {
		cn->segments_dup++;
		return;
	}
	for (unsigned int i = cn->nsegs; i-- > 0;) {
		if (covers(&cn->segs[i], m.seq, m.end_seq)) {
			cn->segments_dup++;
			return;
		}
		if (!seq_before(m.seq, cn->segs[i].seq))
			break;
		pos = i;
	}
	count_nic(c, cn, &m, 1);
	if (cn->nsegs == CONN_SEGS) {
		/* never read (or reads lost): forget the oldest */
		memmove(cn->segs, cn->segs + 1,
			(CONN_SEGS - 1) * sizeof(*cn->segs));
		cn->nsegs--;
		cn->segments_evicted++;
		if (pos)
			pos--;
	}
	memmove(cn->segs + pos + 1, cn->segs + pos,
		(cn->nsegs - pos) * sizeof(*cn->segs));
	cn->segs[pos] = m;
	cn->nsegs++;
}

static void seg_wake(struct conn *cn, uint64_t ts, uint32_t rcv_nxt)
{
	for (unsigned int i = 0; i < cn->nsegs; i++) {
		struct seg_mark *m = &cn->segs[i];

		if (!m->wake_ns && !seq_before(rcv_nxt, m->end_seq))
			m->wake_ns = ts;
	}
}

static const struct seg_mark *seg_find(const struct conn *cn, uint32_t byte)
{
	for (unsigned int i = 0; i < cn->nsegs; i++) {
		const struct seg_mark *m = &cn->segs[i];

		if (!seq_before(byte, m->seq) && seq_before(byte, m->end_seq))
			return m;
	}
	return NULL;
}

/* Ask again for NIC stamps of the marks this read consumes. */
static void resolve_nic(struct corr *c, struct conn *cn, uint32_t copied)
{
	uint64_t ns;
	uint8_t src;

	if (!c->cfg.nic_lookup || !cn->have_info)
		return;
	for (unsigned int i = 0; i < cn->nsegs; i++) {
		struct seg_mark *m = &cn->segs[i];

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

/* Drop marks whose bytes were all copied to the reader. */
static void seg_prune(struct conn *cn, uint32_t copied)
{
	unsigned int keep = 0;

	for (unsigned int i = 0; i < cn->nsegs; i++)
		if (seq_before(copied, cn->segs[i].end_seq))
			cn->segs[keep++] = cn->segs[i];
	cn->nsegs = keep;
}

static uint64_t first_mark(const struct seg_mark *m)
{
	return m->nic_ns ? m->nic_ns : m->dev_ns ? m->dev_ns : m->tcp_ns;
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
			conn_close(c, cn);
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
