/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * wsfeed's pieces share the options, the process-wide counters and the
 * per-connection session defined here. One thread: no locking.
 */
#ifndef __FEED_SERVER_H
#define __FEED_SERVER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <libwebsockets.h>

#include "feed_gen.h"

#define PROG "wsfeed"
#define MAX_STREAMS 32
#define MAX_SYMBOLS 64
#define MAX_REPLIES 32
#define MAX_REQUEST 65536
#define WRITES_PER_CALLBACK 64
#define MSG_CAP (256u << 10)

struct feed_opts {
	const char *bind;
	uint64_t port;
	bool tls;
	const char *cert, *key;
	uint64_t seed;
	char *symbols[MAX_SYMBOLS];
	int nsyms;
	double rate; /* msg/s per connection, 0 = as fast as possible */
	uint64_t burst;
	uint64_t count; /* per connection, then a normal close; 0 = no limit */
	double duration;
	double ping_interval;
	int fault;
	uint64_t fault_every;
	uint64_t oversize;
	uint64_t max_conns;
	const char *replay;
	bool verbose;
};

/* Recorded lines for --replay, sent in order and looped. */
struct feed_replay {
	char *data;
	char **line;
	size_t *len;
	size_t n;
};

struct feed_state {
	volatile sig_atomic_t stop;
	struct lws_context *ctx;
	lws_sorted_usec_list_t tick;
	uint64_t start_ns;
	uint64_t conns, active, closed, rejected;
	uint64_t sent, faults, replies, requests, pings, pongs;
	unsigned char *tx; /* LWS_PRE + tx_cap */
	size_t tx_cap;
};

struct session {
	uint64_t idx;
	bool combined, micros;
	int nstreams;
	struct feed_stream streams[MAX_STREAMS];
	unsigned int rr;
	struct feed_rng rng;
	uint64_t pace_start_ns, pace_base; /* pacing restarts on subscribe */
	uint64_t slots, sent, faults;	   /* slots = messages + faults */
	uint64_t next_ping_ns;
	size_t replay_pos;
	char *reply[MAX_REPLIES];
	unsigned int rhead, rcount;
	char *rx;
	size_t rx_len;
	bool rx_over;
	bool drop_pending; /* abrupt close once lws has sent what it holds */
	bool established;
	bool done; /* close sent: lws may still call us until it completes */
};

extern struct feed_opts opt;
extern struct feed_replay replay;
extern struct feed_state g;
extern const struct lws_protocols feed_protocols[];

/* feed_opts.c: command line. Returns 0 or -1 after a one-line message. */
int feed_parse_args(int argc, char **argv);

/* feed_replay.c: load --replay FILE into replay. */
int feed_load_replay(const char *path);

/* feed_streams.c: the set of streams a session sends. */
bool stream_valid(const char *name);
int add_stream(struct session *s, const char *name);
void del_stream(struct session *s, const char *name);
int session_from_request(struct lws *wsi, struct session *s);
void pace_restart(struct session *s);

/* feed_request.c: client messages (SUBSCRIBE & co), answered in order. */
void on_receive(struct lws *wsi, struct session *s, const void *in, size_t len);

#endif /* __FEED_SERVER_H */
