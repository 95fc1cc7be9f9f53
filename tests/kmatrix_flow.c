// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * kmatrix_flow: the known TCP flow that scripts/kernel-matrix.sh traces in
 * the QEMU guest and on the host. One process forks a receiver; the sender
 * connects over loopback from a fixed source port, writes COUNT messages of
 * SIZE bytes, one write each, every INTERVAL microseconds, then waits for the
 * receiver to close first (so the only data segments the receiver sees in
 * ESTABLISHED are the COUNT messages). The receiver reads each message with a read of exactly
 * the bytes it still misses, so with one segment per message the kernel
 * sees exactly COUNT reads that return data. Both sides print one line of
 * key=value pairs on stdout. Built statically so it runs in a bare initramfs.
 * First, UDP datagrams to itself over loopback: wake-ups (sock_def_readable)
 * of a socket that is not TCP, which no TCP counter may include.
 *
 * With -t both ends turn on kernel TLS (TLS 1.2, AES-GCM-128) with fixed
 * keys and no handshake, as the kernel's selftests do
 * (tools/testing/selftests/net/tls.c): the sender's writes become one TLS
 * record each, the receiver's reads return the plaintext the kernel
 * decrypted (tls_sw_recvmsg). The receiver checks every byte.
 *
 *   kmatrix_flow [-t] [-p PORT] [-s SRC_PORT] [-n COUNT] [-m SIZE] [-i INTERVAL_US]
 *                [-u UDP_DATAGRAMS]
 *
 * Exit 0 when the receiver got every byte, 1 otherwise.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <linux/tls.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "now.h"

struct opts {
	int port;
	int src_port;
	long count;
	long size;
	long interval_us;
	long udp;
	int ktls;
};

static void die(const char *what)
{
	fprintf(stderr, "kmatrix_flow: %s: %s\n", what, strerror(errno));
	exit(1);
}

#ifndef SOL_TLS
#define SOL_TLS 282
#endif

/* kTLS on FD in one direction (TLS_TX or TLS_RX), fixed keys. */
static void ktls_on(int fd, int dir)
{
	struct tls12_crypto_info_aes_gcm_128 ci;

	memset(&ci, 0, sizeof(ci));
	ci.info.version = TLS_1_2_VERSION;
	ci.info.cipher_type = TLS_CIPHER_AES_GCM_128;
	memset(ci.key, 0x4b, sizeof(ci.key));
	memset(ci.iv, 0x49, sizeof(ci.iv));
	memset(ci.salt, 0x53, sizeof(ci.salt));
	if (setsockopt(fd, IPPROTO_TCP, TCP_ULP, "tls", sizeof("tls")) < 0)
		die("setsockopt TCP_ULP tls (no tls module?)");
	if (setsockopt(fd, SOL_TLS, dir, &ci, sizeof(ci)) < 0)
		die(dir == TLS_TX ? "setsockopt TLS_TX" : "setsockopt TLS_RX");
}

static void sleep_until(uint64_t t_ns)
{
	struct timespec ts = {
		.tv_sec = t_ns / 1000000000ull,
		.tv_nsec = t_ns % 1000000000ull,
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	       EINTR)
		;
}

static struct sockaddr_in loopback(int port)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

/* Reads until the sender's FIN (or COUNT * SIZE bytes), then closes first. */
static int receiver(int lfd, const struct opts *o)
{
	long want = o->count * o->size, got = 0, reads = 0, msgs = 0, bad = 0;
	char *buf = malloc(o->size);
	struct sockaddr_in peer;
	socklen_t plen = sizeof(peer);
	int fd;

	if (!buf)
		die("malloc");
	fd = accept(lfd, (struct sockaddr *)&peer, &plen);
	if (fd < 0)
		die("accept");
	close(lfd);
	if (o->ktls)
		ktls_on(fd, TLS_RX);
	while (got < want) {
		long off = got % o->size;
		ssize_t n = read(fd, buf + off, o->size - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("read");
		if (n == 0)
			break;
		reads++;
		for (ssize_t k = 0; k < n; k++)
			bad += buf[off + k] != 'a' + (got + k) / o->size % 26;
		got += n;
		if (got % o->size == 0)
			msgs++;
	}
	printf("receiver local=127.0.0.1:%d peer=127.0.0.1:%d bytes=%ld reads=%ld messages=%ld bad_bytes=%ld ktls=%d\n",
	       o->port, ntohs(peer.sin_port), got, reads, msgs, bad, o->ktls);
	fflush(stdout);
	close(fd);
	free(buf);
	return got == want && !bad ? 0 : 1;
}

static int sender(const struct opts *o)
{
	struct sockaddr_in src = loopback(o->src_port), dst = loopback(o->port);
	char *buf = malloc(o->size);
	uint64_t t0, next, t_end;
	long i, sent = 0;
	int fd, one = 1, tries;
	char c;

	if (!buf)
		die("malloc");
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (o->src_port && bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0)
		die("bind source port");
	for (tries = 0;; tries++) {
		if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) == 0)
			break;
		if (errno != ECONNREFUSED || tries > 200)
			die("connect");
		usleep(10000);
	}
	if (o->ktls)
		ktls_on(fd, TLS_TX);
	t0 = now_ns(CLOCK_MONOTONIC);
	next = t0;
	for (i = 0; i < o->count; i++) {
		ssize_t n;

		memset(buf, 'a' + i % 26, o->size);
		sleep_until(next);
		n = write(fd, buf, o->size);
		if (n != o->size)
			die("write");
		sent += n;
		next += (uint64_t)o->interval_us * 1000;
	}
	t_end = now_ns(CLOCK_MONOTONIC);
	/*
	 * The receiver closes first, once it has every byte: our FIN then
	 * reaches a socket that has left ESTABLISHED, so the receiver's
	 * segment count is exactly COUNT (no racing FIN), and the fixed
	 * source port has no TIME_WAIT.
	 */
	while (read(fd, &c, 1) > 0)
		;
	printf("sender local=127.0.0.1:%d peer=127.0.0.1:%d bytes=%ld writes=%ld elapsed_us=%llu\n",
	       o->src_port, o->port, sent, o->count,
	       (unsigned long long)((t_end - t0) / 1000));
	fflush(stdout);
	close(fd);
	free(buf);
	return 0;
}

/* udp datagrams to a socket of our own, each read back: not TCP wake-ups */
static void udp_self(long n)
{
	struct sockaddr_in a = loopback(0);
	socklen_t alen = sizeof(a);
	long i, got = 0;
	char c = 'u';
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		die("udp socket");
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &alen) < 0)
		die("udp bind");
	for (i = 0; i < n; i++) {
		if (sendto(fd, &c, 1, 0, (struct sockaddr *)&a, sizeof(a)) != 1)
			die("udp sendto");
		if (recv(fd, &c, 1, 0) == 1)
			got++;
	}
	printf("udp datagrams=%ld\n", got);
	close(fd);
}

static long arg(const char *s, long min, long max, const char *name)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max) {
		fprintf(stderr, "kmatrix_flow: bad %s '%s' (%ld..%ld)\n", name,
			s, min, max);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	struct opts o = {.port = 47001,
			 .src_port = 47002,
			 .count = 200,
			 .size = 512,
			 .interval_us = 2000,
			 .udp = 0};
	struct sockaddr_in a;
	int lfd, one = 1, c, rc, status;
	pid_t pid;

	while ((c = getopt(argc, argv, "p:s:n:m:i:u:th")) != -1) {
		switch (c) {
		case 'p':
			o.port = arg(optarg, 1, 65535, "port");
			break;
		case 's':
			o.src_port = arg(optarg, 0, 65535, "source port");
			break;
		case 'n':
			o.count = arg(optarg, 1, 1000000, "count");
			break;
		case 'm':
			o.size = arg(optarg, 1, 1 << 20, "size");
			break;
		case 'i':
			o.interval_us = arg(optarg, 0, 10000000, "interval");
			break;
		case 'u':
			o.udp = arg(optarg, 0, 100000, "udp datagrams");
			break;
		case 't':
			o.ktls = 1;
			break;
		default:
			fprintf(stderr,
				"usage: %s [-p PORT] [-s SRC_PORT] [-n COUNT] [-m SIZE] [-i INTERVAL_US] [-u UDP_DATAGRAMS] [-t]\n",
				argv[0]);
			return c == 'h' ? 0 : 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	if (o.udp)
		udp_self(o.udp);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0)
		die("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a = loopback(o.port);
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("bind");
	if (listen(lfd, 1) < 0)
		die("listen");
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0)
		_exit(receiver(lfd, &o));
	close(lfd);
	rc = sender(&o);
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		rc = 1;
	return rc;
}
