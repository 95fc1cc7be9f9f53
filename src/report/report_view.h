/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * `latprobe report`: a saved report (schema latprobe/1) read once, checked
 * (docs/report-schema.md, "What latprobe report reads": a required key
 * that is missing, of the wrong type, negative or not finite is an error),
 * and the views of it: the breakdown table (breakdown.c), the comparison of
 * two runs (compare.c) and the pictures (render_svg.c).
 */
#ifndef __LP_REPORT_VIEW_H
#define __LP_REPORT_VIEW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "correlator.h"

#define RV_LOG2_MAX 64
#define RV_NIC_SRC_MAX 16

struct rv_stage {
	bool present;
	double count, p50, p99, p999; /* microseconds */
	double res_ns; /* the values' resolution, 0: not in the report */
};

/* nic_to_tcp's stage.nic_sources, in the report's order */
struct rv_nic_src {
	char name[24];
	double count;
};

/* The "overhead" section; NAN where the report has null (no divisor). */
struct rv_overhead {
	bool present;
	char unit[16], bpf_stats[16];
	double kernel_ns_per_unit, kernel_runs_per_unit, kernel_ns_per_run;
	double client_ns_per_unit, ring_records_per_unit;
	double cpu_seconds, peak_rss_kb;
};

struct report_view {
	const char *path;
	char name[64]; /* the file's base name, for labels */
	char unit[16]; /* "message", "read", or "?" in reports before it */
	char timestamp[32];
	double events, lost, seen, correlated, stage_records;
	int connections;
	struct rv_stage st[ST_MAX];
	double log2_ns[RV_LOG2_MAX]; /* total: count in [2^e, 2^(e+1)) ns */
	/* nic_to_tcp's totals over all connections (0 in older reports) */
	double nic_stamped, nic_after_tcp, nic_after_tcp_max_ns;
	struct rv_nic_src nic_src[RV_NIC_SRC_MAX];
	unsigned int n_nic_src;
	struct rv_overhead ov;
};

/* The stages that add up to a message's path (not total/nic_to_user/read). */
bool rv_component(int st);

/* Read, parse and check a report: 0, or 1 after a one-line error. */
int report_view_load(struct report_view *v, const char *path);

/* The per-stage table with a bar per stage, and the run's totals. */
void breakdown_print(FILE *out, const struct report_view *v);

/* Stage-by-stage p50/p99 of b against the baseline a. */
void compare_print(FILE *out, const struct report_view *a,
		   const struct report_view *b);

/* Self-contained pictures of n runs (no external references). */
void render_svg(FILE *out, const struct report_view *v, unsigned int n);
void render_html(FILE *out, const struct report_view *v, unsigned int n);

/* latprobe report [--svg OUT.svg] [--html OUT.html] FILE.json [FILE.json...] */
int report_cmd_main(int argc, char **argv);

#endif
