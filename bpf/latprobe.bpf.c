// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * latprobe kernel side: the TCP receive path of every traced socket, into ONE
 * ring buffer. Each hook exists in up to three flavours (fentry/fexit,
 * kprobe/kretprobe, tracepoint) that call one static handler; user space
 * switches off the flavours it does not use before load (src/kernel/loader.c).
 *
 * What a traced message costs is what this file is shaped by: every hook
 * filters before it reads a clock or reserves ring space; tp_btf and fentry
 * programs load fields directly (BTF pointers) instead of through
 * bpf_probe_read_kernel; per-socket state is the socket's own storage, not a
 * hash; and in join mode a message costs one ring record (its read), not
 * one per segment too. results/kernel-cost.md has the numbers.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/usdt.bpf.h>
#include "latprobe.h"
#include "ring.bpf.h"
#include "maps.bpf.h"
#include "sock_state.bpf.h"
#include "seg_marks.bpf.h"
#include "read_batch.bpf.h"
#include "tls_carry.bpf.h"
#include "sched_split.bpf.h"

#define MSG_PEEK 2

/* tcp_recvmsg entry is hooked (fentry/kprobe): "start" entries exist */
const volatile bool read_entry_hooked = false;

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
	__uint(max_entries, LP_KCALLS_MAX_ENTRIES);
	__type(key, __u32);
	__type(value, struct lp_start);
} start SEC(".maps");

/* Receive-queue drops by local port. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LP_DROPS_MAX_ENTRIES);
	__type(key, __u16);
	__type(value, __u64);
} drops SEC(".maps");

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

/* ---- tcp_recvmsg: return ---- */

static __always_inline void read_fill(struct lp_read *r, int ret, __u32 after,
				      struct lp_start *s, __u64 sk)
{
	r->seq_end = after;
	r->seq_start = after - ret;
	r->ret = ret;
	r->joined = 0;
	r->has_mark = 0;
	r->has_sched = 0;
	r->flags = 0;
	r->start_ns = 0;
	r->cleanup_ns = 0;
	__builtin_memset(&r->mark, 0, sizeof(r->mark));
	__builtin_memset(&r->segs, 0, sizeof(r->segs));
	__builtin_memset(&r->sched, 0, sizeof(r->sched));
	if (s && s->sk == sk) {
		r->start_ns = s->ts;
		r->cleanup_ns = s->cleanup_ns;
		r->seq_start = s->copied_seq;
	}
}

/* Queue the read in the socket's storage; false: send it on its own. */
static __always_inline bool read_queue(struct sock *sk, struct lp_sk *k,
				       __u32 after, int ret, struct lp_start *s)
{
	struct lp_read_ent *q;
	__u64 id;
	__u32 n;

	if (!rq_take(k))
		return false;
	n = k->rn; /* < LP_READS_BATCH: a full queue leaves at once */
	q = &k->rq[n & (LP_READS_BATCH - 1)];
	id = bpf_get_current_pid_tgid();
	q->ts_ns = bpf_ktime_get_ns();
	q->tid = (__u32)id;
	q->tgid = id >> 32;
	read_fill(&q->r, ret, after, s, (__u64)sk);
	marks_take(k, after, &q->r);
	sched_take(&q->r, q->ts_ns);
	k->rn = n + 1;
	if (n + 1 == LP_READS_BATCH)
		rq_flush((__u64)sk, k);
	rq_release(k);
	return true;
}

/* Set by user space once the TLS probes are attached (bpf/tls_carry.bpf.h). */
bool tls_carry = false;

/*
 * A read inside the thread's SSL_read waits for the call's record; false:
 * no call open, send it as usual.
 */
static __always_inline bool read_carry(struct sock *sk, struct lp_sk *k,
				       __u32 after, int ret, struct lp_start *s)
{
	struct tls_call *call;
	struct lp_read_ent *q;
	__u64 id, now;

	call = bpf_task_storage_get(&tls_calls, bpf_get_current_task_btf(), 0,
				    0);
	if (!call || !call->start_ns)
		return false;
	now = bpf_ktime_get_ns();
	/* the socket's reads queued before the call leave before its own */
	if (batch_reads && k->rn && rq_take(k)) {
		rq_flush((__u64)sk, k);
		rq_release(k);
	}
	/* another socket's read, or a full call: what it holds goes first */
	if (call->rn && (call->sk != (__u64)sk || call->rn >= LP_TLS_READS))
		carry_send(call, now, 0);
	q = &call->rq[call->rn & (LP_TLS_READS - 1)];
	id = bpf_get_current_pid_tgid();
	q->ts_ns = now;
	q->tid = (__u32)id;
	q->tgid = id >> 32;
	read_fill(&q->r, ret, after, s, (__u64)sk);
	if (join_marks) {
		marks_take(k, after, &q->r);
		sched_take(&q->r, now);
	}
	call->sk = (__u64)sk;
	call->rn++;
	return true;
}

/* tp_btf and fexit: sk is a BTF pointer, the state is in its storage. */
static __always_inline void read_exit(struct sock *sk, int ret, int flags)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct lp_start *s;
	struct tcp_sock *tp;
	struct lp_event *e;
	struct lp_sk *k;
	bool batch;

	stat_inc(LP_S_HITS + LP_P_RECV_EXIT);
	/* tracepoint mode has no entry hook: nothing to look up */
	s = read_entry_hooked ? bpf_map_lookup_elem(&start, &tid) : NULL;
	if (ret <= 0 || (flags & MSG_PEEK))
		goto out;
	k = sock_traced(sk, true, 0);
	tp = k ? bpf_skc_to_tcp_sock(sk) : NULL;
	if (!tp)
		goto out;
	if (tls_carry && read_carry(sk, k, tp->copied_seq, ret, s))
		goto out;
	batch = batch_reads && join_marks && k->st.own_netns;
	if (batch && read_queue(sk, k, tp->copied_seq, ret, s))
		goto out;
	e = rb_reserve(LP_EV_READ, (__u64)sk, bpf_ktime_get_ns());
	if (!e)
		goto out;
	read_fill(&e->read, ret, tp->copied_seq, s, (__u64)sk);
	if (batch) /* its queue was taken: earlier reads may come later */
		e->read.flags = LP_READ_F_OVERTOOK;
	if (join_marks) {
		marks_take(k, tp->copied_seq, &e->read);
		sched_take(&e->read, e->h.ts_ns);
	}
	rb_submit(e);
out:
	if (s)
		bpf_map_delete_elem(&start, &tid);
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

SEC("fexit/tcp_recvmsg")
int BPF_PROG(recv_fexit, struct sock *sk, struct msghdr *msg, size_t len,
	     int flags, int *addr_len, int ret)
{
	read_exit(sk, ret, flags);
	return 0;
}

/* kretprobe: sk is a number from "start"; the registry, CO-RE reads */
SEC("kretprobe/tcp_recvmsg")
int BPF_KRETPROBE(recv_kretprobe, int ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct lp_start *s = bpf_map_lookup_elem(&start, &tid);
	struct lp_event *e;
	struct sock *sk;

	stat_inc(LP_S_HITS + LP_P_RECV_EXIT);
	if (!s || !s->sk)
		return 0;
	sk = (struct sock *)s->sk;
	/* flags are gone at return; MSG_PEEK reads leave copied_seq alone */
	if (ret > 0 && sock_traced_reg(sk, true, 0)) {
		e = rb_reserve(LP_EV_READ, s->sk, bpf_ktime_get_ns());
		if (e) {
			read_fill(&e->read, ret,
				  BPF_CORE_READ((struct tcp_sock *)sk,
						copied_seq),
				  s, s->sk);
			rb_submit(e);
		}
	}
	bpf_map_delete_elem(&start, &tid);
	return 0;
}

/* fires for every socket family's recvmsg: TCP is checked before anything */
SEC("tp_btf/sock_recv_length")
int BPF_PROG(recv_tp, struct sock *sk, int ret, int flags)
{
	if (sk->sk_protocol != IPPROTO_TCP)
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

/* ---- tcp_sendmsg: first sight of sending sockets; bytes from write_seq ---- */

SEC("fexit/tcp_sendmsg")
int BPF_PROG(send_fexit, struct sock *sk, struct msghdr *msg, size_t size,
	     int ret)
{
	stat_inc(LP_S_HITS + LP_P_SEND);
	if (ret > 0)
		sock_traced(sk, true, ret);
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

	stat_inc(LP_S_HITS + LP_P_SEND);
	if (!s)
		return 0;
	if (s->sk && ret > 0)
		sock_traced_reg((struct sock *)s->sk, true, ret);
	bpf_map_delete_elem(&start, &tid);
	return 0;
}

/*
 * A send only makes sure the socket is known (with its owner: this runs in
 * the sender's context); once it is, this is one storage lookup. The bytes
 * are write_seq's progress, read at close or exit: no counter per send.
 */
SEC("tp_btf/sock_send_length")
int BPF_PROG(send_tp, struct sock *sk, int ret, int flags)
{
	if (sk->sk_protocol != IPPROTO_TCP)
		return 0;
	stat_inc(LP_S_HITS + LP_P_SEND);
	if (ret > 0)
		sock_traced(sk, true, ret);
	return 0;
}

/* ---- segment arrival, device hand-off, wake-up, close ---- */

/* Only when the kernel's RX stamps cannot be turned on (see skb_rx_stamp). */
SEC("tp_btf/netif_receive_skb")
int BPF_PROG(dev_in, struct sk_buff *skb)
{
	struct dev_slots *d;
	__u32 zero = 0, i;
	__u16 proto;

	stat_inc(LP_S_HITS + LP_P_DEV_IN);
	proto = skb->protocol;
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

/* Per-segment mode: hold the segment on this CPU until its wake-up. */
static __always_inline void seg_hold(struct sock *sk, const struct sk_buff *skb,
				     __u32 seq, __u32 end_seq, __u32 rcv_nxt,
				     __u64 now, __u64 dev_ns)
{
	struct lp_pending_seg *p;
	__u32 zero = 0;

	p = bpf_map_lookup_elem(&pending, &zero);
	if (!p)
		return;
	/* the previous one got no wake-up (out of order, or no reader) */
	if (p->sk)
		flush_pending(p, 0, 0);
	p->sk = (__u64)sk;
	p->tcp_ns = now;
	p->seg.seq = seq;
	p->seg.end_seq = end_seq;
	p->seg.rcv_nxt = rcv_nxt;
	p->seg.dev_ns = dev_ns;
	p->seg.nic_ns = 0;
	p->seg.nic_src = LP_NIC_NONE;
	if (nic_ts_active)
		nic_lookup(sk, seq, &p->seg);
	if (skb_tstamps && !p->seg.nic_ns)
		skb_stamp(skb, &p->seg);
}

SEC("tp_btf/tcp_probe")
int BPF_PROG(tcp_in, struct sock *sk, const struct sk_buff *skb)
{
	struct tcp_skb_cb *cb = (struct tcp_skb_cb *)skb->cb;
	__u32 seq, end_seq, range[2];
	__u64 dev_ns = 0, now;
	struct tcp_sock *tp;
	struct lp_sk *k;

	stat_inc(LP_S_HITS + LP_P_TCP_PROBE);
	/* seq and end_seq are adjacent: one read instead of two */
	bpf_core_read(range, sizeof(range), &cb->seq);
	seq = range[0];
	end_seq = range[1];
	if (!dev_from_skb && !skb_tstamps)
		dev_ns = dev_in_of(skb); /* always: frees the slot */
	if (end_seq == seq) /* pure ACK: nothing for a reader */
		return 0;
	k = sock_traced(sk, false, 0);
	tp = k ? bpf_skc_to_tcp_sock(sk) : NULL;
	if (!tp)
		return 0;
	now = bpf_ktime_get_ns();
	if (dev_from_skb && !skb_tstamps)
		dev_ns = skb_rx_stamp(skb);
	if (per_segment())
		seg_hold(sk, skb, seq, end_seq, tp->rcv_nxt, now, dev_ns);
	else
		mark_add(k, seq, end_seq, tp->rcv_nxt, now, dev_ns);
	return 0;
}

/* Per-segment mode: the wake-up goes out with the segment held, or alone. */
static __always_inline void wake_record(__u64 sk, __u64 now, __u32 rcv_nxt)
{
	struct lp_pending_seg *p;
	struct lp_event *e;
	__u32 zero = 0;

	p = bpf_map_lookup_elem(&pending, &zero);
	if (p && p->sk == sk) {
		flush_pending(p, now, rcv_nxt);
		return;
	}
	if (p && p->sk)
		flush_pending(p, 0, 0);
	e = rb_reserve(LP_EV_WAKE, sk, now);
	if (!e)
		return;
	e->wake.rcv_nxt = rcv_nxt;
	e->wake.pad = 0;
	rb_submit(e);
}

/* tp_btf and fentry: in join mode the wake-up only stamps pending marks */
static __always_inline void data_ready(struct sock *sk)
{
	struct tcp_sock *tp;
	struct lp_sk *k;
	__u64 now;

	if (sk->sk_protocol != IPPROTO_TCP)
		return;
	stat_inc(LP_S_HITS + LP_P_DATA_READY);
	k = sock_traced(sk, false, 0);
	tp = k ? bpf_skc_to_tcp_sock(sk) : NULL;
	if (!tp)
		return;
	now = bpf_ktime_get_ns();
	if (per_segment())
		wake_record((__u64)sk, now, tp->rcv_nxt);
	else
		marks_wake(k, now, tp->rcv_nxt);
}

SEC("fentry/sock_def_readable")
int BPF_PROG(wakeup_fentry, struct sock *sk)
{
	data_ready(sk);
	return 0;
}

/* counted after the TCP check, as data_ready() counts in the other modes */
SEC("kprobe/sock_def_readable")
int BPF_KPROBE(wakeup_kprobe, struct sock *sk)
{
	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	stat_inc(LP_S_HITS + LP_P_DATA_READY);
	if (!sock_traced_reg(sk, false, 0))
		return 0;
	wake_record((__u64)sk, bpf_ktime_get_ns(),
		    BPF_CORE_READ((struct tcp_sock *)sk, rcv_nxt));
	return 0;
}

SEC("tp_btf/sk_data_ready")
int BPF_PROG(wakeup, const struct sock *sk)
{
	data_ready((struct sock *)sk);
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(state, const struct sock *csk, const int oldstate,
	     const int newstate)
{
	struct sock *sk = (struct sock *)csk;
	struct lp_sock_state *st;
	struct lp_pending_seg *p;
	__u64 key = (__u64)sk;
	struct tcp_sock *tp;
	struct lp_event *e;
	struct lp_sk *k;
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
	k = bpf_sk_storage_get(&sk_state, sk, NULL, 0);
	/* its queued reads before its close (a reader holding them sends) */
	if (k && k->rn && rq_take(k)) {
		rq_flush(key, k);
		rq_release(k);
	}
	tp = bpf_skc_to_tcp_sock(sk);
	if (st->traced && tp) {
		e = rb_reserve(LP_EV_CLOSE, key, bpf_ktime_get_ns());
		if (e) {
			e->close.bytes_sent = sent_bytes(tp->write_seq,
							 st->write_seq0,
							 oldstate);
			__builtin_memset(&e->close.segs, 0,
					 sizeof(e->close.segs));
			__builtin_memset(e->close.pad, 0,
					 sizeof(e->close.pad));
			e->close.has_segs = 0;
			if (k && join_marks) {
				e->close.segs = k->segs;
				e->close.segs.evicted = marks_lost(k);
				e->close.has_segs = 1;
			}
			rb_submit(e);
		}
	}
	if (k)
		bpf_sk_storage_delete(&sk_state, sk);
	bpf_map_delete_elem(&socks, &key);
	return 0;
}

/*
 * At exit, once every program is detached: the reads that TLS calls still
 * open (a thread blocked in SSL_read) hold go out (bpf/tls_carry.bpf.h).
 */
SEC("iter/task")
int flush_tls_calls(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct tls_call *call;

	if (!task)
		return 0;
	call = bpf_task_storage_get(&tls_calls, task, 0, 0);
	if (call && call->rn)
		carry_send(call, bpf_ktime_get_ns(), 0);
	return 0;
}

/*
 * At exit, for every traced socket still open: what its close record would
 * carry (bytes sent, segment counters). user space reads it once.
 */
SEC("iter/tcp")
int live_socks(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct lp_live_sock out = {};
	struct lp_sock_state *st;
	struct tcp_sock *tp;
	struct lp_sk *k;
	__u64 key;

	if (!skc)
		return 0;
	key = (__u64)skc;
	st = bpf_map_lookup_elem(&socks, &key);
	tp = st && st->traced ? bpf_skc_to_tcp_sock(skc) : NULL;
	if (!tp)
		return 0;
	out.sk = key;
	out.bytes_sent = sent_bytes(tp->write_seq, st->write_seq0,
				    skc->skc_state);
	/* the helper wants a struct sock; tcp_sock starts with one */
	k = bpf_sk_storage_get(&sk_state, (struct sock *)tp, NULL, 0);
	if (k && join_marks) {
		out.segs = k->segs;
		out.segs.evicted = marks_lost(k);
		out.has_segs = 1;
	}
	bpf_seq_write(ctx->meta->seq, &out, sizeof(out));
	return 0;
}

/* ---- receive-queue drops (socket lab: UDP burst loss) ---- */

static __always_inline void count_drop(const struct sock *sk, __u32 what)
{
	__u16 port = BPF_CORE_READ(sk, __sk_common.skc_num);
	__u64 zero = 0, *v;

	if (targ_port && port != targ_port)
		return;
	stat_inc(LP_S_HITS + LP_P_DROP);
	stat_inc(what);
	v = lookup_or_try_init(&drops, &port, &zero);
	if (v)
		__sync_fetch_and_add(v, 1);
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

#include "ktls.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";
