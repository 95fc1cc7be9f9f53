// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "report_view.h"

#define REPORT_MAX_BYTES (256u << 20)

bool rv_component(int st)
{
	return st != ST_TOTAL && st != ST_NIC_TO_USER && st != ST_READ_DURATION;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long len;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET)) {
		errno = EINVAL; /* not a regular file */
		goto out;
	}
	if ((unsigned long)len > REPORT_MAX_BYTES) {
		errno = EFBIG;
		goto out;
	}
	buf = malloc(len + 1);
	if (!buf)
		goto out;
	if (fread(buf, 1, len, f) != (size_t)len) {
		free(buf);
		buf = NULL;
		errno = EIO;
		goto out;
	}
	buf[len] = '\0';
out:
	fclose(f);
	return buf;
}

/* A finite, non-negative number, else 0. */
static double num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) ||
	    v->valuedouble < 0)
		return 0;
	return v->valuedouble;
}

static void str(char *dst, size_t len, const cJSON *o, const char *k)
{
	const char *s =
		cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));

	snprintf(dst, len, "%s", s ? s : "?");
}

/* "lo-hi" keys of histogram.log2_ns: lo is 0 or a power of two. */
static void load_log2(struct report_view *v, const cJSON *log2)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, log2)
	{
		unsigned long long lo;
		char *end;
		int e;

		if (!it->string || !cJSON_IsNumber(it) ||
		    !isfinite(it->valuedouble) || it->valuedouble < 0)
			continue;
		errno = 0;
		lo = strtoull(it->string, &end, 10);
		if (errno || *end != '-' || (lo & (lo - 1)))
			continue;
		e = lo ? 63 - __builtin_clzll(lo) : 0;
		v->log2_ns[e] += it->valuedouble;
	}
}

cJSON *report_json_load(const char *path)
{
	cJSON *root;
	char *text;

	text = slurp(path);
	if (!text) {
		fprintf(stderr, "latprobe: report %s: %s\n", path,
			strerror(errno));
		return NULL;
	}
	root = cJSON_Parse(text);
	free(text);
	if (!root ||
	    !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(root, "stages"))) {
		fprintf(stderr,
			"latprobe: report %s: not a latprobe/1 report (invalid JSON or no \"stages\")\n",
			path);
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

int report_view_load(struct report_view *v, const char *path)
{
	const cJSON *stages, *msgs, *s;
	const char *base = strrchr(path, '/');
	cJSON *root;

	memset(v, 0, sizeof(*v));
	v->path = path;
	snprintf(v->name, sizeof(v->name), "%s", base ? base + 1 : path);
	root = report_json_load(path);
	if (!root)
		return 1;
	stages = cJSON_GetObjectItemCaseSensitive(root, "stages");
	msgs = cJSON_GetObjectItemCaseSensitive(root, "messages");
	str(v->unit, sizeof(v->unit), msgs, "unit");
	str(v->timestamp, sizeof(v->timestamp), root, "timestamp");
	v->events = num(root, "total_events");
	v->lost = num(root, "lost_events");
	v->seen = num(msgs, "seen");
	v->correlated = num(msgs, "correlated");
	for (int i = 0; i < ST_MAX; i++) {
		s = cJSON_GetObjectItemCaseSensitive(stages, lp_stage_names[i]);
		if (!cJSON_IsObject(s))
			continue;
		v->st[i].present = true;
		v->st[i].count = num(s, "count");
		v->st[i].p50 = num(s, "p50");
		v->st[i].p99 = num(s, "p99");
		v->st[i].p999 = num(s, "p999");
	}
	load_log2(v,
		  cJSON_GetObjectItemCaseSensitive(
			  cJSON_GetObjectItemCaseSensitive(root, "histogram"),
			  "log2_ns"));
	cJSON_Delete(root);
	return 0;
}
