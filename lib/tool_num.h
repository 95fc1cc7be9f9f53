/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The small workload tools' number flags: in range, else one line, exit 2. */
#ifndef __LP_TOOL_NUM_H
#define __LP_TOOL_NUM_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "num.h"

static inline long tool_num(const char *prog, const char *s, long min, long max,
			    const char *what)
{
	uint64_t v;

	if (num_u64(s, (uint64_t)min, (uint64_t)max, &v)) {
		fprintf(stderr, "%s: invalid %s '%s'\n", prog, what, s);
		exit(2);
	}
	return (long)v;
}

#endif
