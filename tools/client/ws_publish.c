// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <stdlib.h>
#include <zmq.h>

#include "ws_publish.h"

struct ws_pub {
	void *ctx;
	void *sock;
};

struct ws_pub *ws_pub_open(const char *endpoint)
{
	struct ws_pub *p = calloc(1, sizeof(*p));
	int hwm = 100000, linger = 0;

	if (!p)
		return NULL;
	p->ctx = zmq_ctx_new();
	p->sock = p->ctx ? zmq_socket(p->ctx, ZMQ_PUB) : NULL;
	if (!p->sock)
		goto err;
	/* a slow subscriber drops messages at the HWM, never blocks us */
	zmq_setsockopt(p->sock, ZMQ_SNDHWM, &hwm, sizeof(hwm));
	zmq_setsockopt(p->sock, ZMQ_LINGER, &linger, sizeof(linger));
	if (zmq_bind(p->sock, endpoint))
		goto err;
	return p;
err:
	fprintf(stderr, "wsclient: cannot publish on %s: %s\n", endpoint,
		zmq_strerror(zmq_errno()));
	ws_pub_close(p);
	return NULL;
}

int ws_pub_send(struct ws_pub *p, const char *buf, size_t len)
{
	return zmq_send(p->sock, buf, len, ZMQ_DONTWAIT) < 0 ? -1 : 0;
}

void ws_pub_close(struct ws_pub *p)
{
	if (!p)
		return;
	if (p->sock)
		zmq_close(p->sock);
	if (p->ctx)
		zmq_ctx_term(p->ctx);
	free(p);
}
