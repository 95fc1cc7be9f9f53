// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * wsfeed: a Binance-compatible market-data feed on ws:// or wss://,
 * spot or (--market futures) USD-M futures.
 *
 * Raw streams /ws/<stream>[/<stream>...], combined streams
 * /stream?streams=a/b, live SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS,
 * server pings, deterministic seeded payloads or a JSON-lines replay,
 * and optional faults in place of every Kth message. Always stops by
 * itself (--duration), printing a one-line summary.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libwebsockets.h>

#include "feed_fault.h"
#include "feed_server.h"
#include "feed_tls.h"
#include "ws_common.h"

static void on_tick(lws_sorted_usec_list_t *sul)
{
	uint64_t now = mono_ns();

	if ((double)(now - g.start_ns) >= opt.duration * 1e9 ||
	    (opt.max_conns && g.closed >= opt.max_conns))
		g.stop = 1;
	/* keep ticking: lws_service() only returns after some event */
	lws_sul_schedule(g.ctx, 0, &g.tick, on_tick, 20 * LWS_US_PER_MS);
}

static void on_signal(int sig)
{
	g.stop = 1;
	if (g.ctx)
		lws_cancel_service(g.ctx);
}

int main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	struct feed_tls tls = {0};
	struct lws_vhost *vh;
	double secs;
	int port, err = 1;

	if (feed_parse_args(argc, argv))
		return 2;
	feed_mkt = opt.market;
	feed_market_symbols(opt.symbols, opt.nsyms);
	if (opt.replay && feed_load_replay(opt.replay))
		return 1;
	ws_log_setup(PROG, opt.verbose);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	g.tx_cap = MSG_CAP;
	if (opt.fault == FAULT_OVERSIZED && opt.oversize + 4096 > g.tx_cap)
		g.tx_cap = opt.oversize + 4096;
	g.tx = malloc(LWS_PRE + g.tx_cap);
	if (!g.tx) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}

	if (opt.tls && !opt.cert) {
		if (feed_tls_selfsigned(&tls))
			goto out;
		opt.cert = tls.cert;
		opt.key = tls.key;
	}

	/* Context and the one listening vhost. */
	memset(&info, 0, sizeof(info));
	info.port = (int)opt.port;
	info.iface = opt.bind;
	info.protocols = feed_protocols;
	info.gid = -1;
	info.uid = -1;
	/* RFC 6455 8.1: invalid UTF-8 in a text frame fails the connection (1007) */
	info.options |= LWS_SERVER_OPTION_VALIDATE_UTF8;
	if (!strchr(opt.bind, ':'))
		info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
	if (opt.tls) {
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.ssl_cert_filepath = opt.cert;
		info.ssl_private_key_filepath = opt.key;
	}
	g.ctx = lws_create_context(&info);
	if (!g.ctx) {
		fprintf(stderr,
			PROG
			": cannot listen on %s:%llu (in use, bad address or certificate?)\n",
			opt.bind, (unsigned long long)opt.port);
		goto out;
	}
	vh = lws_get_vhost_by_name(g.ctx, "default");
	port = vh ? lws_get_vhost_listen_port(vh) : (int)opt.port;
	fprintf(stderr, PROG ": listening on %s://%s:%d\n",
		opt.tls ? "wss" : "ws", opt.bind, port);

	/* Serve until --duration, --max-conns or a signal. */
	g.start_ns = mono_ns();
	lws_sul_schedule(g.ctx, 0, &g.tick, on_tick, 20 * LWS_US_PER_MS);
	while (!g.stop)
		if (lws_service(g.ctx, 0) < 0)
			break;
	secs = (double)(mono_ns() - g.start_ns) / 1e9;
	lws_context_destroy(g.ctx);
	printf(PROG ": %llu connections (%llu rejected), %llu messages, "
		    "%llu faults (%s), %llu requests, %llu replies, "
		    "%llu pings, %llu pongs, %.1f s, %llu closed by limits\n",
	       (unsigned long long)g.conns, (unsigned long long)g.rejected,
	       (unsigned long long)g.sent, (unsigned long long)g.faults,
	       feed_fault_name(opt.fault), (unsigned long long)g.requests,
	       (unsigned long long)g.replies, (unsigned long long)g.pings,
	       (unsigned long long)g.pongs, secs,
	       (unsigned long long)g.limit_closes);
	fflush(stdout);
	err = 0;
out:
	feed_tls_cleanup(&tls);
	free(g.tx);
	return err;
}
