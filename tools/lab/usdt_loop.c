// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * usdt_loop: fires the client's probe (latprobe:message, same arguments as
 * wsclient's, tools/client/) in a tight loop, for make bench.
 *
 *   usdt_loop [-n COUNT] [-r RATE] [-t THREADS] [-s SECONDS] [-m usdt|stamps]
 *
 * Unpaced (-r 0, the default) it measures what one probe hit costs the
 * calling thread: run it untraced and with `latprobe --client
 * build/usdt_loop` attached; the difference of ns_per_hit is the trap, the
 * BPF program and its ring-buffer record. Paced (-r hits/s per thread) it is
 * a controllable event source for the ring-buffer consumer: bursts every
 * millisecond, sleeping in between, so the consumer keeps a CPU.
 *
 * The fd argument is a real (unconnected) TCP socket, so the BPF program
 * walks the fd table to the struct sock as it does for the real client.
 * -m stamps does what wsclient does per message: one record in a stamps
 * ring (lib/lp_stamps.h, one ring per thread) while latprobe has mapped it,
 * else the same USDT probe; -m usdt (the default) always fires
 * the probe. Every loop is bounded by COUNT and by SECONDS. Prints one line:
 * hits= seconds= ns_per_hit= (ns_per_hit: mean over the loop, thread 0).
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
/* register/immediate operands only, as in wsclient (libbpf's USDT parser) */
#define STAP_SDT_ARG_CONSTRAINT nr
#include <sys/sdt.h>
#include "lp_stamps.h"
#include "now.h"
#include "tool_num.h"

struct loop {
	long count, rate;
	double seconds;
	int fd;
	bool stamps;
	struct lp_stamps *ring;
	uint64_t hits, ns;
	pthread_t th;
};

static void *run(void *arg)
{
	struct loop *l = arg;
	uint64_t t0 = now_ns(CLOCK_MONOTONIC), deadline, next = t0, i = 0;
	/* paced: bursts once per millisecond */
	long burst = l->rate ? (l->rate + 999) / 1000 : 0;
	int fd = l->fd;

	deadline = t0 + (uint64_t)(l->seconds * 1e9);
	while (i < (uint64_t)l->count) {
		long n = burst ? burst : 4096;
		/* the reader check needs a recent clock, not one per hit */
		uint64_t now = now_ns(CLOCK_MONOTONIC);

		for (; n > 0 && i < (uint64_t)l->count; n--, i++) {
			uint64_t a = t0 + i;

			if (l->stamps && lp_stamps_active(l->ring, now))
				lp_stamps_put(l->ring, 0, a, a + 1, a + 2, 0, 0,
					      64);
			else
				DTRACE_PROBE7(latprobe, message, fd, a, a + 1,
					      a + 2, (uint64_t)0, (uint64_t)0,
					      (uint32_t)64);
		}
		if (now_ns(CLOCK_MONOTONIC) > deadline)
			break;
		if (burst) {
			struct timespec ts;

			next += 1000000ULL;
			ts.tv_sec = next / 1000000000ULL;
			ts.tv_nsec = next % 1000000000ULL;
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
					NULL);
		}
	}
	l->ns = now_ns(CLOCK_MONOTONIC) - t0;
	l->hits = i;
	return NULL;
}

int main(int argc, char **argv)
{
	struct loop base = {.count = 1000000, .rate = 0, .seconds = 30};
	struct loop *l;
	uint64_t hits = 0, t0;
	int c, nthreads = 1;

	while ((c = getopt(argc, argv, "n:r:t:s:m:")) != -1) {
		switch (c) {
		case 'n':
			base.count = tool_num("usdt_loop", optarg, 1,
					      1000000000, "count");
			break;
		case 'r':
			base.rate = tool_num("usdt_loop", optarg, 0, 100000000,
					     "rate");
			break;
		case 't':
			nthreads =
				tool_num("usdt_loop", optarg, 1, 64, "threads");
			break;
		case 's':
			base.seconds = tool_num("usdt_loop", optarg, 1, 3600,
						"seconds");
			break;
		case 'm':
			if (strcmp(optarg, "usdt") && strcmp(optarg, "stamps")) {
				fprintf(stderr,
					"usdt_loop: bad -m '%s' (usdt|stamps)\n",
					optarg);
				return 2;
			}
			base.stamps = !strcmp(optarg, "stamps");
			break;
		default:
			fprintf(stderr,
				"usage: usdt_loop [-n COUNT] [-r RATE] [-t THREADS] [-s SECONDS] [-m usdt|stamps]\n");
			return 2;
		}
	}
	base.fd = socket(AF_INET, SOCK_STREAM, 0);
	if (base.fd < 0) {
		fprintf(stderr, "usdt_loop: socket: %s\n", strerror(errno));
		return 1;
	}
	l = calloc(nthreads, sizeof(*l));
	if (!l)
		return 1;
	/* rings first: latprobe may be scanning for them already */
	for (int i = 0; i < nthreads; i++) {
		l[i] = base;
		if (base.stamps && !(l[i].ring = lp_stamps_open())) {
			fprintf(stderr, "usdt_loop: cannot create the stamps ring (LP_STAMPS=0?)\n");
			return 1;
		}
	}
	/* -m stamps: wait up to WAIT_READER_MS for a reader (bench) */
	for (int w = 0; base.stamps && getenv("USDT_LOOP_WAIT_READER") &&
			w < 3000 && !lp_stamps_active(l[0].ring, now_ns(CLOCK_MONOTONIC));
	     w++)
		usleep(1000);
	t0 = now_ns(CLOCK_MONOTONIC);
	for (int i = 0; i < nthreads; i++) {
		if (i && pthread_create(&l[i].th, NULL, run, &l[i])) {
			fprintf(stderr, "usdt_loop: pthread_create failed\n");
			return 1;
		}
	}
	run(&l[0]);
	for (int i = 1; i < nthreads; i++)
		pthread_join(l[i].th, NULL);
	for (int i = 0; i < nthreads; i++)
		hits += l[i].hits;
	printf("hits=%llu seconds=%.3f ns_per_hit=%.1f\n",
	       (unsigned long long)hits, (now_ns(CLOCK_MONOTONIC) - t0) / 1e9,
	       l[0].hits ? (double)l[0].ns / l[0].hits : 0.0);
	close(base.fd);
	for (int i = 0; i < nthreads; i++)
		lp_stamps_close(l[i].ring);
	free(l);
	return 0;
}
