/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The kernel and user-space hooks latprobe attaches, and how each was attached. */
#ifndef __LP_PROBES_H
#define __LP_PROBES_H

#include <stdbool.h>
#include <stdint.h>

enum lp_mech {
	MECH_AUTO = 0,
	MECH_FENTRY,
	MECH_KPROBE,
	MECH_TRACEPOINT,
	MECH_USDT,
	MECH_NONE, /* not attached (e.g. no --client) */
	MECH_STAMPS, /* client stamps ring in shared memory, no probe */
	MECH_UPROBE, /* uprobe + uretprobe on a client function (--callback) */
	MECH_MAX
};

extern const char *const lp_mech_names[MECH_MAX];

enum lp_probe_id {
	PR_TCP_RECVMSG,
	PR_TCP_SENDMSG,
	PR_TCP_CLEANUP_RBUF,
	PR_TCP_PROBE,
	PR_SK_DATA_READY,
	PR_NETIF_RECEIVE_SKB,
	PR_SOCK_STATE,
	PR_RCVQ_DROPS,
	PR_SCHED, /* --sched: scheduler tracepoints of followed readers */
	PR_CLIENT_MESSAGE,
	PR_CALLBACK, /* --callback: uprobe + uretprobe (attach_callback.c) */
	PR_TLS_READ, /* SSL_read/SSL_read_ex (attach_tls.c) */
	PR_KTLS,     /* kernel TLS receive (bpf/ktls.bpf.h), no tracepoint */
	PR_MAX
};

struct probe_info {
	const char *name; /* as reported: the kernel function or hook */
	enum lp_mech requested;
	enum lp_mech used;
	char attach_point[4200]; /* what was attached, e.g. tp_btf/sock_recv_length */
	char why[384];	       /* why each fallback was taken */
	uint64_t hits;	       /* program runs (from the per-CPU counters) */
};

/*
 * What every hook is, once: its reported name, the LP_P_* counter
 * (bpf/latprobe.h) that counts its program runs and, for the kernel hooks
 * the loader negotiates, its BPF programs per mechanism (by name in the
 * skeleton) and what each attaches to. Adding a hook: a PR_* above, its
 * row in lp_probes (probes.c), its programs in bpf/.
 */
#define LP_PROBE_MAX_PROGS 3

struct lp_probe_desc {
	const char *name; /* as reported: the kernel function or hook */
	int hits_slot;	  /* LP_P_*: the per-CPU counter of its runs */
	/*
	 * kernel hooks (tp[0] or kfunc set): negotiated by loader.c; one
	 * with no tracepoint is absent, in every mode, where the kernel
	 * lacks kfunc (a module not loaded)
	 */
	const char *kfunc; /* fentry/kprobe target; NULL: tracepoint only */
	bool required;	   /* latprobe cannot work without it */
	const char *fentry[LP_PROBE_MAX_PROGS];
	const char *kprobe[LP_PROBE_MAX_PROGS];
	const char *tp[LP_PROBE_MAX_PROGS];
	const char *fentry_point, *kprobe_point, *tp_point;
};

extern const struct lp_probe_desc lp_probes[PR_MAX];

int lp_mech_parse(const char *s, enum lp_mech *out);

#endif
