// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "num.h"
#include "report_every.h"

enum { OPT_EVERY = 0x200, OPT_KEEP, OPT_DIR };

static const struct argp_option options[] = {
	{"report-every", OPT_EVERY, "INTERVAL", 0,
	 "Write a report every INTERVAL (N seconds with s, minutes with m or none, hours with h; 1s-7d) into --report-dir, each from the start of the run",
	 0},
	{"report-keep", OPT_KEEP, "K", 0,
	 "With --report-every: keep the newest K reports in --report-dir, remove older ones (1-100000, default 96)",
	 0},
	{"report-dir", OPT_DIR, "DIR", 0,
	 "With --report-every: the directory of the reports (default: the current one)",
	 0},
	{},
};

/* "N", "Ns", "Nm", "Nh": seconds in [1, 7 days] */
static int parse_interval(const char *s, uint64_t *secs)
{
	static const struct {
		char unit;
		uint64_t mult;
	} units[] = {{'s', 1}, {'m', 60}, {'h', 3600}};
	char num[24];
	size_t n = strlen(s);
	uint64_t mult = 60, v;

	if (n == 0 || n >= sizeof(num))
		return -1;
	memcpy(num, s, n + 1);
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (num[n - 1] == units[i].unit) {
			mult = units[i].mult;
			num[n - 1] = '\0';
		}
	if (num_u64(num, 1, 7 * 86400, &v) || v * mult > 7 * 86400)
		return -1;
	*secs = v * mult;
	return 0;
}

static int bad(const char *what, const char *arg)
{
	fprintf(stderr, "latprobe: invalid %s '%s'\n", what, arg);
	return EINVAL;
}

static error_t parse_opt(int key, char *arg, struct argp_state *st)
{
	struct report_every *re = st->input;
	uint64_t v;

	switch (key) {
	case ARGP_KEY_INIT:
		re->keep = 96;
		re->dir = ".";
		break;
	case OPT_EVERY:
		if (parse_interval(arg, &re->every_s))
			return bad("--report-every (INTERVAL: N[s|m|h], 1s-7d)",
				   arg);
		break;
	case OPT_KEEP:
		if (num_u64(arg, 1, 100000, &v))
			return bad("--report-keep (1-100000)", arg);
		re->keep = v;
		re->keep_or_dir = true;
		break;
	case OPT_DIR:
		if (!*arg)
			return bad("--report-dir (a directory)", arg);
		re->dir = arg;
		re->keep_or_dir = true;
		break;
	case ARGP_KEY_END:
		if (re->keep_or_dir && !re->every_s) {
			fprintf(stderr,
				"latprobe: --report-keep and --report-dir need --report-every\n");
			return EINVAL;
		}
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

const struct argp report_every_argp = {options, parse_opt, NULL, NULL,
				       NULL,	NULL,	   NULL};

int report_every_check(const struct report_every *re)
{
	struct stat st;

	if (!re->every_s)
		return 0;
	if (stat(re->dir, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	return access(re->dir, W_OK | X_OK) ? -errno : 0;
}

void report_every_start(struct report_every *re, uint64_t t0_ns)
{
	re->next_ns = t0_ns + re->every_s * 1000000000ULL;
}

bool report_every_due(struct report_every *re, uint64_t now_ns, char *path,
		      size_t len)
{
	char stamp[32];
	struct tm tm;
	time_t t;

	if (!re->every_s || now_ns < re->next_ns)
		return false;
	/* a late tick (a stopped process) does not make a burst of reports */
	while (re->next_ns <= now_ns)
		re->next_ns += re->every_s * 1000000000ULL;
	t = time(NULL);
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	return snprintf(path, len,
			"%s/" REPORT_EVERY_PREFIX "%s" REPORT_EVERY_SUFFIX,
			re->dir, stamp) < (int)len;
}

/* latprobe-YYYYmmddTHHMMSSZ.json exactly: nothing else in DIR is ours */
static int is_report(const struct dirent *d)
{
	const char *s = d->d_name;
	size_t p = strlen(REPORT_EVERY_PREFIX);

	if (strlen(s) != p + 16 + strlen(REPORT_EVERY_SUFFIX) ||
	    strncmp(s, REPORT_EVERY_PREFIX, p) ||
	    strcmp(s + p + 16, REPORT_EVERY_SUFFIX) || s[p + 8] != 'T' ||
	    s[p + 15] != 'Z')
		return 0;
	for (int i = 0; i < 15; i++)
		if (i != 8 && (s[p + i] < '0' || s[p + i] > '9'))
			return 0;
	return 1;
}

int report_every_rotate(const struct report_every *re)
{
	struct dirent **names;
	char path[4096];
	int n, removed = 0;

	n = scandir(re->dir, &names, is_report, alphasort);
	if (n < 0)
		return -errno;
	/* the names sort by time: the oldest first */
	for (int i = 0; i < n; i++) {
		if ((unsigned int)(n - i) > re->keep &&
		    snprintf(path, sizeof(path), "%s/%s", re->dir,
			     names[i]->d_name) < (int)sizeof(path) &&
		    !unlink(path))
			removed++;
		free(names[i]);
	}
	free(names);
	return removed;
}
