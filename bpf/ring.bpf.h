/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one ring buffer and the per-CPU counters, for every BPF object of
 * latprobe. Each object that includes this defines its own "rb" and
 * "stats"; user space creates them once (latprobe.bpf.c's) and hands the
 * same fds to the other objects with bpf_map__reuse_fd before load, so all
 * records travel through ONE ring and all counters land in one map.
 */
#ifndef __LP_RING_BPF_H
#define __LP_RING_BPF_H

/* force a consumer wake-up past this many pending bytes (set by user space) */
const volatile __u64 wakeup_bytes = 256 * 1024;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 * 1024 * 1024);
} rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LP_S_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

static __always_inline void stat_add(__u32 idx, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &idx);

	if (v)
		*v += n;
}

static __always_inline void stat_inc(__u32 idx)
{
	stat_add(idx, 1);
}

/* size: a constant at each call site (the verifier wants one) */
static __always_inline void *rb_reserve_size(__u8 type, __u64 sk, __u64 ts,
					     __u32 size)
{
	struct lp_hdr *h;
	__u64 id;

	h = bpf_ringbuf_reserve(&rb, size, 0);
	if (!h) {
		stat_inc(LP_S_LOST);
		return NULL;
	}
	id = bpf_get_current_pid_tgid();
	h->ts_ns = ts;
	h->sk = sk;
	h->tgid = id >> 32;
	h->tid = (__u32)id;
	h->type = type;
	h->cpu_lost = 0;
	h->pad = 0;
	h->pad2 = 0;
	return h;
}

static __always_inline void *rb_reserve(__u8 type, __u64 sk, __u64 ts)
{
	return rb_reserve_size(type, sk, ts, lp_event_size(type));
}

/*
 * Never wake the consumer per record (an IPI costs microseconds here); force
 * one when the pending data crosses a quarter of the ring, once per
 * crossing, and on every record only once more than half is pending (the
 * consumer is behind: a crossing two producers both missed must not wait
 * for its 10 ms poll timer).
 */
static __always_inline void rb_submit_size(void *e, __u32 size)
{
	__u64 flags = BPF_RB_NO_WAKEUP, avail;

	avail = bpf_ringbuf_query(&rb, BPF_RB_AVAIL_DATA);
	if (avail >= 2 * wakeup_bytes ||
	    (avail >= wakeup_bytes && avail - size < wakeup_bytes)) {
		flags = BPF_RB_FORCE_WAKEUP;
		stat_inc(LP_S_WAKEUPS);
	}
	bpf_ringbuf_submit(e, flags);
	stat_inc(LP_S_SUBMITTED);
}

static __always_inline void rb_submit(void *e)
{
	rb_submit_size(e, lp_event_size(((struct lp_hdr *)e)->type));
}

#endif /* __LP_RING_BPF_H */
