/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --live: a full-screen view redrawn in place once per second (ANSI
 * cursor-home and erase, no curses): per-stage counts and p50/p99/p999,
 * then the busiest connections with their own total and slowest stage.
 */
#ifndef __LP_LIVE_H
#define __LP_LIVE_H

#include <stdint.h>
#include <stdio.h>
#include "correlator.h"

/*
 * One screen of rows x cols. stats: enum lp_stat summed over CPUs (NULL =
 * zeros); reads_per_s and uptime are shown as given. Every row fits 80
 * columns; from 120 a connection's figures share its row.
 */
void live_render(FILE *out, const struct corr *c, const uint64_t *stats,
		 double reads_per_s, double uptime, unsigned int rows,
		 unsigned int cols);
/* Once per second from the poll loop; the terminal size is read each time. */
void live_tick(FILE *out, const struct corr *c, const uint64_t *stats);

#endif
