/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Kernel TLS receive (the tls module's ULP, net/tls/tls_sw.c): one
 * LP_EV_KTLS record per tls_sw_recvmsg that returned plaintext, with the
 * time spent in tls_rx_one_record (decrypt and authenticate one record,
 * straight into the user's buffer when the kernel can) summed over the
 * records that read consumed: the ktls_decrypt stage. A kTLS socket's read
 * never calls tcp_recvmsg. Included by latprobe.bpf.c; the programs attach
 * once the tls module is loaded (module BTF for fentry, kallsyms for
 * kprobe), else the hook is reported absent.
 */
#ifndef __LP_KTLS_BPF_H
#define __LP_KTLS_BPF_H

struct ktls_acc {
	__u64 sk;
	__u64 rec_start; /* tls_rx_one_record entry, 0 outside one */
	__u64 decrypt_ns;
	__u32 records;
	__u32 pad;
};

/* Reads in flight, per thread (LRU: a read whose return never comes). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LP_KCALLS_MAX_ENTRIES);
	__type(key, __u32);
	__type(value, struct ktls_acc);
} ktls_acc SEC(".maps");

static __always_inline void ktls_rec_enter(struct sock *sk)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct ktls_acc *a, init = {};

	stat_inc(LP_S_HITS + LP_P_KTLS);
	if (!task_passes())
		return;
	a = bpf_map_lookup_elem(&ktls_acc, &tid);
	if (!a) {
		bpf_map_update_elem(&ktls_acc, &tid, &init, BPF_ANY);
		a = bpf_map_lookup_elem(&ktls_acc, &tid);
		if (!a)
			return;
	}
	a->sk = (__u64)sk;
	a->rec_start = bpf_ktime_get_ns();
}

static __always_inline void ktls_rec_exit(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct ktls_acc *a = bpf_map_lookup_elem(&ktls_acc, &tid);

	if (!a || !a->rec_start)
		return;
	a->decrypt_ns += bpf_ktime_get_ns() - a->rec_start;
	a->rec_start = 0;
	a->records++;
}

/* tls_sw_recvmsg returned RET; TRACED: the socket passed the filters */
static __always_inline void ktls_read_exit(struct ktls_acc *a, int ret,
					   bool traced)
{
	struct lp_event *e;

	if (ret > 0 && a->records && traced) {
		e = rb_reserve(LP_EV_KTLS, a->sk, bpf_ktime_get_ns());
		if (e) {
			e->ktls.decrypt_ns = a->decrypt_ns;
			e->ktls.bytes = ret;
			e->ktls.records = a->records;
			e->ktls.pad = 0;
			rb_submit(e);
		}
	}
	a->decrypt_ns = 0;
	a->records = 0;
}

SEC("fentry/tls_rx_one_record")
int BPF_PROG(ktls_rec_fentry, struct sock *sk)
{
	ktls_rec_enter(sk);
	return 0;
}

SEC("fexit/tls_rx_one_record")
int BPF_PROG(ktls_rec_fexit)
{
	ktls_rec_exit();
	return 0;
}

SEC("fexit/tls_sw_recvmsg")
int BPF_PROG(ktls_recv_fexit, struct sock *sk, struct msghdr *msg, size_t len,
	     int flags, int *addr_len, int ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct ktls_acc *a = bpf_map_lookup_elem(&ktls_acc, &tid);

	/*
	 * The registry, not sock_traced: a tracing program on a module's
	 * function that calls bpf_sk_storage_get oopses the 6.1 and 6.12
	 * verifier (bpf_sk_storage_tracing_allowed looks the attach BTF id
	 * up in vmlinux's BTF), seen under make kernel-matrix.
	 */
	if (a)
		ktls_read_exit(a, ret,
			       ret > 0 && a->records &&
				       sock_traced_reg(sk, true, 0));
	return 0;
}

SEC("kprobe/tls_rx_one_record")
int BPF_KPROBE(ktls_rec_kprobe, struct sock *sk)
{
	ktls_rec_enter(sk);
	return 0;
}

SEC("kretprobe/tls_rx_one_record")
int BPF_KRETPROBE(ktls_rec_kretprobe)
{
	ktls_rec_exit();
	return 0;
}

/* kretprobe: sk is the one tls_rx_one_record saw, a number */
SEC("kretprobe/tls_sw_recvmsg")
int BPF_KRETPROBE(ktls_recv_kretprobe, int ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct ktls_acc *a = bpf_map_lookup_elem(&ktls_acc, &tid);

	if (a)
		ktls_read_exit(
			a, ret,
			ret > 0 && a->records &&
				sock_traced_reg((struct sock *)a->sk, true, 0));
	return 0;
}

#endif
