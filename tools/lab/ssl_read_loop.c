// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ssl_read_loop: a tight SSL_write -> SSL_read loop between two SSL objects
 * joined by an in-memory BIO pair (no socket, no kernel read), to measure
 * what a probe on SSL_read adds per call (scripts/bench_tls.sh). Prints one
 * JSON line: iterations, ns per iteration, bytes read.
 *
 *   ssl_read_loop [-n ITER] [-m BYTES] [-e] [-c] [-w FILE]
 *     -e  use SSL_read_ex instead of SSL_read
 *     -c  time every read call with CLOCK_MONOTONIC around it: read_p50_ns
 *     -w  print "ready" after the handshake and wait (<= 30 s) for FILE
 *
 * Built with SSL_READ_INNER (build/ssl_read_inner), the binary exports an
 * SSL_read of its own that calls libssl's and reads the clock first and
 * last in its body, as a handler timing itself does: latprobe's TLS probes
 * then sit on this SSL_read (the binary exports it), and -c reports that
 * inner time, the truth tests/it_probe_bias.sh holds tls_decrypt's
 * bias-corrected p50 to (clock "inside").
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include "feed_tls.h"
#include "now.h"
#include "tool_num.h"

#define MAX_TIMED (1u << 20)

#ifdef SSL_READ_INNER
#include <dlfcn.h>

static int (*libssl_read)(SSL *, void *, int);
static uint64_t inner_ns; /* the last call's time, by its own body's clock */

/* ours, exported (-Wl,--export-dynamic-symbol=SSL_read): the probed one */
__attribute__((noinline)) int SSL_read(SSL *s, void *buf, int num)
{
	struct timespec a, b;
	int n;

	clock_gettime(CLOCK_MONOTONIC, &a);
	n = libssl_read(s, buf, num);
	clock_gettime(CLOCK_MONOTONIC, &b);
	inner_ns = (b.tv_sec - a.tv_sec) * 1000000000ULL + b.tv_nsec -
		   a.tv_nsec;
	return n;
}
#define CLOCK_AT "inside"
#else
#define CLOCK_AT "around"
#endif

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t mono_ns(void)
{
	return now_ns(CLOCK_MONOTONIC);
}

static SSL_CTX *ctx_new(const struct feed_tls *t, bool server)
{
	SSL_CTX *c =
		SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());

	if (c && server &&
	    (SSL_CTX_use_certificate_file(c, t->cert, SSL_FILETYPE_PEM) != 1 ||
	     SSL_CTX_use_PrivateKey_file(c, t->key, SSL_FILETYPE_PEM) != 1)) {
		SSL_CTX_free(c);
		return NULL;
	}
	return c;
}

/* Drive both ends until the handshake is done (bounded). */
static int handshake(SSL *cli, SSL *srv)
{
	for (int i = 0; i < 100; i++) {
		int a = SSL_do_handshake(cli), b = SSL_do_handshake(srv);

		if (a == 1 && b == 1)
			return 0;
	}
	return -1;
}

int main(int argc, char **argv)
{
	unsigned long iters = 100000, msg = 128;
	const char *wait_file = NULL;
	SSL_CTX *cctx = NULL, *sctx = NULL;
	SSL *cli = NULL, *srv = NULL;
	BIO *bc = NULL, *bs = NULL;
	struct feed_tls t = {};
	char out[16384], in[16384];
	uint64_t t0, t1, bytes = 0;
	bool ex = false, timed = false;
	uint64_t *dur = NULL, r0 = 0, p50 = 0;
	int opt, rc = 1;

	while ((opt = getopt(argc, argv, "n:m:ecw:")) != -1) {
		switch (opt) {
		case 'n':
			iters = tool_num("ssl_read_loop", optarg, 1, 100000000,
					 "-n");
			break;
		case 'm':
			msg = tool_num("ssl_read_loop", optarg, 1, 16384, "-m");
			break;
		case 'e':
			ex = true;
			break;
		case 'c':
			timed = true;
			break;
		case 'w':
			wait_file = optarg;
			break;
		default:
			goto usage;
		}
	}
#ifdef SSL_READ_INNER
	libssl_read = (int (*)(SSL *, void *, int))dlsym(RTLD_NEXT, "SSL_read");
	if (!libssl_read || ex) {
		fprintf(stderr, "ssl_read_inner: %s\n",
			ex ? "-e: only SSL_read is wrapped" : "no libssl SSL_read");
		return 2;
	}
#endif
	if (feed_tls_selfsigned(&t))
		return 1;
	cctx = ctx_new(&t, false);
	sctx = ctx_new(&t, true);
	if (!cctx || !sctx || !BIO_new_bio_pair(&bc, 0, &bs, 0))
		goto out;
	cli = SSL_new(cctx);
	srv = SSL_new(sctx);
	if (!cli || !srv)
		goto out;
	SSL_set_bio(cli, bc, bc);
	SSL_set_bio(srv, bs, bs);
	SSL_set_connect_state(cli);
	SSL_set_accept_state(srv);
	if (handshake(cli, srv)) {
		fprintf(stderr, "ssl_read_loop: handshake failed\n");
		goto out;
	}
	/* the client's view of the session tickets: read them before timing */
	SSL_read(cli, in, sizeof(in));
	if (wait_file) {
		printf("ready\n");
		fflush(stdout);
		for (int i = 0; i < 300 && access(wait_file, F_OK); i++)
			usleep(100000);
	}
	memset(out, 'x', msg);
	if (timed && !(dur = calloc(iters < MAX_TIMED ? iters : MAX_TIMED,
				    sizeof(*dur))))
		goto out;
	t0 = mono_ns();
	for (unsigned long i = 0; i < iters; i++) {
		size_t got = 0;
		int n;

		if (SSL_write(srv, out, (int)msg) != (int)msg)
			goto out;
		if (dur)
			r0 = mono_ns();
		if (ex) {
			n = SSL_read_ex(cli, in, sizeof(in), &got) == 1
				    ? (int)got
				    : -1;
		} else {
			n = SSL_read(cli, in, sizeof(in));
		}
		if (dur && i < MAX_TIMED)
			dur[i] = mono_ns() - r0;
#ifdef SSL_READ_INNER
		if (dur && i < MAX_TIMED)
			dur[i] = inner_ns;
#endif
		if (n != (int)msg)
			goto out;
		bytes += n;
	}
	t1 = mono_ns();
	if (dur) {
		unsigned long n = iters < MAX_TIMED ? iters : MAX_TIMED;

		qsort(dur, n, sizeof(*dur), cmp_u64);
		p50 = dur[n / 2];
	}
	printf("{\"iterations\": %lu, \"ns_per_iteration\": %.1f, \"bytes\": %llu, \"call\": \"%s\", \"read_p50_ns\": %llu, \"clock\": \"%s\"}\n",
	       iters, (double)(t1 - t0) / iters, (unsigned long long)bytes,
	       ex ? "SSL_read_ex" : "SSL_read", (unsigned long long)p50,
	       CLOCK_AT);
	rc = 0;
out:
	free(dur);
	if (rc)
		ERR_print_errors_fp(stderr);
	SSL_free(cli);
	SSL_free(srv);
	SSL_CTX_free(cctx);
	SSL_CTX_free(sctx);
	feed_tls_cleanup(&t);
	return rc;
usage:
	fprintf(stderr,
		"usage: ssl_read_loop [-n ITER] [-m BYTES] [-e] [-c] [-w FILE]\n");
	return 2;
}
