/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Shared inside the correlator only (correlator.c, corr_conns.c,
 * corr_segs.c, corr_msg.c); the public API is correlator.h.
 */
#ifndef __LP_CORR_INTERNAL_H
#define __LP_CORR_INTERNAL_H

#include "correlator.h"

/* corr_conns.c: the connection table's bucket of a socket */
unsigned int corr_hslot(const struct corr *c, uint64_t sk);

/* corr_segs.c: the per-connection segment-mark ring */
void corr_seg_insert(struct corr *c, struct conn *cn, const struct lp_hdr *h,
		     const struct lp_seg *s);
/* Data up to rcv_nxt is readable: every mark it covers gets the wake-up. */
void corr_seg_wake(struct conn *cn, uint64_t ts, uint32_t rcv_nxt);
/* The pending mark that holds this byte, or NULL. */
const struct seg_mark *corr_seg_find(const struct conn *cn, uint32_t byte);
/* Ask again for NIC stamps of the marks a read up to copied consumes. */
void corr_resolve_nic(struct corr *c, struct conn *cn, uint32_t copied);
/* Drop marks whose bytes were all copied to the reader (from the head). */
void corr_seg_prune(struct conn *cn, uint32_t copied);
/* Join mode: add the kernel's segment counters carried by a record. */
void corr_kernel_counts(struct corr *c, struct conn *cn,
			const struct lp_seg_counts *k);
/* The segment mark a joined read carries: pending until the read takes it. */
void corr_joined_mark(struct conn *cn, const struct lp_read *r);

/* corr_sched.c: the kernel's split of wakeup_to_read (--sched) */
void corr_sched_note(struct corr *c, struct read_mark *rm,
		     const struct lp_read *r);
void corr_sched_stages(struct corr *c, struct conn *cn,
		       const struct read_mark *rm, const struct seg_mark *m);

/* corr_pending.c: messages waiting for a read still in the kernel */
bool corr_msg_wait(struct corr *c, struct conn *cn, const struct lp_hdr *h,
		   const struct lp_msg *msg);
void corr_msgs_after_read(struct corr *c, struct conn *cn, uint64_t end_ns);
void corr_msgs_conn_settle(struct corr *c, struct conn *cn);
void corr_msgs_free(struct conn *cn);

/* corr_msg.c: reads, messages and callback calls */
void corr_msg_join(struct corr *c, struct conn *cn, const struct lp_hdr *h,
		   const struct lp_msg *msg);
void corr_on_read(struct corr *c, struct conn *cn, const struct lp_hdr *h,
		  const struct lp_read *r);
void corr_on_msg(struct corr *c, const struct lp_hdr *h,
		 const struct lp_msg *msg);
void corr_on_cb(struct corr *c, const struct lp_hdr *h, const struct lp_cb *cb);

#endif
