// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The bytes of a saved report, bounded in size, memory and time, from a
 * file, a pipe, a FIFO or /dev/stdin. cJSON holds a whole document in
 * memory at about 40 times its size; what `latprobe report` reads of the
 * "connections" object is only how many there are, and it is the one part
 * of a report that grows with the run (docs/report-schema.md, "How big a
 * report gets"). So that object's members are counted and skipped as the
 * bytes arrive (its brackets checked to match) and the rest, bounded, is
 * what cJSON parses.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "report_view.h"

#define NEST_MAX 256

/* Where the scanner is in the document, across reads. */
struct scan {
	char *out;
	size_t len, cap;
	int depth;
	bool in_str, esc;
	char key[16]; /* a top-level key as it is read (short ones only) */
	size_t key_len;
	bool after_key; /* "connections": read, its value next */
	int skip_depth; /* > 0: inside connections' value */
	char nest[NEST_MAX];
	long long conns;
	const char *err;
};

static void put(struct scan *s, char c)
{
	if (s->len == s->cap) {
		s->err =
			"larger than any report latprobe writes (outside its connections)";
		return;
	}
	s->out[s->len++] = c;
}

static void open_bracket(struct scan *s, char c)
{
	if (s->depth >= NEST_MAX) {
		s->err = "nested too deep";
		return;
	}
	s->nest[s->depth++] = c == '{' ? '}' : ']';
}

static void close_bracket(struct scan *s, char c)
{
	if (!s->depth || s->nest[s->depth - 1] != c)
		s->err = "not JSON (brackets do not match)";
	else
		s->depth--;
}

static void scan_char(struct scan *s, char c)
{
	bool skipping = s->skip_depth > 0;

	if (s->in_str) {
		if (s->esc)
			s->esc = false;
		else if (c == '\\')
			s->esc = true;
		else if (c == '"')
			s->in_str = false;
		else if (s->depth == 1 && !skipping &&
			 s->key_len < sizeof(s->key) - 1)
			s->key[s->key_len++] = c;
		if (!skipping)
			put(s, c);
		return;
	}
	if (s->after_key && c != ' ' && c != '\t' && c != '\n' && c != '\r') {
		s->after_key = false;
		if (c == '{' || c == '[') {
			/* an empty one for cJSON; the members counted here */
			put(s, c);
			put(s, c == '{' ? '}' : ']');
			open_bracket(s, c);
			s->skip_depth = s->depth;
			return;
		}
	}
	switch (c) {
	case '"':
		s->in_str = true;
		s->key_len = 0;
		break;
	case ':':
		if (skipping && s->depth == s->skip_depth)
			s->conns++;
		if (s->depth == 1 && !skipping && s->key_len == 11 &&
		    !memcmp(s->key, "connections", 11))
			s->after_key = true;
		break;
	case '{':
	case '[':
		open_bracket(s, c);
		break;
	case '}':
	case ']':
		close_bracket(s, c);
		if (skipping && s->depth < s->skip_depth) {
			s->skip_depth = 0;
			return; /* its closing bracket was put with the opening */
		}
		break;
	}
	if (!skipping)
		put(s, c);
}

/* Wait for data up to REPORT_IDLE_MS; 0, or -errno (ETIMEDOUT). */
static int wait_data(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int n;

	do
		n = poll(&p, 1, REPORT_IDLE_MS);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n == 0 ? -ETIMEDOUT : 0;
}

/*
 * A pipe or FIFO is polled before each read: a FIFO's writer may come
 * later (read() would say end of file until then), and one that never
 * comes or stops writing ends the wait after REPORT_IDLE_MS.
 */
static const char *read_all(int fd, struct scan *s, bool regular)
{
	static char buf[1 << 16];
	unsigned long long total = 0;

	for (;;) {
		ssize_t n;
		int err = regular ? 0 : wait_data(fd);

		if (err == -ETIMEDOUT)
			return "no data for " REPORT_IDLE_TEXT
			       " (a pipe or FIFO nobody writes to?)";
		if (err)
			return strerror(-err);
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return strerror(errno);
		if (n == 0)
			return NULL;
		total += n;
		if (total > REPORT_MAX_BYTES)
			return "more than " REPORT_MAX_TEXT
			       ": larger than any report latprobe writes";
		for (ssize_t i = 0; i < n && !s->err; i++)
			scan_char(s, buf[i]);
		if (s->err)
			return s->err;
	}
}

char *report_read(const char *path, long long *conns, char *why, size_t len)
{
	struct scan s = {.cap = REPORT_REST_MAX_BYTES};
	const char *err = NULL;
	struct stat st;
	int fd;

	/* O_NONBLOCK: a FIFO with no writer yet must not block the open */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(why, len, "%s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st))
		err = strerror(errno);
	else if (S_ISDIR(st.st_mode))
		err = "a directory, not a report";
	else if (S_ISREG(st.st_mode) &&
		 (unsigned long long)st.st_size > REPORT_MAX_BYTES)
		err = "larger than any report latprobe writes (" REPORT_MAX_TEXT
		      ")";
	else if (!(s.out = malloc(s.cap + 1)))
		err = "out of memory";
	if (!err)
		err = read_all(fd, &s, S_ISREG(st.st_mode));
	if (!err && s.depth)
		err = "not JSON (cut short: brackets left open)";
	close(fd);
	if (err) {
		snprintf(why, len, "%s", err);
		free(s.out);
		return NULL;
	}
	s.out[s.len] = '\0';
	*conns = s.conns;
	return s.out;
}
