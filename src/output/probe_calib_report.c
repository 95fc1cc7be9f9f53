// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The calibration's report object and --verbose lines (probe_calib.h). */
#include <math.h>
#include <stdio.h>
#include "json_num.h"
#include "overhead_report.h"

const char *const lp_calib_names[CAL_KINDS] = {
	[CAL_UPROBE] = "uprobe",
	[CAL_UPROBE_RETURN] = "uprobe_return",
	[CAL_USDT] = "usdt",
	[CAL_NOP5] = "uprobe_nop5",
};

static double r1(double v)
{
	return round(v * 10.0) / 10.0;
}

cJSON *probe_calib_json(const struct probe_calib *pc)
{
	cJSON *o = cJSON_CreateObject(), *k;

	cJSON_AddBoolToObject(o, "ran", pc->ran);
	cJSON_AddStringToObject(o, "site", pc->site);
	cJSON_AddStringToObject(
		o, "how",
		"before tracing, latprobe's own functions called with and without the probe attached, CLOCK_MONOTONIC around and inside each call; cost = traced - untraced call time; stamps (bpf_ktime_get_ns, read first in each program) placed between those clock reads");
	if (!pc->ran)
		return o;
	add_num(o, "untraced_call_ns", r1(pc->untraced_ns));
	for (int i = 0; i < CAL_KINDS; i++) {
		const struct lp_calib_kind *c = &pc->k[i];

		k = cJSON_AddObjectToObject(o, lp_calib_names[i]);
		if (!c->done) {
			cJSON_AddStringToObject(k, "error", c->err);
			continue;
		}
		add_num(k, "calls", c->calls);
		add_num(k, "ns_per_hit", r1(c->cost_p50));
		add_num(k, "p10_ns", r1(c->cost_p10));
		add_num(k, "p90_ns", r1(c->cost_p90));
		if (c->bpf_ns >= 0)
			add_num(k, "bpf_ns_per_hit", r1(c->bpf_ns));
		else
			cJSON_AddNullToObject(k, "bpf_ns_per_hit");
		add_num(k, "trap_ns_per_hit", r1(c->trap_ns));
		add_num(k, "stamp_front_ns", r1(c->front_ns));
		if (i != CAL_USDT && i != CAL_NOP5)
			add_num(k, "stamp_to_body_ns", r1(c->entry_back_ns));
		if (i == CAL_UPROBE_RETURN)
			add_num(k, "body_to_return_stamp_ns",
				r1(c->ret_front_ns));
		if (i == CAL_NOP5)
			cJSON_AddBoolToObject(k, "site_patched_to_call",
					      c->patched);
		if (i == CAL_UPROBE_RETURN || i == CAL_USDT)
			add_num(k, "stamp_gap_bias_ns", r1(c->gap_ns));
	}
	return o;
}

void probe_calib_print(const struct probe_calib *pc)
{
	if (!pc->ran) {
		fprintf(stderr, "latprobe: probe calibration: %s\n", pc->site);
		return;
	}
	fprintf(stderr,
		"latprobe: probe calibration at %s (untraced call %.0f ns):\n",
		pc->site, pc->untraced_ns);
	for (int i = 0; i < CAL_KINDS; i++) {
		const struct lp_calib_kind *c = &pc->k[i];

		if (!c->done) {
			fprintf(stderr, "  %-13s not measured: %s\n",
				lp_calib_names[i], c->err);
			continue;
		}
		fprintf(stderr,
			"  %-13s %.0f ns per hit (p10 %.0f, p90 %.0f; %u calls), BPF %.0f ns, stamp after %.0f ns, gap bias %.0f ns\n",
			lp_calib_names[i], c->cost_p50, c->cost_p10,
			c->cost_p90, c->calls, c->bpf_ns, c->front_ns,
			c->gap_ns);
	}
}
