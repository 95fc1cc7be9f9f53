// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <libwebsockets.h>

#include "num.h"
#include "ws_common.h"

int parse_u64(const char *prog, const char *name, const char *arg, uint64_t min,
	      uint64_t max, uint64_t *out)
{
	if (num_u64(arg, min, max, out)) {
		fprintf(stderr,
			"%s: bad value for --%s: '%s' (want %llu..%llu)\n",
			prog, name, arg, (unsigned long long)min,
			(unsigned long long)max);
		return -1;
	}
	return 0;
}

int parse_double(const char *prog, const char *name, const char *arg,
		 double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !isfinite(v) || v < min || v > max) {
		fprintf(stderr, "%s: bad value for --%s: '%s' (want %g..%g)\n",
			prog, name, arg, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

static const char *log_prog = "ws";

static void ws_log_emit(int level, const char *line)
{
	fprintf(stderr, "%s: lws: %s", log_prog, line);
}

void ws_log_setup(const char *prog, bool verbose)
{
	log_prog = prog;
	lws_set_log_level(verbose ? LLL_ERR | LLL_WARN | LLL_NOTICE : 0,
			  ws_log_emit);
}
