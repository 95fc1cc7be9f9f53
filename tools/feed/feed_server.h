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
#define MAX_SYMBOLS 2048
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
	enum feed_market market; /* --market: spot or USD-M futures */
	char *symbols[MAX_SYMBOLS];
	int nsyms;
	double rate; /* msg/s per connection, 0 = as fast as possible */
	bool depth_follows_rate; /* diff depth paced by --rate, not its speed */
	uint64_t burst;
	uint64_t count; /* per connection, then a normal close; 0 = no limit */
	double duration;
	double ping_interval;
	/* Binance's connection limits; 0 switches one off */
	double pong_timeout;   /* s without the pong to our last ping */
	uint64_t max_msg_rate; /* client messages in any 1 s window */
	uint64_t max_streams;  /* streams per connection */
	double max_lifetime;   /* s, then the connection is closed */
	int fault;
	uint64_t fault_every;
	uint64_t oversize;
	uint64_t max_conns;
	const char *replay;
	const char *scenario;
	bool verbose;
};

/* --scenario FILE: steps each connection plays (feed_scenario.c). */
enum scn_action {
	SCN_BURST,
	SCN_SLOW,
	SCN_PAUSE,
	SCN_SHUTDOWN,
	SCN_DISCONNECT,
};

struct scn_step {
	double at; /* s after the connection opened */
	enum scn_action act;
	double arg;
};

struct feed_scenario {
	struct scn_step *step;
	size_t n;
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
	uint64_t limit_closes; /* connections closed by a Binance limit */
	unsigned char *tx;     /* LWS_PRE + tx_cap */
	size_t tx_cap;
};

struct session {
	uint64_t idx;
	bool combined, micros;
	int nstreams, cap_streams;
	int nevents; /* streams paced by --rate (the others are timed) */
	struct feed_stream *streams;
	struct feed_book *books; /* one per symbol of its depth streams */
	unsigned int rr;
	struct feed_rng rng;
	uint64_t pace_start_ns, pace_base; /* pacing restarts on subscribe */
	double rate;			   /* --rate, slowed by the scenario */
	size_t scn_next;		   /* next scenario step */
	uint64_t paused_until_ns;     /* scenario pause: no stream messages */
	uint64_t slots, sent, faults; /* slots = messages + faults */
	uint64_t opened_ns, next_ping_ns;
	uint64_t ping_wait_ns; /* when the unanswered ping went out, 0 = none */
	char ping_data[24];    /* its payload: the pong must copy it */
	size_t ping_len;
	uint64_t *msg_ns; /* ring: times of the last max_msg_rate messages */
	unsigned int msg_head, msg_n;
	int close_code; /* set: close with this code and reason */
	const char *close_why;
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

extern struct feed_opts opt;	      /* feed_opts.c */
extern struct feed_replay replay;     /* feed_replay.c */
extern struct feed_scenario scenario; /* feed_scenario.c */
extern struct feed_state g;	      /* feed_state.c */
extern const struct lws_protocols feed_protocols[];

/* feed_opts.c: command line. Returns 0 or -1 after a one-line message. */
int feed_parse_args(int argc, char **argv);

/* feed_replay.c: load --replay FILE into replay. */
int feed_load_replay(const char *path);

/* feed_scenario.c: --scenario FILE, checked whole. 0 or -1 (message). */
int feed_load_scenario(const char *path);
uint64_t scenario_next_ns(const struct session *s);
int scenario_shutdown_event(const struct session *s, uint64_t e, char *buf,
			    size_t len);

/* feed_streams.c: the set of streams a session sends. */
bool stream_valid(const char *name);
int add_stream(struct session *s, const char *name);
void del_stream(struct session *s, const char *name);
void streams_free(struct session *s);
int session_from_request(struct lws *wsi, struct session *s, char *why,
			 size_t n);
int http_refuse(struct lws *wsi, unsigned int status, const char *why);
void pace_restart(struct session *s);

/* feed_limits.c: Binance's per-connection limits and ping / pong rules. */
bool limit_count_message(struct session *s, uint64_t now);
void limit_ping_sent(struct session *s, uint64_t now, size_t *len);
void limit_pong(struct session *s, const void *in, size_t len);
bool limit_check(struct session *s, uint64_t now, uint64_t *next);
void limits_free(struct session *s);

/* feed_request.c: client messages (SUBSCRIBE & co), answered in order. */
int on_receive(struct lws *wsi, struct session *s, const void *in, size_t len);
bool stream_subscribed(struct session *s, const char *name);

#endif /* __FEED_SERVER_H */
