// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * latprobe kernel side: the TCP receive path of every traced socket, into ONE
 * ring buffer. Each hook exists in up to three flavours (fentry/fexit,
 * kprobe/kretprobe, tracepoint) that call one static handler; user space
 * switches off the flavours it does not use before load (src/loader.c).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/usdt.bpf.h>
#include "latprobe.h"
#include "ring.bpf.h"

#define AF_INET 2
#define AF_INET6 10
#define MSG_PEEK 2
#define TCP_CLOSE 7
#define TCP_LISTEN 10
#define IPPROTO_TCP 6

/* Set by user space before load (libbpf-tools style read-only globals). */
const volatile __u32 targ_tgid = 0;
const volatile __u16 targ_port = 0;
const volatile __u32 sample_rate = 1;
const volatile bool filter_comm = false;
const volatile char targ_comm[LP_COMM_LEN] = {};
/* tcp_recvmsg entry is hooked (fentry/kprobe): "start" entries exist */
const volatile bool read_entry_hooked = false;

/* --nic-timestamps: the skb's RX stamp is the NIC mark when nic_ts has none */
const volatile bool skb_tstamps = false;
const volatile __s64 realtime_offset_ns = 0; /* CLOCK_REALTIME - MONOTONIC */

#define LP_MAX_CPUS 256
const volatile __u32 nr_cpus = 1;

/* Set by user space once the pinned nic_ts map has entries (latprobe-nic). */
bool nic_ts_active = false;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct lp_sock_state);
} socks SEC(".maps");

/* A read or send in progress on a thread (entry -> return). */
struct lp_start {
	__u64 ts;
	__u64 sk;
	__u64 cleanup_ns;
	__u32 copied_seq;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct lp_start);
} start SEC(".maps");

/*
 * netif_receive_skb time by skb address, per CPU: tcp_probe normally runs
 * in the same softirq on the same CPU, so a small direct-mapped per-CPU
 * table replaces a hash update + lookup + delete per packet. It holds a
 * whole NAPI batch (up to 64 skbs) with room to spare; an skb processed
 * later from the socket backlog on another CPU, or evicted by a collision,
 * simply has no dev_in mark.
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

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LP_NIC_TS_MAX_ENTRIES);
	__type(key, struct lp_nic_key);
	__type(value, struct lp_nic_val);
} nic_ts SEC(".maps");

/*
 * Bytes sent per traced socket: a counter, not a ring record per send.
 * Reported at close (LP_EV_CLOSE) and read by user space for live sockets.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u64);
} sent SEC(".maps");

/* The segment waiting for its wake-up, per CPU (see struct lp_seg). */
struct pending_seg {
	__u64 sk;
	__u64 tcp_ns;
	struct lp_seg seg;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pending_seg);
} pending SEC(".maps");

/* Receive-queue drops by local port. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u16);
	__type(value, __u64);
} drops SEC(".maps");

static __always_inline bool comm_matches(void)
{
	char comm[LP_COMM_LEN];

	if (!filter_comm)
		return true;
	bpf_get_current_comm(comm, sizeof(comm));
	for (int i = 0; i < LP_COMM_LEN; i++) {
		if (comm[i] != targ_comm[i])
			return false;
		if (!comm[i])
			break;
	}
	return true;
}

/* Filters that depend only on the current task (process context). */
static __always_inline bool task_passes(void)
{
	if (targ_tgid && (bpf_get_current_pid_tgid() >> 32) != targ_tgid)
		return false;
	return comm_matches();
}

/* Local and remote address; IPv4 in the first four bytes. */
static __always_inline void read_addrs(struct sock *sk, __u16 family,
				       __u8 *local, __u8 *remote)
{
	if (family == AF_INET) {
		bpf_core_read(local, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(remote, 4, &sk->__sk_common.skc_daddr);
	} else {
		bpf_core_read(local, LP_ADDR_LEN,
			      &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(remote, LP_ADDR_LEN,
			      &sk->__sk_common.skc_v6_daddr);
	}
}

static __always_inline void announce(struct sock *sk,
				     struct lp_sock_state *st, bool proc)
{
	struct lp_event *e;
	__u16 family;

	e = rb_reserve(LP_EV_SOCK, (__u64)sk, bpf_ktime_get_ns());
	if (!e)
		return;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	e->sock.family = family;
	e->sock.sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	e->sock.dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	e->sock.pad = 0;
	__builtin_memset(e->sock.saddr, 0, LP_ADDR_LEN);
	__builtin_memset(e->sock.daddr, 0, LP_ADDR_LEN);
	read_addrs(sk, family, e->sock.saddr, e->sock.daddr);
	__builtin_memset(e->sock.comm, 0, LP_COMM_LEN);
	if (proc) {
		bpf_get_current_comm(e->sock.comm, LP_COMM_LEN);
		st->announced = 1;
	} else {
		/* softirq: the owner is not current; say so with tgid 0 */
		e->h.tgid = 0;
		e->h.tid = 0;
	}
	rb_submit(e);
}

/*
 * The per-socket filter decision, made once per socket and remembered in
 * "socks" so filtered-out traffic costs one hash lookup. proc is true when
 * the hook runs in the context of the socket's owner (read, send); segment
 * arrival and wake-up run in softirq where current is unrelated.
 */
static __always_inline struct lp_sock_state *sock_traced(struct sock *sk,
							 bool proc)
{
	struct lp_sock_state *st, init = {};
	__u64 key = (__u64)sk;
	__u16 family, lport, rport;

	st = bpf_map_lookup_elem(&socks, &key);
	if (st) {
		if (!st->traced)
			goto filtered;
		if (proc && !st->announced) {
			st->tgid = bpf_get_current_pid_tgid() >> 32;
			announce(sk, st, true);
		}
		return st;
	}
	/* an unknown socket whose owner we cannot see yet: decide later */
	if (!proc && (targ_tgid || filter_comm))
		goto filtered;

	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != AF_INET && family != AF_INET6)
		goto filtered;
	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		goto filtered;
	/* a listener's data_ready means "accept me", not data */
	if (BPF_CORE_READ(sk, __sk_common.skc_state) == TCP_LISTEN)
		goto filtered;
	lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	init.traced = 1;
	if (targ_port && lport != targ_port && rport != targ_port)
		init.traced = 0;
	if (proc && !task_passes())
		init.traced = 0;
	/* not the address: no arithmetic is allowed on a BTF pointer */
	if (sample_rate > 1 &&
	    lp_sample_hash(BPF_CORE_READ(sk, __sk_common.skc_hash), lport,
			   rport) % sample_rate)
		init.traced = 0;
	init.first_ns = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&socks, &key, &init, BPF_NOEXIST)) {
		stat_inc(LP_S_SOCK_FULL);
		return NULL;
	}
	st = bpf_map_lookup_elem(&socks, &key);
	if (!st || !st->traced)
		goto filtered;
	if (proc)
		st->tgid = bpf_get_current_pid_tgid() >> 32;
	announce(sk, st, proc);
	return st;
filtered:
	stat_inc(LP_S_FILTERED);
	return NULL;
}

/* ---- tcp_recvmsg: entry ---- */

static __always_inline void read_enter(struct sock *sk)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct lp_start s = {};

	stat_inc(LP_S_HITS + LP_P_RECV_ENTRY);
	if (!task_passes())
		return;
	s.ts = bpf_ktime_get_ns();
	s.sk = (__u64)sk;
	s.copied_seq = BPF_CORE_READ((struct tcp_sock *)sk, copied_seq);
	bpf_map_update_elem(&start, &tid, &s, BPF_ANY);
}

SEC("fentry/tcp_recvmsg")
int BPF_PROG(recv_fentry, struct sock *sk)
{
	read_enter(sk);
	return 0;
}

SEC("kprobe/tcp_recvmsg")
int BPF_KPROBE(recv_kprobe, struct sock *sk)
{
	read_enter(sk);
	return 0;
}

/* ---- tcp_recvmsg: return ---- */

static __always_inline void read_exit(struct sock *sk, int ret, int flags)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct lp_sock_state *st;
	struct lp_start *s;
	struct lp_event *e;
	__u32 after;
	__u64 now;

	stat_inc(LP_S_HITS + LP_P_RECV_EXIT);
	/* tracepoint mode has no entry hook: nothing to look up */
	s = read_entry_hooked ? bpf_map_lookup_elem(&start, &tid) : NULL;
	if (ret <= 0 || (flags & MSG_PEEK))
		goto out;
	st = sock_traced(sk, true);
	if (!st)
		goto out;
	now = bpf_ktime_get_ns();
	e = rb_reserve(LP_EV_READ, (__u64)sk, now);
	if (!e)
		goto out;
	after = BPF_CORE_READ((struct tcp_sock *)sk, copied_seq);
	e->read.seq_end = after;
	e->read.seq_start = after - ret;
	e->read.ret = ret;
	e->read.pad = 0;
	e->read.start_ns = 0;
	e->read.cleanup_ns = 0;
	if (s && s->sk == (__u64)sk) {
		e->read.start_ns = s->ts;
		e->read.cleanup_ns = s->cleanup_ns;
		e->read.seq_start = s->copied_seq;
	}
	rb_submit(e);
out:
	if (s)
		bpf_map_delete_elem(&start, &tid);
}

SEC("fexit/tcp_recvmsg")
int BPF_PROG(recv_fexit, struct sock *sk, struct msghdr *msg, size_t len,
	     int flags, int *addr_len, int ret)
{
	read_exit(sk, ret, flags);
	return 0;
}

SEC("kretprobe/tcp_recvmsg")
int BPF_KRETPROBE(recv_kretprobe, int ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct lp_start *s = bpf_map_lookup_elem(&start, &tid);

	/* flags are gone at return; MSG_PEEK reads leave copied_seq alone */
	if (s && s->sk)
		read_exit((struct sock *)s->sk, ret, 0);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(recv_tp, struct sock *sk, int ret, int flags)
{
	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	read_exit(sk, ret, flags);
	return 0;
}

/* ---- tcp_cleanup_rbuf: folded into the read record, no ring traffic ---- */

static __always_inline void cleanup(struct sock *sk)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct lp_start *s;

	stat_inc(LP_S_HITS + LP_P_CLEANUP);
	if (!read_entry_hooked)
		return; /* counted only: no read in flight to attach it to */
	s = bpf_map_lookup_elem(&start, &tid);
	if (s && s->sk == (__u64)sk && !s->cleanup_ns)
		s->cleanup_ns = bpf_ktime_get_ns();
}

SEC("fentry/tcp_cleanup_rbuf")
int BPF_PROG(cleanup_fentry, struct sock *sk)
{
	cleanup(sk);
	return 0;
}

SEC("kprobe/tcp_cleanup_rbuf")
int BPF_KPROBE(cleanup_kprobe, struct sock *sk)
{
	cleanup(sk);
	return 0;
}

/* tcp_recvmsg_locked calls tcp_rcv_space_adjust right before cleanup_rbuf */
SEC("tp_btf/tcp_rcv_space_adjust")
int BPF_PROG(cleanup_tp, struct sock *sk)
{
	cleanup(sk);
	return 0;
}

/* ---- tcp_sendmsg ---- */

static __always_inline void send_exit(struct sock *sk, int ret)
{
	__u64 key = (__u64)sk, bytes = ret, *v;

	stat_inc(LP_S_HITS + LP_P_SEND);
	if (ret <= 0)
		return;
	if (!sock_traced(sk, true))
		return;
	v = bpf_map_lookup_elem(&sent, &key);
	if (v)
		__sync_fetch_and_add(v, bytes);
	else if (bpf_map_update_elem(&sent, &key, &bytes, BPF_NOEXIST))
		/* lost the race to create it: add to the winner's */
		if ((v = bpf_map_lookup_elem(&sent, &key)))
			__sync_fetch_and_add(v, bytes);
}

SEC("fexit/tcp_sendmsg")
int BPF_PROG(send_fexit, struct sock *sk, struct msghdr *msg, size_t size,
	     int ret)
{
	send_exit(sk, ret);
	return 0;
}

SEC("kprobe/tcp_sendmsg")
int BPF_KPROBE(send_kprobe, struct sock *sk)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct lp_start s = { .sk = (__u64)sk };

	bpf_map_update_elem(&start, &tid, &s, BPF_ANY);
	return 0;
}

SEC("kretprobe/tcp_sendmsg")
int BPF_KRETPROBE(send_kretprobe, int ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct lp_start *s = bpf_map_lookup_elem(&start, &tid);

	if (!s)
		return 0;
	if (s->sk)
		send_exit((struct sock *)s->sk, ret);
	bpf_map_delete_elem(&start, &tid);
	return 0;
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(send_tp, struct sock *sk, int ret, int flags)
{
	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	send_exit(sk, ret);
	return 0;
}

/* ---- segment arrival, device hand-off, wake-up, close ---- */

SEC("tp_btf/netif_receive_skb")
int BPF_PROG(dev_in, struct sk_buff *skb)
{
	struct dev_slots *d;
	__u32 zero = 0, i;
	__u16 proto;

	stat_inc(LP_S_HITS + LP_P_DEV_IN);
	proto = BPF_CORE_READ(skb, protocol);
	if (proto != bpf_htons(0x0800) && proto != bpf_htons(0x86DD))
		return 0;
	d = bpf_map_lookup_elem(&skb_dev, &zero);
	if (!d)
		return 0;
	i = dev_slot(d, skb) & (DEV_SLOTS - 1);
	d->skb[i] = (__u64)skb;
	d->ts[i] = bpf_ktime_get_ns();
	return 0;
}

static __always_inline void nic_lookup(struct sock *sk, __u32 seq,
				       struct lp_seg *seg)
{
	struct lp_nic_key k = {};
	struct lp_nic_val *v;

	/* on the wire the peer is the sender */
	read_addrs(sk, BPF_CORE_READ(sk, __sk_common.skc_family), k.daddr,
		   k.saddr);
	k.sport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	k.dport = BPF_CORE_READ(sk, __sk_common.skc_num);
	k.seq = seq;
	v = bpf_map_lookup_elem(&nic_ts, &k);
	if (v) {
		seg->nic_ns = v->ns;
		seg->nic_src = v->src;
	}
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
		/*
		 * Not from this CPU's softirq: processed from the socket
		 * backlog by the reader, on its CPU. Rare: look at the others.
		 */
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

/*
 * The kernel's own RX stamps (--nic-timestamps). Hardware: the driver's
 * stamp in skb_shinfo()->hwtstamps, in the NIC's PHC clock; it converts to
 * CLOCK_MONOTONIC as CLOCK_REALTIME only if the PHC is disciplined to it
 * (phc2sys), which the report states. Software: skb->tstamp, taken when the
 * packet entered the stack; CLOCK_REALTIME unless tstamp_type says mono.
 */
static __always_inline void skb_stamp(const struct sk_buff *skb,
				      struct lp_seg *seg)
{
	struct skb_shared_info *shinfo;
	__s64 ts = 0;
	__u8 mono = 0;

	shinfo = (struct skb_shared_info *)(BPF_CORE_READ(skb, head) +
					    BPF_CORE_READ(skb, end));
	ts = BPF_CORE_READ(shinfo, hwtstamps.hwtstamp);
	if (ts > 0) {
		seg->nic_src = LP_NIC_SKB_HW;
	} else {
		ts = BPF_CORE_READ(skb, tstamp);
		if (ts <= 0)
			return;
		seg->nic_src = LP_NIC_SKB_SW;
		if (bpf_core_field_exists(skb->tstamp_type))
			mono = BPF_CORE_READ_BITFIELD_PROBED(skb, tstamp_type) == 1;
	}
	seg->nic_ns = mono ? ts : ts - realtime_offset_ns;
}

/* Emit the segment held on this CPU, with its wake-up if it had one. */
static __always_inline void flush_pending(struct pending_seg *p, __u64 wake_ns,
					  __u32 wake_rcv_nxt)
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

SEC("tp_btf/tcp_probe")
int BPF_PROG(tcp_in, struct sock *sk, const struct sk_buff *skb)
{
	struct tcp_skb_cb *cb = (struct tcp_skb_cb *)skb->cb;
	__u32 seq, end_seq, range[2], zero = 0;
	struct pending_seg *p;
	__u64 dev_ns;

	stat_inc(LP_S_HITS + LP_P_TCP_PROBE);
	/* seq and end_seq are adjacent: one read instead of two */
	bpf_core_read(range, sizeof(range), &cb->seq);
	seq = range[0];
	end_seq = range[1];
	dev_ns = dev_in_of(skb); /* always: frees the slot */
	if (end_seq == seq) /* pure ACK: nothing for a reader */
		return 0;
	if (!sock_traced(sk, false))
		return 0;
	p = bpf_map_lookup_elem(&pending, &zero);
	if (!p)
		return 0;
	/* the previous one got no wake-up (out of order, or no reader) */
	if (p->sk)
		flush_pending(p, 0, 0);
	p->sk = (__u64)sk;
	p->tcp_ns = bpf_ktime_get_ns();
	p->seg.seq = seq;
	p->seg.end_seq = end_seq;
	p->seg.rcv_nxt = BPF_CORE_READ((struct tcp_sock *)sk, rcv_nxt);
	p->seg.dev_ns = dev_ns;
	p->seg.nic_ns = 0;
	p->seg.nic_src = LP_NIC_NONE;
	if (nic_ts_active)
		nic_lookup(sk, seq, &p->seg);
	if (skb_tstamps && !p->seg.nic_ns)
		skb_stamp(skb, &p->seg);
	return 0;
}

static __always_inline void data_ready(struct sock *sk)
{
	struct pending_seg *p;
	struct lp_event *e;
	__u32 zero = 0, rcv_nxt;
	__u64 now;

	stat_inc(LP_S_HITS + LP_P_DATA_READY);
	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return;
	if (!sock_traced(sk, false))
		return;
	now = bpf_ktime_get_ns();
	rcv_nxt = BPF_CORE_READ((struct tcp_sock *)sk, rcv_nxt);
	p = bpf_map_lookup_elem(&pending, &zero);
	if (p && p->sk == (__u64)sk) {
		flush_pending(p, now, rcv_nxt);
		return;
	}
	if (p && p->sk)
		flush_pending(p, 0, 0);
	e = rb_reserve(LP_EV_WAKE, (__u64)sk, now);
	if (!e)
		return;
	e->wake.rcv_nxt = rcv_nxt;
	e->wake.pad = 0;
	rb_submit(e);
}

SEC("fentry/sock_def_readable")
int BPF_PROG(wakeup_fentry, struct sock *sk)
{
	data_ready(sk);
	return 0;
}

SEC("kprobe/sock_def_readable")
int BPF_KPROBE(wakeup_kprobe, struct sock *sk)
{
	data_ready(sk);
	return 0;
}

SEC("tp_btf/sk_data_ready")
int BPF_PROG(wakeup, const struct sock *sk)
{
	data_ready((struct sock *)sk);
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(state, const struct sock *sk, const int oldstate,
	     const int newstate)
{
	struct lp_sock_state *st;
	struct pending_seg *p;
	__u64 key = (__u64)sk;
	struct lp_event *e;
	__u32 zero = 0;

	if (newstate != TCP_CLOSE)
		return 0;
	stat_inc(LP_S_HITS + LP_P_STATE);
	st = bpf_map_lookup_elem(&socks, &key);
	if (!st)
		return 0;
	/* a segment of this socket still held on this CPU goes out first */
	p = bpf_map_lookup_elem(&pending, &zero);
	if (p && p->sk == key)
		flush_pending(p, 0, 0);
	if (st->traced) {
		e = rb_reserve(LP_EV_CLOSE, key, bpf_ktime_get_ns());
		if (e) {
			__u64 *v = bpf_map_lookup_elem(&sent, &key);

			e->close.bytes_sent = v ? *v : 0;
			rb_submit(e);
		}
	}
	bpf_map_delete_elem(&sent, &key);
	bpf_map_delete_elem(&socks, &key);
	return 0;
}

/* ---- receive-queue drops (socket lab: UDP burst loss) ---- */

static __always_inline void count_drop(const struct sock *sk, __u32 what)
{
	__u16 port = BPF_CORE_READ(sk, __sk_common.skc_num);
	__u64 one = 1, *v;

	if (targ_port && port != targ_port)
		return;
	stat_inc(LP_S_HITS + LP_P_DROP);
	stat_inc(what);
	v = bpf_map_lookup_elem(&drops, &port);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&drops, &port, &one, BPF_NOEXIST);
}

SEC("tp_btf/sock_rcvqueue_full")
int BPF_PROG(rcvq_full, struct sock *sk, struct sk_buff *skb)
{
	count_drop(sk, LP_S_RCVQ_FULL);
	return 0;
}

SEC("tp_btf/udp_fail_queue_rcv_skb")
int BPF_PROG(udp_fail, int rc, struct sock *sk, struct sk_buff *skb)
{
	count_drop(sk, LP_S_UDP_FAIL);
	return 0;
}

/* ---- the market-data client: one USDT hit per message ---- */

static __always_inline __u64 fd_to_sk(int fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct file **fds, *file = NULL;
	struct socket *sock;

	if (fd < 0)
		return 0;
	fds = BPF_CORE_READ(task, files, fdt, fd);
	if (bpf_probe_read_kernel(&file, sizeof(file), fds + fd) || !file)
		return 0;
	sock = BPF_CORE_READ(file, private_data);
	return (__u64)BPF_CORE_READ(sock, sk);
}

SEC("usdt")
int BPF_USDT(client_msg, int fd, __u64 frame_ns, __u64 parsed_ns,
	     __u64 published_ns, __u64 exch_ns, __u64 offset, __u32 len)
{
	struct lp_event *e;

	stat_inc(LP_S_HITS + LP_P_USDT_MSG);
	e = rb_reserve(LP_EV_MSG, fd_to_sk(fd), bpf_ktime_get_ns());
	if (!e)
		return 0;
	e->msg.frame_ns = frame_ns;
	e->msg.parsed_ns = parsed_ns;
	e->msg.published_ns = published_ns;
	e->msg.exch_ns = exch_ns;
	e->msg.offset = offset;
	e->msg.fd = fd;
	e->msg.len = len;
	rb_submit(e);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
