/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Helpers shared by wsfeed and wsclient: clocks, flag parsing, errors. */
#ifndef __WS_COMMON_H
#define __WS_COMMON_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "now.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NSEC_PER_SEC 1000000000ULL

static inline uint64_t mono_ns(void)
{
	return now_ns(CLOCK_MONOTONIC);
}

static inline uint64_t real_ns(void)
{
	return now_ns(CLOCK_REALTIME);
}

/*
 * Strict numeric flags: the whole string must be a number within
 * [min, max]. On failure print "PROG: bad value for --NAME: ARG" and
 * return -1.
 */
int parse_u64(const char *prog, const char *name, const char *arg, uint64_t min,
	      uint64_t max, uint64_t *out);
int parse_double(const char *prog, const char *name, const char *arg,
		 double min, double max, double *out);

/* Quiet libwebsockets unless verbose: its warnings go to stderr. */
void ws_log_setup(const char *prog, bool verbose);

#endif /* __WS_COMMON_H */
