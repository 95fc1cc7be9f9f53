// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * feed_rxcheck: follow the frame headers a client sends, to see the MASK
 * bit libwebsockets 4.1.6 reads and then ignores (feed_rxcheck.h).
 *
 * lws reads a connection's bytes with recv() (ws://) or SSL_read()
 * (wss://), through the dynamic linker; wsfeed defines both, so lws calls
 * these, which call the real ones and walk the plaintext: the HTTP
 * upgrade request up to its blank line, then each frame's header (the
 * MASK bit, the length, the masking key) and past its payload. The session
 * callback asks rxcheck_unmasked() and fails the connection with 1002.
 * It takes the connection's first request for the upgrade: a plain HTTP
 * request kept alive and followed by an upgrade on the same connection
 * would be read as frames (wsfeed refuses a bad upgrade with
 * "Connection: close"; nothing else is served).
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <openssl/ssl.h>

#include "feed_rxcheck.h"

enum rx_state { RX_HTTP, RX_B0, RX_B1, RX_EXTLEN, RX_MASKKEY, RX_PAYLOAD };

struct rx_track {
	uint64_t left; /* the frame's length, then its payload to go */
	uint8_t state;
	uint8_t need; /* RX_HTTP: how much of "\r\n\r\n" is matched;
		       * RX_EXTLEN, RX_MASKKEY: bytes to go */
	bool masked;
	bool unmasked; /* a frame came without the MASK bit */
};

static struct rx_track *trk;
static size_t ntrk;

static struct rx_track *track(int fd, bool grow)
{
	struct rx_track *t;
	size_t n;

	if (fd < 0)
		return NULL;
	if ((size_t)fd >= ntrk) {
		if (!grow)
			return NULL;
		n = (size_t)fd + 64;
		t = realloc(trk, n * sizeof(*t));
		if (!t)
			return NULL;
		for (size_t i = ntrk; i < n; i++)
			t[i] = (struct rx_track){0};
		trk = t;
		ntrk = n;
	}
	return &trk[fd];
}

void rxcheck_accept(int fd)
{
	struct rx_track *t = track(fd, true);

	if (t)
		*t = (struct rx_track){.state = RX_HTTP};
}

bool rxcheck_unmasked(int fd)
{
	struct rx_track *t = track(fd, false);

	return t && t->unmasked;
}

static void walk(struct rx_track *t, const uint8_t *p, size_t n)
{
	static const char end[] = "\r\n\r\n";
	uint64_t plen = 0;
	size_t i = 0;

	while (i < n) {
		uint8_t c = p[i];

		switch (t->state) {
		case RX_HTTP:
			i++;
			if (c == (uint8_t)end[t->need])
				t->need++;
			else
				t->need = c == '\r';
			if (t->need == 4)
				t->state = RX_B0;
			break;
		case RX_B0:
			i++;
			t->state = RX_B1;
			break;
		case RX_B1:
			i++;
			t->masked = c & 0x80;
			if (!t->masked)
				t->unmasked = true;
			plen = c & 0x7f;
			if (plen >= 126) {
				t->state = RX_EXTLEN;
				t->need = plen == 126 ? 2 : 8;
				t->left = 0;
				break;
			}
			t->left = plen;
			t->state = t->masked ? RX_MASKKEY : RX_PAYLOAD;
			t->need = 4;
			break;
		case RX_EXTLEN:
			i++;
			t->left = t->left << 8 | c;
			if (--t->need)
				break;
			t->state = t->masked ? RX_MASKKEY : RX_PAYLOAD;
			t->need = 4;
			break;
		case RX_MASKKEY:
			i++;
			if (!--t->need)
				t->state = RX_PAYLOAD;
			break;
		case RX_PAYLOAD:
			plen = n - i < t->left ? n - i : t->left;
			i += plen;
			t->left -= plen;
			break;
		}
		if (t->state == RX_PAYLOAD && !t->left)
			t->state = RX_B0;
	}
}

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	ssize_t n = recvfrom(fd, buf, len, flags, NULL, NULL);
	struct rx_track *t;

	if (n > 0 && !(flags & MSG_PEEK) && (t = track(fd, false)))
		walk(t, buf, (size_t)n);
	return n;
}

int SSL_read(SSL *ssl, void *buf, int num)
{
	static int (*real)(SSL *, void *, int);
	struct rx_track *t;
	int n;

	if (!real)
		real = (int (*)(SSL *, void *, int))dlsym(RTLD_NEXT,
							  "SSL_read");
	if (!real)
		return -1;
	n = real(ssl, buf, num);
	if (n > 0 && (t = track(SSL_get_fd(ssl), false)))
		walk(t, buf, (size_t)n);
	return n;
}
