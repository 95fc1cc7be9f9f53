/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Per-thread state of bpf/client.bpf.c (map cb_threads), shared with user
 * space (src/kernel/attach_callback.c counts the calls still open at exit).
 * Plain __u* types only.
 */
#ifndef __LP_CLIENT_H
#define __LP_CLIENT_H

#include "latprobe.h"

enum lp_cb_style { LP_CB_PLAIN = 0, LP_CB_LWS = 1 };

struct lp_cb_frame {
	__u64 entry_ns;
	__u64 sp;  /* rsp at entry: [rsp] is the return address */
	__u32 len; /* length argument */
	__u8 ncopied;
	__u8 is_msg;  /* 0: a call the filter skipped; popped, never sent */
	__u8 in_msg;  /* nested in a message call: part of it, not a message */
	__u8 has_off; /* --sched: off0_ns is the thread's off_ns at entry */
	char payload[LP_CB_PAYLOAD];
	__u64 off0_ns;
};

struct lp_cb_state {
	__u32 depth;	/* frames open */
	__u32 overflow; /* calls open beyond LP_CB_DEPTH (not timed) */
	struct lp_cb_frame f[LP_CB_DEPTH];
};

#endif
