// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Every name table indexed by an enum names every value of it, once: a hole
 * is a NULL that cJSON drops without a word (a report key gone) or a
 * crash in a printf. New tables indexed by an enum are added here.
 */
#include <string.h>
#include "check.h"
#include "correlator.h"
#include "probes.h"
#include "report_json.h"

/* t[from..n-1]: set, not empty, no two alike */
static void complete(const char *what, const char *const *t, int from, int n)
{
	for (int i = from; i < n; i++) {
		if (!CHECK(t[i] && t[i][0], "%s[%d] has a name", what, i))
			continue;
		for (int j = from; j < i; j++)
			CHECK(!t[j] || strcmp(t[i], t[j]),
			      "%s[%d] and [%d] are both \"%s\"", what, j, i,
			      t[i]);
	}
}

int main(void)
{
	const char *probe_names[PR_MAX];

	complete("lp_ev_names", lp_ev_names, 1, LP_EV_MAX); /* 0: no type */
	complete("lp_stage_names", lp_stage_names, 0, ST_MAX);
	complete("lp_stage_marks", lp_stage_marks, 0, ST_MAX);
	complete("lp_nic_src_names", lp_nic_src_names, 0, LP_NIC_MAX);
	complete("lp_mech_names", lp_mech_names, 0, MECH_MAX);
	complete("lp_coarse_names", lp_coarse_names, 0, TOTAL_COARSE);
	for (int i = 0; i < PR_MAX; i++)
		probe_names[i] = lp_probes[i].name;
	complete("lp_probes[].name", probe_names, 0, PR_MAX);
	return check_done("test_names");
}
