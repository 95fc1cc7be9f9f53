// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The one reader of a saved report. Every key a view uses is checked here
 * (docs/report-schema.md, "What latprobe report reads"): a required key
 * that is missing or wrongly typed, a number that is negative or not
 * finite, is one line naming the file and the key, never a silent 0.
 * Keys the schema added later (messages.unit, overhead, nic_to_tcp's
 * nic_* totals) may be absent; when present they are checked the same way.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "report_view.h"
#include "term_safe.h"

bool rv_component(int st)
{
	return lp_stage_component(st);
}

/* The reader's state: the file, and whether an error was printed. */
struct rd {
	const char *path;
	bool failed;
};

/* The first problem only: one line, "latprobe: report FILE: KEY: WHAT". */
static void bad(struct rd *r, const char *where, const char *k,
		const char *what)
{
	static char e[LP_ESC_MAX];

	if (r->failed)
		return;
	r->failed = true;
	/* a key is input too: the error stays on one line */
	fprintf(stderr, "latprobe: report %s: \"%s%s",
		lp_esc(e, sizeof(e), r->path), where, *where ? "." : "");
	fprintf(stderr, "%s\": %s\n", lp_esc(e, sizeof(e), k), what);
}

static const char *type_of(const cJSON *v)
{
	if (cJSON_IsNull(v))
		return "null";
	if (cJSON_IsBool(v))
		return "a boolean";
	if (cJSON_IsString(v))
		return "a string";
	if (cJSON_IsArray(v))
		return "an array";
	if (cJSON_IsObject(v))
		return "an object";
	return "a number";
}

static const cJSON *get(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

/* o.k, which must be a finite number >= 0; 0 after an error. */
static double val(struct rd *r, const cJSON *v, const char *where,
		  const char *k)
{
	char what[48];

	if (!v) {
		bad(r, where, k, "missing");
		return 0;
	}
	if (!cJSON_IsNumber(v)) {
		snprintf(what, sizeof(what), "%s, not a number", type_of(v));
		bad(r, where, k, what);
		return 0;
	}
	if (!isfinite(v->valuedouble) || v->valuedouble < 0) {
		bad(r, where, k, "not a finite number >= 0");
		return 0;
	}
	return v->valuedouble;
}

static double num(struct rd *r, const cJSON *o, const char *where,
		  const char *k)
{
	return val(r, get(o, k), where, k);
}

/* The same, but an absent key (a later addition to the schema) is 0. */
static double opt_num(struct rd *r, const cJSON *o, const char *where,
		      const char *k)
{
	const cJSON *v = get(o, k);

	return v ? val(r, v, where, k) : 0;
}

/* A ratio of the overhead section: a number, or null (NAN) for none. */
static double ratio(struct rd *r, const cJSON *o, const char *where,
		    const char *k)
{
	const cJSON *v = get(o, k);

	return cJSON_IsNull(v) ? NAN : val(r, v, where, k);
}

/* o.k, an object; NULL (after an error if required) otherwise. */
static const cJSON *obj(struct rd *r, const cJSON *o, const char *where,
			const char *k, bool required)
{
	const cJSON *v = get(o, k);
	char what[48];

	if (cJSON_IsObject(v))
		return v;
	if (v) {
		snprintf(what, sizeof(what), "%s, not an object", type_of(v));
		bad(r, where, k, what);
	} else if (required) {
		bad(r, where, k, "missing");
	}
	return NULL;
}

/* o.k, a string that fits dst; def when absent and not required. */
static void str(struct rd *r, char *dst, size_t len, const cJSON *o,
		const char *where, const char *k, const char *def)
{
	const cJSON *v = get(o, k);
	char what[48];

	snprintf(dst, len, "%s", def ? def : "");
	if (!v) {
		if (!def)
			bad(r, where, k, "missing");
		return;
	}
	if (!cJSON_IsString(v)) {
		snprintf(what, sizeof(what), "%s, not a string", type_of(v));
		bad(r, where, k, what);
		return;
	}
	if (strlen(v->valuestring) >= len)
		bad(r, where, k, "too long");
	/* shown on a terminal: escaped once, here, for every view */
	lp_esc(dst, len, v->valuestring);
}

/* "lo-hi" keys of histogram.log2_ns: lo is 0 or a power of two. */
static void load_log2(struct rd *r, struct report_view *v, const cJSON *log2)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, log2)
	{
		unsigned long long lo;
		double n = val(r, it, "histogram.log2_ns", it->string);
		char *end;

		errno = 0;
		lo = strtoull(it->string, &end, 10);
		if (errno || end == it->string || *end != '-' ||
		    (lo & (lo - 1))) {
			bad(r, "histogram.log2_ns", it->string,
			    "not a \"2^e-(2^(e+1)-1)\" bucket");
			return;
		}
		v->log2_ns[lo ? 63 - __builtin_clzll(lo) : 0] += n;
	}
}

/* nic_to_tcp's totals over all connections (additions to the schema). */
static void load_nic(struct rd *r, struct report_view *v, const cJSON *nt)
{
	static const char where[] = "stages.nic_to_tcp";
	const cJSON *src = obj(r, nt, where, "nic_sources", false), *e;

	v->nic_stamped = opt_num(r, nt, where, "nic_stamped");
	v->nic_after_tcp = opt_num(r, nt, where, "nic_after_tcp");
	v->nic_after_tcp_max_ns = opt_num(r, nt, where, "nic_after_tcp_max_ns");
	cJSON_ArrayForEach(e, src)
	{
		struct rv_nic_src *s = &v->nic_src[v->n_nic_src];

		if (v->n_nic_src == RV_NIC_SRC_MAX) {
			bad(r, where, "nic_sources", "too many sources");
			return;
		}
		v->n_nic_src++;
		s->count =
			val(r, e, "stages.nic_to_tcp.nic_sources", e->string);
		if (strlen(e->string) >= sizeof(s->name))
			bad(r, "stages.nic_to_tcp.nic_sources", e->string,
			    "name too long");
		lp_esc(s->name, sizeof(s->name), e->string);
	}
}

/* The overhead section (an addition to the schema): all of it, or none. */
static void load_overhead(struct rd *r, struct rv_overhead *o,
			  const cJSON *root)
{
	const cJSON *ov = obj(r, root, "", "overhead", false), *k, *c;

	if (!ov)
		return;
	o->present = true;
	k = obj(r, ov, "overhead", "kernel", true);
	c = obj(r, ov, "overhead", "client", true);
	str(r, o->unit, sizeof(o->unit), ov, "overhead", "unit", NULL);
	str(r, o->bpf_stats, sizeof(o->bpf_stats), ov, "overhead", "bpf_stats",
	    NULL);
	o->kernel_ns_per_unit = ratio(r, k, "overhead.kernel", "ns_per_unit");
	o->kernel_runs_per_unit =
		ratio(r, k, "overhead.kernel", "runs_per_unit");
	o->kernel_ns_per_run = ratio(r, k, "overhead.kernel", "ns_per_run");
	o->client_ns_per_unit = ratio(r, c, "overhead.client", "ns_per_unit");
	o->ring_records_per_unit =
		ratio(r, ov, "overhead", "ring_records_per_unit");
	/* a later addition: absent in older reports, null when unknown */
	k = get(ov, "total_ns_per_unit");
	o->total_ns_per_unit = cJSON_IsNumber(k) ? k->valuedouble : NAN;
	o->cpu_seconds = num(r, ov, "overhead", "consumer_cpu_seconds");
	o->peak_rss_kb = num(r, ov, "overhead", "consumer_peak_rss_kb");
}

static void load_stage(struct rd *r, struct rv_stage *st, const cJSON *s,
		       const char *name)
{
	char where[48];

	snprintf(where, sizeof(where), "stages.%s", name);
	st->present = true;
	st->count = num(r, s, where, "count");
	st->p50 = num(r, s, where, "p50");
	st->p99 = num(r, s, where, "p99");
	st->p999 = num(r, s, where, "p999");
	st->avg = get(s, "avg_us") ? num(r, s, where, "avg_us") : NAN;
	st->res_ns = opt_num(r, s, where, "resolution_ns");
	/* optional: the probe bias subtracted (p50 may be negative) */
	s = get(s, "bias_corrected");
	if (cJSON_IsObject(s) && cJSON_IsNumber(get(s, "p50"))) {
		st->corrected = true;
		st->corr_p50 = get(s, "p50")->valuedouble;
		st->corr_bias_ns = opt_num(r, s, where, "bias_mean_ns");
		st->corr_negative = opt_num(r, s, where, "negative");
	}
}

/* cJSON's allocations: a failure is named as such, not "invalid JSON" */
static bool parse_oom;

static void *parse_malloc(size_t n)
{
	void *p = malloc(n);

	if (!p)
		parse_oom = true;
	return p;
}

static cJSON *parse(const char *path, long long *conns)
{
	cJSON_Hooks hooks = {.malloc_fn = parse_malloc, .free_fn = free};
	char why[128];
	static char e[LP_ESC_MAX];
	cJSON *root;
	char *text;

	text = report_read(path, conns, why, sizeof(why));
	if (!text) {
		fprintf(stderr, "latprobe: report %s: %s\n",
			lp_esc(e, sizeof(e), path), why);
		return NULL;
	}
	cJSON_InitHooks(&hooks);
	parse_oom = false;
	root = cJSON_Parse(text);
	free(text);
	if (!root && parse_oom) {
		fprintf(stderr,
			"latprobe: report %s: out of memory parsing it\n",
			lp_esc(e, sizeof(e), path));
		return NULL;
	}
	if (!root || !cJSON_IsObject(get(root, "stages"))) {
		fprintf(stderr,
			"latprobe: report %s: not a latprobe/1 report (invalid JSON or no \"stages\")\n",
			lp_esc(e, sizeof(e), path));
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

int report_view_json(struct report_view *v, const cJSON *root, const char *path)
{
	const char *base = strrchr(path, '/');
	struct rd r = {.path = path};
	const cJSON *stages, *msgs, *s;

	memset(v, 0, sizeof(*v));
	v->path = path;
	lp_esc(v->name, sizeof(v->name), base ? base + 1 : path);
	stages = get(root, "stages");
	msgs = obj(&r, root, "", "messages", true);
	str(&r, v->unit, sizeof(v->unit), msgs, "messages", "unit", "?");
	if (get(msgs, "unit") && strcmp(v->unit, "message") &&
	    strcmp(v->unit, "read"))
		bad(&r, "messages", "unit", "neither \"message\" nor \"read\"");
	str(&r, v->timestamp, sizeof(v->timestamp), root, "", "timestamp",
	    NULL);
	v->events = num(&r, root, "", "total_events");
	v->lost = num(&r, root, "", "lost_events");
	v->seen = num(&r, msgs, "messages", "seen");
	v->correlated = num(&r, msgs, "messages", "correlated");
	v->stage_records = num(&r, msgs, "messages", "stage_records");
	v->lost_kernel_stages =
		opt_num(&r, msgs, "messages", "lost_kernel_stages");
	v->conns_not_tracked =
		opt_num(&r, obj(&r, root, "", "ring_buffer", false),
			"ring_buffer", "connections_not_tracked");
	v->connections =
		cJSON_GetArraySize(obj(&r, root, "", "connections", true));
	for (int i = 0; i < ST_MAX; i++) {
		s = obj(&r, stages, "stages", lp_stage_names[i], false);
		if (s)
			load_stage(&r, &v->st[i], s, lp_stage_names[i]);
		if (s && i == ST_NIC_TO_TCP)
			load_nic(&r, v, s);
	}
	load_log2(&r, v,
		  obj(&r, obj(&r, root, "", "histogram", true), "histogram",
		      "log2_ns", true));
	load_overhead(&r, &v->ov, root);
	return r.failed ? 1 : 0;
}

int report_view_load(struct report_view *v, const char *path)
{
	long long conns = 0;
	cJSON *root = parse(path, &conns);
	int err;

	if (!root)
		return 1;
	err = report_view_json(v, root, path);
	/* their members were counted, not parsed */
	v->connections = conns;
	cJSON_Delete(root);
	return err;
}
