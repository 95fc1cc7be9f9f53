/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Self-signed certificate for wsfeed --tls, made with the OpenSSL API. */
#ifndef __FEED_TLS_H
#define __FEED_TLS_H

#include <stddef.h>

struct feed_tls {
	char dir[64];
	char cert[96];
	char key[96];
};

/*
 * Create a temporary directory with cert.pem and key.pem (EC P-256, CN and
 * SAN localhost + 127.0.0.1, valid 30 days). Returns 0 or -1 with a
 * message on stderr.
 */
int feed_tls_selfsigned(struct feed_tls *t);
/* Remove what feed_tls_selfsigned created. */
void feed_tls_cleanup(struct feed_tls *t);

#endif /* __FEED_TLS_H */
