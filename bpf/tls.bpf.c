// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * TLS probes: one LP_EV_TLS record per SSL_read / SSL_read_ex call (or the
 * libssl function both of them call) that returned plaintext, carrying the
 * kernel reads made inside it (bpf/tls_carry.bpf.h).
 * src/kernel/attach_tls.c puts the entry and the return probe on the same
 * instruction, one the kernel emulates, so a call costs one trap. The
 * record goes through latprobe's one ring buffer ("rb" and "stats" are
 * latprobe.bpf.c's maps, handed over with bpf_map__reuse_fd before load).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "latprobe.h"
#include "ring.bpf.h"

/* Which processes: a system-wide libssl is shared by every process. */
#include "task_filter.bpf.h"

#include "tls_carry.bpf.h"

static __always_inline int on_entry(__u64 readbytes)
{
	struct tls_call *call;

	if (!task_passes_id(bpf_get_current_pid_tgid()))
		return 0;
	stat_inc(LP_S_HITS + LP_P_TLS_READ);
	call = bpf_task_storage_get(&tls_calls, bpf_get_current_task_btf(), 0,
				    BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!call)
		return 0;
	/* a call that never returned (longjmp): its reads go first */
	if (call->rn)
		carry_send(call, bpf_ktime_get_ns(), 0);
	call->readbytes = readbytes;
	/* last: the program's own work stays out of the stamped call */
	call->start_ns = bpf_ktime_get_ns();
	return 0;
}

/* int SSL_read(SSL *s, void *buf, int num) */
SEC("uprobe")
int BPF_KPROBE(ssl_read_entry)
{
	return on_entry(0);
}

/*
 * int SSL_read_ex(SSL *s, void *buf, size_t num, size_t *readbytes), and
 * OpenSSL 3.0's ssl_read_internal with the same arguments: 1 on success,
 * the byte count behind readbytes.
 */
SEC("uprobe")
int BPF_KPROBE(ssl_read_ex_entry, void *s, void *buf, __u64 num,
	       __u64 *readbytes)
{
	return on_entry((__u64)readbytes);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_read_return, long ret)
{
	__u64 now = bpf_ktime_get_ns(), bytes = 0;
	struct tls_call *call;

	call = bpf_task_storage_get(&tls_calls, bpf_get_current_task_btf(), 0,
				    0);
	if (!call || !call->start_ns)
		return 0; /* filtered out at entry, or entry before attach */
	if (!call->readbytes) {
		if ((int)ret > 0)
			bytes = (int)ret;
	} else if ((int)ret == 1) {
		bpf_probe_read_user(&bytes, sizeof(bytes),
				    (void *)call->readbytes);
	}
	/* the call and the kernel reads it made, one record */
	carry_send(call, now, bytes);
	call->start_ns = 0;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
