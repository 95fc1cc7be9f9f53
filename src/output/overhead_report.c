// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The report's "overhead" object from collected counters (no kernel calls). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "overhead.h"

static double round3(double v)
{
	return round(v * 1000.0) / 1000.0;
}

/* a/b, or null when there is nothing to divide by (never a fake 0) */
static void add_ratio(cJSON *o, const char *k, double a, double b)
{
	if (b > 0)
		cJSON_AddNumberToObject(o, k, round3(a / b));
	else
		cJSON_AddNullToObject(o, k);
}

static cJSON *side_json(const struct overhead *ov, enum ov_side side,
			double units)
{
	cJSON *o = cJSON_CreateObject();
	double ns = 0, cnt = 0;
	int n = 0;

	for (unsigned int i = 0; i < ov->nprogs; i++) {
		if (ov->progs[i].side != side)
			continue;
		ns += (double)ov->progs[i].run_ns;
		cnt += (double)ov->progs[i].run_cnt;
		n++;
	}
	cJSON_AddNumberToObject(o, "programs", n);
	cJSON_AddNumberToObject(o, "run_cnt", cnt);
	cJSON_AddNumberToObject(o, "run_time_ns", ns);
	add_ratio(o, "ns_per_run", ns, cnt);
	add_ratio(o, "runs_per_unit", cnt, units);
	add_ratio(o, "ns_per_unit", ns, units);
	return o;
}

cJSON *overhead_json(const struct overhead *ov, const struct ov_units *u)
{
	cJSON *o = cJSON_CreateObject(), *progs, *p;
	/* per client message when there are any, else per read */
	bool per_msg = u->messages > 0;
	double units = per_msg ? (double)u->messages : (double)u->reads;
	char why[160];

	if (ov->stats_fd >= 0) {
		cJSON_AddStringToObject(o, "bpf_stats", "on");
		cJSON_AddStringToObject(
			o, "bpf_stats_how",
			"BPF_ENABLE_STATS for this run (all programs on the host count while it is held)");
	} else if (ov->disabled) {
		cJSON_AddStringToObject(o, "bpf_stats",
					ov->sysctl_on ? "sysctl" : "off");
		cJSON_AddStringToObject(
			o, "bpf_stats_how",
			ov->sysctl_on
				? "--no-bpf-stats; kernel.bpf_stats_enabled=1 was on"
				: "--no-bpf-stats: no BPF run time");
	} else if (ov->sysctl_on) {
		cJSON_AddStringToObject(o, "bpf_stats", "sysctl");
		snprintf(
			why, sizeof(why),
			"BPF_ENABLE_STATS refused (%s); kernel.bpf_stats_enabled=1 was on",
			strerror(-ov->stats_fd));
		cJSON_AddStringToObject(o, "bpf_stats_how", why);
	} else {
		cJSON_AddStringToObject(o, "bpf_stats", "off");
		snprintf(
			why, sizeof(why),
			"BPF_ENABLE_STATS refused (%s; it needs CAP_SYS_ADMIN): no BPF run time",
			strerror(-ov->stats_fd));
		cJSON_AddStringToObject(o, "bpf_stats_how", why);
	}
	cJSON_AddNumberToObject(o, "window_seconds", round3(ov->wall_s));
	cJSON_AddStringToObject(o, "unit", per_msg ? "message" : "read");
	cJSON_AddNumberToObject(o, "units", units);
	cJSON_AddItemToObject(o, "kernel", side_json(ov, OV_KERNEL, units));
	p = side_json(ov, OV_CLIENT, units);
	cJSON_AddNumberToObject(p, "probe_hits", (double)u->client_hits);
	cJSON_AddItemToObject(o, "client", p);
	cJSON_AddNumberToObject(o, "ring_records", (double)u->ring_records);
	add_ratio(o, "ring_records_per_unit", (double)u->ring_records, units);
	cJSON_AddNumberToObject(o, "forced_wakeups", (double)u->wakeups);
	add_ratio(o, "forced_wakeups_per_unit", (double)u->wakeups, units);
	cJSON_AddNumberToObject(o, "consumer_cpu_seconds", round3(ov->cpu_s));
	add_ratio(o, "consumer_cpu_percent", 100 * ov->cpu_s, ov->wall_s);
	cJSON_AddNumberToObject(o, "consumer_peak_rss_kb",
				(double)ov->peak_rss_kb);
	progs = cJSON_AddObjectToObject(o, "programs");
	for (unsigned int i = 0; i < ov->nprogs; i++) {
		const struct ov_prog *q = &ov->progs[i];

		p = cJSON_CreateObject();
		cJSON_AddStringToObject(
			p, "side", q->side == OV_CLIENT ? "client" : "kernel");
		cJSON_AddNumberToObject(p, "run_cnt", (double)q->run_cnt);
		cJSON_AddNumberToObject(p, "run_time_ns", (double)q->run_ns);
		add_ratio(p, "ns_per_run", (double)q->run_ns,
			  (double)q->run_cnt);
		/* two objects may share a program name: keep both */
		if (cJSON_GetObjectItemCaseSensitive(progs, q->name)) {
			char k[80];

			snprintf(k, sizeof(k), "%s#%u", q->name, i);
			cJSON_AddItemToObject(progs, k, p);
		} else {
			cJSON_AddItemToObject(progs, q->name, p);
		}
	}
	return o;
}
