/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Streaming log-linear histogram of nanosecond values: fixed memory, no
 * per-value storage. Values below 2^HIST_SUB_BITS are exact; above, each
 * power of two is split into 2^HIST_SUB_BITS buckets, so a bucket spans at
 * most 1/64 of its lower bound and the reported midpoint is within 0.79% of
 * any value in it. Percentiles are clamped to the exact min and max.
 * Rows of buckets (one per power of two) are allocated on first use, so a
 * histogram whose values span a few powers of two costs about 1 KiB.
 */
#ifndef __LP_HIST_H
#define __LP_HIST_H

#include <stdint.h>

#define HIST_SUB_BITS 6
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_MAX_EXP 42 /* values >= 2^42 ns (73 min) land in the top bucket */
#define HIST_ROWS (HIST_MAX_EXP - HIST_SUB_BITS + 1)
#define HIST_BUCKETS (HIST_ROWS * HIST_SUB)
#define HIST_REL_ERROR (1.0 / (2 * HIST_SUB - 1))

struct hist {
	uint64_t count;
	uint64_t min, max;
	double sum, sumsq;
	uint64_t unbucketed; /* out of memory for a row: counted, not placed */
	uint32_t *rows[HIST_ROWS];
};

struct hist_summary {
	uint64_t count;
	double min_us, avg_us, max_us, std_dev_us;
	double p50, p75, p90, p95, p99, p999; /* microseconds */
};

void hist_init(struct hist *h);
void hist_free(struct hist *h);
uint32_t hist_bucket_count(const struct hist *h, unsigned int idx);
void hist_add(struct hist *h, uint64_t ns);
/* Value (ns) at quantile q in [0,1], nearest rank; 0 when empty. */
uint64_t hist_quantile(const struct hist *h, double q);
void hist_summarize(const struct hist *h, struct hist_summary *s);
void hist_merge(struct hist *dst, const struct hist *src);
/* Bucket index for a value, and the range [lo, hi] a bucket covers. */
unsigned int hist_bucket(uint64_t ns);
void hist_bucket_range(unsigned int idx, uint64_t *lo, uint64_t *hi);

#endif
