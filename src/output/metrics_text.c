// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The Prometheus text exposition (format 0.0.4) of the correlator's state.
 * Pure: no libbpf, no HTTP, so unit tests link it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "cgroup.h"
#include "metrics.h"
#include "report_json.h"

/* 1000 * 2^k = 125 * 2^(k+3): every bound is the lower edge of a bucket. */
const uint64_t metrics_bounds_ns[METRICS_NBOUNDS] = {
	1000ULL << 0,  1000ULL << 1,  1000ULL << 2,  1000ULL << 3,
	1000ULL << 4,  1000ULL << 5,  1000ULL << 6,  1000ULL << 7,
	1000ULL << 8,  1000ULL << 9,  1000ULL << 10, 1000ULL << 11,
	1000ULL << 12, 1000ULL << 13, 1000ULL << 14, 1000ULL << 15,
	1000ULL << 16, 1000ULL << 17, 1000ULL << 18, 1000ULL << 19,
	1000ULL << 20,
};

static int ptr_cmp(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t) * (const void *const *)a;
	uintptr_t y = (uintptr_t) * (const void *const *)b;

	return x < y ? -1 : x > y;
}

int metrics_sel_init(struct metrics_sel *sel, unsigned int max)
{
	memset(sel, 0, sizeof(*sel));
	sel->max = max;
	if (!max)
		return 0;
	sel->conns = calloc(max, sizeof(*sel->conns));
	return sel->conns ? 0 : -ENOMEM;
}

void metrics_sel_free(struct metrics_sel *sel)
{
	free(sel->conns);
	memset(sel, 0, sizeof(*sel));
}

static bool sel_has(const struct metrics_sel *sel, const struct conn *cn)
{
	return sel->n &&
	       bsearch(&cn, sel->conns, sel->n, sizeof(*sel->conns), ptr_cmp);
}

static bool has_data(const struct conn *cn)
{
	return cn->reads || cn->messages;
}

/* Admit connections that carry data, oldest first, while there is room. */
static void sel_update(struct metrics_sel *sel, const struct corr *c)
{
	const struct conn **cand;
	size_t nc = 0, cap = 0;

	if (sel->n >= sel->max)
		return;
	for (const struct conn *cn = c->all; cn; cn = cn->next)
		cap++;
	cand = malloc((cap ? cap : 1) * sizeof(*cand));
	if (!cand)
		return;
	/* c->all is newest first */
	for (const struct conn *cn = c->all; cn; cn = cn->next)
		if (has_data(cn) && !sel_has(sel, cn))
			cand[nc++] = cn;
	for (size_t i = nc; i-- > 0 && sel->n < sel->max;)
		sel->conns[sel->n++] = cand[i];
	qsort(sel->conns, sel->n, sizeof(*sel->conns), ptr_cmp);
	free(cand);
}

void metrics_cumulative(const struct hist *h, uint64_t cum[METRICS_NBOUNDS])
{
	uint64_t lo, hi;
	unsigned int b = 0;

	memset(cum, 0, METRICS_NBOUNDS * sizeof(*cum));
	for (unsigned int i = 0; i < HIST_BUCKETS; i++) {
		uint32_t n;

		if (!h->rows[i / HIST_SUB]) {
			i += HIST_SUB - 1;
			continue;
		}
		n = h->rows[i / HIST_SUB][i % HIST_SUB];
		if (!n)
			continue;
		hist_bucket_range(i, &lo, &hi);
		while (b < METRICS_NBOUNDS && lo >= metrics_bounds_ns[b])
			b++;
		if (b == METRICS_NBOUNDS)
			break; /* only +Inf (the count) from here */
		cum[b] += n;
	}
	for (b = 1; b < METRICS_NBOUNDS; b++)
		cum[b] += cum[b - 1];
}

/* Label values: escape backslash, double quote and newline. */
static void put_label(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', out);
		if (*s == '\n') {
			fputs("\\n", out);
			continue;
		}
		fputc(*s, out);
	}
}

/* The report's connection key: "src:port -> dst:port". */
static void conn_label(char *buf, size_t len, const struct conn *cn)
{
	char src[64], dst[64];

	if (!cn->have_info) {
		snprintf(buf, len, "sock:%llx -> unknown",
			 (unsigned long long)cn->sk);
		return;
	}
	report_endpoint(src, sizeof(src), cn->info.saddr, cn->info.sport,
			cn->info.family);
	report_endpoint(dst, sizeof(dst), cn->info.daddr, cn->info.dport,
			cn->info.family);
	snprintf(buf, len, "%s -> %s", src, dst);
}

static void seconds(char *buf, size_t len, uint64_t ns)
{
	int n = snprintf(buf, len, "%" PRIu64 ".%09" PRIu64, ns / 1000000000,
			 ns % 1000000000);

	while (n > 2 && buf[n - 1] == '0' && buf[n - 2] != '.')
		buf[--n] = '\0';
}

static void header(FILE *out, const char *name, const char *type,
		   const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* connection="CONN",cgroup="CGROUP" (docs/metrics.md) */
static void put_conn(FILE *out, const char *conn, const char *cgroup)
{
	fputs("connection=\"", out);
	put_label(out, conn);
	fputs("\",cgroup=\"", out);
	put_label(out, cgroup);
	fputc('"', out);
}

static void hist_series(FILE *out, const char *stage, const char *conn,
			const char *cgroup, const uint64_t *cum, uint64_t count,
			double sum_ns)
{
	char le[32];

	for (int b = 0; b < METRICS_NBOUNDS; b++) {
		seconds(le, sizeof(le), metrics_bounds_ns[b]);
		fprintf(out, "latprobe_stage_seconds_bucket{stage=\"%s\",",
			stage);
		put_conn(out, conn, cgroup);
		fprintf(out, ",le=\"%s\"} %" PRIu64 "\n", le, cum[b]);
	}
	fprintf(out, "latprobe_stage_seconds_bucket{stage=\"%s\",", stage);
	put_conn(out, conn, cgroup);
	fprintf(out, ",le=\"+Inf\"} %" PRIu64 "\n", count);
	fprintf(out, "latprobe_stage_seconds_sum{stage=\"%s\",", stage);
	put_conn(out, conn, cgroup);
	fprintf(out, "} %.9f\n", sum_ns > 0 ? sum_ns / 1e9 : 0.0);
	fprintf(out, "latprobe_stage_seconds_count{stage=\"%s\",", stage);
	put_conn(out, conn, cgroup);
	fprintf(out, "} %" PRIu64 "\n", count);
}

static void counter_series(FILE *out, const char *name, const char *conn,
			   const char *cgroup, uint64_t v)
{
	fprintf(out, "%s{", name);
	put_conn(out, conn, cgroup);
	fprintf(out, "} %" PRIu64 "\n", v);
}

struct exp_conn {
	const struct conn *cn;
	char label[176];
	const char *cgroup; /* its owner's cgroup v2 path, "" if unknown */
};

/* Exported connections oldest first, labels made unique like the report's. */
static struct exp_conn *exported(const struct corr *c,
				 const struct metrics_sel *sel)
{
	struct exp_conn *e = calloc(sel->n ? sel->n : 1, sizeof(*e));
	unsigned int n = sel->n;
	char base[160];

	if (!e)
		return NULL;
	for (const struct conn *cn = c->all; cn && n; cn = cn->next)
		if (sel_has(sel, cn))
			e[--n].cn = cn;
	for (unsigned int i = 0; i < sel->n; i++) {
		conn_label(base, sizeof(base), e[i].cn);
		e[i].cgroup = e[i].cn->have_info
				      ? lp_cgroup_path(e[i].cn->info.cgroup_id)
				      : NULL;
		if (!e[i].cgroup)
			e[i].cgroup = "";
		snprintf(e[i].label, sizeof(e[i].label), "%s", base);
		for (unsigned int j = 0, k = 2; j < i; j++) {
			if (strcmp(e[j].label, e[i].label))
				continue;
			snprintf(e[i].label, sizeof(e[i].label), "%s #%u", base,
				 k++);
			j = (unsigned int)-1; /* recheck against all */
		}
	}
	return e;
}

static void stage_histograms(FILE *out, const struct corr *c,
			     const struct exp_conn *e, unsigned int ne)
{
	uint64_t cum[METRICS_NBOUNDS], other[METRICS_NBOUNDS], count;
	double sum;

	header(out, "latprobe_stage_seconds", "histogram",
	       "Latency of each stage (stage definitions: docs/design.md) per message or read. Bucket bounds are exact edges of latprobe's histogram buckets (a value counts for le when it is below le; values are recorded in ns; percentiles from these buckets carry at most 0.79% bucket error). connection=\"other\" sums the connections without their own label.");
	for (int st = 0; st < ST_MAX; st++) {
		const struct hist *g = &c->stages[st];

		if (!g->count)
			continue;
		metrics_cumulative(g, other);
		count = g->count;
		sum = g->sum;
		for (unsigned int i = 0; i < ne; i++) {
			const struct hist *h = e[i].cn->stages[st];

			if (!h || !h->count)
				continue;
			metrics_cumulative(h, cum);
			hist_series(out, lp_stage_names[st], e[i].label,
				    e[i].cgroup, cum, h->count, h->sum);
			for (int b = 0; b < METRICS_NBOUNDS; b++)
				other[b] -=
					cum[b] < other[b] ? cum[b] : other[b];
			count -= h->count < count ? h->count : count;
			sum -= h->sum;
		}
		if (count)
			hist_series(out, lp_stage_names[st], "other", "other",
				    other, count, sum);
	}
}

static void conn_counters(FILE *out, const struct corr *c,
			  const struct exp_conn *e, unsigned int ne)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} ctr[] = {
		{"latprobe_connection_reads_total",
		 "Reads that returned data, per connection",
		 offsetof(struct conn, reads)},
		{"latprobe_connection_bytes_received_total",
		 "Bytes returned by reads, per connection",
		 offsetof(struct conn, bytes_received)},
		{"latprobe_connection_segments_received_total",
		 "TCP segments accepted, per connection",
		 offsetof(struct conn, segments_in)},
	};

	for (size_t k = 0; k < sizeof(ctr) / sizeof(ctr[0]); k++) {
		uint64_t all = 0, mine = 0, v;

		header(out, ctr[k].name, "counter", ctr[k].help);
		for (const struct conn *cn = c->all; cn; cn = cn->next)
			all += *(const uint64_t *)((const char *)cn +
						   ctr[k].off);
		for (unsigned int i = 0; i < ne; i++) {
			v = *(const uint64_t *)((const char *)e[i].cn +
						ctr[k].off);
			mine += v;
			counter_series(out, ctr[k].name, e[i].label,
				       e[i].cgroup, v);
		}
		if (all > mine)
			counter_series(out, ctr[k].name, "other", "other",
				       all - mine);
	}
}

void metrics_render(FILE *out, const struct corr *c, const uint64_t *stats,
		    const struct probe_info *probes, struct metrics_sel *sel)
{
	const struct corr_totals *t = &c->t;
	uint64_t with_data = 0;
	struct exp_conn *e;
	unsigned int ne;

	sel_update(sel, c);
	for (const struct conn *cn = c->all; cn; cn = cn->next)
		with_data += has_data(cn);
	e = exported(c, sel);
	ne = e ? sel->n : 0;

	header(out, "latprobe_events_total", "counter",
	       "Ring-buffer records received and accepted");
	fprintf(out, "latprobe_events_total %" PRIu64 "\n", t->events);
	header(out, "latprobe_lost_events_total", "counter",
	       "Records the kernel could not put in the ring buffer (full)");
	fprintf(out, "latprobe_lost_events_total %" PRIu64 "\n",
		stats ? stats[LP_S_LOST] : 0);
	header(out, "latprobe_malformed_events_total", "counter",
	       "Ring-buffer records rejected as malformed");
	fprintf(out, "latprobe_malformed_events_total %" PRIu64 "\n",
		t->malformed);
	header(out, "latprobe_messages_total", "counter",
	       "Client messages seen and correlated with kernel marks (--client)");
	fprintf(out, "latprobe_messages_total{state=\"seen\"} %" PRIu64 "\n",
		t->msgs_seen);
	fprintf(out,
		"latprobe_messages_total{state=\"correlated\"} %" PRIu64 "\n",
		t->msgs_correlated);
	header(out, "latprobe_stage_records_total", "counter",
	       "Per-message (or per-read) stage records produced");
	fprintf(out, "latprobe_stage_records_total %" PRIu64 "\n", t->records);
	header(out, "latprobe_connections_tracked_total", "counter",
	       "Connections tracked by the correlator");
	fprintf(out, "latprobe_connections_tracked_total %" PRIu64 "\n",
		t->conns_tracked);
	header(out, "latprobe_connections_open", "gauge",
	       "Tracked connections not yet closed");
	fprintf(out, "latprobe_connections_open %" PRIu64 "\n", t->conns_live);
	header(out, "latprobe_connections_unexported_total", "counter",
	       "Connections without their own connection label (over --metrics-max-connections, or not tracked at all)");
	fprintf(out, "latprobe_connections_unexported_total %" PRIu64 "\n",
		(with_data > ne ? with_data - ne : 0) + t->conns_not_tracked);
	if (probes) {
		header(out, "latprobe_probe_info", "gauge",
		       "How each probe was attached (value always 1)");
		for (int i = 0; i < PR_MAX; i++) {
			fprintf(out, "latprobe_probe_info{probe=\"");
			put_label(out, probes[i].name);
			fprintf(out, "\",mechanism=\"%s\"} 1\n",
				lp_mech_names[probes[i].used]);
		}
	}
	conn_counters(out, c, e, ne);
	metrics_render_cost(out);
	stage_histograms(out, c, e, ne);
	free(e);
}
