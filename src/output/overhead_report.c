// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The report's "overhead" object from collected counters (no kernel calls). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "json_num.h"
#include "overhead_report.h"

static double round3(double v)
{
	return round(v * 1000.0) / 1000.0;
}

/* a/b, or null when there is nothing to divide by (never a fake 0) */
static void add_ratio(cJSON *o, const char *k, double a, double b)
{
	if (b > 0)
		add_num(o, k, round3(a / b));
	else
		cJSON_AddNullToObject(o, k);
}

/*
 * Calibrated trap and dispatch per run of a program reached by hook, ns
 * (the BPF run time is counted apart); < 0 when not calibrated.
 */
static double trap_per_run(const struct overhead *ov, enum ov_hook h)
{
	const struct probe_calib *pc = ov->calib;
	const struct lp_calib_kind *e, *r;

	if (h == OV_H_KERNEL)
		return 0;
	if (!pc || !pc->ran)
		return -1;
	e = &pc->k[CAL_UPROBE];
	r = &pc->k[CAL_UPROBE_RETURN];
	if (h == OV_H_UPROBE)
		return e->done ? e->trap_ns : -1;
	if (h == OV_H_URETPROBE) /* the return's share of a shared trap */
		return e->done && r->done ? r->trap_ns - e->trap_ns : -1;
	return pc->k[CAL_USDT].done ? pc->k[CAL_USDT].trap_ns : -1;
}

/* Run counts exist only with the BPF run-time statistics. */
static bool counted(const struct overhead *ov)
{
	return ov->stats_fd >= 0 || ov->sysctl_on;
}

/* BPF run time + calibrated traps of one program, ns; < 0 unknown. */
static double prog_total(const struct overhead *ov, const struct ov_prog *p)
{
	double t = trap_per_run(ov, p->hook);

	if (!counted(ov) || (t < 0 && p->run_cnt))
		return -1;
	return (double)p->run_ns + (t > 0 ? t * (double)p->run_cnt : 0);
}

static cJSON *side_json(const struct overhead *ov, enum ov_side side,
			double units, double *total)
{
	cJSON *o = cJSON_CreateObject();
	double ns = 0, cnt = 0, all = 0, t;
	int n = 0;

	for (unsigned int i = 0; i < ov->nprogs; i++) {
		if (ov->progs[i].side != side)
			continue;
		ns += (double)ov->progs[i].run_ns;
		cnt += (double)ov->progs[i].run_cnt;
		t = prog_total(ov, &ov->progs[i]);
		all = t < 0 || all < 0 ? -1 : all + t;
		n++;
	}
	add_num(o, "programs", n);
	add_num(o, "run_cnt", cnt);
	add_num(o, "run_time_ns", ns);
	add_ratio(o, "ns_per_run", ns, cnt);
	add_ratio(o, "runs_per_unit", cnt, units);
	add_ratio(o, "ns_per_unit", ns, units);
	if (all >= 0) {
		add_num(o, "trap_ns", round(all - ns));
		add_num(o, "total_ns", round(all));
	} else {
		cJSON_AddNullToObject(o, "trap_ns");
		cJSON_AddNullToObject(o, "total_ns");
	}
	add_ratio(o, "total_ns_per_unit", all, all >= 0 ? units : 0);
	*total = all;
	return o;
}

/* The flag that removes a program, by its name. */
static const char *remedy(const struct ov_prog *p)
{
	if (!strncmp(p->name, "ssl_read", 8))
		return "--no-tls-probes removes it";
	if (!strncmp(p->name, "cb_", 3))
		return "a run without --callback removes it";
	if (p->hook == OV_H_USDT)
		return "a run without --client removes it";
	return "a kernel hook every run needs";
}

/* Over OV_WARN_SHARE of the total (else nic_to_user) p50: say so. */
static void add_warning(cJSON *o, const struct overhead *ov,
			const struct ov_units *u, double per_unit, double units)
{
	double ref = u->total_p50_ns ? u->total_p50_ns : u->nic_to_user_p50_ns;
	const struct ov_prog *top = NULL;
	double top_ns = -1, t;
	char w[400];

	add_num(o, "warn_share", OV_WARN_SHARE);
	if (!(ref > 0) || per_unit < 0 || per_unit <= OV_WARN_SHARE * ref)
		return;
	for (unsigned int i = 0; i < ov->nprogs; i++) {
		t = prog_total(ov, &ov->progs[i]);
		if (t > top_ns) {
			top_ns = t;
			top = &ov->progs[i];
		}
	}
	if (!top)
		return;
	snprintf(
		w, sizeof(w),
		"latprobe's own cost per %s, %.0f ns, is %.0f%% of the %s stage's p50 (%.0f ns); the costliest probe is %s, %.0f ns per %s: %s",
		u->messages ? "message" : "read", per_unit,
		100 * per_unit / ref, u->total_p50_ns ? "total" : "nic_to_user",
		ref, top->name, top_ns / units,
		u->messages ? "message" : "read", remedy(top));
	cJSON_AddStringToObject(o, "warning", w);
}

cJSON *overhead_json(const struct overhead *ov, const struct ov_units *u)
{
	cJSON *o = cJSON_CreateObject(), *progs, *p;
	/* per client message when there are any, else per read */
	bool per_msg = u->messages > 0;
	double units = per_msg ? (double)u->messages : (double)u->reads;
	char why[160];
	double kt, ct;

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
	add_num(o, "window_seconds", round3(ov->wall_s));
	cJSON_AddStringToObject(o, "unit", per_msg ? "message" : "read");
	add_num(o, "units", units);
	cJSON_AddItemToObject(o, "kernel",
			      side_json(ov, OV_KERNEL, units, &kt));
	p = side_json(ov, OV_CLIENT, units, &ct);
	add_num(p, "probe_hits", (double)u->client_hits);
	cJSON_AddItemToObject(o, "client", p);
	/* the whole cost: BPF run time + calibrated traps, both sides */
	add_ratio(o, "total_ns_per_unit", kt + ct,
		  kt >= 0 && ct >= 0 ? units : 0);
	cJSON_AddStringToObject(
		o, "total_how",
		"BPF run time of every program + per run of a user-space probe its calibrated trap and dispatch (calibration: trap_ns_per_hit; a return probe adds uprobe_return - uprobe); kernel hooks add no trap");
	if (ov->calib)
		cJSON_AddItemToObject(o, "calibration",
				      probe_calib_json(ov->calib));
	add_warning(o, ov, u,
		    kt >= 0 && ct >= 0 && units > 0 ? (kt + ct) / units : -1,
		    units);
	add_num(o, "ring_records", (double)u->ring_records);
	add_ratio(o, "ring_records_per_unit", (double)u->ring_records, units);
	add_num(o, "forced_wakeups", (double)u->wakeups);
	add_ratio(o, "forced_wakeups_per_unit", (double)u->wakeups, units);
	add_num(o, "consumer_cpu_seconds", round3(ov->cpu_s));
	add_ratio(o, "consumer_cpu_percent", 100 * ov->cpu_s, ov->wall_s);
	add_num(o, "consumer_peak_rss_kb", (double)ov->peak_rss_kb);
	progs = cJSON_AddObjectToObject(o, "programs");
	for (unsigned int i = 0; i < ov->nprogs; i++) {
		const struct ov_prog *q = &ov->progs[i];

		p = cJSON_CreateObject();
		cJSON_AddStringToObject(
			p, "side", q->side == OV_CLIENT ? "client" : "kernel");
		add_num(p, "run_cnt", (double)q->run_cnt);
		add_num(p, "run_time_ns", (double)q->run_ns);
		add_ratio(p, "ns_per_run", (double)q->run_ns,
			  (double)q->run_cnt);
		if (q->hook != OV_H_KERNEL && trap_per_run(ov, q->hook) >= 0)
			add_num(p, "trap_ns_per_run",
				round(trap_per_run(ov, q->hook)));
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

void overhead_summary_print(FILE *out, const cJSON *o)
{
	const cJSON *k = cJSON_GetObjectItemCaseSensitive(o, "kernel");
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, "client");
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(o, "warning");
	const cJSON *t =
		cJSON_GetObjectItemCaseSensitive(o, "total_ns_per_unit");
	const char *unit = cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(o, "unit"));
	double units = cJSON_GetNumberValue(
		cJSON_GetObjectItemCaseSensitive(o, "units"));
	double ct = cJSON_GetNumberValue(
		cJSON_GetObjectItemCaseSensitive(c, "total_ns"));
	double cb = cJSON_GetNumberValue(
		cJSON_GetObjectItemCaseSensitive(c, "run_time_ns"));

	if (!cJSON_IsNumber(t) || !unit || !(units > 0))
		return;
	fprintf(out,
		"latprobe: own cost per %s %.0f ns: kernel BPF %.0f ns, client probes %.0f ns (BPF %.0f + calibrated traps %.0f)\n",
		unit, t->valuedouble,
		cJSON_GetNumberValue(
			cJSON_GetObjectItemCaseSensitive(k, "total_ns")) /
			units,
		ct / units, cb / units, (ct - cb) / units);
	if (cJSON_IsString(w))
		fprintf(out, "latprobe: warning: %s\n", w->valuestring);
}
