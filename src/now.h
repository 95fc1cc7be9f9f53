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

#endif
