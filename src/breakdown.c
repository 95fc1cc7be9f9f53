// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "breakdown.h"
#include "correlator.h"
#include "report_view.h"

#define BAR_WIDTH 32

static double num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static void bar(FILE *out, double v, double max)
{
	double f = max > 0 ? v / max : 0;
	int n;

	/* a report is input: inf/inf or a negative p50 must not escape */
	if (!(f >= 0))
		f = 0;
	n = f < 1 ? (int)(f * BAR_WIDTH + 0.5) : BAR_WIDTH;

	for (int i = 0; i < n; i++)
		fputs("#", out);
	for (int i = n; i < BAR_WIDTH; i++)
		fputc(' ', out);
}

/* Where nic_to_tcp's first marks came from, when a NIC stamper was there. */
static void nic_line(FILE *out, const cJSON *nt)
{
	const cJSON *src = cJSON_GetObjectItemCaseSensitive(nt, "nic_sources");
	double stamped = num(nt, "nic_stamped"), dev_in = num(src, "dev_in");
	const char *sep = "";
	const cJSON *e;

	if (!nt || !(stamped > 0))
		return;
	fprintf(out, "nic: %.0f of %.0f segments NIC-stamped (", stamped,
		stamped + dev_in);
	cJSON_ArrayForEach(e, src) {
		if (!cJSON_IsNumber(e) || !(e->valuedouble > 0) || !e->string ||
		    !strcmp(e->string, "dev_in"))
			continue;
		fprintf(out, "%s%s %.0f", sep, e->string, e->valuedouble);
		sep = ", ";
	}
	fprintf(out, "), %.0f later than tcp_in (by <= %.0f ns)\n",
		num(nt, "nic_after_tcp"), num(nt, "nic_after_tcp_max_ns"));
}

/* A figure of the overhead section, or "n/a" where it was null. */
static const char *fig(char *buf, size_t len, const cJSON *o, const char *k,
		       const char *f)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (!cJSON_IsNumber(v))
		return "n/a";
	snprintf(buf, len, f, v->valuedouble);
	return buf;
}

/* What latprobe itself cost during the run, in one line. */
static void overhead_line(FILE *out, const cJSON *ov)
{
	const cJSON *k = cJSON_GetObjectItemCaseSensitive(ov, "kernel");
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(ov, "client");
	const char *unit = cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(ov, "unit"));
	char a[32], b[32], d[32], e[32], f[32];

	if (!cJSON_IsObject(ov))
		return;
	fprintf(out,
		"overhead (per %s, bpf_stats %s): kernel BPF %s ns in %s runs (%s ns/run), client probes %s ns, ring records %s; consumer %.2f CPU s, peak RSS %.1f MiB\n",
		unit ?: "?",
		cJSON_GetStringValue(
			cJSON_GetObjectItemCaseSensitive(ov, "bpf_stats")) ?:
			"?",
		fig(a, sizeof(a), k, "ns_per_unit", "%.0f"),
		fig(b, sizeof(b), k, "runs_per_unit", "%.2f"),
		fig(d, sizeof(d), k, "ns_per_run", "%.0f"),
		fig(e, sizeof(e), c, "ns_per_unit", "%.0f"),
		fig(f, sizeof(f), ov, "ring_records_per_unit", "%.2f"),
		num(ov, "consumer_cpu_seconds"),
		num(ov, "consumer_peak_rss_kb") / 1024);
}

int breakdown_print(FILE *out, const char *path)
{
	const cJSON *stages, *msgs, *s;
	const char *unit;
	double max = 0;
	cJSON *root;

	root = report_json_load(path);
	if (!root)
		return 1;
	stages = cJSON_GetObjectItemCaseSensitive(root, "stages");
	msgs = cJSON_GetObjectItemCaseSensitive(root, "messages");
	/* bars are scaled to the largest component stage's p50 */
	for (int i = 0; i < ST_MAX; i++) {
		if (i == ST_TOTAL || i == ST_NIC_TO_USER || i == ST_READ_DURATION)
			continue;
		s = cJSON_GetObjectItemCaseSensitive(stages, lp_stage_names[i]);
		if (s && num(s, "p50") > max)
			max = num(s, "p50");
	}
	unit = cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(msgs, "unit")) ?: "?";
	/* a read is never called a message: the header says which it is */
	fprintf(out, "%-20s %9s %10s %10s %10s  %s\n",
		!strcmp(unit, "message") ? "per message (us)" : "per read (us)",
		"count", "p50", "p99", "p999", "p50");
	for (int i = 0; i < ST_MAX; i++) {
		s = cJSON_GetObjectItemCaseSensitive(stages, lp_stage_names[i]);
		if (i == ST_NIC_TO_USER || i == ST_TOTAL)
			fprintf(out, "%-20s\n", "--");
		if (!s) {
			fprintf(out, "%-20s %9s\n", lp_stage_names[i], "absent");
			continue;
		}
		fprintf(out, "%-20s %9.0f %10.2f %10.2f %10.2f  ",
			lp_stage_names[i], num(s, "count"), num(s, "p50"),
			num(s, "p99"), num(s, "p999"));
		bar(out, num(s, "p50") > max ? max : num(s, "p50"), max);
		fputc('\n', out);
	}
	if (!strcmp(unit, "message"))
		fprintf(out, "\nunit: message  events %.0f  lost %.0f  messages seen %.0f correlated %.0f  connections %d\n",
			num(root, "total_events"), num(root, "lost_events"),
			num(msgs, "seen"), num(msgs, "correlated"),
			cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
				root, "connections")));
	else
		fprintf(out, "\nunit: %s (one record per read that returned data; no client probe, so no message boundaries)  events %.0f  lost %.0f  records %.0f  connections %d\n",
			unit, num(root, "total_events"),
			num(root, "lost_events"), num(msgs, "stage_records"),
			cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
				root, "connections")));
	nic_line(out, cJSON_GetObjectItemCaseSensitive(stages, "nic_to_tcp"));
	overhead_line(out, cJSON_GetObjectItemCaseSensitive(root, "overhead"));
	cJSON_Delete(root);
	return 0;
}

int breakdown_main(int argc, char **argv)
{
	int err = 0;

	if (argc < 2) {
		fprintf(stderr, "latprobe: usage: latprobe report FILE.json...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		if (argc > 2)
			printf("== %s\n", argv[i]);
		err |= breakdown_print(stdout, argv[i]);
	}
	return err;
}
