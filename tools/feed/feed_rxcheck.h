/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * feed_rxcheck: what libwebsockets 4.1.6 does not check in a client's
 * frames: RFC 6455 5.1 requires every client frame to be masked, and the
 * server to fail the connection (close 1002) when one is not. lws 4.1.6
 * parses the MASK bit and reads an unmasked payload as it is (upstream
 * refuses it from commit cae06c63a, "Audit fixes", after 4.1.6).
 */
#ifndef FEED_RXCHECK_H
#define FEED_RXCHECK_H

#include <stdbool.h>

/* A new connection on fd: forget what the fd carried before. */
void rxcheck_accept(int fd);
/* A client frame on fd came without the MASK bit. */
bool rxcheck_unmasked(int fd);

#endif
