// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include "probes.h"

const char *const lp_mech_names[] = {
	[MECH_AUTO] = "auto",	      [MECH_FENTRY] = "fentry",
	[MECH_KPROBE] = "kprobe",     [MECH_TRACEPOINT] = "tracepoint",
	[MECH_USDT] = "usdt",	      [MECH_NONE] = "none",
	[MECH_UPROBE] = "uprobe",
};

int lp_mech_parse(const char *s, enum lp_mech *out)
{
	for (int i = MECH_AUTO; i <= MECH_TRACEPOINT; i++) {
		if (!strcmp(s, lp_mech_names[i])) {
			*out = i;
			return 0;
		}
	}
	return -1;
}
