// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* pdump capture stamps back to the TSC: see nic_capclock.h. */
#include "nic_capclock.h"

#define NSEC 1000000000ull

void capclock_init(struct capclock *cc, uint64_t hz)
{
	*cc = (struct capclock){.hz = hz ? hz : 1};
}

/* The primary's conversion, without its offset. */
static uint64_t tsc_to_ns(const struct capclock *cc, uint64_t tsc)
{
	return (uint64_t)((unsigned __int128)tsc * NSEC / cc->hz);
}

static bool raw_tsc(const struct capclock *cc, uint64_t cap, uint64_t deq)
{
	return cap <= deq && deq - cap < cc->hz;
}

int capclock_observe(struct capclock *cc, uint64_t cap, uint64_t deq_tsc)
{
	uint64_t a;

	if (cc->mode != CAP_NS && raw_tsc(cc, cap, deq_tsc)) {
		cc->mode = CAP_TSC;
		return 0;
	}
	if (cc->mode == CAP_TSC)
		return -1;
	cc->mode = CAP_NS;
	a = cap - tsc_to_ns(cc, deq_tsc);
	if (!cc->have_lo || (int64_t)(a - cc->lo) > 0) {
		cc->lo = a;
		cc->have_lo = true;
	}
	if (cc->have_hi && (int64_t)(cc->hi - cc->lo) < 0)
		return -1; /* the bounds cross: not the clock we think */
	return 0;
}

int capclock_stamp(struct capclock *cc, uint64_t cap, uint64_t deq_tsc,
		   uint64_t *tsc)
{
	uint64_t off;
	int64_t d;

	if (capclock_observe(cc, cap, deq_tsc))
		return -1;
	if (cc->mode == CAP_TSC) {
		*tsc = cap;
		return 0;
	}
	off = cc->have_hi ? cc->hi : cc->lo;
	d = (int64_t)(cap - off);
	if (d < 0)
		return -1;
	*tsc = (uint64_t)((unsigned __int128)d * cc->hz / NSEC);
	/* plausible: not after the dequeue, not a second before it */
	if (*tsc > deq_tsc || deq_tsc - *tsc >= cc->hz)
		return -1;
	if (!cc->have_used) {
		cc->used_min = cc->used_max = off;
		cc->have_used = true;
	} else if ((int64_t)(off - cc->used_min) < 0) {
		cc->used_min = off;
	} else if ((int64_t)(off - cc->used_max) > 0) {
		cc->used_max = off;
	}
	return 0;
}

void capclock_probe(struct capclock *cc, uint64_t cap, uint64_t send_tsc)
{
	uint64_t a;

	if (cc->mode == CAP_TSC)
		return;
	a = cap - tsc_to_ns(cc, send_tsc);
	if (!cc->have_hi || (int64_t)(a - cc->hi) < 0) {
		cc->hi = a;
		cc->have_hi = true;
	}
}

/*
 * A stamp made with offset o is early by o - truth, truth in [lo, hi]:
 * early by at most max(o) - lo, late by at most hi - min(o).
 */
int capclock_bounds(const struct capclock *cc, int64_t *early, int64_t *late)
{
	*early = *late = 0;
	if (cc->mode == CAP_TSC)
		return 0;
	if (!cc->have_lo || !cc->have_hi)
		return -1;
	if (cc->have_used) {
		*early = (int64_t)(cc->used_max - cc->lo);
		*late = (int64_t)(cc->hi - cc->used_min);
	}
	return 0;
}
