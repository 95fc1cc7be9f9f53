// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include <linux/types.h>
#include "latprobe.h"
#include "probes.h"

const char *const lp_mech_names[] = {
	[MECH_AUTO] = "auto",	      [MECH_FENTRY] = "fentry",
	[MECH_KPROBE] = "kprobe",     [MECH_TRACEPOINT] = "tracepoint",
	[MECH_USDT] = "usdt",	      [MECH_NONE] = "none",
	[MECH_STAMPS] = "stamps",
	[MECH_UPROBE] = "uprobe",
};

const struct lp_probe_desc lp_probes[PR_MAX] = {
	[PR_TCP_RECVMSG] = { "tcp_recvmsg", LP_P_RECV_EXIT },
	[PR_TCP_SENDMSG] = { "tcp_sendmsg", LP_P_SEND },
	[PR_TCP_CLEANUP_RBUF] = { "tcp_cleanup_rbuf", LP_P_CLEANUP },
	[PR_TCP_PROBE] = { "tcp_probe", LP_P_TCP_PROBE },
	[PR_SK_DATA_READY] = { "sk_data_ready", LP_P_DATA_READY },
	[PR_NETIF_RECEIVE_SKB] = { "netif_receive_skb", LP_P_DEV_IN },
	[PR_SOCK_STATE] = { "inet_sock_set_state", LP_P_STATE },
	[PR_RCVQ_DROPS] = { "rcvqueue_drops", LP_P_DROP },
	[PR_CLIENT_MESSAGE] = { "client_message", LP_P_USDT_MSG },
	[PR_CALLBACK] = { "client_callback", LP_P_CB_ENTRY },
	[PR_TLS_READ] = { "ssl_read", LP_P_TLS_READ },
};

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
