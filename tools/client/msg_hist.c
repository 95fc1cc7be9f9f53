// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "msg_hist.h"

static unsigned int bucket_of(uint64_t v)
{
	unsigned int e;

	if (v < MSG_HIST_SUB)
		return (unsigned int)v;
	e = 63 - (unsigned int)__builtin_clzll(v); /* >= MSG_HIST_SUB_BITS */
	return (e - MSG_HIST_SUB_BITS + 1) * MSG_HIST_SUB +
	       (unsigned int)((v >> (e - MSG_HIST_SUB_BITS)) &
			      (MSG_HIST_SUB - 1));
}

/* Midpoint of bucket @b. */
static uint64_t bucket_value(unsigned int b)
{
	unsigned int e, sub;
	uint64_t lo, width;

	if (b < MSG_HIST_SUB)
		return b;
	e = b / MSG_HIST_SUB + MSG_HIST_SUB_BITS - 1;
	sub = b % MSG_HIST_SUB;
	width = 1ULL << (e - MSG_HIST_SUB_BITS);
	lo = ((uint64_t)MSG_HIST_SUB + sub) << (e - MSG_HIST_SUB_BITS);
	return lo + width / 2;
}

void msg_hist_add(struct msg_hist *h, uint64_t ns)
{
	if (!h->count || ns < h->min)
		h->min = ns;
	if (ns > h->max)
		h->max = ns;
	h->count++;
	h->sum += (double)ns;
	h->bucket[bucket_of(ns)]++;
}

uint64_t msg_hist_pct(const struct msg_hist *h, double p)
{
	uint64_t rank, seen = 0, v;
	unsigned int b;

	if (!h->count)
		return 0;
	rank = (uint64_t)(p / 100.0 * (double)h->count + 0.5);
	if (rank < 1)
		rank = 1;
	if (rank > h->count)
		rank = h->count;
	for (b = 0; b < MSG_HIST_BUCKETS; b++) {
		seen += h->bucket[b];
		if (seen >= rank)
			break;
	}
	/* clamp the midpoint to what was really seen */
	v = bucket_value(b);
	if (v < h->min)
		v = h->min;
	if (v > h->max)
		v = h->max;
	return v;
}

void msg_hist_print_row(FILE *f, const char *name, const struct msg_hist *h)
{
	fprintf(f, "  %-26s %10llu %10.1f %10.1f %10.1f\n", name,
		(unsigned long long)h->count, msg_hist_pct(h, 50) / 1e3,
		msg_hist_pct(h, 99) / 1e3, h->max / 1e3);
}

void msg_hist_print_json(FILE *f, const char *name, const struct msg_hist *h,
			 int last)
{
	fprintf(f,
		"    \"%s\": {\"count\": %llu, \"min_us\": %.3f, \"avg_us\": %.3f, "
		"\"max_us\": %.3f, \"p50_us\": %.3f, \"p90_us\": %.3f, "
		"\"p99_us\": %.3f, \"p999_us\": %.3f}%s\n",
		name, (unsigned long long)h->count, h->min / 1e3,
		h->count ? h->sum / (double)h->count / 1e3 : 0.0, h->max / 1e3,
		msg_hist_pct(h, 50) / 1e3, msg_hist_pct(h, 90) / 1e3,
		msg_hist_pct(h, 99) / 1e3, msg_hist_pct(h, 99.9) / 1e3,
		last ? "" : ",");
}
