/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one strict parser of unsigned numbers for latprobe and its tools: the
 * whole string is decimal digits (no sign, no space, no suffix) and the
 * value lies in [min, max]. Each program words its own error around it.
 */
#ifndef __LP_NUM_H
#define __LP_NUM_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

static inline int num_u64(const char *s, uint64_t min, uint64_t max,
			  uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

#endif /* __LP_NUM_H */
