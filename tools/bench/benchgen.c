// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * benchgen: writes synthetic records into a running latprobe's ring buffer
 * at a set rate, so the consumer's capacity is measured and not the
 * producer's (make bench, section 4; tests/it_benchgen.sh).
 *
 *   benchgen [-d PIN_DIR] [-r RATE] [-s SECONDS] [-n COUNT] [-b BATCH]
 *            [-c CPU] [-k SOCKETS] [-m join|seg]
 *
 * latprobe must run with --pin (or --pin-dir PIN_DIR): its ring "rb" and
 * counters "stats" are reused by fd, so records go through the one ring and
 * a full ring counts as latprobe's lost_events. The records are made by a
 * BPF program (bpf/bench_gen.bpf.c) run with BPF_PROG_TEST_RUN, BATCH
 * records per run; batches are paced from one thread (pinned to CPU with
 * -c) to RATE records/s (0: as fast as it can). It stops after SECONDS or
 * COUNT records (reads, and segments with -m seg), then closes its
 * sockets. One line on stdout:
 *   records= lost= messages= bytes= seconds= records_per_s= producer_cpu_s=
 * records counts every record submitted (sockets, reads, segments, closes):
 * what latprobe's total_events must say.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "latprobe.h"
#include "bench_gen.h"
#include "bench_gen.skel.h"
#include "now.h"
#include "tool_num.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: benchgen [-d PIN_DIR] [-r RATE] [-s SECONDS] [-n COUNT] [-b BATCH]\n"
		"                [-c CPU] [-k SOCKETS] [-m join|seg]\n");
	exit(2);
}

/* latprobe's pinned map dir/name, or exit: it must be running with --pin */
static int pinned(const char *dir, const char *name)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		fprintf(stderr,
			"benchgen: %s: %s (is latprobe running with --pin-dir %s?)\n",
			path, strerror(errno), dir);
		exit(1);
	}
	return fd;
}

static int run(int prog, struct bg_args *a, struct bg_args *tot)
{
	LIBBPF_OPTS(bpf_test_run_opts, t, .ctx_in = a,
		    .ctx_size_in = sizeof(*a));
	int err = bpf_prog_test_run_opts(prog, &t);

	if (err || t.retval) {
		fprintf(stderr, "benchgen: BPF_PROG_TEST_RUN: %s\n",
			err ? strerror(errno) : "bad arguments");
		return -1;
	}
	tot->submitted += a->submitted;
	tot->lost += a->lost;
	tot->messages += a->messages;
	tot->bytes += a->bytes;
	return 0;
}

int main(int argc, char **argv)
{
	const char *dir = LP_PIN_DIR;
	long rate = 1000000, count = 0, batch = 0, cpu = -1, nsocks = 8;
	double seconds = 5, cpu0;
	struct bg_args a = {}, tot = {};
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	struct bench_gen_bpf *s;
	int shape = BG_JOIN, c, rb, st, prog, err = 0;
	uint64_t t0, t1, next, due, opened, body;

	while ((c = getopt(argc, argv, "d:r:s:n:b:c:k:m:h")) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'r':
			rate = tool_num("benchgen", optarg, 0, 1000000000,
					"-r");
			break;
		case 's':
			seconds = tool_num("benchgen", optarg, 1, 3600, "-s");
			break;
		case 'n':
			count = tool_num("benchgen", optarg, 1, LONG_MAX, "-n");
			break;
		case 'b':
			batch = tool_num("benchgen", optarg, 1, 1000000, "-b");
			break;
		case 'c':
			cpu = tool_num("benchgen", optarg, 0, CPU_SETSIZE - 1,
				       "-c");
			break;
		case 'k':
			nsocks = tool_num("benchgen", optarg, 1, BG_MAX_SOCKS,
					  "-k");
			break;
		case 'm':
			if (!strcmp(optarg, "join"))
				shape = BG_JOIN;
			else if (!strcmp(optarg, "seg"))
				shape = BG_SEG;
			else
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	/* 10000 runs/s when paced (100 us apart), at least 64 records each */
	if (!batch)
		batch = rate / 10000 > 64 ? rate / 10000 : 64;
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			fprintf(stderr, "benchgen: CPU %ld: %s\n", cpu,
				strerror(errno));
			return 1;
		}
	}
	/* sleeps of tens of us: no timer slack on top */
	prctl(PR_SET_TIMERSLACK, 1UL);

	rb = pinned(dir, "rb");
	st = pinned(dir, "stats");
	if (bpf_obj_get_info_by_fd(rb, &info, &len) ||
	    info.type != BPF_MAP_TYPE_RINGBUF) {
		fprintf(stderr, "benchgen: %s/rb is not a ring buffer\n", dir);
		return 1;
	}
	s = bench_gen_bpf__open();
	if (!s) {
		fprintf(stderr, "benchgen: opening the BPF object: %s\n",
			strerror(errno));
		return 1;
	}
	/* latprobe's wake-up threshold for its ring (loader.c) */
	s->rodata->wakeup_bytes = info.max_entries / 4;
	if ((err = bpf_map__reuse_fd(s->maps.rb, rb)) ||
	    (err = bpf_map__reuse_fd(s->maps.stats, st)) ||
	    (err = bench_gen_bpf__load(s))) {
		fprintf(stderr, "benchgen: loading: %s\n", strerror(-err));
		goto out;
	}
	prog = bpf_program__fd(s->progs.gen);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	a.nsocks = nsocks;
	a.shape = shape;
	a.op = BG_OPEN;
	if ((err = run(prog, &a, &tot)))
		goto out;
	opened = tot.submitted;
	cpu0 = now_ns(CLOCK_THREAD_CPUTIME_ID) / 1e9;
	t0 = next = now_ns(CLOCK_MONOTONIC);
	due = t0 + (uint64_t)(seconds * 1e9);
	a.op = BG_READS;
	while (!stop && (!count || tot.submitted - opened < (uint64_t)count)) {
		uint64_t left =
			count ? (uint64_t)count - (tot.submitted - opened)
			      : (uint64_t)batch;

		a.n = left < (uint64_t)batch ? left : (uint64_t)batch;
		if ((err = run(prog, &a, &tot)))
			goto out;
		if (rate) {
			struct timespec ts;

			/* behind schedule: the next batch goes at once */
			next += (uint64_t)a.n * 1000000000ULL / rate;
			ts.tv_sec = next / 1000000000ULL;
			ts.tv_nsec = next % 1000000000ULL;
			if (next > due)
				break;
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
					NULL);
		} else if (now_ns(CLOCK_MONOTONIC) >= due) {
			break;
		}
	}
	t1 = now_ns(CLOCK_MONOTONIC);
	cpu0 = now_ns(CLOCK_THREAD_CPUTIME_ID) / 1e9 - cpu0;
	body = tot.submitted - opened;
	a.op = BG_CLOSE;
	err = run(prog, &a, &tot);
	printf("records=%llu lost=%llu messages=%llu bytes=%llu seconds=%.3f records_per_s=%.0f producer_cpu_s=%.3f\n",
	       (unsigned long long)tot.submitted, (unsigned long long)tot.lost,
	       (unsigned long long)tot.messages, (unsigned long long)tot.bytes,
	       (t1 - t0) / 1e9, body / ((t1 - t0) / 1e9), cpu0);
out:
	bench_gen_bpf__destroy(s);
	close(rb);
	close(st);
	return err ? 1 : 0;
}
