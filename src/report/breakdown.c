// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * latprobe report FILE.json: the per-stage breakdown as a terminal table
 * with a bar per stage, from the report as report_view.c read and checked it.
 */
#include <math.h>
#include <string.h>
#include "findings.h"
#include "report_view.h"

#define BAR_WIDTH 32

static void bar(FILE *out, double v, double max)
{
	double f = max > 0 ? v / max : 0;
	int n;

	/* huge but finite p50s: inf/inf must not escape */
	if (!(f >= 0))
		f = 0;
	n = f < 1 ? (int)(f * BAR_WIDTH + 0.5) : BAR_WIDTH;

	for (int i = 0; i < n; i++)
		fputs("#", out);
	for (int i = n; i < BAR_WIDTH; i++)
		fputc(' ', out);
}

/* Where nic_to_tcp's first marks came from, when a NIC stamper was there. */
static void nic_line(FILE *out, const struct report_view *v)
{
	const char *sep = "";
	double dev_in = 0;

	if (!(v->nic_stamped > 0))
		return;
	for (unsigned int i = 0; i < v->n_nic_src; i++)
		if (!strcmp(v->nic_src[i].name, "dev_in"))
			dev_in = v->nic_src[i].count;
	fprintf(out, "nic: %.0f of %.0f segments NIC-stamped (", v->nic_stamped,
		v->nic_stamped + dev_in);
	for (unsigned int i = 0; i < v->n_nic_src; i++) {
		const struct rv_nic_src *s = &v->nic_src[i];

		if (!(s->count > 0) || !strcmp(s->name, "dev_in"))
			continue;
		fprintf(out, "%s%s %.0f", sep, s->name, s->count);
		sep = ", ";
	}
	fprintf(out, "), %.0f later than tcp_in (by <= %.0f ns)\n",
		v->nic_after_tcp, v->nic_after_tcp_max_ns);
}

/* "1ns", "1us", "1ms"; "-" for a report without resolutions. */
static const char *res_str(char *buf, size_t len, double ns)
{
	if (!(ns > 0))
		return "-";
	if (ns >= 1e6 && !fmod(ns, 1e6))
		snprintf(buf, len, "%.0fms", ns / 1e6);
	else if (ns >= 1e3 && !fmod(ns, 1e3))
		snprintf(buf, len, "%.0fus", ns / 1e3);
	else
		snprintf(buf, len, "%.0fns", ns);
	return buf;
}

/* Coarse: the resolution is a tenth of the median or more. */
static bool coarse(const struct rv_stage *s)
{
	return s->present && s->res_ns > 1 && s->res_ns / 1e3 >= s->p50 / 10;
}

/*
 * A stage whose resolution is coarse next to its values says so, with the
 * bounds its p50 has: E is truncated to its unit, so a value measured from
 * it is up to one unit above the true one.
 */
static void coarse_lines(FILE *out, const struct report_view *v)
{
	char r[16];

	for (int i = 0; i < ST_MAX; i++) {
		const struct rv_stage *s = &v->st[i];
		double lo;

		if (!coarse(s))
			continue;
		lo = s->p50 - s->res_ns / 1e3;
		fprintf(out,
			"! %s: resolution %s, coarser than its values: each is up to %s above the true one (p50 in [%.2f, %.2f] us)\n",
			lp_stage_names[i], res_str(r, sizeof(r), s->res_ns), r,
			lo > 0 ? lo : 0, s->p50);
	}
}

/* A ratio of the overhead section, or "n/a" where it was null. */
static const char *fig(char *buf, size_t len, double v, const char *f)
{
	if (isnan(v))
		return "n/a";
	snprintf(buf, len, f, v);
	return buf;
}

/* Stages bounded by a uprobe stamp, with the calibrated probe bias out. */
static void corrected_line(FILE *out, const struct report_view *v)
{
	bool first = true;

	for (int i = 0; i < ST_MAX; i++) {
		const struct rv_stage *s = &v->st[i];

		if (!s->present || !s->corrected)
			continue;
		fprintf(out, "%s%s %.2f (raw %.2f, bias %.0f ns, %.0f negative)",
			first ? "probe bias subtracted (p50 us): " : "; ",
			lp_stage_names[i], s->corr_p50, s->p50, s->corr_bias_ns,
			s->corr_negative);
		first = false;
	}
	if (!first)
		fputc('\n', out);
}

/* What latprobe itself cost during the run, in one line. */
static void overhead_line(FILE *out, const struct rv_overhead *ov)
{
	char a[32], b[32], d[32], e[32], f[32], g[32];

	if (!ov->present)
		return;
	fprintf(out,
		"overhead (per %s, bpf_stats %s): whole %s ns (BPF + calibrated traps); kernel BPF %s ns in %s runs (%s ns/run), client probes %s ns, ring records %s; consumer %.2f CPU s, peak RSS %.1f MiB\n",
		ov->unit, ov->bpf_stats,
		fig(g, sizeof(g), ov->total_ns_per_unit, "%.0f"),
		fig(a, sizeof(a), ov->kernel_ns_per_unit, "%.0f"),
		fig(b, sizeof(b), ov->kernel_runs_per_unit, "%.2f"),
		fig(d, sizeof(d), ov->kernel_ns_per_run, "%.0f"),
		fig(e, sizeof(e), ov->client_ns_per_unit, "%.0f"),
		fig(f, sizeof(f), ov->ring_records_per_unit, "%.2f"),
		ov->cpu_seconds, ov->peak_rss_kb / 1024);
}

void breakdown_print(FILE *out, const struct report_view *v)
{
	bool msg = !strcmp(v->unit, "message");
	double max = 0;
	char r[16];

	/* bars are scaled to the largest component stage's p50 */
	for (int i = 0; i < ST_MAX; i++)
		if (rv_component(i) && v->st[i].present && v->st[i].p50 > max)
			max = v->st[i].p50;
	/* a read is never called a message: the header says which it is */
	fprintf(out, "%-20s %9s %10s %10s %10s %4s  %s\n",
		msg ? "per message (us)" : "per read (us)", "count", "p50",
		"p99", "p999", "res", "p50");
	for (int i = 0; i < ST_MAX; i++) {
		const struct rv_stage *s = &v->st[i];

		if (i == ST_NIC_TO_USER || i == ST_TOTAL)
			fprintf(out, "%-20s\n", "--");
		if (!s->present) {
			fprintf(out, "%-20s %9s\n", lp_stage_names[i],
				"absent");
			continue;
		}
		fprintf(out, "%-20s %9.0f %10.2f %10.2f %10.2f %4s%c ",
			lp_stage_names[i], s->count, s->p50, s->p99, s->p999,
			res_str(r, sizeof(r), s->res_ns),
			coarse(s) ? '!' : ' ');
		bar(out, s->p50 > max ? max : s->p50, max);
		fputc('\n', out);
	}
	if (msg)
		fprintf(out,
			"\nunit: message  events %.0f  lost %.0f  messages seen %.0f correlated %.0f  connections %d\n",
			v->events, v->lost, v->seen, v->correlated,
			v->connections);
	else
		fprintf(out,
			"\nunit: %s (one record per read that returned data; no client probe, so no message boundaries)  events %.0f  lost %.0f  records %.0f  connections %d\n",
			v->unit, v->events, v->lost, v->stage_records,
			v->connections);
	coarse_lines(out, v);
	nic_line(out, v);
	corrected_line(out, v);
	overhead_line(out, &v->ov);
	findings_print(out, v);
}
