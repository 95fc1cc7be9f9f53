// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "hist.h"

void hist_init(struct hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

void hist_free(struct hist *h)
{
	for (unsigned int r = 0; r < HIST_ROWS; r++)
		free(h->rows[r]);
	hist_init(h);
}

uint32_t hist_bucket_count(const struct hist *h, unsigned int idx)
{
	const uint32_t *row = h->rows[idx / HIST_SUB];

	return row ? row[idx % HIST_SUB] : 0;
}

static uint32_t *bucket_slot(struct hist *h, unsigned int idx)
{
	uint32_t **row = &h->rows[idx / HIST_SUB];

	if (!*row)
		*row = calloc(HIST_SUB, sizeof(**row));
	return *row ? &(*row)[idx % HIST_SUB] : NULL;
}

unsigned int hist_bucket(uint64_t ns)
{
	unsigned int exp, sub;

	if (ns < HIST_SUB)
		return ns;
	exp = 63 - __builtin_clzll(ns);
	/* row exp - HIST_SUB_BITS + 1 must exist: 2^42 and up share the top */
	if (exp >= HIST_MAX_EXP)
		return HIST_BUCKETS - 1;
	sub = (ns >> (exp - HIST_SUB_BITS)) & (HIST_SUB - 1);
	return (exp - HIST_SUB_BITS + 1) * HIST_SUB + sub;
}

void hist_bucket_range(unsigned int idx, uint64_t *lo, uint64_t *hi)
{
	unsigned int exp, sub;

	if (idx < HIST_SUB) {
		*lo = *hi = idx;
		return;
	}
	exp = idx / HIST_SUB + HIST_SUB_BITS - 1;
	sub = idx % HIST_SUB;
	*lo = ((uint64_t)(HIST_SUB + sub)) << (exp - HIST_SUB_BITS);
	*hi = *lo + (1ULL << (exp - HIST_SUB_BITS)) - 1;
}

void hist_add(struct hist *h, uint64_t ns)
{
	uint32_t *slot = bucket_slot(h, hist_bucket(ns));
	double v = (double)ns;

	if (slot)
		(*slot)++;
	else
		h->unbucketed++;
	h->count++;
	h->sum += v;
	h->sumsq += v * v;
	if (ns < h->min)
		h->min = ns;
	if (ns > h->max)
		h->max = ns;
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	uint32_t *slot;

	if (!src->count)
		return;
	for (unsigned int i = 0; i < HIST_BUCKETS; i++) {
		uint32_t n = hist_bucket_count(src, i);

		if (!n)
			continue;
		slot = bucket_slot(dst, i);
		if (slot)
			*slot += n;
		else
			dst->unbucketed += n;
	}
	dst->unbucketed += src->unbucketed;
	dst->count += src->count;
	dst->sum += src->sum;
	dst->sumsq += src->sumsq;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

uint64_t hist_quantile(const struct hist *h, double q)
{
	uint64_t rank, seen = 0, lo, hi, mid;

	if (!h->count)
		return 0;
	rank = (uint64_t)ceil(q * (double)h->count);
	if (rank < 1)
		rank = 1;
	for (unsigned int i = 0; i < HIST_BUCKETS; i++) {
		if (!h->rows[i / HIST_SUB]) {
			i += HIST_SUB - 1;
			continue;
		}
		seen += h->rows[i / HIST_SUB][i % HIST_SUB];
		if (seen < rank)
			continue;
		hist_bucket_range(i, &lo, &hi);
		mid = lo + (hi - lo) / 2;
		if (mid < h->min)
			mid = h->min;
		if (mid > h->max)
			mid = h->max;
		return mid;
	}
	return h->max;
}

void hist_summarize(const struct hist *h, struct hist_summary *s)
{
	double n = (double)h->count, mean, var;

	memset(s, 0, sizeof(*s));
	s->count = h->count;
	if (!h->count)
		return;
	mean = h->sum / n;
	var = h->sumsq / n - mean * mean;
	s->min_us = h->min / 1e3;
	s->max_us = h->max / 1e3;
	s->avg_us = mean / 1e3;
	s->std_dev_us = var > 0 ? sqrt(var) / 1e3 : 0;
	s->p50 = hist_quantile(h, 0.50) / 1e3;
	s->p75 = hist_quantile(h, 0.75) / 1e3;
	s->p90 = hist_quantile(h, 0.90) / 1e3;
	s->p95 = hist_quantile(h, 0.95) / 1e3;
	s->p99 = hist_quantile(h, 0.99) / 1e3;
	s->p999 = hist_quantile(h, 0.999) / 1e3;
}
