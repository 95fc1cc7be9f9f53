/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The capture clock of pdump copies, recovered as the TSC.
 *
 * rte_pdump stamps each copy in its pcapng header with the primary's TSC
 * read right after rx_burst. DPDK 22.11 (since 22.11.4) converts it to
 * nanoseconds on the way: ns = base + TSC * 1e9 / hz, where base is set by
 * the primary's first capture and, through a wrap-around in that code, may
 * be off by 2^64 * 1e9 / hz. Later releases store the raw TSC. Either way
 * the stamp is linear in the TSC with a slope we know (1, or 1e9 / hz with
 * the same rte_get_tsc_hz() both processes compute) and an offset we do
 * not. The offset is bounded from two sides:
 *
 *   lower: a copy cannot be dequeued before it was captured
 *          (offset >= stamp - ns(dequeue TSC));
 *   upper: a probe frame we send on the port's wire cannot be captured
 *          before we sent it (offset <= stamp - ns(send TSC)).
 *
 * With the upper bound known, recovered capture times are never late, and
 * early by at most the bounds' distance; with only the lower, they are
 * late by at most the fastest copy's dequeue delay.
 */
#ifndef __NIC_CAPCLOCK_H
#define __NIC_CAPCLOCK_H

#include <stdbool.h>
#include <stdint.h>

enum capclock_mode { CAP_UNKNOWN, CAP_TSC, CAP_NS };

struct capclock {
	uint64_t hz;
	enum capclock_mode mode;
	uint64_t lo, hi; /* offset bounds, ns, modulo 2^64 */
	bool have_lo, have_hi;
	uint64_t used_min, used_max; /* offsets stamps were made with */
	bool have_used;
};

void capclock_init(struct capclock *cc, uint64_t hz);
/*
 * A copy stamped cap was dequeued at deq_tsc: learns the form and tightens
 * the lower bound. Returns -1 when the stamp fits neither form or the
 * bounds cross.
 */
int capclock_observe(struct capclock *cc, uint64_t cap, uint64_t deq_tsc);
/*
 * capclock_observe, then the capture TSC of that copy (a stamp to publish).
 * Returns 0, or -1 when it cannot be trusted.
 */
int capclock_stamp(struct capclock *cc, uint64_t cap, uint64_t deq_tsc,
		   uint64_t *tsc);
/* A probe sent at send_tsc came back stamped cap: tightens the upper bound. */
void capclock_probe(struct capclock *cc, uint64_t cap, uint64_t send_tsc);
/*
 * How early and how late (ns) any stamp made so far can be, given the
 * bounds now; <= 0 means never. 0 and both 0 for raw TSC stamps; -1 while
 * the offset is bounded from one side only.
 */
int capclock_bounds(const struct capclock *cc, int64_t *early, int64_t *late);

#endif
