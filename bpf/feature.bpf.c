// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Tiny programs that src/kernel/feature.c loads and attaches to find out,
 * by trying, whether this kernel allows fentry and kprobe on a given function.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

SEC("fentry/tcp_sendmsg")
int BPF_PROG(probe_fentry)
{
	return 0;
}

SEC("kprobe/tcp_sendmsg")
int BPF_KPROBE(probe_kprobe)
{
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
