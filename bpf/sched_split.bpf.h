/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Why a read came late: where its thread was between the wake-up mark of
 * the read's last segment and the read's end. Only threads that read a
 * traced socket are followed: their task storage is created at their first
 * traced read, and the scheduler programs look storage up WITHOUT creating
 * it, so every other context switch on the machine costs two pointer
 * lookups and an early exit, before any clock read.
 *
 * A followed thread keeps its last LP_SCHED_RING state changes (running,
 * runnable, sleeping) with their times; the read's end walks them back to
 * the wake-up mark and sums the time in each state. Preemption counts as
 * runnable. A walk that does not reach back to the mark (the thread was
 * followed from later, or changed state more than LP_SCHED_RING times)
 * gives no split: has_sched stays 0 and user space counts the read.
 *
 * A thread turns runnable at sched_waking, in the waker's context, not at
 * sched_wakeup, which on another CPU comes only once the IPI that queues
 * it there is handled (10-20 us in this VM): that wait is the scheduler's,
 * not the thread's. Task storage is not inherited at fork, so a new task
 * is never followed: sched_wakeup_new would only ever exit early and is not
 * hooked.
 */
#ifndef __LP_SCHED_SPLIT_BPF_H
#define __LP_SCHED_SPLIT_BPF_H

/* --sched (src/loader_sched.c): follow readers, split wakeup_to_read */
const volatile bool sched_split = false;

#include "task_sched.bpf.h"

/*
 * A task with no storage of any map (nearly every task) is told apart by a
 * plain load, before the helper call: that is what most context switches
 * on the machine cost.
 */
static __always_inline struct lp_task_sched *followed(struct task_struct *t)
{
	if (!t->bpf_storage)
		return NULL;
	return bpf_task_storage_get(&sched_task, t, NULL, 0);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch_tp, bool preempt, struct task_struct *prev,
	     struct task_struct *next, unsigned int prev_state)
{
	struct lp_task_sched *t;
	__u64 now = 0;

	t = followed(prev);
	if (t) {
		stat_inc(LP_S_HITS + LP_P_SCHED);
		now = bpf_ktime_get_ns();
		/* preempted, or asleep only in name (a signal kept it runnable) */
		tchange(t, now,
			preempt || !prev_state ? LP_T_RUNNABLE : LP_T_SLEEPING);
	}
	t = followed(next);
	if (!t)
		return 0;
	stat_inc(LP_S_HITS + LP_P_SCHED);
	tchange(t, now ? now : bpf_ktime_get_ns(), LP_T_RUNNING);
	return 0;
}

SEC("tp_btf/sched_waking")
int BPF_PROG(sched_waking_tp, struct task_struct *p)
{
	struct lp_task_sched *t;

	t = followed(p);
	if (!t)
		return 0;
	stat_inc(LP_S_HITS + LP_P_SCHED);
	/* a wake-up of a thread that had not gone to sleep yet changes nothing */
	if (tstate_now(t) == LP_T_SLEEPING)
		tchange(t, bpf_ktime_get_ns(), LP_T_RUNNABLE);
	return 0;
}

/*
 * At a traced read's end (process context): follow the thread from now
 * on, and split [r->mark.wake_ns, end] by its state changes.
 */
static __always_inline void sched_take(struct lp_read *r, __u64 end)
{
	struct lp_task_sched *t;
	__u64 runnable = 0, running = 0, sleeping = 0, from;
	__u64 wake = r->mark.wake_ns;
	__u32 h, i;

	if (!sched_split)
		return;
	t = bpf_task_storage_get(&sched_task, bpf_get_current_task_btf(), NULL,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!t)
		return;
	h = t->head;
	if (!h) { /* followed from now on: running, since it reads */
		tchange(t, end, LP_T_RUNNING);
		return;
	}
	if (!r->has_mark || !wake || wake > end)
		return;
	for (i = 1; i <= LP_SCHED_RING && i <= h; i++) {
		struct lp_tchange *c = &t->ring[(h - i) & (LP_SCHED_RING - 1)];

		if (c->ts > end)
			continue; /* changed after this read's time was taken */
		from = c->ts > wake ? c->ts : wake;
		if (c->state == LP_T_RUNNABLE)
			runnable += end - from;
		else if (c->state == LP_T_RUNNING)
			running += end - from;
		else
			sleeping += end - from;
		if (c->ts <= wake) {
			r->sched.runnable_ns = runnable;
			r->sched.running_ns = running;
			r->sched.sleeping_ns = sleeping;
			r->has_sched = 1;
			return;
		}
		end = c->ts;
	}
}

#endif /* __LP_SCHED_SPLIT_BPF_H */
