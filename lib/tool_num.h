/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The small workload tools' number flags: in range, else one line, exit 2. */
#ifndef __LP_TOOL_NUM_H
#define __LP_TOOL_NUM_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static inline long tool_num(const char *prog, const char *s, long min, long max,
			    const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "%s: invalid %s '%s'\n", prog, what, s);
		exit(2);
	}
	return v;
}

#endif
