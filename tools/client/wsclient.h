/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * wsclient's shared state: the options (wsclient_opts.c), the connection
 * and its counters (wsclient.c), what each message does to them
 * (wsclient_rx.c) and the summary printed at the end (wsclient_report.c).
 */
#ifndef __WSCLIENT_H
#define __WSCLIENT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libwebsockets.h>

#include "msg_hist.h"

#define PROG "wsclient"
#define DEFAULT_URL "wss://fstream.binance.com/ws/btcusdt@trade"
#define MAX_ARGS 32

struct lp_stamps;
struct ws_pub;

struct wsc_opts {
	const char *url;
	char *subs[MAX_ARGS];
	int nsubs;
	const char *sends[MAX_ARGS];
	int nsends;
	bool list_subs;
	bool insecure;
	uint64_t count;
	double duration;
	const char *publish;
	const char *json_summary;
	double ping_interval;
	uint64_t max_msg;
	uint64_t backoff_ms, backoff_max_ms;
	bool once, print, verbose;
};

struct wsc_state {
	volatile sig_atomic_t stop;
	struct lws_context *ctx;
	lws_sorted_usec_list_t tick;
	struct ws_pub *pub;
	struct lp_stamps *stamps; /* NULL with LP_STAMPS=0: USDT only */
	uint64_t stamps_conn;	  /* this connection's id in the ring */

	/* target, split by lws_parse_uri */
	char url[1024];
	char path[1024];
	const char *host;
	int port;
	bool tls;

	/* connection */
	struct lws *wsi;
	bool live; /* attempt in progress or established */
	bool established;
	bool peer_closed;
	int fd;
	uint64_t conn_msgs;
	uint64_t reconnect_at_ns, backoff_ns;
	int req_next, nreqs;
	uint64_t req_id;
	bool ping_due;
	uint64_t next_ping_ns;
	char last_error[160];

	/* message assembly */
	char *rx;
	size_t rx_len, rx_cap;
	bool in_msg, rx_oversized, rx_binary;

	/* counters */
	uint64_t start_ns;
	uint64_t first_msg_ns,
		last_msg_ns; /* throughput without connect waits */
	int64_t real_off_ns; /* CLOCK_REALTIME - CLOCK_MONOTONIC */
	uint64_t msgs, replies, bad_utf8, bad_json, bad_fields, oversized;
	uint64_t truncated, binary, pub_errors, exch_ahead, e_us, e_ms;
	uint64_t connects, conn_errors, clean_closes, drops, pings, pongs;
	struct msg_hist frame_parsed, parsed_pub, frame_pub, exch_frame,
		exch_pub;
	struct msg_hist rtt;
};

extern struct wsc_opts opt;
extern struct wsc_state wsc;

/* wsclient_opts.c: 0, or -1 after a message on stderr */
int parse_args(int argc, char **argv);

/* wsclient_rx.c */
void sample_clock_offset(void);
/* A data frame (or a fragment of one). Returns -1 to close (count reached). */
int on_receive(struct lws *wsi, const void *in, size_t len);
void on_pong(const void *in, size_t len);

/* wsclient_report.c */
void print_summary(double secs);
int write_json_summary(const char *path, double secs);

#endif /* __WSCLIENT_H */
