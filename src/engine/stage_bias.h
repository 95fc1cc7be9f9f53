/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A stage bounded by a user-space probe's stamp carries part of the probe's
 * trap (src/kernel/probe_calib.h says which part). Beside the raw histogram the
 * correlator keeps the stage's values minus that calibrated bias: a signed
 * histogram (values below zero in their own histogram, by magnitude), so
 * an over-correction is counted and shown, never clamped to zero.
 */
#ifndef __LP_STAGE_BIAS_H
#define __LP_STAGE_BIAS_H

#include <stdint.h>
#include "hist.h"

struct stage_bias {
	int64_t bias_ns;      /* subtracted by default */
	const char *what;     /* which part of which probe it is */
	struct hist pos, neg; /* corrected values >= 0; -(values < 0) */
	double bias_sum;      /* of the biases subtracted */
};

struct stage_bias *stage_bias_new(int64_t bias_ns, const char *what);
void stage_bias_free(struct stage_bias *b);
void stage_bias_add(struct stage_bias *b, uint64_t raw_ns, int64_t bias_ns);
/* Corrected value (ns, may be negative) at quantile q, nearest rank. */
double stage_bias_quantile(const struct stage_bias *b, double q);

#endif
