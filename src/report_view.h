/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * `latprobe report`: what the views of a saved report (schema latprobe/1)
 * need, read once and sanitised (a report file is input: non-finite or
 * negative numbers are dropped), and the views themselves: the comparison
 * of two runs (compare.c) and the pictures (render_svg.c).
 */
#ifndef __LP_REPORT_VIEW_H
#define __LP_REPORT_VIEW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <cjson/cJSON.h>
#include "correlator.h"

#define RV_LOG2_MAX 64

struct rv_stage {
	bool present;
	double count, p50, p99, p999; /* microseconds */
};

struct report_view {
	const char *path;
	char name[64]; /* the file's base name, for labels */
	char unit[16]; /* "message" or "read" */
	char timestamp[32];
	double events, lost, seen, correlated;
	struct rv_stage st[ST_MAX];
	double log2_ns[RV_LOG2_MAX]; /* total: count in [2^e, 2^(e+1)) ns */
};

/* The stages that add up to a message's path (not total/nic_to_user/read). */
bool rv_component(int st);

/* 0, or 1 after a one-line error naming the file. */
/* Read and parse a report; NULL after a one-line error. */
cJSON *report_json_load(const char *path);
int report_view_load(struct report_view *v, const char *path);

/* Stage-by-stage p50/p99 of b against the baseline a. */
void compare_print(FILE *out, const struct report_view *a,
		   const struct report_view *b);

/* Self-contained pictures of n runs (no external references). */
void render_svg(FILE *out, const struct report_view *v, unsigned int n);
void render_html(FILE *out, const struct report_view *v, unsigned int n);

/* latprobe report [--svg OUT.svg] [--html OUT.html] FILE.json [FILE.json...] */
int report_cmd_main(int argc, char **argv);

#endif
