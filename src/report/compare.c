// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* latprobe report A.json B.json: the regression view, stage by stage. */
#include <string.h>
#include "report_view.h"

#define NOTABLE 0.10 /* a ratio this far from 1 is called out */

static void cell(FILE *out, const struct rv_stage *a, const struct rv_stage *b,
		 double va, double vb)
{
	if (!a->present || !b->present) {
		fprintf(out, " %10s %10s %9s %7s", a->present ? "" : "absent",
			b->present ? "" : "absent", "", "");
		return;
	}
	fprintf(out, " %10.2f %10.2f %+9.2f", va, vb, vb - va);
	if (va > 0)
		fprintf(out, " %6.2fx", vb / va);
	else
		fprintf(out, " %7s", "-");
}

static const char *verdict(const struct rv_stage *a, const struct rv_stage *b)
{
	double r50, r99;

	if (!a->present || !b->present || a->p50 <= 0 || a->p99 <= 0)
		return "";
	r50 = b->p50 / a->p50;
	r99 = b->p99 / a->p99;
	if (r50 >= 1 + NOTABLE || r99 >= 1 + NOTABLE)
		return "  slower";
	if (r50 <= 1 - NOTABLE && r99 <= 1 - NOTABLE)
		return "  faster";
	return "";
}

void compare_print(FILE *out, const struct report_view *a,
		   const struct report_view *b)
{
	fprintf(out,
		"%s (B) against %s (A, baseline); microseconds, ratio B/A\n",
		b->name, a->name);
	if (strcmp(a->unit, b->unit))
		fprintf(out, "note: units differ (A per %s, B per %s)\n",
			a->unit, b->unit);
	fprintf(out, "%-20s %10s %10s %9s %7s %10s %10s %9s %7s\n", "stage",
		"p50 A", "p50 B", "delta", "ratio", "p99 A", "p99 B", "delta",
		"ratio");
	for (int i = 0; i < ST_MAX; i++) {
		const struct rv_stage *sa = &a->st[i], *sb = &b->st[i];

		if (!sa->present && !sb->present)
			continue;
		if (i == ST_NIC_TO_USER || i == ST_TOTAL)
			fprintf(out, "--\n");
		fprintf(out, "%-20s", lp_stage_names[i]);
		cell(out, sa, sb, sa->p50, sb->p50);
		cell(out, sa, sb, sa->p99, sb->p99);
		fprintf(out, "%s\n", verdict(sa, sb));
	}
	fprintf(out,
		"\ncount  A %.0f  B %.0f   lost  A %.0f  B %.0f   (%s: p50 or p99 %.0f%% worse; faster: both %.0f%% better)\n",
		a->st[ST_TOTAL].count, b->st[ST_TOTAL].count, a->lost, b->lost,
		"slower", NOTABLE * 100, NOTABLE * 100);
}
