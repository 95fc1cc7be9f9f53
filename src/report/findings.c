// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The findings (findings.h). A stage's time over the run is its mean times
 * its count (the report's avg_us and count): sums add up where percentiles
 * do not, so a stage's share of the time is its sum over total's (or,
 * without total, over the component stages' sum). The stages named are the
 * component stages (the ones that add up to a message's path) whose share
 * is at least FINDING_SHARE_MIN, the largest two; a share over 100 %
 * (stages counted over other messages than total) supports no claim. Each
 * says why when the report can: wakeup_to_read by its --sched split,
 * callback by the part of it spent off a CPU.
 */
#include <math.h>
#include <stdarg.h>
#include <string.h>
#include "findings.h"

static bool has_sum(const struct rv_stage *s)
{
	return s->present && s->count > 0 && isfinite(s->avg);
}

static double sum_us(const struct rv_stage *s)
{
	return has_sum(s) ? s->avg * s->count : 0;
}

__attribute__((format(printf, 2, 3))) static void add(struct finding *f,
						      const char *fmt, ...)
{
	size_t n = strlen(f->text);
	va_list ap;

	if (n + 1 >= sizeof(f->text))
		return;
	va_start(ap, fmt);
	vsnprintf(f->text + n, sizeof(f->text) - n, fmt, ap);
	va_end(ap);
}

static const char *units(const struct report_view *v)
{
	if (!strcmp(v->unit, "message"))
		return "messages";
	return strcmp(v->unit, "read") ? "values" : "reads";
}

static const char *dur(char *buf, size_t len, double us)
{
	if (us >= 1e6)
		snprintf(buf, len, "%.2f s", us / 1e6);
	else if (us >= 1e3)
		snprintf(buf, len, "%.2f ms", us / 1e3);
	else
		snprintf(buf, len, "%.2f us", us);
	return buf;
}

static const struct {
	enum lp_stage st;
	const char *means;
} split[] = {
	{ST_SCHED_DELAY, "runnable, waiting for a CPU"},
	{ST_THREAD_BUSY, "running, busy with other work first"},
	{ST_THREAD_BLOCKED, "asleep on something else"},
};

/* wakeup_to_read by its --sched split, the largest part first. */
static void why_wakeup(const struct report_view *v, struct finding *f)
{
	double part[3], all = 0;
	int o[3] = {0, 1, 2}, t;
	char b[24];

	for (int i = 0; i < 3; i++) {
		if (!has_sum(&v->st[split[i].st]))
			return;
		part[i] = sum_us(&v->st[split[i].st]);
		all += part[i];
	}
	if (all <= 0)
		return;
	for (int i = 0; i < 2; i++)
		for (int j = i + 1; j < 3; j++)
			if (part[o[j]] > part[o[i]]) {
				t = o[i];
				o[i] = o[j];
				o[j] = t;
			}
	add(f, "; of it");
	for (int k = 0; k < 3; k++) {
		const struct rv_stage *s = &v->st[split[o[k]].st];

		add(f, "%s %.0f %% %s", k ? "," : "", 100 * part[o[k]] / all,
		    lp_stage_names[split[o[k]].st]);
		if (!k)
			add(f, " (%s; p99 %s)", split[o[k]].means,
			    dur(b, sizeof(b), s->p99));
	}
	add(f, " over %.0f split %s", v->st[ST_SCHED_DELAY].count, units(v));
}

/* callback by the part of it spent off a CPU (--callback with --sched). */
static void why_callback(const struct report_view *v, struct finding *f)
{
	const struct rv_stage *off = &v->st[ST_CALLBACK_OFF_CPU];
	double all = sum_us(&v->st[ST_CALLBACK]), share;
	char b[24];

	if (!has_sum(off) || all <= 0)
		return;
	share = sum_us(off) / all;
	if (share > 1)
		share = 1; /* counted over other calls: no more than all */
	add(f,
	    "; of it %.0f %% off a CPU (callback_off_cpu: preempted or asleep; p99 %s), %.0f %% on it (the handler's own work) over %.0f calls",
	    100 * share, dur(b, sizeof(b), off->p99), 100 * (1 - share),
	    off->count);
}

/*
 * The time the shares are of: total's, else (total needs E or the first
 * mark of a message and may be absent) the component stages' sum, which
 * is the path they add up to. 0 when too few values support a claim.
 */
static double base_us(const struct report_view *v, double *count,
		      const char **what)
{
	const struct rv_stage *tot = &v->st[ST_TOTAL];
	double sum = 0;
	int parts = 0;

	*count = 0;
	*what = "total's";
	if (tot->present) {
		*count = tot->count;
		sum = has_sum(tot) ? sum_us(tot) : 0;
	} else {
		*what = "the stages' sum of";
		for (int i = 0; i < ST_MAX; i++) {
			if (!rv_component(i) || !v->st[i].present)
				continue;
			if (!has_sum(&v->st[i]))
				return 0; /* a part unknown: no sum */
			sum += sum_us(&v->st[i]);
			parts++;
			if (v->st[i].count > *count)
				*count = v->st[i].count;
		}
		if (parts < 2)
			return 0; /* one stage is all of its own sum: no news */
	}
	return *count >= FINDING_MIN_COUNT ? sum : 0;
}

/* One finding per stage that carries a large share of the time. */
static unsigned int time_findings(const struct report_view *v,
				  struct finding *f, unsigned int max)
{
	double count, share[ST_MAX] = {0};
	const char *what;
	double base = base_us(v, &count, &what);
	unsigned int n = 0;
	char b[4][24];

	if (base <= 0)
		return 0;
	for (int i = 0; i < ST_MAX; i++)
		if (rv_component(i) && has_sum(&v->st[i]))
			share[i] = sum_us(&v->st[i]) / base;
	while (n < max) {
		int best = -1;

		for (int i = 0; i < ST_MAX; i++)
			if (share[i] >= FINDING_SHARE_MIN && share[i] <= 1 &&
			    (best < 0 || share[i] > share[best]))
				best = i;
		if (best < 0)
			break;
		f[n].text[0] = '\0';
		add(&f[n],
		    "%s: %.0f %% of the time (%s of %s %s over %.0f %s; p50 %s, p99 %s)",
		    lp_stage_names[best], 100 * share[best],
		    dur(b[0], sizeof(b[0]), sum_us(&v->st[best])), what,
		    dur(b[1], sizeof(b[1]), base), count, units(v),
		    dur(b[2], sizeof(b[2]), v->st[best].p50),
		    dur(b[3], sizeof(b[3]), v->st[best].p99));
		if (best == ST_WAKEUP_TO_READ)
			why_wakeup(v, &f[n]);
		else if (best == ST_CALLBACK)
			why_callback(v, &f[n]);
		share[best] = 0;
		n++;
	}
	return n;
}

/* What the report counts as missing, each with its number and key. */
static unsigned int caveats(const struct report_view *v, struct finding *f,
			    unsigned int max)
{
	unsigned int n = 0;

	if (v->lost > 0 && n < max) {
		f[n].text[0] = '\0';
		add(&f[n],
		    "caveat: %.0f ring-buffer records lost (%.2f %% of %.0f): the stages miss what they carried (lost_events)",
		    v->lost, 100 * v->lost / (v->events + v->lost),
		    v->events + v->lost);
		n++;
	}
	if (v->lost_kernel_stages > 0 && n < max) {
		f[n].text[0] = '\0';
		add(&f[n],
		    "caveat: %.0f of %.0f messages lost their kernel stages, the consumer fell behind (messages.lost_kernel_stages)",
		    v->lost_kernel_stages, v->seen);
		n++;
	}
	if (v->conns_not_tracked > 0 && n < max) {
		f[n].text[0] = '\0';
		add(&f[n],
		    "caveat: %.0f connections over --max-connections not tracked, the totals miss them (ring_buffer.connections_not_tracked)",
		    v->conns_not_tracked);
		n++;
	}
	return n;
}

unsigned int findings_of(const struct report_view *v, struct finding *f,
			 unsigned int max)
{
	unsigned int n = time_findings(v, f, max < 2 ? max : 2);

	return n + caveats(v, f + n, max - n);
}

void findings_print(FILE *out, const struct report_view *v)
{
	struct finding f[FINDINGS_MAX];
	unsigned int n = findings_of(v, f, FINDINGS_MAX);

	if (!n)
		return;
	fprintf(out, "\nfindings:\n");
	for (unsigned int i = 0; i < n; i++)
		fprintf(out, "  %s\n", f[i].text);
}
