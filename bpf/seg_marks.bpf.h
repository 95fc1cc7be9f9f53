/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A received segment's marks (dev_in, tcp_in, wake-up, NIC) and how they
 * reach user space. Join mode (the default): they wait in the socket's
 * storage and leave with the read that consumes them (one ring record per
 * read, none per segment). Per-segment mode (a NIC stamper is active,
 * --nic-timestamps, or reads hooked by kprobe, which cannot reach socket
 * storage): one LP_EV_SEG record per segment, its wake-up folded in.
 */
#ifndef __LP_SEG_MARKS_BPF_H
#define __LP_SEG_MARKS_BPF_H

/* reads and wake-ups reach socket storage: join marks in the kernel */
const volatile bool join_marks = false;
/* dev_in is the skb's software RX stamp (user space keeps stamping on) */
const volatile bool dev_from_skb = false;
/* --nic-timestamps: the skb's RX stamp is the NIC mark */
const volatile bool skb_tstamps = false;
const volatile __s64 realtime_offset_ns = 0; /* CLOCK_REALTIME - MONOTONIC */

#define LP_MAX_CPUS 256
const volatile __u32 nr_cpus = 1;

/* Set by user space once a stamper has published into nic_ts (its header). */
bool nic_ts_active = false;

static __always_inline bool seq_before(__u32 a, __u32 b)
{
	return (__s32)(a - b) < 0;
}

static __always_inline bool per_segment(void)
{
	return !join_marks || skb_tstamps || nic_ts_active;
}

/*
 * dev_in from the skb itself: with RX stamping on (any socket asking for
 * it turns it on for all), the stack stamps each packet with CLOCK_REALTIME
 * as it enters (netif_rx / netif_receive_skb, net.core.netdev_tstamp_prequeue),
 * the moment the netif_receive_skb program used to mark, without running a
 * program per packet. A monotonic delivery time (tstamp_type mono) is cleared
 * before local delivery; a value this small would be one, not a wall clock.
 */
static __always_inline __u64 skb_rx_stamp(const struct sk_buff *skb)
{
	__s64 ts = skb->tstamp;

	if (ts <= 0)
		return 0;
	if (ts < 100000000000000000LL) /* before 1973: monotonic */
		return ts;
	return ts - realtime_offset_ns;
}

/* ---- fallback when RX stamping is unavailable: tp_btf/netif_receive_skb ---- */

/*
 * netif_receive_skb time by skb address, per CPU: tcp_probe normally runs
 * in the same softirq on the same CPU, so a small direct-mapped per-CPU
 * table replaces a hash update + lookup + delete per packet. An skb
 * processed later from the socket backlog on another CPU, or evicted by a
 * collision, simply has no dev_in mark.
 */
#define DEV_SLOTS 256
struct dev_slots {
	__u64 skb[DEV_SLOTS];
	__u64 ts[DEV_SLOTS];
	__u64 scratch; /* the verifier allows no arithmetic on a BTF pointer;
			* its value read back from a map is a plain number */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dev_slots);
} skb_dev SEC(".maps");

static __always_inline __u32 dev_slot(struct dev_slots *d, const void *skb)
{
	volatile __u64 *v = &d->scratch;

	*v = (__u64)skb;
	return ((*v >> 6) * 0x9E3779B97F4A7C15ULL) >> 56;
}

static __always_inline __u64 dev_in_of(const struct sk_buff *skb)
{
	struct dev_slots *d;
	__u32 zero = 0, i;

	d = bpf_map_lookup_elem(&skb_dev, &zero);
	if (!d)
		return 0;
	i = dev_slot(d, skb) & (DEV_SLOTS - 1);
	if (d->skb[i] != (__u64)skb) {
		/* from the socket backlog on the reader's CPU: rare */
		for (__u32 cpu = 0; cpu < LP_MAX_CPUS && cpu < nr_cpus; cpu++) {
			d = bpf_map_lookup_percpu_elem(&skb_dev, &zero, cpu);
			if (d && d->skb[i] == (__u64)skb)
				break;
			d = NULL;
		}
		if (!d)
			return 0;
	}
	/* take the slot: a recycled skb address must not match again */
	d->skb[i] = 0;
	return d->ts[i];
}

/* ---- NIC stamps: latprobe-nic's pinned map, or the skb's own ---- */

/* latprobe-nic's stamps: slots and protocol in latprobe.h (lp_nic_slot) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, LP_NIC_TS_ENTRIES);
	__type(key, __u32);
	__type(value, struct lp_nic_slot);
} nic_ts SEC(".maps");

static __always_inline void nic_lookup(struct sock *sk, __u32 seq,
				       struct lp_seg *seg)
{
	struct lp_nic_key k = {};
	struct lp_nic_slot *s;
	__u64 w[5], diff = 0, ns;
	__u32 i, c;
	__u8 src;

	/* on the wire the peer is the sender */
	read_addrs(sk, BPF_CORE_READ(sk, __sk_common.skc_family), k.daddr,
		   k.saddr);
	k.sport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	k.dport = BPF_CORE_READ(sk, __sk_common.skc_num);
	k.seq = seq;
	i = lp_nic_slot_of(&k);
	s = bpf_map_lookup_elem(&nic_ts, &i);
	if (!s)
		return;
	/*
	 * seqcount read: the count, the fields, the count again. Loads are not
	 * reordered with loads on x86 (the stamper's host); elsewhere a torn
	 * stamp still needs its key to match.
	 */
	c = *(volatile __u32 *)&s->cnt;
	barrier();
	__builtin_memcpy(w, &k, sizeof(w));
	for (int j = 0; j < 5; j++)
		diff |= w[j] ^ ((volatile __u64 *)&s->key)[j];
	ns = s->ns;
	src = s->src;
	barrier();
	if ((c & 1) || *(volatile __u32 *)&s->cnt != c || diff || !src)
		return;
	seg->nic_ns = ns;
	seg->nic_src = src;
}

/*
 * The kernel's own RX stamps (--nic-timestamps). Hardware: the driver's
 * stamp in skb_shinfo()->hwtstamps, in the NIC's PHC clock; it converts to
 * CLOCK_MONOTONIC as CLOCK_REALTIME only if the PHC is disciplined to it
 * (phc2sys), which the report states. Software: skb->tstamp, as above.
 */
static __always_inline void skb_stamp(const struct sk_buff *skb,
				      struct lp_seg *seg)
{
	struct skb_shared_info *shinfo;
	__s64 ts;

	shinfo = (struct skb_shared_info *)(BPF_CORE_READ(skb, head) +
					    BPF_CORE_READ(skb, end));
	ts = BPF_CORE_READ(shinfo, hwtstamps.hwtstamp);
	if (ts > 0) {
		seg->nic_src = LP_NIC_SKB_HW;
		seg->nic_ns = ts - realtime_offset_ns;
		return;
	}
	seg->nic_ns = skb_rx_stamp(skb);
	if (seg->nic_ns)
		seg->nic_src = LP_NIC_SKB_SW;
}

/* ---- per-segment mode: the segment waits per CPU for its wake-up ---- */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lp_pending_seg);
} pending SEC(".maps");

/* Emit the segment held on this CPU, with its wake-up if it had one. */
static __always_inline void flush_pending(struct lp_pending_seg *p,
					  __u64 wake_ns, __u32 wake_rcv_nxt)
{
	struct lp_event *e;

	e = rb_reserve(LP_EV_SEG, p->sk, p->tcp_ns);
	if (e) {
		e->seg = p->seg;
		e->seg.wake_ns = wake_ns;
		e->seg.wake_rcv_nxt = wake_rcv_nxt;
		rb_submit(e);
	}
	p->sk = 0;
}

/* ---- join mode: marks in the socket's storage ---- */

static __always_inline void mark_add(struct lp_sk *k, __u32 seq, __u32 end_seq,
				     __u32 rcv_nxt, __u64 now, __u64 dev_ns)
{
	struct lp_mark *m;
	__u32 h;

	k->segs.in++;
	/* retransmission of bytes already received: nothing to read */
	if (seq_before(seq, rcv_nxt) && !seq_before(rcv_nxt, end_seq)) {
		k->segs.dup++;
		return;
	}
	if (dev_ns)
		k->segs.dev++;
	h = k->mhead;
	m = &k->marks[h & (LP_SK_MARKS - 1)];
	m->seq = seq;
	m->end_seq = end_seq;
	m->tcp_ns = now;
	m->wake_ns = 0;
	m->dev_ns = dev_ns;
	/* publish last: the reader on another CPU reads mhead first */
	barrier();
	k->mhead = h + 1;
}

/*
 * sk_data_ready: data up to rcv_nxt is readable now. Newest first, up to the
 * first mark already woken: the older ones were woken before it.
 */
static __always_inline void marks_wake(struct lp_sk *k, __u64 now,
				       __u32 rcv_nxt)
{
	__u32 h = k->mhead;

	for (__u32 i = 1; i <= LP_SK_MARKS; i++) {
		struct lp_mark *m = &k->marks[(h - i) & (LP_SK_MARKS - 1)];

		if (m->wake_ns || !m->tcp_ns)
			break;
		if (!seq_before(rcv_nxt, m->end_seq))
			m->wake_ns = now;
	}
}

/* Marks lost so far: counted by reads, plus those overwritten since. */
static __always_inline __u32 marks_lost(const struct lp_sk *k)
{
	__u32 behind = k->mhead - k->mtail;

	return k->evicted + (behind > LP_SK_MARKS ? behind - LP_SK_MARKS : 0);
}

/*
 * A read returned bytes up to seq_end: hand it the mark of the segment
 * that held its last byte and the counters, drop the marks it consumed.
 */
static __always_inline void marks_take(struct lp_sk *k, __u32 seq_end,
				       struct lp_read *r)
{
	__u32 h = k->mhead, t = k->mtail, last = seq_end - 1;

	barrier(); /* mhead before the marks it publishes */
	if (h - t > LP_SK_MARKS) {
		/* the softirq overwrote marks this reader had not taken */
		k->evicted += h - t - LP_SK_MARKS;
		t = h - LP_SK_MARKS;
	}
	r->joined = 1;
	r->segs = k->segs;
	r->segs.evicted = k->evicted;
	for (__u32 i = 0; i < LP_SK_MARKS; i++) {
		struct lp_mark *m = &k->marks[(t + i) & (LP_SK_MARKS - 1)];

		if (t + i == h)
			break;
		if (!seq_before(last, m->seq) && seq_before(last, m->end_seq)) {
			r->mark = *m;
			r->has_mark = 1;
		}
	}
	for (__u32 i = 0; i < LP_SK_MARKS && t != h; i++) {
		struct lp_mark *m = &k->marks[t & (LP_SK_MARKS - 1)];

		if (seq_before(seq_end, m->end_seq))
			break;
		t++;
	}
	k->mtail = t;
}

#endif /* __LP_SEG_MARKS_BPF_H */
