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
#include "stages.h"

#define RV_LOG2_MAX 64
#define RV_NIC_SRC_MAX 16

struct rv_stage {
	bool present;
	double count, p50, p99, p999; /* microseconds */
	double avg; /* avg_us, NAN when the report has none (findings.c) */
	/* bias_corrected (a later addition): p50 in us, negatives counted */
	bool corrected;
	double corr_p50, corr_bias_ns, corr_negative;
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
	double total_ns_per_unit; /* BPF + calibrated traps; NAN if absent */
	double cpu_seconds, peak_rss_kb;
};

struct report_view {
	const char *path;
	char name[64]; /* the file's base name, for labels */
	char unit[16]; /* "message", "read", or "?" in reports before it */
	char timestamp[32];
	double events, lost, seen, correlated, stage_records;
	/* messages.lost_kernel_stages, ring_buffer.connections_not_tracked
	 * (later additions: 0 when absent) */
	double lost_kernel_stages, conns_not_tracked;
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

/*
 * The reader's bounds (docs/report-schema.md, "How big a report gets"): a
 * report is at most 1,000,000 connections (--max-connections' limit) of at
 * most 12 KiB each, and at most 4 MiB of everything else; a pipe that
 * sends nothing for 10 s has nothing to send.
 */
#define REPORT_MAX_BYTES (12ULL << 30)
#define REPORT_MAX_TEXT "12 GiB"
#define REPORT_REST_MAX_BYTES (4u << 20)
#define REPORT_IDLE_MS 10000
#define REPORT_IDLE_TEXT "10 s"

/*
 * A report's text without the members of "connections" (NUL-terminated,
 * malloc'ed), *conns of them counted (report_read.c); NULL with a reason
 * in why.
 */
char *report_read(const char *path, long long *conns, char *why, size_t len);

/* Read, parse and check a report: 0, or 1 after a one-line error. */
int report_view_load(struct report_view *v, const char *path);
/* The same checks on a parsed report (path names it in errors). */
struct cJSON;
int report_view_json(struct report_view *v, const struct cJSON *root,
		     const char *path);

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
