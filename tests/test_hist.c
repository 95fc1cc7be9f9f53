// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Histogram percentiles against an exact sort of random data. */
#include <math.h>
#include <stdlib.h>
#include "check.h"
#include "hist.h"

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t exact(const uint64_t *v, size_t n, double q)
{
	size_t rank = (size_t)ceil(q * n);

	return v[(rank ? rank : 1) - 1];
}

static void one_distribution(const char *name, uint64_t (*gen)(void))
{
	static const double qs[] = { 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1.0 };
	enum { N = 200000 };
	static uint64_t v[N];
	static struct hist h;
	struct hist_summary s;
	double mean = 0;

	hist_init(&h);
	for (size_t i = 0; i < N; i++) {
		v[i] = gen();
		hist_add(&h, v[i]);
		mean += v[i];
	}
	mean /= N;
	qsort(v, N, sizeof(v[0]), cmp);
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		double want = exact(v, N, qs[i]), got = hist_quantile(&h, qs[i]);
		double rel = want ? fabs(got - want) / want : got;

		CHECK(rel <= HIST_REL_ERROR, "%s q=%.3f exact %.0f hist %.0f rel %.5f",
		      name, qs[i], want, got, rel);
	}
	hist_summarize(&h, &s);
	CHECK_EQ(s.count, N);
	CHECK(fabs(s.min_us * 1e3 - v[0]) < 1e-6, "%s min", name);
	CHECK(fabs(s.max_us * 1e3 - v[N - 1]) < 1e-6, "%s max", name);
	CHECK(fabs(s.avg_us * 1e3 - mean) / mean < 1e-9, "%s mean", name);
	CHECK_EQ(h.unbucketed, 0);
	hist_free(&h);
}

static uint64_t uniform_us(void)
{
	return 1000 + random() % 100000;
}

static uint64_t lognormal(void)
{
	double u1 = (random() + 1.0) / (RAND_MAX + 2.0);
	double u2 = (random() + 1.0) / (RAND_MAX + 2.0);
	double z = sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);

	return (uint64_t)exp(10 + 1.5 * z); /* ~22 us median, long tail */
}

static uint64_t small(void)
{
	return random() % 200; /* exact region and first log buckets */
}

int main(void)
{
	struct hist a, b, ab;
	uint64_t lo, hi;

	srandom(42);
	one_distribution("uniform", uniform_us);
	one_distribution("lognormal", lognormal);
	one_distribution("small", small);

	/* every bucket's range contains exactly the values mapped to it */
	for (unsigned int i = 0; i < HIST_BUCKETS - 1; i++) {
		hist_bucket_range(i, &lo, &hi);
		CHECK_EQ(hist_bucket(lo), i);
		CHECK_EQ(hist_bucket(hi), i);
		CHECK(hi < lo * (1 + 2 * HIST_REL_ERROR) + 1, "bucket %u too wide", i);
	}
	CHECK_EQ(hist_bucket(UINT64_MAX), HIST_BUCKETS - 1);
	/* every value has a bucket inside the rows (2^42 once overflowed) */
	for (int e = 0; e < 64; e++)
		CHECK(hist_bucket(1ULL << e) < HIST_BUCKETS &&
			      hist_bucket((2ULL << e) - 1) < HIST_BUCKETS,
		      "2^%d out of range", e);

	/* merge equals adding everything to one */
	hist_init(&a);
	hist_init(&b);
	hist_init(&ab);
	for (int i = 0; i < 1000; i++) {
		uint64_t x = lognormal();

		hist_add(i % 2 ? &a : &b, x);
		hist_add(&ab, x);
	}
	hist_merge(&a, &b);
	CHECK_EQ(a.count, ab.count);
	CHECK_EQ(hist_quantile(&a, 0.99), hist_quantile(&ab, 0.99));
	hist_free(&a);
	hist_free(&b);
	hist_free(&ab);
	CHECK_EQ(hist_quantile(&a, 0.5), 0);
	return check_done("test_hist");
}
