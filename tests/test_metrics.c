// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Prometheus bucket counts against an exact count; exposition basics. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "metrics.h"

static void bounds_are_bucket_edges(void)
{
	uint64_t lo, hi;

	for (int b = 0; b < METRICS_NBOUNDS; b++) {
		hist_bucket_range(hist_bucket(metrics_bounds_ns[b]), &lo, &hi);
		CHECK(lo == metrics_bounds_ns[b], "bound %llu not an edge",
		      (unsigned long long)metrics_bounds_ns[b]);
	}
}

static void cumulative_is_exact(void)
{
	enum { N = 100000 };
	static uint64_t v[N];
	uint64_t cum[METRICS_NBOUNDS];
	struct hist h;

	hist_init(&h);
	srand(7);
	for (int i = 0; i < N; i++) {
		/* log-uniform over 100 ns .. ~4 s, plus exact edges */
		double e = 2 + 7.6 * rand() / (double)RAND_MAX;
		int k = rand() % METRICS_NBOUNDS;

		v[i] = i % 10 ? (uint64_t)pow(10, e)
			      : metrics_bounds_ns[k] - (i % 20 ? 1 : 0);
		hist_add(&h, v[i]);
	}
	metrics_cumulative(&h, cum);
	for (int b = 0; b < METRICS_NBOUNDS; b++) {
		uint64_t want = 0;

		for (int i = 0; i < N; i++)
			want += v[i] < metrics_bounds_ns[b];
		CHECK(cum[b] == want, "le %llu: %llu, exact %llu",
		      (unsigned long long)metrics_bounds_ns[b],
		      (unsigned long long)cum[b], (unsigned long long)want);
	}
	hist_free(&h);
}

static void empty_exposition(void)
{
	struct corr_cfg cfg = {};
	struct corr *c = corr_new(&cfg);
	struct metrics_sel sel;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	CHECK(c && f && !metrics_sel_init(&sel, 3), "setup");
	metrics_render(f, c, NULL, NULL, &sel);
	fclose(f);
	CHECK(strstr(text, "# TYPE latprobe_events_total counter\n"
			   "latprobe_events_total 0\n"),
	      "events counter");
	CHECK(strstr(text, "latprobe_connections_unexported_total 0\n"),
	      "unexported counter");
	CHECK(!strstr(text, "latprobe_stage_seconds_bucket"),
	      "no empty histogram series");
	CHECK(text[len - 1] == '\n', "ends with a newline");
	free(text);
	metrics_sel_free(&sel);
	corr_free(c);
}

int main(void)
{
	bounds_are_bucket_edges();
	cumulative_is_exact();
	empty_exposition();
	return check_done("test_metrics");
}
