/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A followed thread's scheduler state (task-local storage), shared by
 * latprobe.bpf.c (bpf/sched_split.bpf.h: the scheduler programs write it,
 * a traced read's end walks it) and client.bpf.c (--callback with --sched:
 * the callback's entry and return read off_ns, its map reused by fd).
 *
 * Besides the ring of its last state changes, a thread keeps off_ns: the
 * time it spent off a CPU (runnable or asleep) in every interval closed so
 * far. A thread that is running has no open off-CPU interval, so two reads
 * of off_ns while it runs (a callback's entry and return) differ by exactly
 * the time it was off a CPU between them, however many times it switched.
 */
#ifndef __LP_TASK_SCHED_BPF_H
#define __LP_TASK_SCHED_BPF_H

#define LP_SCHED_RING 32 /* state changes kept per thread (a power of 2) */

enum lp_tstate {
	LP_T_RUNNABLE = 0,
	LP_T_RUNNING,
	LP_T_SLEEPING,
};

struct lp_tchange {
	__u64 ts;
	__u32 state; /* enum lp_tstate from ts on */
	__u32 pad;
};

struct lp_task_sched {
	__u32 head; /* changes written so far; the newest is head - 1 */
	__u32 pad;
	__u64 off_ns; /* runnable + asleep, over the intervals closed so far */
	struct lp_tchange ring[LP_SCHED_RING];
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct lp_task_sched);
} sched_task SEC(".maps");

static __always_inline void tchange(struct lp_task_sched *t, __u64 ts,
				    __u32 state)
{
	__u32 h = t->head;
	struct lp_tchange *c = &t->ring[h & (LP_SCHED_RING - 1)];
	struct lp_tchange *p = &t->ring[(h - 1) & (LP_SCHED_RING - 1)];

	/* the interval the newest change opened closes now */
	if (h && p->state != LP_T_RUNNING && ts > p->ts)
		t->off_ns += ts - p->ts;
	c->ts = ts;
	c->state = state;
	barrier(); /* the reader walks back from head */
	t->head = h + 1;
}

static __always_inline __u32 tstate_now(const struct lp_task_sched *t)
{
	return t->ring[(t->head - 1) & (LP_SCHED_RING - 1)].state;
}

#endif /* __LP_TASK_SCHED_BPF_H */
