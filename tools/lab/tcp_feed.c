// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tcp_feed: plain-TCP market-data feed server for the socket lab.
 *
 *   tcp_feed --port P [--mode thread|epoll] [--messages M] [--size B]
 *            [--max-seconds S]
 *
 * Per connection: read one subscribe line (up to '\n'), write M
 * newline-terminated trade messages of B bytes each, close. "thread" serves
 * each connection on its own thread with blocking I/O; "epoll" serves all of
 * them from one thread with non-blocking sockets. Listens on 127.0.0.1 only.
 * Prints "tcp_feed: ready ..." on stderr once listening; on SIGINT, SIGTERM or
 * after --max-seconds, prints one JSON object (counters and getrusage) on
 * stdout and exits.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_LINE 512
#define MAX_EVENTS 256

struct conn {
	int fd;
	size_t line_len; /* subscribe bytes read so far */
	size_t off;	 /* payload bytes written; valid once subscribed */
	int subscribed;
};

static volatile sig_atomic_t stop;
static char *payload;
static size_t payload_len;
static size_t msg_size; /* one write() per message, as a feed sends them */
static atomic_ulong accepted, completed, failed;

static void on_signal(int sig)
{
	stop = 1;
}

/* The same M messages go to every subscriber: built once at start. */
static int build_payload(long messages, long size)
{
	char *p;

	payload_len = (size_t)messages * size;
	msg_size = size;
	payload = malloc(payload_len ? payload_len : 1);
	if (!payload)
		return -1;
	p = payload;
	for (long i = 0; i < messages; i++) {
		int n = snprintf(
			p, size,
			"{\"e\":\"trade\",\"s\":\"BTCUSDT\",\"t\":%ld,"
			"\"p\":\"64000.10\",\"q\":\"0.010\",\"pad\":\"",
			i);

		if (n < 0 || n >= size - 3)
			n = 0;
		memset(p + n, 'x', size - n - 3);
		memcpy(p + size - 3, "\"}\n", 3);
		p += size;
	}
	return 0;
}

static int serve_blocking(int fd)
{
	char line[MAX_LINE];
	size_t got = 0, off = 0;

	/* read the subscribe line */
	while (got < sizeof(line)) {
		ssize_t n = read(fd, line + got, sizeof(line) - got);

		if (n <= 0)
			return -1;
		if (memchr(line + got, '\n', n))
			break;
		got += n;
	}
	while (off < payload_len) {
		ssize_t n = write(fd, payload + off, msg_size - off % msg_size);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += n;
	}
	return 0;
}

static void *conn_thread(void *arg)
{
	int fd = (int)(long)arg;

	if (serve_blocking(fd))
		atomic_fetch_add(&failed, 1);
	else
		atomic_fetch_add(&completed, 1);
	close(fd);
	return NULL;
}

static int run_thread(int lfd)
{
	pthread_attr_t attr;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	while (!stop) {
		pthread_t t;
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0) {
			if (errno != EINTR)
				atomic_fetch_add(&failed, 1);
			continue;
		}
		atomic_fetch_add(&accepted, 1);
		if (pthread_create(&t, &attr, conn_thread, (void *)(long)fd)) {
			atomic_fetch_add(&failed, 1);
			close(fd);
		}
	}
	pthread_attr_destroy(&attr);
	return 0;
}

/* One step of a non-blocking connection: 1 = done, 0 = wait, -1 = error. */
static int conn_step(struct conn *c)
{
	while (!c->subscribed) {
		char line[MAX_LINE];
		ssize_t n = read(c->fd, line, sizeof(line));

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n <= 0)
			return -1;
		c->line_len += n;
		if (memchr(line, '\n', n))
			c->subscribed = 1;
		else if (c->line_len >= MAX_LINE)
			return -1;
	}
	while (c->off < payload_len) {
		ssize_t n = write(c->fd, payload + c->off,
				  msg_size - c->off % msg_size);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n <= 0)
			return -1;
		c->off += n;
	}
	return 1;
}

static int run_epoll(int lfd)
{
	struct epoll_event ev = {.events = EPOLLIN}, evs[MAX_EVENTS];
	int ep = epoll_create1(0);

	if (ep < 0) {
		perror("tcp_feed: epoll_create1");
		return -1;
	}
	ev.data.ptr = NULL; /* NULL marks the listener */
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	while (!stop) {
		int n = epoll_wait(ep, evs, MAX_EVENTS, 200);

		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			int r;

			if (!c) {
				int fd;

				while ((fd = accept4(lfd, NULL, NULL,
						     SOCK_NONBLOCK)) >= 0) {
					atomic_fetch_add(&accepted, 1);
					c = calloc(1, sizeof(*c));
					if (!c) {
						close(fd);
						atomic_fetch_add(&failed, 1);
						continue;
					}
					c->fd = fd;
					ev.events =
						EPOLLIN | EPOLLOUT | EPOLLET;
					ev.data.ptr = c;
					epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
				}
				continue;
			}
			r = conn_step(c);
			if (r == 0)
				continue;
			atomic_fetch_add(r > 0 ? &completed : &failed, 1);
			close(c->fd); /* also removes it from the epoll set */
			free(c);
		}
	}
	close(ep);
	return 0;
}

static long tv_us(struct timeval tv)
{
	return tv.tv_sec * 1000000L + tv.tv_usec;
}

int main(int argc, char **argv)
{
	long port = 0, messages = 100, size = 200, max_seconds = 600;
	struct sigaction sa = {.sa_handler = on_signal};
	const char *mode = "epoll";
	struct sockaddr_in addr;
	struct rusage ru;
	int lfd, one = 1;

	for (int i = 1; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];

		if (!strcmp(k, "--port"))
			port = atol(v);
		else if (!strcmp(k, "--mode"))
			mode = v;
		else if (!strcmp(k, "--messages"))
			messages = atol(v);
		else if (!strcmp(k, "--size"))
			size = atol(v);
		else if (!strcmp(k, "--max-seconds"))
			max_seconds = atol(v);
		else
			port = -1;
	}
	if (argc % 2 == 0 || port < 1 || port > 65535 || messages < 0 ||
	    messages > 1000000 || size < 64 || size > 65536 ||
	    max_seconds < 1 ||
	    (strcmp(mode, "thread") && strcmp(mode, "epoll"))) {
		fprintf(stderr,
			"usage: tcp_feed --port P [--mode thread|epoll] "
			"[--messages M (0..1e6)] [--size B (64..65536)] "
			"[--max-seconds S]\n");
		return 2;
	}
	if (build_payload(messages, size))
		return 1;

	/* no SA_RESTART: a signal must interrupt accept() and epoll_wait() */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	alarm(max_seconds);

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_port = htons(port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(lfd, SOMAXCONN)) {
		perror("tcp_feed: bind/listen");
		return 1;
	}
	if (!strcmp(mode, "epoll"))
		fcntl(lfd, F_SETFL, O_NONBLOCK);
	fprintf(stderr, "tcp_feed: ready port=%ld pid=%d mode=%s\n", port,
		getpid(), mode);

	if (strcmp(mode, "epoll") ? run_thread(lfd) : run_epoll(lfd))
		return 1;

	getrusage(RUSAGE_SELF, &ru);
	printf("{\"mode\": \"%s\", \"accepted\": %lu, \"completed\": %lu, "
	       "\"failed\": %lu, \"messages_per_conn\": %ld, \"size\": %ld, "
	       "\"ru_utime_us\": %ld, \"ru_stime_us\": %ld, \"ru_nvcsw\": %ld, "
	       "\"ru_nivcsw\": %ld, \"ru_minflt\": %ld, \"ru_majflt\": %ld, "
	       "\"ru_maxrss_kb\": %ld}\n",
	       mode, atomic_load(&accepted), atomic_load(&completed),
	       atomic_load(&failed), messages, size, tv_us(ru.ru_utime),
	       tv_us(ru.ru_stime), ru.ru_nvcsw, ru.ru_nivcsw, ru.ru_minflt,
	       ru.ru_majflt, ru.ru_maxrss);
	return 0;
}
