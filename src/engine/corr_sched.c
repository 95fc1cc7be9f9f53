// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --sched: the kernel split each joined read's wake-up -> read end by where
 * its thread was (bpf/sched_split.bpf.h); here the split becomes the stages
 * sched_delay, thread_busy and thread_blocked of the same read or message,
 * next to the wakeup_to_read they add up to.
 */
#include <inttypes.h>
#include "correlator.h"
#include "corr_internal.h"

void corr_sched_note(struct corr *c, struct read_mark *rm,
		     const struct lp_read *r)
{
	if (r->has_sched) {
		rm->has_sched = true;
		rm->sched_wake = r->mark.wake_ns;
		rm->sched = r->sched;
		c->t.sched_split++;
	} else if (r->has_mark && r->mark.wake_ns) {
		c->t.sched_unsplit++; /* counted with --sched only (report) */
	}
}

/* A stage of d ns: measured from the wake-up mark, so 0 is a value too. */
static void add_dur(struct corr *c, struct conn *cn, enum lp_stage st,
		    uint64_t wake, uint64_t d)
{
	corr_stage_add(c, cn, st, wake, wake + d);
}

void corr_sched_stages(struct corr *c, struct conn *cn,
		       const struct read_mark *rm, const struct seg_mark *m)
{
	const struct lp_sched_split *s = &rm->sched;

	/* the split is of the interval wakeup_to_read measured, or none */
	if (!rm->has_sched || !m->wake_ns || m->wake_ns != rm->sched_wake)
		return;
	add_dur(c, cn, ST_SCHED_DELAY, m->wake_ns, s->runnable_ns);
	add_dur(c, cn, ST_THREAD_BUSY, m->wake_ns, s->running_ns);
	add_dur(c, cn, ST_THREAD_BLOCKED, m->wake_ns, s->sleeping_ns);
	if (c->cfg.sched_csv)
		fprintf(c->cfg.sched_csv,
			"%" PRIu32 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
			",%" PRIu64 ",%" PRIu64 "\n",
			rm->tid, m->wake_ns, rm->end_ns,
			(uint64_t)s->runnable_ns, (uint64_t)s->running_ns,
			(uint64_t)s->sleeping_ns);
}
