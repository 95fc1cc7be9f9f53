// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: the CLI parser. The input is split at NUL bytes into
 * argv[1..]; src/common/opts.c is built with tests/fuzz_argp_noexit.h so argp
 * returns instead of exiting. Whatever lp_parse_args() accepts must be in
 * the documented ranges; lp_parse_ulong() is checked on its own too.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "opts.h"

#define MAX_ARGS 32

static void check_ulong(const char *s)
{
	unsigned long v = 12345;

	if (lp_parse_ulong(s, 7, 65535, &v) == 0) {
		if (v < 7 || v > 65535)
			abort();
	} else if (v != 12345) {
		abort(); /* a failed parse must not write */
	}
}

static void check_opts(const struct lp_opts *o)
{
	if (!isfinite(o->duration) || o->duration < 0 || o->duration > 31536000)
		abort();
	if (o->pid > INT_MAX || o->client_pid > INT_MAX ||
	    (o->client_pid && !o->client) || o->sample_rate < 1 ||
	    o->sample_rate > 1000000 || o->max_conns < 1 ||
	    o->max_conns > 1000000)
		abort();
	if (o->ringbuf_size < 4096 || o->ringbuf_size > (1UL << 30) ||
	    (o->ringbuf_size & (o->ringbuf_size - 1)))
		abort();
	if (memchr(o->comm, '\0', sizeof(o->comm)) == NULL ||
	    (o->has_comm && !o->comm[0]))
		abort();
	if ((o->output && !*o->output) || (o->client && !*o->client))
		abort();
	if (o->attach > MECH_TRACEPOINT)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAX_ARGS + 1], *buf;
	struct lp_opts o;
	int argc = 1;
	size_t i, start = 0;

	/* the buffer ends in a NUL, so the last argument is terminated */
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[0] = "latprobe";
	for (i = 0; i <= size && argc < MAX_ARGS; i++) {
		if (buf[i])
			continue;
		argv[argc++] = buf + start;
		start = i + 1;
	}
	argv[argc] = NULL;
	/* glibc argp's hidden --HANG[=SECS] sleeps (an hour by default) */
	for (i = 1; i < (size_t)argc; i++)
		if (!strncmp(argv[i], "--H", 3))
			goto out;
	check_ulong(argv[1] ? argv[1] : "");
	if (lp_parse_args(argc, argv, &o) == 0)
		check_opts(&o);
out:
	free(buf);
	return 0;
}
