/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef __LP_NOW_H
#define __LP_NOW_H

#include <stdint.h>
#include <time.h>

/* The clock clk now, in ns (CLOCK_MONOTONIC is bpf_ktime_get_ns()'s). */
static inline uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * CLOCK_REALTIME - CLOCK_MONOTONIC from the tightest of 16 (monotonic,
 * realtime, monotonic) brackets; *err_ns is that bracket's half-width.
 */
static inline int64_t realtime_offset(uint64_t *err_ns)
{
	uint64_t best_w = UINT64_MAX, m1, m2, r;
	int64_t best = 0;

	for (int i = 0; i < 16; i++) {
		m1 = now_ns(CLOCK_MONOTONIC);
		r = now_ns(CLOCK_REALTIME);
		m2 = now_ns(CLOCK_MONOTONIC);
		if (m2 - m1 < best_w) {
			best_w = m2 - m1;
			best = (int64_t)(r - (m1 + (m2 - m1) / 2));
		}
	}
	if (err_ns)
		*err_ns = best_w / 2 + 1;
	return best;
}

#endif
