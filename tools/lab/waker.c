// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * waker: a process that does nothing but wake up every INTERVAL ms, as
 * latprobe's consumer does (epoll_wait with a timeout on an idle fd). The
 * bench runs it beside every untraced, bpftrace and tcpdump run: a vCPU
 * woken every 10 ms stays out of deep idle states, which alone speeds a
 * ping-pong up, so the baseline gets the same wake-ups as latprobe.
 *
 *   waker [-i INTERVAL_MS (10)] [-t SECONDS (600)]
 *
 * Ends after SECONDS or on SIGTERM/SIGINT.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/epoll.h>
#include "now.h"
#include "tool_num.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_signal};
	long interval = 10, secs = 600;
	struct epoll_event ev;
	uint64_t end;
	int c, fd;

	while ((c = getopt(argc, argv, "i:t:")) != -1) {
		if (c == 'i')
			interval =
				tool_num("waker", optarg, 1, 1000, "-i (ms)");
		else if (c == 't')
			secs = tool_num("waker", optarg, 1, 86400, "-t (s)");
		else {
			fprintf(stderr,
				"usage: waker [-i INTERVAL_MS 1-1000] [-t SECONDS 1-86400]\n");
			return 2;
		}
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	fd = epoll_create1(0);
	if (fd < 0) {
		perror("waker: epoll_create1");
		return 1;
	}
	end = now_ns(CLOCK_MONOTONIC) + secs * 1000000000ULL;
	while (!stop && now_ns(CLOCK_MONOTONIC) < end)
		epoll_wait(fd, &ev, 1, interval);
	close(fd);
	return 0;
}
