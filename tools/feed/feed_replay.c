// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * wsfeed --replay: a JSON-lines capture read once into memory.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "feed_server.h"

struct feed_replay replay;

/* read whole: a bound, so /dev/zero or a runaway pipe cannot eat memory */
#define REPLAY_MAX (256UL << 20)

int feed_load_replay(const char *path)
{
	FILE *f = fopen(path, "r");
	size_t cap = 0, size = 0, i, start;
	char *p;

	if (!f) {
		fprintf(stderr, PROG ": cannot open --replay file %s: %s\n",
			path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (size + 65536 > cap) {
			cap = cap ? cap * 2 : 1 << 20;
			p = size > REPLAY_MAX ? NULL
					      : realloc(replay.data, cap + 1);
			if (!p) {
				fclose(f);
				fprintf(stderr, PROG ": --replay file %s: %s\n",
					path,
					size > REPLAY_MAX
						? "larger than 256 MiB (it is read whole)"
						: "out of memory");
				return -1;
			}
			replay.data = p;
		}
		i = fread(replay.data + size, 1, cap - size, f);
		if (!i)
			break;
		size += i;
	}
	fclose(f);
	if (!replay.data)
		return -1;
	replay.data[size] = '\n';
	/* upper bound on lines: count newlines */
	for (i = 0, cap = 1; i < size; i++)
		cap += replay.data[i] == '\n';
	replay.line = calloc(cap, sizeof(*replay.line));
	replay.len = calloc(cap, sizeof(*replay.len));
	if (!replay.line || !replay.len)
		return -1;
	for (i = start = 0; i <= size; i++) {
		if (replay.data[i] != '\n')
			continue;
		if (i > start &&
		    !(i - start == 1 && replay.data[start] == '\r')) {
			replay.line[replay.n] = replay.data + start;
			replay.len[replay.n++] = i - start;
		}
		start = i + 1;
	}
	if (!replay.n) {
		fprintf(stderr, PROG ": --replay file %s has no lines\n", path);
		return -1;
	}
	return 0;
}
