// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * build/benchgen's load: synthetic records written straight into a running
 * latprobe's ring (pinned with --pin; user space reuses its "rb" and
 * "stats" fds before load, see ring.bpf.h), so the consumer's capacity can
 * be measured without a producer that costs microseconds per event. Run by
 * BPF_PROG_TEST_RUN, never attached: nothing of it runs in a normal trace.
 *
 * The records are the shapes the kernel programs send per message: in join
 * mode one read that carries its segment's marks and the socket's segment
 * counters; in per-segment mode a segment with its wake-up, then the read.
 * Sockets are announced first (LP_EV_SOCK) and closed at the end, so the
 * correlator does its whole per-message work for each.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "latprobe.h"
#include "bench_gen.h"
#include "ring.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* one producer at a time (user space runs the program from one thread) */
struct bg_sock socks[BG_MAX_SOCKS];
__u32 next_sock;
__u64 rng = 0x9E3779B97F4A7C15ULL;

struct loop_ctx {
	struct bg_args *a;
	__u64 ts;
};

static __always_inline __u64 rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static __always_inline __u64 sk_of(__u32 i)
{
	return BG_SK_BASE + i * BG_SK_STRIDE;
}

static long open_one(__u32 i, struct loop_ctx *lc)
{
	struct lp_event *e;

	if (i >= BG_MAX_SOCKS)
		return 1;
	socks[i].copied = 1000;
	socks[i].in = 0;
	e = rb_reserve(LP_EV_SOCK, sk_of(i), lc->ts);
	if (!e) {
		lc->a->lost++;
		return 0;
	}
	__builtin_memset(&e->sock, 0, sizeof(e->sock));
	/* 198.18.0.0/15: the benchmarking range (RFC 2544) */
	e->sock.saddr[0] = 198;
	e->sock.saddr[1] = 18;
	e->sock.saddr[3] = 2;
	e->sock.daddr[0] = 198;
	e->sock.daddr[1] = 19;
	e->sock.daddr[2] = i >> 8;
	e->sock.daddr[3] = i & 0xff;
	e->sock.sport = 40000 + i;
	e->sock.dport = 443;
	e->sock.family = 2; /* AF_INET */
	__builtin_memcpy(e->sock.comm, "benchgen", 9);
	rb_submit(e);
	lc->a->submitted++;
	return 0;
}

static long close_one(__u32 i, struct loop_ctx *lc)
{
	struct lp_event *e;

	if (i >= BG_MAX_SOCKS)
		return 1;
	e = rb_reserve(LP_EV_CLOSE, sk_of(i), lc->ts);
	if (!e) {
		lc->a->lost++;
		return 0;
	}
	__builtin_memset(&e->close, 0, sizeof(e->close));
	/* the kernel counts segments per socket only in join mode */
	if (lc->a->shape == BG_JOIN) {
		e->close.segs.in = socks[i].in;
		e->close.segs.dev = socks[i].in;
		e->close.has_segs = 1;
	}
	rb_submit(e);
	lc->a->submitted++;
	return 0;
}

/* per-segment mode: the segment and its wake-up, as tcp_probe sends them */
static __always_inline int put_seg(struct loop_ctx *lc, __u64 sk, __u32 seq,
				   __u32 len, __u64 tcp_ns, __u64 wake_ns,
				   __u64 dev_ns)
{
	struct lp_event *e = rb_reserve(LP_EV_SEG, sk, tcp_ns);

	if (!e) {
		lc->a->lost++;
		return -1;
	}
	e->seg.seq = seq;
	e->seg.end_seq = seq + len;
	e->seg.rcv_nxt = seq;
	e->seg.wake_rcv_nxt = seq + len;
	e->seg.dev_ns = dev_ns;
	e->seg.nic_ns = 0;
	e->seg.wake_ns = wake_ns;
	*(__u64 *)&e->seg.nic_src = 0; /* nic_src and pad */
	rb_submit(e);
	lc->a->submitted++;
	return 0;
}

static long one_read(__u32 i, struct loop_ctx *lc)
{
	__u32 idx = next_sock, len, seq;
	__u64 r = rnd(), ts, sk, tcp_ns, wake_ns, dev_ns;
	struct bg_args *a = lc->a;
	struct lp_event *e;
	struct bg_sock *s;

	if (idx >= BG_MAX_SOCKS || idx >= a->nsocks)
		idx = 0;
	next_sock = idx + 1;
	s = &socks[idx];
	sk = sk_of(idx);
	/* a market-data frame of 100-355 bytes, one segment per message */
	len = 100 + (r & 0xff);
	seq = s->copied;
	ts = lc->ts + i * 16;
	/* stage lengths spread over the histograms: 0.5-8 us each */
	dev_ns = ts - 30000 + ((r >> 8) & 0x1fff);
	tcp_ns = dev_ns + 500 + ((r >> 21) & 0x1fff);
	wake_ns = tcp_ns + 500 + ((r >> 34) & 0x1fff);
	if (a->shape == BG_SEG) {
		if (put_seg(lc, sk, seq, len, tcp_ns, wake_ns, dev_ns))
			return 0;
		/* the pair counts as two of the n records */
		if (a->submitted >= a->n)
			return 1;
	}
	e = rb_reserve(LP_EV_READ, sk, ts);
	if (!e) {
		a->lost++;
		return 0;
	}
	s->copied = seq + len;
	s->in++;
	e->read.seq_start = seq;
	e->read.seq_end = seq + len;
	e->read.ret = len;
	*(__u32 *)&e->read.joined = 0; /* joined, has_mark, pad */
	e->read.start_ns = ts - 1000 - ((r >> 47) & 0x3ff);
	e->read.cleanup_ns = ts - 200;
	if (a->shape == BG_SEG) {
		e->read.joined = 0;
		e->read.has_mark = 0;
		__builtin_memset(&e->read.mark, 0, sizeof(e->read.mark));
		__builtin_memset(&e->read.segs, 0, sizeof(e->read.segs));
	} else {
		e->read.joined = 1;
		e->read.has_mark = 1;
		e->read.mark.seq = seq;
		e->read.mark.end_seq = seq + len;
		e->read.mark.tcp_ns = tcp_ns;
		e->read.mark.wake_ns = wake_ns;
		e->read.mark.dev_ns = dev_ns;
		e->read.segs.in = s->in;
		e->read.segs.dup = 0;
		e->read.segs.evicted = 0;
		e->read.segs.dev = s->in;
	}
	rb_submit(e);
	a->submitted++;
	a->messages++;
	a->bytes += len;
	return a->submitted >= a->n;
}

SEC("syscall")
int gen(struct bg_args *ctx)
{
	struct bg_args a = *ctx;
	struct loop_ctx lc = {.a = &a, .ts = bpf_ktime_get_ns()};
	__u32 n = a.nsocks;

	if (!n || n > BG_MAX_SOCKS)
		return -1;
	a.submitted = a.lost = a.messages = a.bytes = 0;
	switch (a.op) {
	case BG_OPEN:
		next_sock = 0;
		bpf_loop(n, open_one, &lc, 0);
		break;
	case BG_READS:
		/* a record may fail to reserve: at most 2n tries */
		bpf_loop(2 * a.n, one_read, &lc, 0);
		break;
	case BG_CLOSE:
		bpf_loop(n, close_one, &lc, 0);
		break;
	default:
		return -1;
	}
	ctx->submitted = a.submitted;
	ctx->lost = a.lost;
	ctx->messages = a.messages;
	ctx->bytes = a.bytes;
	return 0;
}
