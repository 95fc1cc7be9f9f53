// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Probe calibration (src/kernel/probe_calib.c): the smallest programs the probe
 * mechanism can run, on latprobe's own calibration functions
 * (src/kernel/probe_calib_target.c). Each stores its bpf_ktime_get_ns() stamp,
 * read first thing as latprobe's real probes do, in a slot named by the
 * call's index (the target's first argument), so user space can put every
 * stamp beside the clock reads the target made around it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>
#include "calib.h"

__u64 entry_ns[LP_CALIB_CALLS];
__u64 ret_ns[LP_CALIB_CALLS];
__u64 cur; /* the index of the call in flight (one caller thread) */

SEC("uprobe")
int BPF_KPROBE(calib_entry, __u64 i)
{
	__u64 now = bpf_ktime_get_ns();

	cur = i;
	entry_ns[i & (LP_CALIB_CALLS - 1)] = now;
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(calib_return)
{
	__u64 now = bpf_ktime_get_ns();

	ret_ns[cur & (LP_CALIB_CALLS - 1)] = now;
	return 0;
}

__u64 nop5_n; /* hits of calib_nop5 (its site has no argument in rdi) */

SEC("uprobe")
int calib_nop5(void *ctx)
{
	__u64 now = bpf_ktime_get_ns(), k = nop5_n++;

	entry_ns[k & (LP_CALIB_CALLS - 1)] = now;
	return 0;
}

SEC("usdt")
int BPF_USDT(calib_usdt, __u64 i)
{
	__u64 now = bpf_ktime_get_ns();

	entry_ns[i & (LP_CALIB_CALLS - 1)] = now;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
