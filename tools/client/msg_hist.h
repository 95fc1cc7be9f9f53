/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * wsclient's per-message stage histogram, log-linear: exact below 128 ns,
 * then 128 buckets per power of two (relative error < 0.4%). Fixed size, no
 * allocation per sample, so the client can record every message. Not
 * latprobe's histogram (src/engine/hist.c: coarser buckets, rows allocated on
 * first use, merge and summary): the client's numbers stay as they were.
 */
#ifndef __MSG_HIST_H
#define __MSG_HIST_H

#include <stdint.h>
#include <stdio.h>

#define MSG_HIST_SUB_BITS 7
#define MSG_HIST_SUB (1u << MSG_HIST_SUB_BITS)
#define MSG_HIST_BUCKETS ((64 - MSG_HIST_SUB_BITS + 1) * MSG_HIST_SUB)

struct msg_hist {
	uint64_t count;
	uint64_t min, max;
	double sum;
	uint64_t bucket[MSG_HIST_BUCKETS];
};

void msg_hist_add(struct msg_hist *h, uint64_t ns);
/* Value (ns) at percentile @p in [0, 100]; 0 when empty. */
uint64_t msg_hist_pct(const struct msg_hist *h, double p);

/* "name  count  p50  p99  max" in microseconds, one line. */
void msg_hist_print_row(FILE *f, const char *name, const struct msg_hist *h);
/* "name": {"count":..,"min_us":..,"avg_us":..,"max_us":..,"p50_us":..,...} */
void msg_hist_print_json(FILE *f, const char *name, const struct msg_hist *h,
			 int last);

#endif /* __MSG_HIST_H */
