// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include <linux/types.h>
#include "latprobe.h"
#include "probes.h"

const char *const lp_mech_names[MECH_MAX] = {
	[MECH_AUTO] = "auto",	      [MECH_FENTRY] = "fentry",
	[MECH_KPROBE] = "kprobe",     [MECH_TRACEPOINT] = "tracepoint",
	[MECH_USDT] = "usdt",	      [MECH_NONE] = "none",
	[MECH_STAMPS] = "stamps",
	[MECH_UPROBE] = "uprobe",
};

/* one hook per block reads better than clang-format's packed form */
/* clang-format off */
const struct lp_probe_desc lp_probes[PR_MAX] = {
	[PR_TCP_RECVMSG] = {
		.name = "tcp_recvmsg", .hits_slot = LP_P_RECV_EXIT,
		.kfunc = "tcp_recvmsg", .required = true,
		.fentry = { "recv_fentry", "recv_fexit" },
		.kprobe = { "recv_kprobe", "recv_kretprobe" },
		.tp = { "recv_tp" },
		.fentry_point = "fentry+fexit/tcp_recvmsg",
		.kprobe_point = "kprobe+kretprobe/tcp_recvmsg",
		.tp_point = "tp_btf/sock_recv_length",
	},
	[PR_TCP_SENDMSG] = {
		.name = "tcp_sendmsg", .hits_slot = LP_P_SEND,
		.kfunc = "tcp_sendmsg",
		.fentry = { "send_fexit" },
		.kprobe = { "send_kprobe", "send_kretprobe" },
		.tp = { "send_tp" },
		.fentry_point = "fexit/tcp_sendmsg",
		.kprobe_point = "kprobe+kretprobe/tcp_sendmsg",
		.tp_point = "tp_btf/sock_send_length",
	},
	[PR_TCP_CLEANUP_RBUF] = {
		.name = "tcp_cleanup_rbuf", .hits_slot = LP_P_CLEANUP,
		.kfunc = "tcp_cleanup_rbuf",
		.fentry = { "cleanup_fentry" },
		.kprobe = { "cleanup_kprobe" },
		.tp = { "cleanup_tp" },
		.fentry_point = "fentry/tcp_cleanup_rbuf",
		.kprobe_point = "kprobe/tcp_cleanup_rbuf",
		.tp_point = "tp_btf/tcp_rcv_space_adjust (called right before tcp_cleanup_rbuf)",
	},
	[PR_TCP_PROBE] = {
		.name = "tcp_probe", .hits_slot = LP_P_TCP_PROBE,
		.required = true,
		.tp = { "tcp_in" },
		.tp_point = "tp_btf/tcp_probe",
	},
	/* TCP's sk_data_ready is sock_def_readable; the tracepoint is newer */
	[PR_SK_DATA_READY] = {
		.name = "sk_data_ready", .hits_slot = LP_P_DATA_READY,
		.kfunc = "sock_def_readable",
		.fentry = { "wakeup_fentry" },
		.kprobe = { "wakeup_kprobe" },
		.tp = { "wakeup" },
		.fentry_point = "fentry/sock_def_readable",
		.kprobe_point = "kprobe/sock_def_readable",
		.tp_point = "tp_btf/sk_data_ready",
	},
	[PR_NETIF_RECEIVE_SKB] = {
		.name = "netif_receive_skb", .hits_slot = LP_P_DEV_IN,
		.tp = { "dev_in" },
		.tp_point = "tp_btf/netif_receive_skb",
	},
	[PR_SOCK_STATE] = {
		.name = "inet_sock_set_state", .hits_slot = LP_P_STATE,
		.required = true,
		.tp = { "state" },
		.tp_point = "tp_btf/inet_sock_set_state",
	},
	[PR_RCVQ_DROPS] = {
		.name = "rcvqueue_drops", .hits_slot = LP_P_DROP,
		.tp = { "rcvq_full", "udp_fail" },
		.tp_point = "tp_btf/sock_rcvqueue_full + tp_btf/udp_fail_queue_rcv_skb",
	},
	/* the tls module's receive path, once the module is loaded */
	[PR_KTLS] = {
		.name = "ktls_recv", .hits_slot = LP_P_KTLS,
		.kfunc = "tls_rx_one_record",
		.fentry = { "ktls_rec_fentry", "ktls_rec_fexit", "ktls_recv_fexit" },
		.kprobe = { "ktls_rec_kprobe", "ktls_rec_kretprobe",
			    "ktls_recv_kretprobe" },
		.fentry_point = "fentry+fexit/tls_rx_one_record + fexit/tls_sw_recvmsg",
		.kprobe_point = "kprobe+kretprobe/tls_rx_one_record + kretprobe/tls_sw_recvmsg",
	},
	/* only threads that read a traced socket (bpf/sched_split.bpf.h) */
	[PR_SCHED] = {
		.name = "sched", .hits_slot = LP_P_SCHED,
		.tp = { "sched_switch_tp", "sched_waking_tp" },
		.tp_point = "tp_btf/sched_switch + tp_btf/sched_waking",
	},
	/* user-space hooks: attached by client_stamps.c, attach_*.c */
	[PR_CLIENT_MESSAGE] = { .name = "client_message", .hits_slot = LP_P_USDT_MSG },
	[PR_CALLBACK] = { .name = "client_callback", .hits_slot = LP_P_CB_ENTRY },
	[PR_TLS_READ] = { .name = "ssl_read", .hits_slot = LP_P_TLS_READ },
};
/* clang-format on */

int lp_mech_parse(const char *s, enum lp_mech *out)
{
	for (int i = MECH_AUTO; i <= MECH_TRACEPOINT; i++) {
		if (!strcmp(s, lp_mech_names[i])) {
			*out = i;
			return 0;
		}
	}
	return -1;
}
