// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * wsfeed --scenario FILE: a script each connection plays from its opening,
 * one step a line:
 *
 *   # comment
 *   at 2.0 burst 500     500 extra messages at once (beyond --rate)
 *   at 3.0 slow 5        event streams at --rate / 5 from now (slow 1: back)
 *   at 3.5 pause 1.5     no stream messages for 1.5 s (pings go on)
 *   at 4.0 shutdown      Binance's serverShutdown event, then close 1001
 *   at 5.0 disconnect    TCP dropped, no close frame
 *
 * The whole file is checked before the server starts: a bad line is one
 * message "wsfeed: FILE:LINE: ..." and exit status 2.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "feed_server.h"
#include "ws_common.h"

struct feed_scenario scenario;

static const struct {
	const char *name;
	enum scn_action act;
	bool arg; /* takes a number */
	double min, max;
	const char *want;
} actions[] = {
	{"burst", SCN_BURST, true, 1, 10000000,
	 "a whole number of messages, 1 to 10000000"},
	{"slow", SCN_SLOW, true, 1, 1000000, "a factor, 1 to 1000000"},
	{"pause", SCN_PAUSE, true, 0.001, 86400, "seconds, 0.001 to 86400"},
	{"shutdown", SCN_SHUTDOWN, false, 0, 0, NULL},
	{"disconnect", SCN_DISCONNECT, false, 0, 0, NULL},
};

static bool number(const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	return s[0] && !*end && !errno && *v == *v;
}

/* One line: 0, or -1 after printing "wsfeed: FILE:LINE: why". */
static int parse_line(const char *path, unsigned int ln, char *line,
		      double last, struct scn_step *st)
{
	char *w[5], *save = NULL;
	int n = 0;
	size_t i;

	for (char *t = strtok_r(line, " \t\r\n", &save); t;
	     t = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == 5)
			break;
		w[n++] = t;
	}
	if (n < 3 || strcmp(w[0], "at")) {
		fprintf(stderr,
			PROG ": %s:%u: want 'at SECONDS ACTION [VALUE]'\n",
			path, ln);
		return -1;
	}
	if (!number(w[1], &st->at) || st->at < 0 || st->at > 86400 * 7) {
		fprintf(stderr,
			PROG
			": %s:%u: bad time '%s': want seconds from the connection's start\n",
			path, ln, w[1]);
		return -1;
	}
	if (st->at < last) {
		fprintf(stderr,
			PROG
			": %s:%u: time %s is before the previous step's %g\n",
			path, ln, w[1], last);
		return -1;
	}
	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (!strcmp(w[2], actions[i].name))
			break;
	if (i == sizeof(actions) / sizeof(actions[0])) {
		fprintf(stderr,
			PROG
			": %s:%u: unknown action '%s' (want burst N, slow F, pause S, shutdown, disconnect)\n",
			path, ln, w[2]);
		return -1;
	}
	st->act = actions[i].act;
	st->arg = 0;
	if (n != (actions[i].arg ? 4 : 3)) {
		fprintf(stderr, PROG ": %s:%u: '%s' takes %s\n", path, ln, w[2],
			actions[i].arg ? "one number" : "no value");
		return -1;
	}
	if (actions[i].arg &&
	    (!number(w[3], &st->arg) || st->arg < actions[i].min ||
	     st->arg > actions[i].max ||
	     (st->act == SCN_BURST && st->arg != (double)(uint64_t)st->arg))) {
		fprintf(stderr,
			PROG ": %s:%u: bad value '%s' for %s: want %s\n", path,
			ln, w[3], w[2], actions[i].want);
		return -1;
	}
	return 0;
}

int feed_load_scenario(const char *path)
{
	FILE *f = fopen(path, "re");
	char line[1024], *p;
	unsigned int ln = 0;
	struct scn_step *n;
	size_t cap = 0;
	double last = 0;
	int err = 0;

	if (!f) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (!err && fgets(line, sizeof(line), f)) {
		ln++;
		if (!strchr(line, '\n') && !feof(f)) {
			fprintf(stderr, PROG ": %s:%u: line too long\n", path,
				ln);
			err = -1;
			break;
		}
		if ((p = strchr(line, '#')))
			*p = '\0';
		p = line + strspn(line, " \t\r\n");
		if (!*p)
			continue;
		if (scenario.n == cap) {
			cap = cap ? cap * 2 : 16;
			n = realloc(scenario.step, cap * sizeof(*n));
			if (!n) {
				fprintf(stderr, PROG ": out of memory\n");
				err = -1;
				break;
			}
			scenario.step = n;
		}
		err = parse_line(path, ln, p, last, &scenario.step[scenario.n]);
		if (!err)
			last = scenario.step[scenario.n++].at;
	}
	fclose(f);
	if (!err && !scenario.n) {
		fprintf(stderr, PROG ": %s: no steps\n", path);
		err = -1;
	}
	return err;
}

/* When @s's next step is due (monotonic ns), UINT64_MAX if none is left. */
uint64_t scenario_next_ns(const struct session *s)
{
	if (s->scn_next >= scenario.n)
		return UINT64_MAX;
	return s->opened_ns + (uint64_t)(scenario.step[s->scn_next].at * 1e9);
}

/*
 * serverShutdown ("Server Shutdown"): {"e":"serverShutdown","E":...},
 * wrapped as stream "!serverShutdown" on a combined connection.
 */
int scenario_shutdown_event(const struct session *s, uint64_t e, char *buf,
			    size_t len)
{
	int n;

	if (s->combined)
		n = snprintf(buf, len,
			     "{\"stream\":\"!serverShutdown\",\"data\":"
			     "{\"e\":\"serverShutdown\",\"E\":%llu}}",
			     (unsigned long long)e);
	else
		n = snprintf(buf, len, "{\"e\":\"serverShutdown\",\"E\":%llu}",
			     (unsigned long long)e);
	return n > 0 && (size_t)n < len ? n : -1;
}
