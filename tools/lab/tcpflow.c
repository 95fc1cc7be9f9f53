// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tcpflow: known TCP workloads for latprobe's integration tests and benches.
 *
 *   tcpflow recv ADDR PORT [-t TIMEOUT_S]         accept one connection, read
 *                                                 to EOF, print bytes= reads=
 *   tcpflow send ADDR PORT [-n COUNT] [-m SIZE] [-i INTERVAL_US]
 *   tcpflow echo ADDR PORT [-t TIMEOUT_S]         echo server (one client)
 *   tcpflow ping ADDR PORT [-n COUNT] [-m SIZE]   ping-pong client: prints
 *                                                 rtt_p50_us= rtt_mean_us=
 *
 * Every loop is bounded by COUNT and by the timeout. Output is one line of
 * key=value pairs on stdout; errors are one line on stderr and exit 1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "now.h"
#include "tool_num.h"

struct flow_opts {
	long count, size, interval_us, timeout_s;
	struct sockaddr_in addr;
};

static void die(const char *what)
{
	fprintf(stderr, "tcpflow: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int listen_one(const struct flow_opts *o)
{
	struct pollfd p;
	int one = 1, ls, fd;

	ls = socket(AF_INET, SOCK_STREAM, 0);
	if (ls < 0)
		die("socket");
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(ls, (const struct sockaddr *)&o->addr, sizeof(o->addr)) ||
	    listen(ls, 1))
		die("bind/listen");
	printf("listening=1\n");
	fflush(stdout);
	p = (struct pollfd){.fd = ls, .events = POLLIN};
	if (poll(&p, 1, o->timeout_s * 1000) != 1) {
		errno = ETIMEDOUT;
		die("accept");
	}
	fd = accept(ls, NULL, NULL);
	if (fd < 0)
		die("accept");
	close(ls);
	return fd;
}

static int connect_to(const struct flow_opts *o)
{
	int one = 1, fd, tries = 0;

	for (;;) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0)
			die("socket");
		if (!connect(fd, (const struct sockaddr *)&o->addr,
			     sizeof(o->addr)))
			break;
		close(fd);
		if (++tries > 100) /* the receiver may still be starting */
			die("connect");
		usleep(20000);
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* Read to EOF; every read that returned data is counted. */
static int do_recv(const struct flow_opts *o)
{
	uint64_t bytes = 0, reads = 0, deadline;
	char buf[65536];
	int fd = listen_one(o);

	deadline = now_ns(CLOCK_MONOTONIC) + o->timeout_s * 1000000000ULL;
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t n;

		if (now_ns(CLOCK_MONOTONIC) > deadline || poll(&p, 1, 1000) < 0)
			break;
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		bytes += n;
		reads++;
	}
	printf("bytes=%llu reads=%llu\n", (unsigned long long)bytes,
	       (unsigned long long)reads);
	close(fd);
	return 0;
}

static int do_send(const struct flow_opts *o)
{
	char *buf = malloc(o->size);
	uint64_t next = now_ns(CLOCK_MONOTONIC), sent = 0;
	int fd = connect_to(o);

	if (!buf)
		die("malloc");
	memset(buf, 'm', o->size);
	for (long i = 0; i < o->count; i++) {
		long off = 0;

		while (off < o->size) {
			ssize_t n = write(fd, buf + off, o->size - off);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				die("write");
			off += n;
		}
		sent += o->size;
		next += o->interval_us * 1000ULL;
		while (o->interval_us && now_ns(CLOCK_MONOTONIC) < next)
			; /* paced: sleeping would add scheduler noise */
	}
	shutdown(fd, SHUT_WR);
	/* wait for the receiver's close so every byte was read */
	while (read(fd, buf, o->size) > 0)
		;
	printf("sent=%llu messages=%ld\n", (unsigned long long)sent, o->count);
	close(fd);
	free(buf);
	return 0;
}

static int xfer(int fd, char *buf, long len, int out)
{
	long off = 0;

	while (off < len) {
		ssize_t n = out ? write(fd, buf + off, len - off)
				: read(fd, buf + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += n;
	}
	return 0;
}

static int do_echo(const struct flow_opts *o)
{
	char buf[65536];
	int fd = listen_one(o);
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (xfer(fd, buf, n, 1))
			break;
	close(fd);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int do_ping(const struct flow_opts *o)
{
	uint64_t *rtt = calloc(o->count, sizeof(*rtt)), sum = 0;
	char *buf = malloc(o->size);
	int fd = connect_to(o);

	if (!rtt || !buf)
		die("malloc");
	memset(buf, 'p', o->size);
	for (long i = 0; i < o->count; i++) {
		uint64_t t = now_ns(CLOCK_MONOTONIC);

		if (xfer(fd, buf, o->size, 1) || xfer(fd, buf, o->size, 0))
			die("ping-pong");
		rtt[i] = now_ns(CLOCK_MONOTONIC) - t;
		sum += rtt[i];
	}
	qsort(rtt, o->count, sizeof(*rtt), cmp_u64);
	printf("count=%ld rtt_p50_us=%.3f rtt_p99_us=%.3f rtt_mean_us=%.3f\n",
	       o->count, rtt[o->count / 2] / 1e3,
	       rtt[(o->count * 99) / 100] / 1e3, sum / 1e3 / o->count);
	close(fd);
	free(rtt);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	struct flow_opts o = {
		.count = 1000,
		.size = 200,
		.interval_us = 1000,
		.timeout_s = 30,
	};
	const char *mode;
	int c;

	if (argc < 4) {
		fprintf(stderr,
			"usage: tcpflow recv|send|echo|ping ADDR PORT [-n COUNT] [-m SIZE] [-i INTERVAL_US] [-t TIMEOUT_S]\n");
		return 2;
	}
	mode = argv[1];
	o.addr.sin_family = AF_INET;
	if (inet_pton(AF_INET, argv[2], &o.addr.sin_addr) != 1) {
		fprintf(stderr, "tcpflow: invalid IPv4 address '%s'\n",
			argv[2]);
		return 2;
	}
	o.addr.sin_port = htons(tool_num("tcpflow", argv[3], 1, 65535, "port"));
	optind = 4;
	while ((c = getopt(argc, argv, "n:m:i:t:")) != -1) {
		switch (c) {
		case 'n':
			o.count = tool_num("tcpflow", optarg, 1, 100000000,
					   "count");
			break;
		case 'm':
			o.size =
				tool_num("tcpflow", optarg, 1, 1 << 20, "size");
			break;
		case 'i':
			o.interval_us = tool_num("tcpflow", optarg, 0, 10000000,
						 "interval");
			break;
		case 't':
			o.timeout_s =
				tool_num("tcpflow", optarg, 1, 3600, "timeout");
			break;
		default:
			return 2;
		}
	}
	if (!strcmp(mode, "recv"))
		return do_recv(&o);
	if (!strcmp(mode, "send"))
		return do_send(&o);
	if (!strcmp(mode, "echo"))
		return do_echo(&o);
	if (!strcmp(mode, "ping"))
		return do_ping(&o);
	fprintf(stderr, "tcpflow: unknown mode '%s'\n", mode);
	return 2;
}
