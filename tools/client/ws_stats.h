/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Log-linear latency histogram: exact below 128 ns, then 128 buckets per
 * power of two (relative error < 0.4%). Fixed size, no allocation per
 * sample, so the client can record every message.
 */
#ifndef __WS_STATS_H
#define __WS_STATS_H

#include <stdint.h>
#include <stdio.h>

#define HIST_SUB_BITS 7
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_BUCKETS ((64 - HIST_SUB_BITS + 1) * HIST_SUB)

struct hist {
	uint64_t count;
	uint64_t min, max;
	double sum;
	uint64_t bucket[HIST_BUCKETS];
};

void hist_add(struct hist *h, uint64_t ns);
/* Value (ns) at percentile @p in [0, 100]; 0 when empty. */
uint64_t hist_pct(const struct hist *h, double p);

/* "name  count  p50  p99  max" in microseconds, one line. */
void hist_print_row(FILE *f, const char *name, const struct hist *h);
/* "name": {"count":..,"min_us":..,"avg_us":..,"max_us":..,"p50_us":..,...} */
void hist_print_json(FILE *f, const char *name, const struct hist *h, int last);

#endif /* __WS_STATS_H */
