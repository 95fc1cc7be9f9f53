// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * udp_burst: sequenced UDP burst for the socket-stress lab.
 *
 *   udp_burst sub --port P [--rcvbuf BYTES] [--idle-ms MS] [--timeout-ms MS]
 *                 [--expect N] [--cpu C]
 *   udp_burst pub --port P --count N [--size BYTES] [--cpu C]
 *
 * The publisher sends datagrams 0..N-1 back-to-back to 127.0.0.1:P, each
 * starting with its 64-bit sequence number. The subscriber binds 127.0.0.1:P,
 * asks for SO_RCVBUF (0 = keep the default), reads back what was granted,
 * says "ready" on stderr, then drains until it has seen --expect datagrams or
 * nothing arrived for --idle-ms after the first one. Both print one JSON
 * object on stdout. The subscriber also reports the kernel's own drop count
 * for its socket (SO_MEMINFO, SK_MEMINFO_DROPS) as a cross-check.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "now.h"

#define MAX_DGRAM 65536

struct opts {
	int port;
	long rcvbuf;
	long idle_ms;
	long timeout_ms;
	long expect;
	long count;
	long size;
	int cpu;
};

static int parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static void pin_cpu(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		perror("udp_burst: sched_setaffinity");
}

static void loopback(struct sockaddr_in *sa, int port)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons(port);
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

static int run_sub(const struct opts *o)
{
	static char buf[MAX_DGRAM];
	uint64_t received = 0, gaps = 0, gap_events = 0, late = 0, short_dg = 0;
	uint64_t next = 0, max_seq = 0, t_first = 0, t_last = 0, t_start;
	__u32 mem[SK_MEMINFO_VARS] = {0};
	socklen_t len = sizeof(int);
	struct sockaddr_in sa;
	struct pollfd pfd;
	int fd, granted = 0, default_buf = 0;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("udp_burst: socket");
		return 1;
	}
	getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &default_buf, &len);
	if (o->rcvbuf > 0) {
		int req = o->rcvbuf;

		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &req, sizeof(req))) {
			perror("udp_burst: SO_RCVBUF");
			return 1;
		}
	}
	len = sizeof(granted);
	getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &granted, &len);
	loopback(&sa, o->port);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("udp_burst: bind");
		return 1;
	}
	fprintf(stderr, "udp_burst: ready port=%d requested=%ld granted=%d\n",
		o->port, o->rcvbuf, granted);

	pfd.fd = fd;
	pfd.events = POLLIN;
	t_start = now_ns(CLOCK_MONOTONIC);
	for (;;) {
		uint64_t now = now_ns(CLOCK_MONOTONIC), seq;
		long wait_ms;
		ssize_t n;

		if (o->expect > 0 && received >= (uint64_t)o->expect)
			break;
		if ((now - t_start) / 1000000 >= (uint64_t)o->timeout_ms)
			break;
		if (received &&
		    (now - t_last) / 1000000 >= (uint64_t)o->idle_ms)
			break;
		wait_ms = received ? o->idle_ms : 50;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR) {
				perror("udp_burst: recv");
				break;
			}
			poll(&pfd, 1, wait_ms);
			continue;
		}
		t_last = now_ns(CLOCK_MONOTONIC);
		if (!received)
			t_first = t_last;
		received++;
		if (n < (ssize_t)sizeof(seq)) {
			short_dg++;
			continue;
		}
		memcpy(&seq, buf, sizeof(seq));
		if (seq > next) {
			gaps += seq - next;
			gap_events++;
		} else if (seq < next) {
			late++;
			continue;
		}
		next = seq + 1;
		if (seq > max_seq)
			max_seq = seq;
	}

	len = sizeof(mem);
	if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &len))
		perror("udp_burst: SO_MEMINFO");
	printf("{\"requested_rcvbuf\": %ld, \"default_rcvbuf\": %d, "
	       "\"granted_rcvbuf\": %d, \"received\": %llu, "
	       "\"interior_gaps\": %llu, \"gap_events\": %llu, "
	       "\"late_or_dup\": %llu, \"short\": %llu, \"max_seq\": %lld, "
	       "\"sk_drops\": %u, \"drain_us\": %llu}\n",
	       o->rcvbuf, default_buf, granted, (unsigned long long)received,
	       (unsigned long long)gaps, (unsigned long long)gap_events,
	       (unsigned long long)late, (unsigned long long)short_dg,
	       received ? (long long)max_seq : -1LL, mem[SK_MEMINFO_DROPS],
	       (unsigned long long)((t_last - t_first) / 1000));
	close(fd);
	return 0;
}

static int run_pub(const struct opts *o)
{
	static char buf[MAX_DGRAM];
	uint64_t published = 0, errors = 0, t0, t1;
	struct sockaddr_in sa;
	int fd, last_errno = 0;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("udp_burst: socket");
		return 1;
	}
	loopback(&sa, o->port);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("udp_burst: connect");
		return 1;
	}
	memset(buf, 'x', sizeof(buf));
	t0 = now_ns(CLOCK_MONOTONIC);
	for (uint64_t seq = 0; seq < (uint64_t)o->count; seq++) {
		memcpy(buf, &seq, sizeof(seq));
		if (send(fd, buf, o->size, 0) == o->size) {
			published++;
		} else {
			errors++;
			last_errno = errno;
		}
	}
	t1 = now_ns(CLOCK_MONOTONIC);
	printf("{\"attempted\": %ld, \"published\": %llu, \"send_errors\": %llu, "
	       "\"last_errno\": %d, \"size\": %ld, \"send_us\": %llu}\n",
	       o->count, (unsigned long long)published,
	       (unsigned long long)errors, last_errno, o->size,
	       (unsigned long long)((t1 - t0) / 1000));
	close(fd);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: udp_burst sub --port P [--rcvbuf B] [--idle-ms MS] "
		"[--timeout-ms MS] [--expect N] [--cpu C]\n"
		"       udp_burst pub --port P --count N [--size B] [--cpu C]\n");
}

int main(int argc, char **argv)
{
	struct opts o = {
		.idle_ms = 300, .timeout_ms = 20000, .size = 64, .cpu = -1};
	long v;
	int i;

	if (argc < 2 || (strcmp(argv[1], "sub") && strcmp(argv[1], "pub"))) {
		usage();
		return 2;
	}
	for (i = 2; i + 1 < argc; i += 2) {
		const char *k = argv[i], *s = argv[i + 1];
		int bad = 0;

		if (!strcmp(k, "--port"))
			bad = parse_long(s, 1, 65535, &v) || !(o.port = v);
		else if (!strcmp(k, "--rcvbuf"))
			bad = parse_long(s, 0, 1L << 30, &o.rcvbuf);
		else if (!strcmp(k, "--idle-ms"))
			bad = parse_long(s, 1, 60000, &o.idle_ms);
		else if (!strcmp(k, "--timeout-ms"))
			bad = parse_long(s, 1, 600000, &o.timeout_ms);
		else if (!strcmp(k, "--expect"))
			bad = parse_long(s, 0, 100000000, &o.expect);
		else if (!strcmp(k, "--count"))
			bad = parse_long(s, 1, 100000000, &o.count);
		else if (!strcmp(k, "--size"))
			bad = parse_long(s, 8, 65000, &o.size);
		else if (!strcmp(k, "--cpu"))
			bad = parse_long(s, -1, 1023, &v) || ((o.cpu = v), 0);
		else
			bad = 1;
		if (bad) {
			fprintf(stderr, "udp_burst: bad option %s %s\n", k, s);
			return 2;
		}
	}
	if (i != argc || !o.port || (!strcmp(argv[1], "pub") && !o.count)) {
		usage();
		return 2;
	}
	pin_cpu(o.cpu);
	return strcmp(argv[1], "sub") ? run_pub(&o) : run_sub(&o);
}
