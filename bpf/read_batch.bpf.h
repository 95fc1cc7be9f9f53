/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Batched reads. A ring-buffer reservation takes the ring's lock with
 * interrupts off, and re-enabling interrupts is what costs: on a
 * paravirtualized guest it was 720 of recv_tp's 920 ns per read (an empty
 * reserve + discard, results/kernel-cost.md). So in kernel-only runs a
 * socket's reads wait in its storage and leave LP_READS_BATCH per record;
 * user space flushes the rest once a second (the flush_reads iterator, so
 * an idle socket's last reads are at most a second late), close flushes
 * before its record, and exit flushes after detaching.
 *
 * Not with --callback (or TLS probes whose reads are not carried): their
 * records are joined to "the newest read of this thread before me" in ring
 * order, which a read still waiting here would break; batch_reads stays
 * false then. --client messages that come first wait for their reads in
 * the correlator (src/engine/corr_pending.c). Not for sockets of another
 * network namespace (lp_sock_state.own_netns): the flusher's iter/tcp pass
 * sees latprobe's own only, and their last reads would never leave.
 *
 * rbusy makes the queue single-owner: a reader (or the flusher) takes it
 * with a compare-and-swap; a reader that finds it taken sends its read in
 * a record of its own, a flusher that finds it taken leaves the queue to
 * its next pass. Nothing spins.
 */
#ifndef __LP_READ_BATCH_BPF_H
#define __LP_READ_BATCH_BPF_H

/* Set by user space once the flusher is attached (kernel/loader_batch.c). */
bool batch_reads = false;

static __always_inline bool rq_take(struct lp_sk *k)
{
	return __sync_val_compare_and_swap(&k->rbusy, 0, 1) == 0;
}

static __always_inline void rq_release(struct lp_sk *k)
{
	__sync_lock_test_and_set(&k->rbusy, 0); /* xchg: a full barrier */
}

/* Send the queued reads as one record; the caller owns the queue. */
static __always_inline void rq_flush(__u64 sk, struct lp_sk *k)
{
	struct lp_event *e;
	__u32 n = k->rn;

	if (!n)
		return;
	k->rn = 0;
	/* the header's time is the newest read's (entries carry their own) */
	e = rb_reserve(LP_EV_READS, sk,
		       k->rq[(n - 1) & (LP_READS_BATCH - 1)].ts_ns);
	if (!e) {
		stat_add(LP_S_READS_LOST, n);
		return;
	}
	e->reads.n = n;
	e->reads.pad = 0;
	__builtin_memcpy(e->reads.ent, k->rq, sizeof(k->rq));
	rb_submit(e);
}

/*
 * The flusher: user space runs it over the kernel's TCP sockets once a
 * second and at exit (an iterator over our socket storage would visit only
 * ours, but this kernel refuses iter/bpf_sk_storage_map programs).
 */
SEC("iter/tcp")
int flush_reads(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct tcp_sock *tp;
	struct lp_sk *k;

	tp = skc ? bpf_skc_to_tcp_sock(skc) : NULL;
	if (!tp)
		return 0;
	/* the helper wants a struct sock; tcp_sock starts with one */
	k = bpf_sk_storage_get(&sk_state, (struct sock *)tp, NULL, 0);
	if (!k || !k->rn || !rq_take(k))
		return 0;
	rq_flush((__u64)skc, k);
	rq_release(k);
	return 0;
}

#endif /* __LP_READ_BATCH_BPF_H */
