// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Messages waiting for their read. With batched reads (--client, docs/
 * design.md "Batched reads") a read can still wait in its socket's queue
 * in the kernel when the message it carried arrives: such a message waits
 * here, per connection, until a read of that connection that ended after
 * the frame arrives (the socket's queue is first in, first out: every
 * earlier read is in by then) or until a flush of the queues that began
 * after it came has been drained (corr_msgs_flush_begin, corr_msgs_settle).
 */
#include <stdlib.h>
#include "correlator.h"
#include "corr_internal.h"

#define CONN_PEND 256 /* messages waiting per connection (a power of 2) */

struct pend_msg {
	struct lp_hdr h;
	struct lp_msg msg;
	uint64_t gen; /* corr.pend_gen when it came */
};

static void pop_join(struct corr *c, struct conn *cn)
{
	struct pend_msg *p = &cn->pend[cn->pend_head];

	cn->pend_head = (cn->pend_head + 1) & (CONN_PEND - 1);
	cn->pend_count--;
	corr_msg_join(c, cn, &p->h, &p->msg);
}

/* The connection's newest read ended after the frame: the message's is in. */
static bool read_is_in(const struct conn *cn, uint64_t frame_ns)
{
	const struct read_mark *newest;

	if (!cn->rd_count)
		return false;
	newest = &cn->rd[(cn->rd_head + CONN_READS - 1) % CONN_READS];
	return newest->end_ns > frame_ns;
}

bool corr_msg_wait(struct corr *c, struct conn *cn, const struct lp_hdr *h,
		   const struct lp_msg *msg)
{
	struct pend_msg *p;

	if (!c->reads_late || (!cn->pend_count && read_is_in(cn, msg->frame_ns)))
		return false;
	if (!cn->pend) {
		cn->pend = calloc(CONN_PEND, sizeof(*cn->pend));
		if (!cn->pend)
			return false; /* joined now, with what is there */
	}
	if (cn->pend_count == CONN_PEND) {
		c->t.msgs_waited_full++;
		pop_join(c, cn);
	}
	p = &cn->pend[(cn->pend_head + cn->pend_count) & (CONN_PEND - 1)];
	p->h = *h;
	p->msg = *msg;
	p->gen = c->pend_gen;
	cn->pend_count++;
	c->t.msgs_waited++;
	return true;
}

void corr_msgs_after_read(struct corr *c, struct conn *cn, uint64_t end_ns)
{
	while (cn->pend_count &&
	       cn->pend[cn->pend_head].msg.frame_ns < end_ns)
		pop_join(c, cn);
}

void corr_msgs_conn_settle(struct corr *c, struct conn *cn)
{
	while (cn->pend_count)
		pop_join(c, cn);
}

void corr_msgs_flush_begin(struct corr *c)
{
	c->pend_gen++;
}

/*
 * After the flush that corr_msgs_flush_begin announced was drained: the
 * messages that came before it began have their reads in. One that came
 * during it may not (its read was queued after the flush passed its
 * socket): it waits on.
 */
void corr_msgs_settle(struct corr *c)
{
	for (struct conn *cn = c->all; cn; cn = cn->next)
		while (cn->pend_count &&
		       cn->pend[cn->pend_head].gen < c->pend_gen)
			pop_join(c, cn);
}

void corr_msgs_settle_all(struct corr *c)
{
	for (struct conn *cn = c->all; cn; cn = cn->next)
		if (cn->pend_count)
			corr_msgs_conn_settle(c, cn);
}

void corr_msgs_free(struct conn *cn)
{
	free(cn->pend);
	cn->pend = NULL;
	cn->pend_head = cn->pend_count = 0;
}
