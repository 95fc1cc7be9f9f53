// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Pictures of one or more reports: a stacked bar per run (the p50 of each
 * component stage, in path order) and the distribution of `total` from the
 * report's log2 buckets. Plain SVG 1.1 with inline styles and system fonts:
 * opening the file fetches nothing.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "report_view.h"

#define W 960
#define LEFT 190  /* run labels */
#define RIGHT 200 /* sums */
#define BAR_H 30
#define ROW_H 46
#define HIST_H 240

static const char *const stage_color[ST_MAX] = {
	[ST_EXCHANGE_TO_NIC] = "#4e79a7",     [ST_NIC_TO_TCP] = "#f28e2b",
	[ST_TCP_TO_WAKEUP] = "#e15759",	      [ST_WAKEUP_TO_READ] = "#76b7b2",
	[ST_READ_TO_FRAME] = "#59a14f",	      [ST_FRAME_TO_PARSED] = "#edc948",
	[ST_PARSED_TO_PUBLISHED] = "#b07aa1",  [ST_TLS_DECRYPT] = "#ff9da7",
	[ST_KTLS_DECRYPT] = "#d37295",
	[ST_READ_TO_CALLBACK] = "#9c755f",     [ST_CALLBACK] = "#bab0ac",
	[ST_CALLBACK_OFF_CPU] = "#79706e",
};
static const char *const run_color[] = {"#4e79a7", "#e15759", "#59a14f",
					"#f28e2b", "#b07aa1", "#9c755f"};
#define NRUN_COLORS (sizeof(run_color) / sizeof(run_color[0]))

static void xml_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\n')
				fputc(*s, out);
		}
	}
}

/* ns as a short label: 512ns, 32.8us, 1.05ms, 2.1s */
static void dur(char *buf, size_t len, double ns)
{
	if (ns < 1e3)
		snprintf(buf, len, "%.0fns", ns);
	else if (ns < 1e6)
		snprintf(buf, len, "%.3gus", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, len, "%.3gms", ns / 1e6);
	else
		snprintf(buf, len, "%.3gs", ns / 1e9);
}

/*
 * The stage that contains st's time, or -1: tls_decrypt happens inside
 * read_to_frame (or read_to_callback), callback_off_cpu inside callback,
 * so each is drawn inside it, never added after it.
 */
static int parent_of(const struct report_view *v, int st)
{
	if (st == ST_CALLBACK_OFF_CPU)
		return v->st[ST_CALLBACK].present ? ST_CALLBACK : -1;
	if (st != ST_TLS_DECRYPT)
		return -1;
	if (v->st[ST_READ_TO_FRAME].present)
		return ST_READ_TO_FRAME;
	if (v->st[ST_READ_TO_CALLBACK].present)
		return ST_READ_TO_CALLBACK;
	return -1;
}

/* A stage of the stacked bar: a component not inside another one. */
static bool stacked(const struct report_view *v, int st)
{
	return rv_component(st) && v->st[st].present && parent_of(v, st) < 0;
}

static double component_sum(const struct report_view *v)
{
	double s = 0;

	for (int i = 0; i < ST_MAX; i++)
		if (stacked(v, i))
			s += v->st[i].p50;
	return s;
}

/* Stages nested in parent, drawn over its lower half from its start. */
static void nested_bars(FILE *out, const struct report_view *v, int parent,
			double x, int y, double pw, double scale)
{
	for (int i = 0; i < ST_MAX; i++) {
		double w;

		if (!v->st[i].present || parent_of(v, i) != parent)
			continue;
		w = v->st[i].p50 * scale;
		fprintf(out,
			"<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\" class=\"nested\"><title>%s p50 %.2f us (inside %s)</title></rect>\n",
			x, y + BAR_H / 2, w < pw ? w : pw, BAR_H / 2,
			stage_color[i], lp_stage_names[i], v->st[i].p50,
			lp_stage_names[parent]);
	}
}

static int stacked_bars(FILE *out, const struct report_view *v, unsigned int n,
			int y)
{
	double max = 0, scale;
	const int plot = W - LEFT - RIGHT;
	int x0, legend = 0;

	for (unsigned int r = 0; r < n; r++)
		if (component_sum(&v[r]) > max)
			max = component_sum(&v[r]);
	scale = max > 0 ? plot / max : 0;
	fprintf(out,
		"<text x=\"20\" y=\"%d\" class=\"h\">Where the time goes: p50 of each stage, stacked (microseconds)</text>\n",
		y);
	y += 14;
	for (unsigned int r = 0; r < n; r++, y += ROW_H) {
		double x = LEFT;

		fprintf(out, "<text x=\"20\" y=\"%d\" class=\"l\">", y + 20);
		xml_text(out, v[r].name);
		fprintf(out, "</text>\n");
		for (int i = 0; i < ST_MAX; i++) {
			double w;

			if (!stacked(&v[r], i))
				continue;
			w = v[r].st[i].p50 * scale;
			fprintf(out,
				"<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"><title>%s p50 %.2f us</title></rect>\n",
				x, y, w, BAR_H, stage_color[i],
				lp_stage_names[i], v[r].st[i].p50);
			if (w > 38)
				fprintf(out,
					"<text x=\"%.1f\" y=\"%d\" class=\"in\">%.1f</text>\n",
					x + w / 2, y + 20, v[r].st[i].p50);
			nested_bars(out, &v[r], i, x, y, w, scale);
			x += w;
		}
		fprintf(out, "<text x=\"%.1f\" y=\"%d\" class=\"l\">= %.1f us",
			x + 8, y + 14, component_sum(&v[r]));
		fprintf(out,
			"</text>\n<text x=\"%.1f\" y=\"%d\" class=\"s\">total p50 %.1f, p99 %.1f</text>\n",
			x + 8, y + 28, v[r].st[ST_TOTAL].p50,
			v[r].st[ST_TOTAL].p99);
	}
	/* legend: only stages present in some run */
	x0 = 20;
	for (int i = 0; i < ST_MAX; i++) {
		bool any = false;

		for (unsigned int r = 0; r < n; r++)
			any |= v[r].st[i].present;
		if (!rv_component(i) || !any)
			continue;
		if (x0 > W - 160) {
			x0 = 20;
			y += 20;
		}
		fprintf(out,
			"<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/><text x=\"%d\" y=\"%d\" class=\"s\">%s</text>\n",
			x0, y, stage_color[i], x0 + 16, y + 10,
			lp_stage_names[i]);
		x0 += 18 + 7 * (int)strlen(lp_stage_names[i]) + 16;
		legend = 1;
	}
	y += legend ? 24 : 0;
	fprintf(out,
		"<text x=\"20\" y=\"%d\" class=\"s\">A sum of medians, not the median of the sum: compare with the measured total p50 on the right.</text>\n",
		y);
	return y + 30;
}

static int histogram(FILE *out, const struct report_view *v, unsigned int n,
		     int y)
{
	const int x0 = 70, plot_w = W - x0 - 30;
	int lo = RV_LOG2_MAX, hi = -1, groups;
	double tot[16] = {0}, ymax = 0, gw, bw;
	bool pct = n > 1;
	char b[32];

	if (n > 16)
		n = 16;
	for (unsigned int r = 0; r < n; r++)
		for (int e = 0; e < RV_LOG2_MAX; e++) {
			tot[r] += v[r].log2_ns[e];
			if (v[r].log2_ns[e] > 0) {
				lo = e < lo ? e : lo;
				hi = e > hi ? e : hi;
			}
		}
	fprintf(out,
		"<text x=\"20\" y=\"%d\" class=\"h\">Distribution of total (log2 buckets, %s)</text>\n",
		y, pct ? "% of each run" : "count");
	y += 16;
	if (hi < 0) {
		fprintf(out,
			"<text x=\"%d\" y=\"%d\" class=\"l\">no values of total in %s</text>\n",
			x0, y + 30, n > 1 ? "these reports" : "this report");
		return y + 60;
	}
	groups = hi - lo + 1;
	for (unsigned int r = 0; r < n; r++)
		for (int e = lo; e <= hi; e++) {
			double val = pct && tot[r] > 0
					     ? 100 * v[r].log2_ns[e] / tot[r]
					     : v[r].log2_ns[e];

			ymax = val > ymax ? val : ymax;
		}
	gw = (double)plot_w / groups;
	bw = (gw - 6) / n;
	/* grid and y labels */
	for (int k = 0; k <= 4; k++) {
		int gy = y + HIST_H - k * HIST_H / 4;

		fprintf(out,
			"<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ddd\"/>\n",
			x0, gy, x0 + plot_w, gy);
		fprintf(out,
			"<text x=\"%d\" y=\"%d\" class=\"s\" text-anchor=\"end\">%.*f%s</text>\n",
			x0 - 6, gy + 4, ymax * k / 4 < 10 ? 1 : 0, ymax * k / 4,
			pct ? "%" : "");
	}
	for (int e = lo; e <= hi; e++) {
		double gx = x0 + (e - lo) * gw + 3;

		for (unsigned int r = 0; r < n; r++) {
			double val = pct && tot[r] > 0
					     ? 100 * v[r].log2_ns[e] / tot[r]
					     : v[r].log2_ns[e];
			double h = ymax > 0 ? val / ymax * HIST_H : 0;

			fprintf(out,
				"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>",
				gx + r * bw, y + HIST_H - h,
				bw > 1 ? bw - 1 : bw, h,
				run_color[r % NRUN_COLORS]);
			xml_text(out, v[r].name);
			dur(b, sizeof(b), e ? ldexp(1, e) : 0);
			fprintf(out, ": %.0f values from %s</title></rect>\n",
				v[r].log2_ns[e], b);
		}
		/* at most ~12 x labels */
		if ((e - lo) % ((groups + 11) / 12) == 0) {
			dur(b, sizeof(b), e ? ldexp(1, e) : 0);
			fprintf(out,
				"<text x=\"%.1f\" y=\"%d\" class=\"s\">%s</text>\n",
				gx, y + HIST_H + 14, b);
		}
	}
	fprintf(out,
		"<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n",
		x0, y + HIST_H, x0 + plot_w, y + HIST_H);
	y += HIST_H + 34;
	if (n > 1) {
		for (unsigned int r = 0, x = x0; r < n; r++) {
			fprintf(out,
				"<rect x=\"%u\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/><text x=\"%u\" y=\"%d\" class=\"s\">",
				x, y - 10, run_color[r % NRUN_COLORS], x + 16,
				y);
			xml_text(out, v[r].name);
			fprintf(out, "</text>\n");
			x += 40 + 7 * strlen(v[r].name);
		}
		y += 16;
	}
	fprintf(out,
		"<text x=\"20\" y=\"%d\" class=\"s\">bucket lower bounds; each bucket spans [x, 2x)</text>\n",
		y);
	return y + 20;
}

static void svg_body(FILE *out, const struct report_view *v, unsigned int n,
		     bool standalone)
{
	int h = 70 + (int)n * ROW_H + 70 + HIST_H + 110;
	int y = 34;

	fprintf(out,
		"<svg %swidth=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n",
		standalone ? "xmlns=\"http://www.w3.org/2000/svg\" " : "", W, h,
		W, h);
	fprintf(out,
		"<style>.t{font-size:20px;font-weight:bold}.h{font-size:15px;font-weight:bold}.l{font-size:13px}.s{font-size:11px;fill:#444}.in{font-size:11px;fill:#fff;text-anchor:middle}</style>\n");
	fprintf(out,
		"<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n");
	fprintf(out,
		"<text x=\"20\" y=\"%d\" class=\"t\">latprobe: where the microseconds went</text>\n",
		y);
	fprintf(out, "<text x=\"20\" y=\"%d\" class=\"s\">", y + 18);
	for (unsigned int r = 0; r < n; r++) {
		fprintf(out, "%s", r ? "  |  " : "");
		xml_text(out, v[r].name);
		fprintf(out, ": %.0f per-%s records, %s, lost %.0f",
			v[r].st[ST_TOTAL].count, v[r].unit, v[r].timestamp,
			v[r].lost);
	}
	fprintf(out, "</text>\n");
	y = stacked_bars(out, v, n, y + 50);
	histogram(out, v, n, y);
	fprintf(out, "</svg>\n");
}

void render_svg(FILE *out, const struct report_view *v, unsigned int n)
{
	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	svg_body(out, v, n, true);
}

static void stage_table(FILE *out, const struct report_view *v)
{
	fprintf(out, "<h2>");
	xml_text(out, v->name);
	fprintf(out,
		"</h2>\n<table><tr><th>stage</th><th>count</th><th>p50 us</th><th>p99 us</th><th>p999 us</th></tr>\n");
	for (int i = 0; i < ST_MAX; i++) {
		const struct rv_stage *s = &v->st[i];

		if (!s->present) {
			fprintf(out,
				"<tr><td>%s</td><td colspan=\"4\">absent</td></tr>\n",
				lp_stage_names[i]);
			continue;
		}
		fprintf(out,
			"<tr><td>%s</td><td>%.0f</td><td>%.2f</td><td>%.2f</td><td>%.2f</td></tr>\n",
			lp_stage_names[i], s->count, s->p50, s->p99, s->p999);
	}
	fprintf(out, "</table>\n");
}

/* The terminal comparison, escaped: one source of truth. */
static void comparison(FILE *out, const struct report_view *a,
		       const struct report_view *b)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);

	if (!m)
		return;
	compare_print(m, a, b);
	if (!fclose(m)) {
		fprintf(out, "<h2>Comparison</h2>\n<pre>");
		xml_text(out, text);
		fprintf(out, "</pre>\n");
	}
	free(text);
}

void render_html(FILE *out, const struct report_view *v, unsigned int n)
{
	fprintf(out,
		"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
		"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
		"<title>latprobe report</title>\n"
		"<style>body{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;margin:20px;color:#222}"
		"table{border-collapse:collapse;margin-bottom:16px}td,th{padding:2px 10px;text-align:right;border-bottom:1px solid #ddd}"
		"td:first-child,th:first-child{text-align:left}pre{font-size:12px}</style>\n"
		"</head><body>\n");
	svg_body(out, v, n, false);
	for (unsigned int r = 0; r < n; r++)
		stage_table(out, &v[r]);
	for (unsigned int r = 1; r < n; r++)
		comparison(out, &v[0], &v[r]);
	fprintf(out,
		"<p style=\"font-size:11px;color:#666\">Generated by latprobe report. Stage definitions: docs/design.md in latprobe's source.</p>\n</body></html>\n");
}
