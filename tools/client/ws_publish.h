/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Downstream hand-off: a ZeroMQ PUB socket, one frame per message. */
#ifndef __WS_PUBLISH_H
#define __WS_PUBLISH_H

#include <stddef.h>

struct ws_pub;

/* Bind a PUB socket to @endpoint (e.g. tcp://127.0.0.1:5555); NULL on error. */
struct ws_pub *ws_pub_open(const char *endpoint);
/* Returns 0 once zmq_send has returned, -1 if it failed. Never blocks. */
int ws_pub_send(struct ws_pub *p, const char *buf, size_t len);
void ws_pub_close(struct ws_pub *p);

#endif /* __WS_PUBLISH_H */
