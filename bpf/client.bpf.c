// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --callback: a uprobe and a uretprobe on the function a client we did not
 * build calls once per message (src/kernel/attach_callback.c attaches
 * them, both at the same cheap site when possible:
 * src/uprobe/uprobe_place.c). One ring record per call, at its return,
 * through latprobe's ring (ring.bpf.h: "rb" and "stats" are
 * latprobe.bpf.c's maps, reused by fd).
 *
 * Per thread, a bounded stack of open calls (returns pair with entries
 * LIFO): LP_CB_DEPTH frames, deeper calls only counted. A message is the
 * outermost call that passes the filter; calls nested in it (recursion)
 * are part of it and counted as nested. A call that never returns
 * (longjmp, an exception thrown through it, a thread that exits inside
 * it) is found by its stack pointer when the thread calls in again, and
 * counted with everything nested in it; calls still open when tracing
 * stops are counted by user space.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "latprobe.h"
#include "client.h"
#include "ring.bpf.h"
#include "maps.bpf.h"
#include "task_sched.bpf.h"

/* Set by user space before load. */
const volatile __u32 targ_tgid = 0;   /* --client PID; 0 = any process */
const volatile __u8 style = LP_CB_PLAIN; /* --callback-style */
const volatile __u8 ptr_arg = 0;      /* --payload-arg N (1-based), 0 = none */
const volatile __u8 len_arg = 0;      /* --payload-arg ...,M */
/* --sched (latprobe.bpf.c's sched_split): time each message call off CPU */
const volatile bool off_cpu = false;

/* LRU: threads that died inside a call cannot pin entries forever */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LP_UCALLS_MAX_ENTRIES);
	__type(key, __u32);
	__type(value, struct lp_cb_state);
} cb_threads SEC(".maps");

/* zeroed template for new threads (too big for the BPF stack) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lp_cb_state);
} cb_zero SEC(".maps");

/*
 * Frame index the verifier can bound: clang drops a plain "& 7" after a
 * "< 8" check it already made, and the verifier then loses the bound on
 * the copy it multiplies. The asm keeps the mask.
 */
static __always_inline __u64 slot(__u64 d)
{
	asm volatile("%0 &= %1" : "+r"(d) : "i"(LP_CB_DEPTH - 1));
	/* also bounds argument indexes: 6 arguments fit in 8 slots */
	return d;
}

/*
 * Argument n (1-based) of the probed call. Each register is loaded at a
 * constant ctx offset (the verifier refuses a computed one, which is what
 * clang makes of a switch), then picked from the stack.
 */
static __always_inline __u64 arg_n(struct pt_regs *ctx, __u8 n)
{
	__u64 a[8] = {
		PT_REGS_PARM1(ctx), PT_REGS_PARM2(ctx), PT_REGS_PARM3(ctx),
		PT_REGS_PARM4(ctx), PT_REGS_PARM5(ctx),
		ctx->r9, /* libbpf 1.1 has no PT_REGS_PARM6 */
	};

	return n ? a[slot(n - 1)] : 0;
}

static __always_inline struct lp_cb_state *thread_state(__u32 tid)
{
	struct lp_cb_state *st = bpf_map_lookup_elem(&cb_threads, &tid);
	__u32 zero = 0;

	if (st)
		return st;
	/* a new thread: the zeroed template only now (once per thread) */
	st = bpf_map_lookup_elem(&cb_zero, &zero);
	if (!st)
		return NULL;
	return lookup_or_try_init(&cb_threads, &tid, st);
}

static __always_inline void copy_payload(struct lp_cb_frame *f, __u64 ptr,
					 __u64 len)
{
	__u32 n = len < LP_CB_PAYLOAD ? len : LP_CB_PAYLOAD;

	f->len = len;
	f->ncopied = 0;
	if (!ptr || !n || n > LP_CB_PAYLOAD)
		return;
	if (!bpf_probe_read_user(f->payload, n, (void *)ptr))
		f->ncopied = n;
}

/*
 * --sched: the thread's off-CPU time so far. A thread seen here first is
 * followed from now on (running: it is in the call), like a reader at its
 * first traced read (sched_split.bpf.h), so even its first call is timed.
 */
static __always_inline void off_cpu_entry(struct lp_cb_frame *f)
{
	struct lp_task_sched *t;

	t = bpf_task_storage_get(&sched_task, bpf_get_current_task_btf(), NULL,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!t)
		return;
	if (!t->head)
		tchange(t, f->entry_ns, LP_T_RUNNING);
	f->off0_ns = t->off_ns;
	f->has_off = 1;
}

static __always_inline void off_cpu_return(const struct lp_cb_frame *f,
					   struct lp_cb *cb)
{
	struct lp_task_sched *t;

	cb->has_off_cpu = 0;
	cb->off_cpu_ns = 0;
	if (!off_cpu || !f->has_off)
		return;
	t = bpf_task_storage_get(&sched_task, bpf_get_current_task_btf(), NULL,
				 0);
	if (!t || t->off_ns < f->off0_ns)
		return;
	cb->off_cpu_ns = t->off_ns - f->off0_ns;
	cb->has_off_cpu = 1;
}

SEC("uprobe")
int BPF_KPROBE(cb_entry)
{
	__u64 id = bpf_get_current_pid_tgid(), sp = PT_REGS_SP(ctx);
	struct lp_cb_state *st;
	struct lp_cb_frame *f;
	__u32 d;

	stat_inc(LP_S_HITS + LP_P_CB_ENTRY);
	if (targ_tgid && (id >> 32) != targ_tgid) {
		stat_inc(LP_S_CB_SKIPPED);
		return 0;
	}
	st = thread_state((__u32)id);
	if (!st) {
		stat_inc(LP_S_CB_NO_STATE);
		return 0;
	}
	/*
	 * A nested call runs deeper (lower rsp) than the calls it is nested
	 * in; an open frame at or below this rsp was left without a return.
	 */
	d = st->depth;
	for (int i = 0; i < LP_CB_DEPTH && d > 0 && d <= LP_CB_DEPTH; i++) {
		if (st->f[slot(d - 1)].sp > sp)
			break;
		d--;
		/* with it, the untimed calls deeper than it */
		stat_add(LP_S_CB_ABANDONED, 1 + st->overflow);
		st->overflow = 0;
	}
	if (d > 0 || st->overflow)
		stat_inc(LP_S_CB_NESTED);
	if (d >= LP_CB_DEPTH || st->overflow) {
		st->depth = d;
		st->overflow++;
		stat_inc(LP_S_CB_TOO_DEEP);
		return 0;
	}
	f = &st->f[slot(d)];
	f->entry_ns = bpf_ktime_get_ns();
	f->sp = sp;
	f->is_msg = 1;
	f->in_msg = d > 0 && (st->f[slot(d - 1)].is_msg ||
			      st->f[slot(d - 1)].in_msg);
	f->ncopied = 0;
	f->len = 0;
	if (style == LP_CB_LWS) {
		/* (wsi, reason, user, in, len): only received data is a message */
		if (PT_REGS_PARM2(ctx) == LP_LWS_CLIENT_RECEIVE) {
			copy_payload(f, PT_REGS_PARM4(ctx), PT_REGS_PARM5(ctx));
		} else {
			f->is_msg = 0;
			stat_inc(LP_S_CB_SKIPPED);
		}
	} else if (ptr_arg) {
		copy_payload(f, arg_n(ctx, ptr_arg),
			     len_arg ? arg_n(ctx, len_arg) : 0);
	}
	f->has_off = 0;
	if (off_cpu && f->is_msg && !f->in_msg)
		off_cpu_entry(f);
	st->depth = d + 1;
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(cb_return)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), d;
	struct lp_cb_state *st;
	struct lp_cb_frame *f;
	struct lp_event *e;
	__u64 now = bpf_ktime_get_ns();

	stat_inc(LP_S_HITS + LP_P_CB_RETURN);
	st = bpf_map_lookup_elem(&cb_threads, &tid);
	if (!st)
		return 0; /* filtered out, or entered before we attached */
	if (st->overflow) {
		st->overflow--;
		return 0;
	}
	d = st->depth;
	if (d == 0 || d > LP_CB_DEPTH)
		return 0;
	d--;
	st->depth = d;
	f = &st->f[slot(d)];
	if (!f->is_msg || f->in_msg)
		return 0;
	e = rb_reserve(LP_EV_CB, 0, now);
	if (!e)
		return 0;
	e->cb.entry_ns = f->entry_ns;
	e->cb.len = f->len;
	e->cb.depth = d;
	e->cb.ncopied = f->ncopied;
	__builtin_memcpy(e->cb.payload, f->payload, LP_CB_PAYLOAD);
	off_cpu_return(f, &e->cb);
	rb_submit(e);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
