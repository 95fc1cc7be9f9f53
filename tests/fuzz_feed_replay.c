// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: the feed emulator's inputs from outside
 * (tools/feed/feed_gen.c, feed_market.c, feed_book.c): recorded JSON lines
 * for --replay, split as wsfeed's load_replay() splits them and rewritten with a new E by
 * feed_replay_line(), and the stream name a client asks for
 * ("btcusdt@trade", from the request path) through feed_stream_init()
 * and feed_format().
 *
 * Input: 8 bytes of E, 2 bytes of output buffer size, then the file.
 */
#include <stdlib.h>
#include <string.h>

#include "feed_gen.h"

static void check_line(const char *line, size_t n, uint64_t e, size_t cap)
{
	char *out = malloc(cap ? cap : 1);
	int k;

	if (!out)
		return;
	k = feed_replay_line(line, n, e, out, cap);
	if (k >= 0 && ((size_t)k >= cap || out[k] != '\0'))
		abort();
	free(out);
}

static void check_stream(const char *line, size_t n, uint64_t e, size_t cap)
{
	struct feed_stream st;
	struct feed_rng r;
	char name[FEED_NAME_LEN * 2], *out;
	int k;

	if (n >= sizeof(name))
		n = sizeof(name) - 1;
	memcpy(name, line, n);
	name[n] = '\0';
	feed_rng_seed(&r, e);
	memset(&st, 0, sizeof(st));
	if (feed_stream_init(&st, name, &r))
		return;
	if (!memchr(st.name, '\0', sizeof(st.name)) ||
	    !memchr(st.sym, '\0', sizeof(st.sym)))
		abort();
	out = malloc(cap ? cap : 1);
	if (!out)
		return;
	for (int i = 0; i < 4; i++) {
		k = feed_format(&st, &r, e, i & 1, out, cap);
		if (k >= 0 && ((size_t)k >= cap || out[k] != '\0'))
			abort();
	}
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cap, i, start, nlines = 0;
	const char *text;
	uint64_t e;

	if (size < 10)
		return 0;
	memcpy(&e, data, 8);
	cap = (size_t)data[8] | (size_t)data[9] << 8;
	text = (const char *)data + 10;
	size -= 10;
	/* wsfeed's load_replay(): lines end at '\n'; "" and "\r" are skipped */
	for (i = start = 0; i <= size && nlines < 64; i++) {
		if (i < size && text[i] != '\n')
			continue;
		if (i > start && !(i - start == 1 && text[start] == '\r')) {
			check_line(text + start, i - start, e, cap);
			if (!nlines)
				check_stream(text + start, i - start, e, cap);
			nlines++;
		}
		start = i + 1;
	}
	return 0;
}
