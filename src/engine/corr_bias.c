// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Which calibrated part of a probe's trap each stage carries (the stamps
 * are read inside the BPF programs, src/kernel/probe_calib.h):
 *
 *  call -> [entry trap: front | stamp E | back] -> body -> ret ->
 *          [return trap: front | stamp R | back] -> caller
 *
 * E -> R (callback; tls_decrypt with no kernel read inside the call)
 * holds the entry trap's back half and the return trap's front half: the
 * calibrated stamp gap. A kernel read end -> E (read_to_callback;
 * nic_to_user in --callback mode) holds the entry trap's front half. A
 * kernel read end inside the call -> R (tls_decrypt) holds the return
 * trap's front half only: the entry trap came before the read.
 */
#include "correlator.h"
#include "stage_bias.h"

static void set(struct corr *c, enum lp_stage st, double ns, const char *what)
{
	stage_bias_free(c->bias[st]);
	c->bias[st] = stage_bias_new((int64_t)(ns + 0.5), what);
}

void corr_set_probe_bias(struct corr *c, const struct corr_trap_bias *k,
			 bool callback)
{
	set(c, ST_CALLBACK, k->gap_ns,
	    "uprobe_return.stamp_gap_bias_ns: the entry trap after its stamp and the return trap before its stamp");
	set(c, ST_READ_TO_CALLBACK, k->front_ns,
	    "uprobe_return.stamp_front_ns: the entry trap before its stamp");
	if (callback)
		set(c, ST_NIC_TO_USER, k->front_ns,
		    "uprobe_return.stamp_front_ns: the callback entry trap before its stamp");
	set(c, ST_TLS_DECRYPT, k->gap_ns,
	    "per SSL read: after a kernel read inside the call, uprobe_return.body_to_return_stamp_ns (the return trap before its stamp); else uprobe_return.stamp_gap_bias_ns (entry trap after its stamp + return trap before its stamp); bias_mean_ns is their mix");
	c->tls_read_bias_ns = (int64_t)(k->ret_front_ns + 0.5);
}
