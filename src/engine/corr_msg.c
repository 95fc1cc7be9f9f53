// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Reads, client messages (--client) and callback calls (--callback): each
 * read takes the segment mark of its last byte; a message or a callback
 * is joined to a read and becomes one stage record.
 */
#include <string.h>
#include "correlator.h"
#include "corr_internal.h"

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
			  const struct seg_mark *m, const struct read_mark *rm)
{
	uint64_t in = m->nic_ns ? m->nic_ns : m->dev_ns;

	corr_stage_add(c, cn, ST_NIC_TO_TCP, in, m->tcp_ns);
	corr_stage_add(c, cn, ST_TCP_TO_WAKEUP, m->tcp_ns, m->wake_ns);
	corr_stage_add(c, cn, ST_WAKEUP_TO_READ, m->wake_ns, rm->end_ns);
	corr_sched_stages(c, cn, rm, m);
}

/* A message or call is correlated when its read found the segment. */
static void count_join(struct corr *c, const struct read_mark *rm)
{
	if (!rm || !rm->has_seg) {
		c->t.msgs_no_read++;
	} else {
		c->t.msgs_correlated++;
		c->t.msgs_by_last_read++;
	}
}

/*
 * The stages a joined read gives a message that user space saw at
 * user_ns: exchange -> NIC (with the exchange time), the kernel stages of
 * the read's segment, NIC (or TCP) -> user.
 */
static void read_stages(struct corr *c, struct conn *cn,
			const struct read_mark *rm, uint64_t e_mono,
			uint64_t user_ns)
{
	const struct seg_mark *m = &rm->seg;
	uint64_t in = m->nic_ns ? m->nic_ns : m->dev_ns;

	corr_stage_add(c, cn, ST_EXCHANGE_TO_NIC, e_mono, in);
	kernel_stages(c, cn, m, rm);
	corr_stage_add(c, cn, ST_NIC_TO_USER, in ? in : m->tcp_ns, user_ns);
}

void corr_on_read(struct corr *c, struct conn *cn, const struct lp_hdr *h,
		  const struct lp_read *r)
{
	const struct seg_mark *m;
	struct read_mark *rm;

	cn->reads++;
	cn->bytes_received += (uint32_t)r->ret;
	if (r->joined)
		corr_kernel_counts(c, cn, &r->segs);
	if (r->has_mark)
		corr_joined_mark(cn, r);
	corr_resolve_nic(c, cn, r->seq_end);
	m = corr_seg_find(cn, r->seq_end - 1);

	rm = &cn->rd[cn->rd_head];
	cn->rd_head = (cn->rd_head + 1) % CONN_READS;
	if (cn->rd_count < CONN_READS)
		cn->rd_count++;
	memset(rm, 0, sizeof(*rm));
	rm->tid = h->tid;
	rm->end_ns = h->ts_ns;
	corr_sched_note(c, rm, r);
	if (m) {
		rm->seg = *m;
		rm->has_seg = true;
	}
	tid_note_read(c, cn->sk, rm);

	if (!c->cfg.per_message) {
		c->t.records++;
		corr_stage_add(c, cn, ST_READ_DURATION, r->start_ns, h->ts_ns);
		if (m) {
			kernel_stages(c, cn, m, rm);
			corr_stage_add(c, cn, ST_TOTAL, first_mark(m),
				       h->ts_ns);
		}
	}
	corr_seg_prune(cn, r->seq_end);
	/*
	 * messages framed before this read ended have theirs now, unless it
	 * overtook reads still queued in the kernel
	 */
	if (cn->pend_count && !(r->flags & LP_READ_F_OVERTOOK))
		corr_msgs_after_read(c, cn, h->ts_ns);
}

/*
 * The newest read on this thread that returned before the frame was ready.
 * By time, not by arrival: a read that overtook queued ones (batched reads)
 * came in before older reads.
 */
static const struct read_mark *last_read(const struct conn *cn, uint32_t tid,
					 uint64_t frame_ns)
{
	const struct read_mark *best = NULL;

	for (unsigned int i = 0; i < cn->rd_count; i++) {
		const struct read_mark *rm = &cn->rd[i];

		if (rm->tid == tid && rm->end_ns <= frame_ns &&
		    (!best || rm->end_ns > best->end_ns))
			best = rm;
	}
	return best;
}

/*
 * E's unit, from its values: the coarsest of 1 ms, 1 us, 1 ns that divides
 * every E seen (a millisecond E is a multiple of 1000000 ns).
 */
static void note_exch(struct corr *c, uint64_t exch)
{
	if (!c->exch_res_ns)
		c->exch_res_ns = 1000000;
	while (c->exch_res_ns > 1 && exch % c->exch_res_ns)
		c->exch_res_ns /= 1000;
}

uint64_t corr_stage_res_ns(const struct corr *c, enum lp_stage st)
{
	if ((st == ST_EXCHANGE_TO_NIC || st == ST_TOTAL) && c->exch_res_ns)
		return c->exch_res_ns;
	return 1;
}

/*
 * No read found because newer ones pushed it out of the connection's read
 * history: every read remembered ended after the frame. The stamps ring is
 * merged by time with the kernel records (client_stamps.c), so this takes
 * more than CONN_READS reads between a message's read and its frame.
 */
static bool reads_displaced(const struct conn *cn, uint64_t frame_ns)
{
	const struct read_mark *oldest = &cn->rd[cn->rd_head];

	return cn->rd_count == CONN_READS && oldest->end_ns > frame_ns;
}

void corr_on_msg(struct corr *c, const struct lp_hdr *h,
		 const struct lp_msg *msg)
{
	struct conn *cn;

	c->t.msgs_seen++;
	cn = h->sk ? corr_lookup(c, h->sk) : NULL;
	if (!cn) {
		c->t.msgs_no_socket++;
		return;
	}
	cn->messages++;
	if (!corr_msg_wait(c, cn, h, msg))
		corr_msg_join(c, cn, h, msg);
}

/* A message and the newest read of its thread before its frame. */
void corr_msg_join(struct corr *c, struct conn *cn, const struct lp_hdr *h,
		   const struct lp_msg *msg)
{
	const struct read_mark *rm;
	uint64_t e_mono = 0, first, last;

	rm = last_read(cn, h->tid, msg->frame_ns);
	count_join(c, rm);
	if (!rm && reads_displaced(cn, msg->frame_ns))
		c->t.msgs_read_displaced++;
	if (!c->cfg.per_message)
		return;
	c->t.records++;
	if (msg->exch_ns && (int64_t)msg->exch_ns > c->cfg.realtime_offset_ns) {
		e_mono = msg->exch_ns - c->cfg.realtime_offset_ns;
		note_exch(c, msg->exch_ns);
	}
	if (rm && rm->has_seg) {
		read_stages(c, cn, rm, e_mono, msg->frame_ns);
		corr_stage_add(c, cn, ST_READ_TO_FRAME, rm->end_ns,
			       msg->frame_ns);
	}
	corr_stage_add(c, cn, ST_FRAME_TO_PARSED, msg->frame_ns,
		       msg->parsed_ns);
	corr_stage_add(c, cn, ST_PARSED_TO_PUBLISHED, msg->parsed_ns,
		       msg->published_ns);
	first = e_mono;
	if (!first && rm && rm->has_seg)
		first = first_mark(&rm->seg);
	if (!first)
		first = msg->frame_ns;
	last = msg->published_ns ? msg->published_ns : msg->parsed_ns;
	if (first != last)
		corr_stage_add(c, cn, ST_TOTAL, first, last);
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
void corr_on_cb(struct corr *c, const struct lp_hdr *h, const struct lp_cb *cb)
{
	const struct tid_reads *t = &c->tids[h->tid % CORR_TIDS];
	const struct read_mark *rm = NULL;
	struct conn *cn = NULL;
	uint64_t e_mono = 0, exch;
	unsigned int n =
		cb->ncopied < LP_CB_PAYLOAD ? cb->ncopied : LP_CB_PAYLOAD;

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
	count_join(c, rm);
	c->t.records++;
	exch = corr_payload_exch_ns(cb->payload, n, cb->len > n);
	if (exch && (int64_t)exch > c->cfg.realtime_offset_ns) {
		e_mono = exch - c->cfg.realtime_offset_ns;
		c->t.msgs_exch_time++;
		note_exch(c, exch);
	}
	corr_stage_add(c, cn, ST_CALLBACK, cb->entry_ns, h->ts_ns);
	if (cb->has_off_cpu) /* a duration: 0 is a value too */
		corr_stage_add(c, cn, ST_CALLBACK_OFF_CPU, cb->entry_ns,
			       cb->entry_ns + cb->off_cpu_ns);
	if (rm && rm->has_seg)
		read_stages(c, cn, rm, e_mono, cb->entry_ns);
	if (rm)
		corr_stage_add(c, cn, ST_READ_TO_CALLBACK, rm->end_ns,
			       cb->entry_ns);
	corr_stage_add(c, cn, ST_TOTAL, e_mono, h->ts_ns);
}
