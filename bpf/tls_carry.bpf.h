/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The TLS call in flight on a thread, and the kernel reads it made.
 *
 * OpenSSL reads each TLS record with two tcp_recvmsg calls (the 5-byte
 * header, then the body), so a traced TLS client sent three ring records
 * per message: two reads and the SSL_read. A ring reservation is the
 * expensive part of a record (its lock is taken with interrupts off, and
 * re-enabling them is a paravirtual call on a guest: results/kernel-cost.md).
 * So a read that returns while its thread is inside SSL_read waits in the
 * call's state, and the SSL_read record carries it: one record per message.
 *
 * The state is the thread's own (task-local storage): only that thread
 * touches it, from its read (tp_btf or fexit, in its syscall) and from its
 * SSL_read probes, so nothing races. Order is kept: a read of another
 * socket, a full call, an entry whose call never returned (longjmp) and
 * an SSL_read that returned nothing send what the call holds first, in a
 * record of its own (bytes 0). At exit, after the programs are detached,
 * an iterator over the tasks sends what calls still blocked hold.
 *
 * latprobe.bpf.c defines the map; tls.bpf.c declares the same and reuses
 * its fd (src/kernel/attach_tls.c).
 */
#ifndef __LP_TLS_CARRY_BPF_H
#define __LP_TLS_CARRY_BPF_H

struct tls_call {
	__u64 start_ns;	 /* 0: no call open */
	__u64 readbytes; /* size_t * of the _ex form, 0 for SSL_read */
	__u64 sk;	 /* the socket of the reads held */
	__u32 rn;	 /* reads held, 0..LP_TLS_READS */
	__u32 pad;
	struct lp_read_ent rq[LP_TLS_READS];
};

/*
 * The call in flight, per thread: no hash lookup, no lock with interrupts
 * off (an LRU hash's update and delete take one), and it goes with the
 * thread. A call whose return never comes is replaced by the next entry.
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct tls_call);
} tls_calls SEC(".maps");

/* k reads into a record reserved for k: constant sizes, as the verifier wants */
#define CARRY_RESERVE(k)                                                      \
	do {                                                                  \
		e = rb_reserve_size(LP_EV_TLS, (k) ? call->sk : 0, now,        \
				    lp_tls_size(k));                           \
		if (e && (k))                                                 \
			__builtin_memcpy(e->tls.ent, call->rq,                 \
					 (k) * sizeof(struct lp_read_ent));    \
	} while (0)

/*
 * Send the call's reads and, if bytes, the call itself (h.ts_ns = now), in
 * one record of lp_tls_size(n) bytes; a record lost to a full ring counts
 * its reads as lost.
 */
static __always_inline void carry_send(struct tls_call *call, __u64 now,
				       __u64 bytes)
{
	struct lp_event *e;
	__u32 n = call->rn;

	call->rn = 0;
	if (!bytes && !n)
		return;
	switch (n) {
	case 0:
		CARRY_RESERVE(0);
		break;
	case 1:
		CARRY_RESERVE(1);
		break;
	case 2:
		CARRY_RESERVE(2);
		break;
	case 3:
		CARRY_RESERVE(3);
		break;
	default:
		n = LP_TLS_READS;
		CARRY_RESERVE(LP_TLS_READS);
	}
	if (!e) {
		stat_add(LP_S_READS_LOST, n);
		return;
	}
	e->tls.start_ns = call->start_ns;
	e->tls.bytes = bytes;
	e->tls.n = n;
	e->tls.pad = 0;
	rb_submit_size(e, lp_tls_size(n));
}

#endif /* __LP_TLS_CARRY_BPF_H */
