/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The run of latprobe once main has wired it (main.c: parse, preflight,
 * open, load, attach): the consumer loop and the drain (consume.c).
 */
#ifndef __LP_RUN_H
#define __LP_RUN_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include "correlator.h"
#include "loader.h"
#include "opts.h"
#include "overhead.h"
#include "report_every.h"
#include "target.h"

struct cb_attach;
struct client_stamps;
struct metrics;
struct ring_buffer;

struct lp_run {
	const struct lp_opts *o;
	struct lp_loader *L;
	struct corr *c;
	struct cb_attach *cb;
	struct client_stamps *stamps; /* --client: rings of stamps, or NULL */
	struct metrics *metrics;      /* --metrics, or NULL */
	struct ring_buffer *rb;
	struct lp_target *targets; /* --pid, --client PID */
	unsigned int ntargets;
	uint64_t t0;	  /* tracing start, CLOCK_MONOTONIC */
	/* --report-every: its schedule, and main's writer of the run so far */
	struct report_every *every;
	void (*report_so_far)(struct lp_run *r, const char *path);
	void *report_ctx; /* main's, for report_so_far */
	bool poll_failed; /* the loop stopped on a poll error */
};

/* Set by the signal handler: the loop ends at its next turn. */
extern volatile sig_atomic_t lp_exiting;

/*
 * Poll and consume until a signal, --duration, a --client PID that is gone
 * or a poll error (r->poll_failed); once a second: the status line or the
 * live view, /metrics, target and connection-cap checks, a stamps rescan.
 */
void run_consume(struct lp_run *r);
/*
 * Stop the producers first, then drain what they left: under sustained
 * load a drain with live producers might never end. Nothing measured is
 * lost.
 */
void run_drain(struct lp_run *r, struct overhead *ov);

#endif
