/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef __LP_LOADER_H
#define __LP_LOADER_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>
#include "latprobe.h"
#include "latprobe.skel.h"
#include "attach_tls.h"
#include "opts.h"
#include "probes.h"
#include "port_drops.h"
#include "nic_lookup.h"

struct lp_loader {
	struct latprobe_bpf *skel;
	struct probe_info probes[PR_MAX];
	struct bpf_link *usdt_link;
	struct bpf_link *flush_link; /* batched reads' flusher, or NULL */
	struct bpf_link *tls_flush_link; /* reads held by SSL_read calls */
	struct lp_tls_probes tls; /* SSL_read probes (attach_tls.c) */
	bool own_nic_ts;    /* nobody had pinned nic_ts: we create it */
	bool pinned_nic_ts; /* ... and pinned it: unpin on exit */
	const struct lp_nic_slot *nic_hdr; /* nic_ts's header page, mmap()ed */
	bool pinned;	    /* --pin maps */
	char pin_dir[256];  /* where --pin put them */
	int tstamp_fd;	    /* --nic-timestamps: keeps RX stamping on */
	int64_t realtime_offset_ns; /* CLOCK_REALTIME - CLOCK_MONOTONIC */
	/* --client's executable, resolved by loader_open ("" without one) */
	char client_path[4096];
};

/*
 * Open the skeleton, apply filters, negotiate mechanisms (no load yet);
 * realtime_offset_ns: CLOCK_REALTIME - CLOCK_MONOTONIC, what the BPF side
 * turns CLOCK_REALTIME stamps (NIC) into monotonic ones with.
 */
int loader_open(struct lp_loader *L, const struct lp_opts *o,
		int64_t realtime_offset_ns);
int loader_load_attach(struct lp_loader *L, const struct lp_opts *o);
/* Detach every program; maps stay readable for the report. */
void loader_detach(struct lp_loader *L);
void loader_destroy(struct lp_loader *L);
int loader_read_stats(struct lp_loader *L, uint64_t *out);
void loader_probe_hits(struct lp_loader *L, const uint64_t *stats);
/* What the kernel still holds at exit (after detach); *out is malloc'd. */
int loader_read_held_segs(struct lp_loader *L, struct lp_pending_seg **out);
int loader_read_live_socks(struct lp_loader *L, struct lp_live_sock **out);
/* Batched reads (loader_batch.c): off when records join reads by order. */
void loader_batch_start(struct lp_loader *L, const struct lp_opts *o);
void loader_batch_flush(struct lp_loader *L);
void loader_batch_stop(struct lp_loader *L);
void loader_tls_carry_flush(struct lp_loader *L);
/* --sched (loader_sched.c): the scheduler programs on, or off and why. */
void loader_sched_setup(struct lp_loader *L, const struct lp_opts *o);
void loader_nic_source(struct lp_loader *L, struct nic_source *ns);
void loader_poll_nic(struct lp_loader *L);
int loader_read_drops(struct lp_loader *L, struct port_drops *out,
		      unsigned int max);

#endif
