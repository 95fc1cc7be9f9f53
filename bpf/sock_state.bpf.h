/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Which sockets latprobe traces, decided once per socket. The decision lives
 * in two places: the socket's own storage (sk_storage, struct lp_sk), which
 * the hot path reads with one bpf_sk_storage_get and no hashing, and the
 * "socks" hash, a registry written once per socket (and pinned with --pin)
 * that kprobe programs use: they get the socket as a plain number, which
 * bpf_sk_storage_get does not accept.
 */
#ifndef __LP_SOCK_STATE_BPF_H
#define __LP_SOCK_STATE_BPF_H

#define AF_INET 2
#define AF_INET6 10
#define TCP_ESTABLISHED 1
#define TCP_FIN_WAIT1 4
#define TCP_FIN_WAIT2 5
#define TCP_CLOSE 7
#define TCP_LAST_ACK 9
#define TCP_LISTEN 10
#define TCP_CLOSING 11
#define IPPROTO_TCP 6

#include "task_filter.bpf.h"

/* Set by user space before load (libbpf-tools style read-only globals). */
const volatile __u16 targ_port = 0;
const volatile __u32 sample_rate = 1;
/* latprobe's network namespace (inode): only its sockets' reads batch */
const volatile __u32 own_netns_ino = 0;

/*
 * A socket's pending segment marks: a ring written by the softirq (mhead,
 * marks, segs) and consumed by the reader (mtail, evicted), each side on
 * its own cache lines so that neither writes a line the other one writes:
 * the softirq never reads mtail (it overwrites the oldest slot, and the
 * reader counts what it lost), the reader only reads what the softirq wrote.
 * A read takes the mark of its last byte; a reader that falls behind by
 * more than LP_SK_MARKS segments loses the oldest marks (segs.evicted),
 * which a read rarely needs: its last byte is in one of the newest.
 */
#define LP_SK_MARKS 16
#define LP_CACHELINE 64
struct lp_sk {
	struct lp_sock_state st; /* written once */
	/* softirq side */
	struct lp_seg_counts segs __attribute__((aligned(LP_CACHELINE)));
	__u32 mhead;
	struct lp_mark marks[LP_SK_MARKS];
	/* reader side */
	__u32 mtail __attribute__((aligned(LP_CACHELINE)));
	__u32 evicted;
	/* batched reads (read_batch.bpf.h): rq[0..rn) while rbusy is ours */
	__u32 rbusy;
	__u32 rn;
	struct lp_read_ent rq[LP_READS_BATCH];
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct lp_sk);
} sk_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LP_SOCKS_MAX_ENTRIES);
	__type(key, __u64);
	__type(value, struct lp_sock_state);
} socks SEC(".maps");

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

/*
 * Bytes the application queued since write_seq0: write_seq moves by every
 * byte tcp_sendmsg (or sendfile) accepted, and by one for our FIN, which a
 * socket in these states has queued. Replaces a program run per send.
 */
static __always_inline __u64 sent_bytes(__u32 write_seq, __u32 write_seq0,
					int state)
{
	__u32 d = write_seq - write_seq0;

	if (state == TCP_FIN_WAIT1 || state == TCP_FIN_WAIT2 ||
	    state == TCP_CLOSING || state == TCP_LAST_ACK)
		d--;
	return (__s32)d < 0 ? 0 : d; /* first seen after its FIN */
}

static __always_inline void announce(struct sock *sk, bool proc)
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
	e->sock.cgroup_id = 0;
	if (proc) {
		bpf_get_current_comm(e->sock.comm, LP_COMM_LEN);
		e->sock.cgroup_id = bpf_get_current_cgroup_id();
	} else {
		/* softirq: the owner is not current; say so with tgid 0 */
		e->h.tgid = 0;
		e->h.tid = 0;
	}
	rb_submit(e);
}

/*
 * First sight of a socket: the filter decision into *init. Returns false
 * when it cannot be made yet (an unknown socket seen from softirq while a
 * --pid/--comm/--cgroup filter needs its owner) or the socket is not TCP data.
 * unsent: bytes of the send being reported, already in write_seq.
 */
static __always_inline bool decide(struct sock *sk, bool proc, __u32 unsent,
				   struct lp_sock_state *init)
{
	__u16 family, lport, rport;
	int state;

	if (!proc && (targ_tgid || filter_comm || targ_cgroup_id))
		return false;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != AF_INET && family != AF_INET6)
		return false;
	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return false;
	/*
	 * A listener's data_ready means "accept me", not data. A socket first
	 * seen closed was traced until its close record, or never: its port
	 * is already released (skc_num 0), so a new entry would be a phantom
	 * connection "local:0 -> remote" (a send or read after the peer's
	 * reset or our own close).
	 */
	state = BPF_CORE_READ(sk, __sk_common.skc_state);
	if (state == TCP_LISTEN || state == TCP_CLOSE)
		return false;
	lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	init->traced = 1;
	if (targ_port && lport != targ_port && rport != targ_port)
		init->traced = 0;
	if (proc && !task_passes())
		init->traced = 0;
	/* not the address: no arithmetic is allowed on a BTF pointer */
	if (sample_rate > 1 &&
	    lp_sample_hash(BPF_CORE_READ(sk, __sk_common.skc_hash), lport,
			   rport) % sample_rate)
		init->traced = 0;
	/* the flusher (an iter/tcp pass) sees latprobe's own netns only */
	init->own_netns =
		BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum) ==
		own_netns_ino;
	init->first_ns = bpf_ktime_get_ns();
	init->write_seq0 =
		BPF_CORE_READ((struct tcp_sock *)sk, write_seq) - unsent;
	if (proc)
		init->tgid = bpf_get_current_pid_tgid() >> 32;
	return true;
}

/* The owner is seen for the first time: announce once, in both places. */
static __always_inline void owner_seen(struct sock *sk,
				       struct lp_sock_state *st)
{
	__u64 key = (__u64)sk;
	struct lp_sock_state *reg;

	st->tgid = bpf_get_current_pid_tgid() >> 32;
	st->announced = 1;
	reg = bpf_map_lookup_elem(&socks, &key);
	if (reg && reg != st) {
		reg->tgid = st->tgid;
		reg->announced = 1;
	}
	announce(sk, true);
}

/*
 * Registry entry for a newly decided socket. Returns the entry, or NULL if
 * the registry is full (the socket is then not traced: the pinned registry
 * lists every traced socket). A racing first sight (or a kprobe program
 * that decided first) wins: its decision is copied into *init.
 */
static __always_inline struct lp_sock_state *
registry_add(struct sock *sk, struct lp_sock_state *init)
{
	__u64 key = (__u64)sk;
	struct lp_sock_state *reg;

	reg = lookup_or_try_init(&socks, &key, init);
	if (!reg) {
		stat_inc(LP_S_SOCK_FULL);
		return NULL;
	}
	/* ours, or the decision that was there first */
	*init = *reg;
	init->announced = 0; /* the caller announces what it sees */
	return reg;
}

/*
 * The per-socket state from its storage: programs that get the socket as a
 * BTF pointer (tp_btf, fentry/fexit, iterators). proc is true when the hook
 * runs in the owner's context (read, send); segment arrival and wake-up run
 * in softirq where current is unrelated.
 */
static __always_inline struct lp_sk *sock_traced(struct sock *sk, bool proc,
						 __u32 unsent)
{
	struct lp_sock_state init = {};
	struct lp_sock_state *reg;
	struct lp_sk *k;

	k = bpf_sk_storage_get(&sk_state, sk, NULL, 0);
	if (k) {
		if (!k->st.traced)
			goto filtered;
		if (proc && !k->st.announced)
			owner_seen(sk, &k->st);
		return k;
	}
	if (!decide(sk, proc, unsent, &init))
		goto filtered;
	reg = registry_add(sk, &init);
	if (!reg)
		return NULL;
	k = bpf_sk_storage_get(&sk_state, sk, NULL,
			       BPF_SK_STORAGE_GET_F_CREATE);
	if (!k)
		return NULL;
	k->st = init;
	if (!init.traced)
		goto filtered;
	if (proc)
		owner_seen(sk, &k->st);
	else
		announce(sk, false);
	return k;
filtered:
	stat_inc(LP_S_FILTERED);
	return NULL;
}

/* The same decision for kprobe programs, from the registry alone. */
static __always_inline struct lp_sock_state *
sock_traced_reg(struct sock *sk, bool proc, __u32 unsent)
{
	struct lp_sock_state init = {}, *st;
	__u64 key = (__u64)sk;

	st = bpf_map_lookup_elem(&socks, &key);
	if (st) {
		if (!st->traced)
			goto filtered;
		if (proc && !st->announced)
			owner_seen(sk, st);
		return st;
	}
	if (!decide(sk, proc, unsent, &init))
		goto filtered;
	st = registry_add(sk, &init);
	if (!st || !st->traced)
		goto filtered;
	if (proc)
		owner_seen(sk, st);
	else
		announce(sk, false);
	return st;
filtered:
	stat_inc(LP_S_FILTERED);
	return NULL;
}

#endif /* __LP_SOCK_STATE_BPF_H */
