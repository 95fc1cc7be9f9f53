// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --sched: the scheduler programs of bpf/sched_split.bpf.h. They split a
 * read's wakeup_to_read, so they need the read's wake-up mark in the
 * kernel (join mode: reads and wake-ups through BTF pointers); without it
 * they are not loaded and the probes section says why.
 */
#include <string.h>
#include <bpf/libbpf.h>
#include "loader.h"

static void sched_off(struct lp_loader *L, const char *why)
{
	struct probe_info *p = &L->probes[PR_SCHED];
	size_t n = strlen(p->why);

	bpf_program__set_autoload(L->skel->progs.sched_switch_tp, false);
	bpf_program__set_autoload(L->skel->progs.sched_waking_tp, false);
	/* after what negotiation said (it may name a missing tracepoint) */
	if (p->used != MECH_NONE && n + 2 < sizeof(p->why))
		snprintf(p->why + n, sizeof(p->why) - n, "%s%s", n ? "; " : "",
			 why);
	p->used = MECH_NONE;
	p->attach_point[0] = '\0';
}

void loader_sched_setup(struct lp_loader *L, const struct lp_opts *o)
{
	struct latprobe_bpf *s = L->skel;

	if (!o->sched) {
		/* not asked for, as client_message without --client */
		L->probes[PR_SCHED].requested = MECH_NONE;
		snprintf(L->probes[PR_SCHED].why,
			 sizeof(L->probes[PR_SCHED].why), "no --sched given");
		L->probes[PR_SCHED].used = MECH_NONE;
		sched_off(L, "");
	} else if (L->probes[PR_SCHED].used != MECH_TRACEPOINT)
		sched_off(L, "");
	else if (!s->rodata->join_marks)
		sched_off(
			L,
			"not attached: wakeup_to_read is split in the kernel, which needs reads and wake-ups marked in socket storage (join mode)");
	else
		s->rodata->sched_split = true;
}
