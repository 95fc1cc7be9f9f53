/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What a report says in words (findings.c): the one or two stages that
 * carry most of the run's time, each with the numbers behind it and, when
 * the report has it, why (the --sched split of wakeup_to_read, the part of
 * callback spent off a CPU); and a caveat for each loss the report counts
 * (records, messages' kernel stages, connections over the cap). Nothing
 * when the report does not hold the numbers for it.
 */
#ifndef __LP_FINDINGS_H
#define __LP_FINDINGS_H

#include <stdio.h>
#include "report_view.h"

#define FINDINGS_MAX 5 /* two about the time, three caveats */
#define FINDING_LEN 400

/* A stage is named when its values sum to at least this share of total's. */
#define FINDING_SHARE_MIN 0.25
/* Fewer values of total than this support no finding about the time. */
#define FINDING_MIN_COUNT 10

struct finding {
	char text[FINDING_LEN];
};

/* The findings of a report: how many were written to f (at most max). */
unsigned int findings_of(const struct report_view *v, struct finding *f,
			 unsigned int max);

/* "findings:" and one line each; nothing at all when there are none. */
void findings_print(FILE *out, const struct report_view *v);

#endif
