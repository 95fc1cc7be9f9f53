// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/ioctl.h>
#include "cgroup.h"
#include "live.h"
#include "report_json.h"
#include "term_safe.h"

#define LINE_MAX_COLS 400
/* a connection's figures fit on its row from this width, else on a second */
#define WIDE_COLS 120

struct screen {
	FILE *out;
	unsigned int rows, cols, used;
};

/* One line, cut to the screen width, erasing what was there before. */
static void __attribute__((format(printf, 2, 3)))
line(struct screen *s, const char *fmt, ...)
{
	char raw[LINE_MAX_COLS + 1], buf[4 * LINE_MAX_COLS + 1];
	va_list ap;

	if (s->used >= s->rows)
		return;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	lp_esc(buf, sizeof(buf), raw); /* comm: any local user sets it */
	if (strlen(buf) > s->cols)
		buf[s->cols] = '\0';
	fprintf(s->out, "%s\033[K\n", buf);
	s->used++;
}

static int by_records(const void *a, const void *b)
{
	const struct conn *x = *(const struct conn *const *)a;
	const struct conn *y = *(const struct conn *const *)b;
	uint64_t nx = x->stages[ST_TOTAL] ? x->stages[ST_TOTAL]->count : 0;
	uint64_t ny = y->stages[ST_TOTAL] ? y->stages[ST_TOTAL]->count : 0;

	if (nx != ny)
		return nx < ny ? 1 : -1;
	return x->events < y->events ? 1 : x->events > y->events ? -1 : 0;
}

/* The owner's container (its id's first 12 digits), else its cgroup path. */
static const char *conn_cgroup(char *buf, size_t len, const struct conn *cn)
{
	const char *path =
		cn->have_info ? lp_cgroup_path(cn->info.cgroup_id) : NULL;
	char id[LP_CONTAINER_ID_LEN + 1];

	if (lp_container_id(path, id))
		snprintf(buf, len, "container %.12s", id);
	else
		snprintf(buf, len, "%s", path ? path : "-");
	return buf;
}

static void conn_line(struct screen *s, const struct conn *cn)
{
	const struct hist *tot = cn->stages[ST_TOTAL];
	char src[64], dst[64], name[140], slow[48] = "-", cg[96];
	uint64_t worst = 0;
	double p50, p99;

	if (cn->have_info) {
		report_endpoint(src, sizeof(src), cn->info.saddr,
				cn->info.sport, cn->info.family);
		report_endpoint(dst, sizeof(dst), cn->info.daddr,
				cn->info.dport, cn->info.family);
		snprintf(name, sizeof(name), "%s <- %s", src, dst);
	} else {
		snprintf(name, sizeof(name), "sock:%llx",
			 (unsigned long long)cn->sk);
	}
	for (int st = 0; st < ST_MAX; st++) {
		uint64_t q;

		if (!lp_stage_component(st) || !cn->stages[st] ||
		    !cn->stages[st]->count)
			continue;
		q = hist_quantile(cn->stages[st], 0.5);
		if (q >= worst) {
			worst = q;
			snprintf(slow, sizeof(slow), "%s %.1f",
				 lp_stage_names[st], q / 1e3);
		}
	}
	p50 = tot && tot->count ? hist_quantile(tot, 0.5) / 1e3 : 0.0;
	p99 = tot && tot->count ? hist_quantile(tot, 0.99) / 1e3 : 0.0;
	if (s->cols >= WIDE_COLS) {
		line(s, "%-44.44s %-15.15s %9llu %10.1f %10.1f  %-24s %s", name,
		     cn->have_info ? cn->info.comm : "?",
		     (unsigned long long)(tot ? tot->count : 0), p50, p99,
		     slow, conn_cgroup(cg, sizeof(cg), cn));
		return;
	}
	/* 80 columns: the figures on a second row, the cgroup on a third */
	line(s, "%-44.44s %-15.15s %9llu", name,
	     cn->have_info ? cn->info.comm : "?",
	     (unsigned long long)(tot ? tot->count : 0));
	line(s, "    total p50 %.1f  p99 %.1f  slowest %s", p50, p99, slow);
	if (cn->have_info && cn->info.cgroup_id)
		line(s, "    cgroup %s", conn_cgroup(cg, sizeof(cg), cn));
}

void live_render(FILE *out, const struct corr *c, const uint64_t *stats,
		 double reads_per_s, double uptime, unsigned int rows,
		 unsigned int cols)
{
	/* rows - 1: a newline on the last row would scroll the screen */
	struct screen s = {out, rows > 1 ? rows - 1 : 23, cols ? cols : 80, 0};
	const struct conn **v;
	size_t n = 0, cap = 0;
	char now[16];
	time_t t = time(NULL);
	struct tm tm;

	if (s.cols > LINE_MAX_COLS)
		s.cols = LINE_MAX_COLS;
	localtime_r(&t, &tm);
	strftime(now, sizeof(now), "%H:%M:%S", &tm);
	fputs("\033[H", out);
	/* two header rows, each under 80 columns */
	line(&s, "latprobe --live  %s  up %.0f s  %.0f reads/s  lost %llu", now,
	     uptime, reads_per_s,
	     (unsigned long long)(stats ? stats[LP_S_LOST] : 0));
	line(&s, "sockets open %llu tracked %llu  unit: %s",
	     (unsigned long long)c->t.conns_live,
	     (unsigned long long)c->t.conns_tracked,
	     c->cfg.per_message ? "message" : "read");
	if (c->t.conns_not_tracked)
		line(&s,
		     "CONNECTION CAP REACHED (--max-connections %u): %llu connections not tracked",
		     c->cfg.max_conns,
		     (unsigned long long)c->t.conns_not_tracked);
	else
		line(&s, "%s", "");
	line(&s, "%-20s %10s %10s %10s %10s   (us)", "stage", "count", "p50",
	     "p99", "p999");
	for (int st = 0; st < ST_MAX; st++) {
		const struct hist *h = &c->stages[st];

		if (!h->count) {
			/*
			 * a stage only a flag or a kernel feature gives
			 * (--sched, kTLS) takes no row until it has values:
			 * the connections below must stay on screen
			 */
			if (st == ST_SCHED_DELAY || st == ST_THREAD_BUSY ||
			    st == ST_THREAD_BLOCKED || st == ST_KTLS_DECRYPT ||
			    st == ST_CALLBACK_OFF_CPU)
				continue;
			line(&s, "%-20s %10s", lp_stage_names[st], "-");
			continue;
		}
		line(&s, "%-20s %10llu %10.1f %10.1f %10.1f",
		     lp_stage_names[st], (unsigned long long)h->count,
		     hist_quantile(h, 0.5) / 1e3, hist_quantile(h, 0.99) / 1e3,
		     hist_quantile(h, 0.999) / 1e3);
	}
	line(&s, "%s", "");
	if (s.cols >= WIDE_COLS)
		line(&s, "%-44s %-15s %9s %10s %10s  %-24s %s",
		     "connection (local <- peer)", "comm", "records",
		     "total p50", "p99", "slowest stage (p50 us)", "cgroup");
	else
		line(&s, "%-44s %-15s %9s", "connection (local <- peer)",
		     "comm", "records");

	for (const struct conn *cn = c->all; cn; cn = cn->next)
		cap++;
	v = malloc((cap ? cap : 1) * sizeof(*v));
	if (v) {
		for (const struct conn *cn = c->all; cn; cn = cn->next)
			if (cn->events)
				v[n++] = cn;
		qsort(v, n, sizeof(*v), by_records);
		/* keep the last row for the "more" line */
		for (size_t i = 0; i < n && s.used + 1 < s.rows; i++)
			conn_line(&s, v[i]);
		if (n && s.used + 1 >= s.rows)
			line(&s, "... %zu connections in all", n);
		free(v);
	}
	if (!n)
		line(&s, "(no connection traced yet)");
	fputs("\033[J", out);
	fflush(out);
}

void live_tick(FILE *out, const struct corr *c, const uint64_t *stats)
{
	static struct timespec t0, last;
	static uint64_t last_reads;
	struct winsize ws = {0};
	struct timespec now;
	double dt, up;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!t0.tv_sec) {
		t0 = last = now;
		fputs("\033[2J", out);
	}
	dt = (now.tv_sec - last.tv_sec) + (now.tv_nsec - last.tv_nsec) / 1e9;
	up = (now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) / 1e9;
	if (ioctl(fileno(out), TIOCGWINSZ, &ws) || !ws.ws_row)
		ws.ws_row = 24, ws.ws_col = 80;
	live_render(out, c, stats,
		    dt > 0 ? (corr_reads(c) - last_reads) / dt : 0, up,
		    ws.ws_row, ws.ws_col);
	last = now;
	last_reads = corr_reads(c);
}
