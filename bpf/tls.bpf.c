// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * TLS probes: one LP_EV_TLS record per SSL_read / SSL_read_ex call (or the
 * libssl function both of them call) that returned plaintext.
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

struct tls_call {
	__u64 start_ns;
	__u64 readbytes; /* size_t * of the _ex form, 0 for SSL_read */
};

/*
 * Calls in flight, per thread. LRU: a call whose return never comes (the
 * thread exited, longjmp) must not pin an entry forever.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LP_UCALLS_MAX_ENTRIES);
	__type(key, __u32);
	__type(value, struct tls_call);
} tls_calls SEC(".maps");

static __always_inline int on_entry(__u64 readbytes)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct tls_call call = {
		.start_ns = bpf_ktime_get_ns(),
		.readbytes = readbytes,
	};
	__u32 tid = (__u32)id;

	if (!task_passes_id(id))
		return 0;
	stat_inc(LP_S_HITS + LP_P_TLS_READ);
	bpf_map_update_elem(&tls_calls, &tid, &call, BPF_ANY);
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
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct tls_call *call;
	struct lp_event *e;

	call = bpf_map_lookup_elem(&tls_calls, &tid);
	if (!call)
		return 0; /* filtered out at entry, or entry before attach */
	if (!call->readbytes) {
		if ((int)ret > 0)
			bytes = (int)ret;
	} else if ((int)ret == 1) {
		bpf_probe_read_user(&bytes, sizeof(bytes),
				    (void *)call->readbytes);
	}
	if (bytes) {
		e = rb_reserve(LP_EV_TLS, 0, now);
		if (e) {
			e->tls.start_ns = call->start_ns;
			e->tls.bytes = bytes;
			rb_submit(e);
		}
	}
	bpf_map_delete_elem(&tls_calls, &tid);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
