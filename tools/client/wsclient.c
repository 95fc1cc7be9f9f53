// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * wsclient: a market-data client for Binance-style WebSocket feeds that
 * latprobe can see into. Every market-data message gets CLOCK_MONOTONIC
 * stamps (frame complete, JSON parsed, published) and hands them to
 * latprobe exactly once: as a record in the shared-memory stamps ring
 * (lib/lp_stamps.h) while a reader has mapped it, otherwise through the
 * USDT probe latprobe:message (contract: bpf/latprobe.h).
 * Malformed input is counted and skipped; drops reconnect with backoff.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libwebsockets.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "lp_stamps.h"
#include "out_file.h"
#include "ws_common.h"
#include "ws_publish.h"
#include "wsclient.h"

struct wsc_state wsc;

static int send_text(struct lws *wsi, const char *text)
{
	size_t n = strlen(text);
	unsigned char *buf = malloc(LWS_PRE + n);
	int ret;

	if (!buf)
		return -1;
	memcpy(buf + LWS_PRE, text, n);
	ret = lws_write(wsi, buf + LWS_PRE, n, LWS_WRITE_TEXT) < (int)n ? -1
									: 0;
	free(buf);
	if (opt.verbose)
		fprintf(stderr, PROG ": sent %s\n", text);
	return ret;
}

/* Request number @i of this connection: subscribe, list, raw sends. */
static int send_request(struct lws *wsi, int i)
{
	char req[4096];
	size_t n;
	int k;

	if (opt.nsubs && i-- == 0) {
		n = (size_t)snprintf(req, sizeof(req),
				     "{\"method\":\"SUBSCRIBE\",\"params\":[");
		for (k = 0; k < opt.nsubs && n < sizeof(req); k++)
			n += (size_t)snprintf(req + n, sizeof(req) - n,
					      "%s\"%s\"", k ? "," : "",
					      opt.subs[k]);
		if (n < sizeof(req))
			snprintf(req + n, sizeof(req) - n, "],\"id\":%llu}",
				 (unsigned long long)++wsc.req_id);
		return send_text(wsi, req);
	}
	if (opt.list_subs && i-- == 0) {
		snprintf(req, sizeof(req),
			 "{\"method\":\"LIST_SUBSCRIPTIONS\",\"id\":%llu}",
			 (unsigned long long)++wsc.req_id);
		return send_text(wsi, req);
	}
	return send_text(wsi, opt.sends[i]);
}

static int on_writeable(struct lws *wsi)
{
	unsigned char buf[LWS_PRE + 8];
	uint64_t now;

	if (wsc.req_next < wsc.nreqs) {
		if (send_request(wsi, wsc.req_next++))
			return -1;
	} else if (wsc.ping_due) {
		/* payload = send time; the pong echoes it back */
		now = mono_ns();
		memcpy(buf + LWS_PRE, &now, sizeof(now));
		if (lws_write(wsi, buf + LWS_PRE, sizeof(now), LWS_WRITE_PING) <
		    0)
			return -1;
		wsc.ping_due = false;
		wsc.pings++;
	}
	if (wsc.req_next < wsc.nreqs || wsc.ping_due)
		lws_callback_on_writable(wsi);
	return 0;
}

/* The connection (or the attempt) is over: reconnect later or stop. */
static void conn_gone(const char *why)
{
	if (!wsc.live)
		return;
	wsc.live = false;
	wsc.wsi = NULL;
	if (wsc.in_msg)
		wsc.truncated++;
	wsc.in_msg = false;
	/* a drop: the server went away without a close frame */
	if (wsc.established && !wsc.peer_closed && !wsc.stop)
		wsc.drops++;
	if (wsc.established && opt.verbose)
		fprintf(stderr, PROG ": connection closed%s%s\n",
			why ? ": " : "", why ? why : "");
	wsc.established = false;
	if (wsc.stop)
		return;
	if (opt.once) {
		wsc.stop = 1;
		return;
	}
	wsc.reconnect_at_ns = mono_ns() + wsc.backoff_ns;
	wsc.backoff_ns *= 2;
	if (wsc.backoff_ns > opt.backoff_max_ms * 1000000ULL)
		wsc.backoff_ns = opt.backoff_max_ms * 1000000ULL;
}

/*
 * Why a connection failed, in words. For a certificate it could not
 * verify, libwebsockets 4.1.6 passes "connect SSL err 1:" and OpenSSL's
 * string for the number 1 ("error:00000001:lib(0)::reason(1)"): the
 * verification's own result says what was wrong.
 */
static void connection_error(struct lws *wsi, const char *in)
{
	SSL *ssl = wsi && wsc.tls ? lws_get_ssl(wsi) : NULL;
	long v = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;

	if (v != X509_V_OK)
		snprintf(wsc.last_error, sizeof(wsc.last_error),
			 "server certificate not verified: %s (X509 error %ld)",
			 X509_verify_cert_error_string(v), v);
	else
		snprintf(wsc.last_error, sizeof(wsc.last_error), "%s",
			 in ? in : "unknown error");
}

static int client_callback(struct lws *wsi, enum lws_callback_reasons reason,
			   void *user, void *in, size_t len)
{
	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		wsc.conn_errors++;
		connection_error(wsi, in);
		if (opt.verbose || !wsc.msgs)
			fprintf(stderr, PROG ": cannot connect to %s: %s\n",
				opt.url, wsc.last_error);
		conn_gone(NULL);
		return 0;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		wsc.established = true;
		wsc.peer_closed = false;
		wsc.conn_msgs = 0;
		wsc.fd = lws_get_socket_fd(wsi);
		wsc.stamps_conn = lp_stamps_conn(wsc.stamps, wsc.fd);
		wsc.req_next = 0;
		wsc.next_ping_ns =
			mono_ns() + (uint64_t)(opt.ping_interval * 1e9);
		sample_clock_offset();
		if (opt.verbose)
			fprintf(stderr, PROG ": connected to %s (fd %d)\n",
				opt.url, wsc.fd);
		lws_callback_on_writable(wsi);
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		return on_receive(wsi, in, len);
	case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
		on_pong(in, len);
		return 0;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return on_writeable(wsi);
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		wsc.peer_closed = true;
		wsc.clean_closes++;
		if (opt.verbose && len >= 2)
			fprintf(stderr, PROG ": server closed with code %d\n",
				((const unsigned char *)in)[0] << 8 |
					((const unsigned char *)in)[1]);
		return 0;
	case LWS_CALLBACK_CLIENT_CLOSED:
		conn_gone(NULL);
		return 0;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	{"md", client_callback, 0, 65536, 0, NULL, 0},
	{NULL, NULL, 0, 0, 0, NULL, 0},
};

static void connect_now(void)
{
	struct lws_client_connect_info ci;

	memset(&ci, 0, sizeof(ci));
	ci.context = wsc.ctx;
	ci.address = wsc.host;
	ci.port = wsc.port;
	ci.path = wsc.path;
	ci.host = wsc.host;
	ci.origin = wsc.host;
	ci.local_protocol_name = "md";
	ci.pwsi = &wsc.wsi;
	if (wsc.tls) {
		ci.ssl_connection = LCCSCF_USE_SSL;
		if (opt.insecure)
			ci.ssl_connection |=
				LCCSCF_ALLOW_SELFSIGNED |
				LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
				LCCSCF_ALLOW_EXPIRED | LCCSCF_ALLOW_INSECURE;
	}
	wsc.connects++;
	wsc.live = true;
	if (!lws_client_connect_via_info(&ci) && wsc.live) {
		wsc.conn_errors++;
		snprintf(wsc.last_error, sizeof(wsc.last_error),
			 "connect failed");
		conn_gone(NULL);
	}
}

static void on_tick(lws_sorted_usec_list_t *sul)
{
	uint64_t now = mono_ns();

	if (opt.duration > 0 &&
	    (double)(now - wsc.start_ns) >= opt.duration * 1e9)
		wsc.stop = 1;
	if (!wsc.stop && !wsc.live && now >= wsc.reconnect_at_ns)
		connect_now();
	if (!wsc.stop && wsc.established && opt.ping_interval > 0 &&
	    now >= wsc.next_ping_ns) {
		wsc.next_ping_ns = now + (uint64_t)(opt.ping_interval * 1e9);
		wsc.ping_due = true;
		lws_callback_on_writable(wsc.wsi);
	}
	/* keep ticking: lws_service() only returns after some event */
	lws_sul_schedule(wsc.ctx, 0, &wsc.tick, on_tick, 10 * LWS_US_PER_MS);
}

static void on_signal(int sig)
{
	wsc.stop = 1;
	if (wsc.ctx)
		lws_cancel_service(wsc.ctx);
}

int main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	double secs;
	int err = 1;

	if (parse_args(argc, argv))
		return 2;
	ws_log_setup(PROG, opt.verbose);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	wsc.nreqs = (opt.nsubs ? 1 : 0) + (opt.list_subs ? 1 : 0) + opt.nsends;
	wsc.backoff_ns = opt.backoff_ms * 1000000ULL;

	/* no ring (LP_STAMPS=0 or no memfd): every message takes the USDT */
	wsc.stamps = lp_stamps_open();
	if (opt.publish) {
		wsc.pub = ws_pub_open(opt.publish);
		if (!wsc.pub)
			return 1;
	}

	/* Client-only context; TLS through OpenSSL. */
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.gid = -1;
	info.uid = -1;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	wsc.ctx = lws_create_context(&info);
	if (!wsc.ctx) {
		fprintf(stderr,
			PROG ": cannot create the libwebsockets context\n");
		goto out;
	}

	/* Run: the tick connects, reconnects, pings and ends --duration. */
	wsc.start_ns = mono_ns();
	sample_clock_offset();
	on_tick(&wsc.tick);
	while (!wsc.stop)
		if (lws_service(wsc.ctx, 0) < 0)
			break;
	secs = (double)(mono_ns() - wsc.start_ns) / 1e9;
	lws_context_destroy(wsc.ctx);

	/* --json-summary - (or /dev/stdout): the JSON is all stdout gets */
	if (!opt.json_summary || !out_is_stdout(opt.json_summary))
		print_summary(secs);
	err = 0;
	if (opt.json_summary && write_json_summary(opt.json_summary, secs))
		err = 1;
	if (!wsc.msgs && !wsc.replies && wsc.conn_errors && !wsc.clean_closes &&
	    wsc.connects == wsc.conn_errors) {
		fprintf(stderr, PROG ": never connected to %s: %s%s\n", opt.url,
			wsc.last_error,
			wsc.tls && !opt.insecure &&
					strstr(wsc.last_error, "certificate")
				? " (a test server's own certificate? try --insecure)"
				: "");
		err = 1;
	}
out:
	lp_stamps_close(wsc.stamps);
	ws_pub_close(wsc.pub);
	free(wsc.rx);
	return err;
}
