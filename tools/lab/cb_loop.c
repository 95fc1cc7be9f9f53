// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cb_loop: calls a plain message handler, cb_handler(const char *msg,
 * size_t len, int depth), in a tight loop: the target of latprobe
 * --callback in make bench and in tests/it_callback_edge.sh.
 *
 *   cb_loop [-n COUNT] [-s SECONDS] [-d DEPTH] [-e K] [-H] [-w MS] [-t NS]
 *
 * Built with -fcf-protection=full -fno-omit-frame-pointer, so cb_handler
 * starts "endbr64; push %rbp" like most functions of a distribution's C/C++
 * code. Unpaced, ns_per_call (mean over the loop) is what one call costs,
 * probes included: run untraced and traced, the difference is the probes.
 *   -d DEPTH  each call recurses DEPTH more times (nested calls)
 *   -e K      every Kth call leaves cb_handler by longjmp (never returns)
 *   -H        at the end a second thread enters cb_handler and never
 *             leaves it; the process exits with that call open
 *   -w MS     wait MS milliseconds before the loop (let a tracer attach)
 *   -t NS     the handler spins NS ns, timed by its own CLOCK_MONOTONIC from
 *             its first to its last statement: handler_p50_ns= is the
 *             truth tests/it_probe_bias.sh holds the callback stage to
 * Every loop is bounded by COUNT and SECONDS. Prints one line: calls=
 * (outermost calls) handler_calls= (all, nested included) escapes=
 * seconds= ns_per_call=.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "now.h"
#include "tool_num.h"

static jmp_buf escape_env;
static volatile int escape_now, hang_now;
static volatile uint64_t handler_calls;
static uint64_t spin_ns; /* -t */
static uint64_t *own_ns; /* -t: the handler's own times, per call */
static unsigned long own_n, own_max;

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

__attribute__((noinline)) long cb_handler(const char *msg, size_t len,
					  int depth)
{
	uint64_t t0 = spin_ns ? now_ns(CLOCK_MONOTONIC) : 0, t1;
	long v = msg[0] + (long)len;

	handler_calls++;
	if (spin_ns) {
		do
			t1 = now_ns(CLOCK_MONOTONIC);
		while (t1 - t0 < spin_ns);
		if (own_n < own_max)
			own_ns[own_n++] = t1 - t0;
	}
	if (depth > 0)
		v += cb_handler(msg, len, depth - 1);
	if (hang_now)
		for (;;)
			pause(); /* never returns: the process exits around it */
	if (escape_now && depth == 0)
		longjmp(escape_env, 1);
	__asm__ volatile("" : : "r"(v) : "memory");
	return v;
}

/* One outermost call; 1 if it left by longjmp. setjmp lives here, alone. */
static __attribute__((noinline)) int call_once(const char *msg, size_t len,
					       int depth, bool escape)
{
	escape_now = escape;
	if (escape && setjmp(escape_env))
		return 1;
	cb_handler(msg, len, depth);
	return 0;
}

static void *hang(void *arg)
{
	hang_now = 1;
	cb_handler(arg, 1, 0);
	return NULL;
}

int main(int argc, char **argv)
{
	long count = 1000000, depth = 0, every = 0, wait_ms = 0, i;
	double seconds = 30;
	uint64_t t0, t1, deadline, escapes = 0;
	bool do_hang = false;
	char msg[128];
	pthread_t th;
	int c;

	while ((c = getopt(argc, argv, "n:s:d:e:Hw:t:")) != -1) {
		switch (c) {
		case 'n':
			count = tool_num("cb_loop", optarg, 1, 1000000000, "count");
			break;
		case 's':
			seconds = tool_num("cb_loop", optarg, 1, 3600, "seconds");
			break;
		case 'd':
			depth = tool_num("cb_loop", optarg, 0, 64, "depth");
			break;
		case 'e':
			every = tool_num("cb_loop", optarg, 1, 1000000000, "every");
			break;
		case 'H':
			do_hang = true;
			break;
		case 'w':
			wait_ms = tool_num("cb_loop", optarg, 0, 60000, "wait");
			break;
		case 't':
			spin_ns = tool_num("cb_loop", optarg, 1, 1000000, "ns");
			break;
		default:
			fprintf(stderr,
				"usage: cb_loop [-n COUNT] [-s SECONDS] [-d DEPTH] [-e K] [-H] [-w MS] [-t NS]\n");
			return 2;
		}
	}
	if (spin_ns) {
		own_max = count < 1000000 ? count : 1000000;
		own_ns = calloc(own_max, sizeof(*own_ns));
		if (!own_ns)
			return 1;
	}
	if (wait_ms)
		usleep(wait_ms * 1000);
	snprintf(msg, sizeof(msg),
		 "{\"e\":\"trade\",\"E\":%llu,\"s\":\"BTCUSDT\",\"t\":1}",
		 (unsigned long long)(now_ns(CLOCK_REALTIME) / 1000000));
	t0 = now_ns(CLOCK_MONOTONIC);
	deadline = t0 + (uint64_t)(seconds * 1e9);
	for (i = 0; i < count; i++) {
		escapes += call_once(msg, strlen(msg), depth,
				     every && (i + 1) % every == 0);
		if ((i & 4095) == 0 && now_ns(CLOCK_MONOTONIC) > deadline)
			break;
	}
	t1 = now_ns(CLOCK_MONOTONIC);
	escape_now = 0;
	if (do_hang && pthread_create(&th, NULL, hang, msg) == 0)
		usleep(200 * 1000); /* it is inside cb_handler now */
	if (own_n)
		qsort(own_ns, own_n, sizeof(*own_ns), cmp_u64);
	printf("calls=%ld handler_calls=%llu escapes=%llu seconds=%.3f ns_per_call=%.1f handler_p50_ns=%llu\n",
	       i, (unsigned long long)handler_calls,
	       (unsigned long long)escapes, (t1 - t0) / 1e9,
	       i ? (double)(t1 - t0) / i : 0.0,
	       (unsigned long long)(own_n ? own_ns[own_n / 2] : 0));
	free(own_ns);
	fflush(stdout);
	return 0;
}
