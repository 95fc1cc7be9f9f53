// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The stage catalogue (stages.h). */
#include "stages.h"

const char *const lp_stage_names[ST_MAX] = {
	[ST_EXCHANGE_TO_NIC] = "exchange_to_nic",
	[ST_NIC_TO_TCP] = "nic_to_tcp",
	[ST_TCP_TO_WAKEUP] = "tcp_to_wakeup",
	[ST_WAKEUP_TO_READ] = "wakeup_to_read",
	[ST_SCHED_DELAY] = "sched_delay",
	[ST_THREAD_BUSY] = "thread_busy",
	[ST_THREAD_BLOCKED] = "thread_blocked",
	[ST_READ_DURATION] = "read_duration",
	[ST_TLS_DECRYPT] = "tls_decrypt",
	[ST_KTLS_DECRYPT] = "ktls_decrypt",
	[ST_READ_TO_FRAME] = "read_to_frame",
	[ST_FRAME_TO_PARSED] = "frame_to_parsed",
	[ST_PARSED_TO_PUBLISHED] = "parsed_to_published",
	[ST_READ_TO_CALLBACK] = "read_to_callback",
	[ST_CALLBACK] = "callback",
	[ST_CALLBACK_OFF_CPU] = "callback_off_cpu",
	[ST_NIC_TO_USER] = "nic_to_user",
	[ST_TOTAL] = "total",
};

/* Which marks each stage is measured between (reported in "stages"). */
const char *const lp_stage_marks[ST_MAX] = {
	[ST_EXCHANGE_TO_NIC] =
		"E (CLOCK_REALTIME -> MONOTONIC) -> nic (else dev_in)",
	[ST_NIC_TO_TCP] =
		"nic (else dev_in: the skb RX stamp) -> tcp_in (tcp_probe)",
	[ST_TCP_TO_WAKEUP] = "tcp_in (tcp_probe) -> wakeup (sk_data_ready)",
	[ST_WAKEUP_TO_READ] =
		"wakeup -> read_end (tcp_recvmsg return of the read that copied the last byte)",
	[ST_SCHED_DELAY] =
		"--sched: of wakeup -> read_end, the time the reading thread was runnable but not on a CPU (woken and waiting, or preempted: sched_wakeup/sched_switch)",
	[ST_THREAD_BUSY] =
		"--sched: of wakeup -> read_end, the time the reading thread ran on a CPU (earlier messages, other work, the read itself)",
	[ST_THREAD_BLOCKED] =
		"--sched: of wakeup -> read_end, the time the reading thread was asleep (on something else, or until the wake-up reached it)",
	[ST_READ_DURATION] =
		"read_start (tcp_recvmsg entry, or read syscall entry) -> read_end",
	[ST_TLS_DECRYPT] =
		"read_end of the thread's last kernel read inside the SSL_read call (none: SSL_read entry) -> SSL_read return (TLS probes, per SSL_read that returned data)",
	[ST_KTLS_DECRYPT] =
		"time inside tls_rx_one_record (decrypt + authenticate each record, into the user buffer when in place), summed over the records one kernel TLS read (tls_sw_recvmsg) returned",
	[ST_READ_TO_FRAME] = "read_end -> frame_ready (client USDT)",
	[ST_FRAME_TO_PARSED] = "frame_ready -> json_done (client USDT)",
	[ST_PARSED_TO_PUBLISHED] = "json_done -> published (client USDT)",
	[ST_READ_TO_CALLBACK] =
		"read_end (newest kernel read on the thread) -> callback entry (--callback uprobe)",
	[ST_CALLBACK] =
		"callback entry -> callback return (--callback uprobe + uretprobe)",
	[ST_CALLBACK_OFF_CPU] =
		"--callback with --sched: of callback entry -> return, the time the thread was off a CPU (runnable but preempted, or asleep: sched_switch/sched_waking)",
	[ST_NIC_TO_USER] =
		"nic (else dev_in) -> frame_ready (or callback entry)",
	[ST_TOTAL] = "first available mark -> last available mark",
};

const char *const lp_nic_src_names[LP_NIC_MAX] = {
	[LP_NIC_NONE] = "none",		[LP_NIC_DPDK_HW] = "dpdk_hw",
	[LP_NIC_DPDK_TSC] = "dpdk_tsc", [LP_NIC_SKB_HW] = "skb_hw",
	[LP_NIC_SKB_SW] = "skb_sw",	[LP_NIC_DEV_IN] = "dev_in",
};

/*
 * ktls_decrypt is time inside the kernel read that wakeup_to_read ends
 * with, the --sched split is wakeup_to_read again, in parts, and
 * callback_off_cpu a part of callback: nested in them, never added.
 */
bool lp_stage_component(int st)
{
	return st != ST_TOTAL && st != ST_NIC_TO_USER &&
	       st != ST_READ_DURATION && st != ST_KTLS_DECRYPT &&
	       st != ST_SCHED_DELAY && st != ST_THREAD_BUSY &&
	       st != ST_THREAD_BLOCKED && st != ST_CALLBACK_OFF_CPU;
}
