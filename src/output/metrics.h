/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --metrics ADDR:PORT: Prometheus text exposition (format 0.0.4) on
 * /metrics. The poll loop renders the text once per second into a buffer
 * (metrics_tick); the HTTP thread (libmicrohttpd) only copies that buffer
 * under a mutex, so it never touches the correlator and the poll loop
 * never waits for a scrape.
 */
#ifndef __LP_METRICS_H
#define __LP_METRICS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "correlator.h"
#include "probes.h"

/* Histogram bounds: 1 us * 2^k, k = 0..20 (1 us .. 1.048576 s). */
#define METRICS_NBOUNDS 21
extern const uint64_t metrics_bounds_ns[METRICS_NBOUNDS];

/*
 * Connections exported with their own label: the first max that carry
 * data, kept for the whole run so their series never disappear. The rest
 * are summed under connection="other" and counted as unexported.
 */
struct metrics_sel {
	unsigned int max, n;
	const struct conn **conns; /* sorted by address for lookup */
};

int metrics_sel_init(struct metrics_sel *sel, unsigned int max);
void metrics_sel_free(struct metrics_sel *sel);

/*
 * Write the exposition of c to out. stats: enum lp_stat summed over CPUs
 * (NULL = zeros); probes: PR_MAX entries (NULL = none).
 */
/* process_cpu_seconds_total: latprobe's own CPU time (metrics_cost.c) */
void metrics_render_cost(FILE *out);

void metrics_render(FILE *out, const struct corr *c, const uint64_t *stats,
		    const struct probe_info *probes, struct metrics_sel *sel);

/* Cumulative counts of h at metrics_bounds_ns: exact, the bounds are bucket
 * edges of struct hist (a value v counts for le=b when v < b ns). */
void metrics_cumulative(const struct hist *h, uint64_t cum[METRICS_NBOUNDS]);

struct metrics;

struct lp_opts;

/*
 * Listen on --metrics ADDR:PORT (port 0 = any free port): a busy port fails
 * before anything is attached. 0, or -errno after a one-line error.
 */
int metrics_start(struct metrics **out, const struct lp_opts *o);
/*
 * Serve /metrics from a libmicrohttpd thread. Called after the capability
 * drop: threads get the creating thread's credentials, so the one facing
 * the network holds none of root's. NULL m is a no-op.
 */
int metrics_serve(struct metrics *m);
/* Render the current state for the next scrapes; NULL m is a no-op. */
void metrics_tick(struct metrics *m, const struct corr *c,
		  const uint64_t *stats, const struct probe_info *probes);
void metrics_stop(struct metrics *m);

#endif
