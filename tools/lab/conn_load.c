// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * conn_load: short-lived feed clients for the socket lab.
 *
 *   conn_load --port P --connections N [--parallel] [--expect-messages M]
 *             [--ws-path PATH] [--timeout-ms MS]
 *
 * Each client connects to 127.0.0.1:P, sends one subscribe line, reads
 * newline-terminated messages until the server closes, and closes. With
 * --ws-path it is instead a minimal WebSocket client (for build/wsfeed): it
 * sends the upgrade request for PATH, counts data frames until the server's
 * close frame, answers it and reads to EOF. Without --parallel the N clients run one
 * after another (a fixed workload for profiling); with it, N threads are
 * created first, wait on a barrier, and run at once; the wall time runs from
 * the first client's start to the last client's end and excludes thread
 * creation. A client fails
 * when connect, send or read fails or times out, or when it read other than
 * --expect-messages (if given). Prints one JSON object on stdout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 5000

static const char subscribe[] =
	"{\"method\":\"SUBSCRIBE\",\"params\":[\"btcusdt@trade\"],\"id\":1}\n";

static struct sockaddr_in server;
static long expect_msgs = -1;
static const char *ws_path;
static long timeout_ms = 5000;
static pthread_barrier_t start;
static atomic_ulong ok, err_connect, err_io, err_count, total_bytes, total_msgs;

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static int write_all(int fd, const void *p, size_t len)
{
	return write(fd, p, len) == (ssize_t)len ? 0 : -1;
}

/* Plain feed: one subscribe line, then '\n'-terminated messages to EOF. */
static long line_session(int fd, long *bytes)
{
	char buf[16384];
	long msgs = 0;
	ssize_t n;

	if (write_all(fd, subscribe, sizeof(subscribe) - 1))
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		*bytes += n;
		for (ssize_t i = 0; i < n; i++)
			msgs += buf[i] == '\n';
	}
	return n < 0 ? -1 : msgs;
}

/*
 * WebSocket (RFC 6455), just enough for a feed: upgrade, unmasked server
 * frames, count complete data messages, answer the close frame. The fixed
 * key is fine: this client never checks Sec-WebSocket-Accept.
 */
static long ws_frames(int fd, long *bytes, unsigned char *buf)
{
	static const unsigned char close_frame[] = {0x88, 0x82, 0,    0,
						    0,	  0,	0x03, 0xe8};
	enum { cap = 65536 + 16 };
	size_t have = 0, pos;
	long msgs = 0;
	char req[512];
	ssize_t n;
	int len, hdr_done = 0;

	len = snprintf(req, sizeof(req),
		       "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
		       "Upgrade: websocket\r\nConnection: Upgrade\r\n"
		       "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
		       "Sec-WebSocket-Version: 13\r\n\r\n",
		       ws_path, ntohs(server.sin_port));
	if (len >= (int)sizeof(req) || write_all(fd, req, len))
		return -1;
	for (;;) {
		n = read(fd, buf + have, cap - have);
		if (n <= 0)
			return -1; /* EOF before the close frame is an error */
		*bytes += n;
		have += n;
		pos = 0;
		if (!hdr_done) {
			unsigned char *end = memmem(buf, have, "\r\n\r\n", 4);

			if (!end)
				continue;
			if (memcmp(buf, "HTTP/1.1 101", 12))
				return -1;
			pos = end + 4 - buf;
			hdr_done = 1;
		}
		for (;;) {
			size_t h = 2;
			uint64_t plen;
			int op;

			if (have - pos < 2)
				break;
			op = buf[pos] & 0x0f;
			plen = buf[pos + 1] & 0x7f;
			if (plen == 126) {
				h = 4;
				if (have - pos < h)
					break;
				plen = (uint64_t)buf[pos + 2] << 8 |
				       buf[pos + 3];
			} else if (plen == 127) {
				h = 10;
				if (have - pos < h)
					break;
				plen = 0;
				for (int i = 0; i < 8; i++)
					plen = plen << 8 | buf[pos + 2 + i];
			}
			if (plen > cap - 16)
				return -1;
			if (have - pos < h + plen)
				break;
			if (op == 0x8) {
				if (write_all(fd, close_frame,
					      sizeof(close_frame)))
					return -1;
				while (read(fd, buf, cap) > 0)
					;
				return msgs;
			}
			if ((op == 0x1 || op == 0x2 || op == 0x0) &&
			    (buf[pos] & 0x80))
				msgs++;
			pos += h + plen;
		}
		memmove(buf, buf + pos, have - pos);
		have -= pos;
	}
}

/* The frame buffer lives on the heap: client threads have small stacks. */
static long ws_session(int fd, long *bytes)
{
	unsigned char *buf = malloc(65536 + 16);
	long r;

	if (!buf)
		return -1;
	r = ws_frames(fd, bytes, buf);
	free(buf);
	return r;
}

static void one_client(void)
{
	struct timeval tv = {.tv_sec = timeout_ms / 1000,
			     .tv_usec = (timeout_ms % 1000) * 1000};
	long got = 0, msgs;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		atomic_fetch_add(&err_connect, 1);
		return;
	}
	/* SO_SNDTIMEO also bounds connect() on Linux */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&server, sizeof(server))) {
		atomic_fetch_add(&err_connect, 1);
		goto out;
	}
	if (ws_path)
		msgs = ws_session(fd, &got);
	else
		msgs = line_session(fd, &got);
	atomic_fetch_add(&total_bytes, got);
	if (msgs < 0) {
		atomic_fetch_add(&err_io, 1);
		goto out;
	}
	atomic_fetch_add(&total_msgs, msgs);
	if (expect_msgs >= 0 && msgs != expect_msgs)
		atomic_fetch_add(&err_count, 1);
	else
		atomic_fetch_add(&ok, 1);
out:
	close(fd);
}

/* Each client stamps its own start and end: the main thread may be scheduled
 * after the barrier opens, so its clock would start late. */
static void *client_thread(void *arg)
{
	long long *span = arg;

	pthread_barrier_wait(&start);
	span[0] = now_us();
	one_client();
	span[1] = now_us();
	return NULL;
}

int main(int argc, char **argv)
{
	long port = 0, conns = 0, errors;
	static pthread_t threads[MAX_CONNS];
	static long long spans[MAX_CONNS][2];
	long long t0, t1;
	int parallel = 0, created = 0;

	for (int i = 1; i < argc; i++) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";

		if (!strcmp(k, "--parallel")) {
			parallel = 1;
			continue;
		}
		if (!strcmp(k, "--port"))
			port = atol(v);
		else if (!strcmp(k, "--connections"))
			conns = atol(v);
		else if (!strcmp(k, "--expect-messages"))
			expect_msgs = atol(v);
		else if (!strcmp(k, "--ws-path"))
			ws_path = v;
		else if (!strcmp(k, "--timeout-ms"))
			timeout_ms = atol(v);
		else
			port = -1;
		i++;
	}
	if (port < 1 || port > 65535 || conns < 1 || conns > MAX_CONNS ||
	    timeout_ms < 1 || timeout_ms > 60000) {
		fprintf(stderr, "usage: conn_load --port P --connections N "
				"(1..5000) [--parallel] [--expect-messages M] "
				"[--ws-path PATH] "
				"[--timeout-ms MS (1..60000)]\n");
		return 2;
	}
	memset(&server, 0, sizeof(server));
	server.sin_family = AF_INET;
	server.sin_port = htons(port);
	server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

	if (!parallel) {
		t0 = now_us();
		for (long i = 0; i < conns; i++)
			one_client();
		t1 = now_us();
	} else {
		pthread_attr_t attr;

		pthread_attr_init(&attr);
		pthread_attr_setstacksize(&attr, 64 * 1024);
		pthread_barrier_init(&start, NULL, conns + 1);
		for (; created < conns; created++)
			if (pthread_create(&threads[created], &attr,
					   client_thread, spans[created]))
				break;
		if (created < conns) {
			/* cannot release a barrier sized for conns + 1 */
			fprintf(stderr, "conn_load: created only %d threads\n",
				created);
			return 1;
		}
		pthread_barrier_wait(&start);
		for (int i = 0; i < created; i++)
			pthread_join(threads[i], NULL);
		/* wall time: first client start to last client end */
		t0 = spans[0][0];
		t1 = spans[0][1];
		for (int i = 1; i < created; i++) {
			if (spans[i][0] < t0)
				t0 = spans[i][0];
			if (spans[i][1] > t1)
				t1 = spans[i][1];
		}
		pthread_attr_destroy(&attr);
	}

	errors = atomic_load(&err_connect) + atomic_load(&err_io) +
		 atomic_load(&err_count);
	printf("{\"connections\": %ld, \"parallel\": %s, \"ok\": %lu, "
	       "\"errors\": %ld, \"err_connect\": %lu, \"err_io\": %lu, "
	       "\"err_count\": %lu, \"messages\": %lu, \"bytes\": %lu, "
	       "\"wall_us\": %lld}\n",
	       conns, parallel ? "true" : "false", atomic_load(&ok), errors,
	       atomic_load(&err_connect), atomic_load(&err_io),
	       atomic_load(&err_count), atomic_load(&total_msgs),
	       atomic_load(&total_bytes), t1 - t0);
	return 0;
}
