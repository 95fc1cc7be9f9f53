// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * wsclient: a market-data client for Binance-style WebSocket feeds that
 * latprobe can see into. Every market-data message gets CLOCK_MONOTONIC
 * stamps (frame complete, JSON parsed, published) and hands them to
 * latprobe exactly once: as a record in the shared-memory stamps ring
 * (tools/lp_stamps.h) while a reader has mapped it, otherwise through the
 * USDT probe latprobe:message (contract: bpf/latprobe.h).
 * Malformed input is counted and skipped; drops reconnect with backoff.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
/*
 * Probe arguments in registers or immediates only: the default also allows
 * memory operands such as "-4@2148+c(%rip)", which libbpf's USDT argument
 * parser does not accept.
 */
#define STAP_SDT_ARG_CONSTRAINT nr
#include <sys/sdt.h>
#include <libwebsockets.h>

#include "lp_stamps.h"
#include "ws_common.h"
#include "ws_msg.h"
#include "ws_publish.h"
#include "ws_stats.h"

#define PROG "wsclient"
#define DEFAULT_URL "wss://fstream.binance.com/ws/btcusdt@trade"
#define MAX_ARGS 32
#define NORM_MAX 512

static struct {
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
} opt = {
	.url = DEFAULT_URL,
	.ping_interval = 1,
	.max_msg = 1 << 20,
	.backoff_ms = 100,
	.backoff_max_ms = 30000,
};

enum req_kind { REQ_SUBSCRIBE, REQ_LIST, REQ_RAW };

static struct {
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
	uint64_t first_msg_ns, last_msg_ns; /* throughput without connect waits */
	int64_t real_off_ns; /* CLOCK_REALTIME - CLOCK_MONOTONIC */
	uint64_t msgs, replies, bad_utf8, bad_json, bad_fields, oversized;
	uint64_t truncated, binary, pub_errors, exch_ahead, e_us, e_ms;
	uint64_t connects, conn_errors, clean_closes, drops, pings, pongs;
	struct hist frame_parsed, parsed_pub, frame_pub, exch_frame, exch_pub;
	struct hist rtt;
} c;

static void sample_clock_offset(void)
{
	uint64_t r0 = real_ns(), m = mono_ns(), r1 = real_ns();

	c.real_off_ns = (int64_t)(r0 / 2 + r1 / 2) - (int64_t)m;
}

static void print_trimmed(const char *tag, const char *buf, size_t len)
{
	int n = len > 300 ? 300 : (int)len;

	printf("%s%.*s%s\n", tag, n, buf, len > 300 ? "..." : "");
}

static void record_stages(uint64_t frame_ns, uint64_t parsed_ns,
			  uint64_t pub_ns, uint64_t exch_ns)
{
	hist_add(&c.frame_parsed, parsed_ns - frame_ns);
	if (c.pub) {
		hist_add(&c.parsed_pub, pub_ns - parsed_ns);
		hist_add(&c.frame_pub, pub_ns - frame_ns);
	}
	if (exch_ns) {
		int64_t frame_real = (int64_t)frame_ns + c.real_off_ns;
		int64_t pub_real = (int64_t)pub_ns + c.real_off_ns;

		/* E ahead of us: clocks of two hosts disagree */
		if (frame_real < (int64_t)exch_ns) {
			c.exch_ahead++;
			return;
		}
		hist_add(&c.exch_frame, (uint64_t)frame_real - exch_ns);
		hist_add(&c.exch_pub, (uint64_t)pub_real - exch_ns);
	}
}

/* One complete text message. Returns -1 to close (count reached). */
static int on_message(struct lws *wsi, const char *buf, size_t len,
		      uint64_t frame_ns)
{
	uint64_t parsed_ns, pub_ns, exch_ns;
	char norm[NORM_MAX];
	struct md_msg m;
	int n;

	switch (md_parse(buf, len, &m)) {
	case MD_OK:
		break;
	case MD_REPLY:
		c.replies++;
		print_trimmed(PROG ": reply ", buf, len);
		md_free(&m);
		return 0;
	case MD_BAD_UTF8:
		c.bad_utf8++;
		return 0;
	case MD_BAD_JSON:
		c.bad_json++;
		return 0;
	case MD_BAD_FIELDS:
		c.bad_fields++;
		return 0;
	}
	exch_ns = m.e ? md_exch_ns(m.e) : 0;
	parsed_ns = mono_ns();

	pub_ns = parsed_ns;
	if (c.pub) {
		n = md_normalize(&m, exch_ns, norm, sizeof(norm));
		if (n < 0 || ws_pub_send(c.pub, norm, (size_t)n))
			c.pub_errors++;
		pub_ns = mono_ns();
	}
	/*
	 * The message goes to latprobe one way only: the ring while a reader
	 * is attached (no trap), else the USDT probe. An unpublished message
	 * has no published mark (0), not a zero stage.
	 */
	if (lp_stamps_active(c.stamps, pub_ns))
		lp_stamps_put(c.stamps, c.stamps_conn, frame_ns, parsed_ns,
			      c.pub ? pub_ns : 0, exch_ns, 0, (uint32_t)len);
	else
		DTRACE_PROBE7(latprobe, message, c.fd, frame_ns, parsed_ns,
			      c.pub ? pub_ns : 0, exch_ns, (uint64_t)0,
			      (uint32_t)len);

	if (exch_ns && exch_ns == m.e * 1000)
		c.e_us++;
	else if (exch_ns)
		c.e_ms++;
	md_free(&m);
	record_stages(frame_ns, parsed_ns, pub_ns, exch_ns);
	if (opt.print)
		print_trimmed("", buf, len);
	if (!c.msgs++)
		c.first_msg_ns = frame_ns;
	c.last_msg_ns = pub_ns;
	if (c.conn_msgs++ == 0)
		c.backoff_ns = opt.backoff_ms * 1000000ULL;
	if (opt.count && c.msgs >= opt.count) {
		c.stop = 1;
		lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL,
				 (unsigned char *)"done", 4);
		return -1;
	}
	return 0;
}

static int append_rx(const void *in, size_t len)
{
	char *nb;

	if (c.rx_len + len > opt.max_msg) {
		c.rx_oversized = true;
		return 0;
	}
	if (c.rx_len + len > c.rx_cap) {
		size_t cap = c.rx_cap ? c.rx_cap : 65536;

		while (cap < c.rx_len + len)
			cap *= 2;
		nb = realloc(c.rx, cap);
		if (!nb) {
			c.rx_oversized = true;
			return 0;
		}
		c.rx = nb;
		c.rx_cap = cap;
	}
	memcpy(c.rx + c.rx_len, in, len);
	c.rx_len += len;
	return 0;
}

static int on_receive(struct lws *wsi, const void *in, size_t len)
{
	bool final = lws_is_final_fragment(wsi) &&
		     !lws_remaining_packet_payload(wsi);
	uint64_t frame_ns;

	if (!c.in_msg) {
		c.in_msg = true;
		c.rx_len = 0;
		c.rx_oversized = false;
		c.rx_binary = lws_frame_is_binary(wsi);
		/* the common case: a whole message in one callback */
		if (final) {
			frame_ns = mono_ns();
			c.in_msg = false;
			if (c.rx_binary) {
				c.binary++;
				return 0;
			}
			if (len > opt.max_msg) {
				c.oversized++;
				return 0;
			}
			return on_message(wsi, in, len, frame_ns);
		}
	}
	if (!c.rx_oversized && !c.rx_binary)
		append_rx(in, len);
	if (!final)
		return 0;
	frame_ns = mono_ns();
	c.in_msg = false;
	if (c.rx_binary) {
		c.binary++;
		return 0;
	}
	if (c.rx_oversized) {
		c.oversized++;
		return 0;
	}
	return on_message(wsi, c.rx, c.rx_len, frame_ns);
}

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
				 (unsigned long long)++c.req_id);
		return send_text(wsi, req);
	}
	if (opt.list_subs && i-- == 0) {
		snprintf(req, sizeof(req),
			 "{\"method\":\"LIST_SUBSCRIPTIONS\",\"id\":%llu}",
			 (unsigned long long)++c.req_id);
		return send_text(wsi, req);
	}
	return send_text(wsi, opt.sends[i]);
}

static int on_writeable(struct lws *wsi)
{
	unsigned char buf[LWS_PRE + 8];
	uint64_t now;

	if (c.req_next < c.nreqs) {
		if (send_request(wsi, c.req_next++))
			return -1;
	} else if (c.ping_due) {
		/* payload = send time; the pong echoes it back */
		now = mono_ns();
		memcpy(buf + LWS_PRE, &now, sizeof(now));
		if (lws_write(wsi, buf + LWS_PRE, sizeof(now), LWS_WRITE_PING) <
		    0)
			return -1;
		c.ping_due = false;
		c.pings++;
	}
	if (c.req_next < c.nreqs || c.ping_due)
		lws_callback_on_writable(wsi);
	return 0;
}

static void on_pong(const void *in, size_t len)
{
	uint64_t sent, now = mono_ns();

	if (len != sizeof(sent))
		return;
	memcpy(&sent, in, sizeof(sent));
	if (sent <= now && now - sent < 60 * NSEC_PER_SEC) {
		c.pongs++;
		hist_add(&c.rtt, now - sent);
	}
}

/* The connection (or the attempt) is over: reconnect later or stop. */
static void conn_gone(const char *why)
{
	if (!c.live)
		return;
	c.live = false;
	c.wsi = NULL;
	if (c.in_msg)
		c.truncated++;
	c.in_msg = false;
	/* a drop: the server went away without a close frame */
	if (c.established && !c.peer_closed && !c.stop)
		c.drops++;
	if (c.established && opt.verbose)
		fprintf(stderr, PROG ": connection closed%s%s\n",
			why ? ": " : "", why ? why : "");
	c.established = false;
	if (c.stop)
		return;
	if (opt.once) {
		c.stop = 1;
		return;
	}
	c.reconnect_at_ns = mono_ns() + c.backoff_ns;
	c.backoff_ns *= 2;
	if (c.backoff_ns > opt.backoff_max_ms * 1000000ULL)
		c.backoff_ns = opt.backoff_max_ms * 1000000ULL;
}

static int client_callback(struct lws *wsi, enum lws_callback_reasons reason,
			   void *user, void *in, size_t len)
{
	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		c.conn_errors++;
		snprintf(c.last_error, sizeof(c.last_error), "%s",
			 in ? (const char *)in : "unknown error");
		if (opt.verbose || !c.msgs)
			fprintf(stderr, PROG ": cannot connect to %s: %s\n",
				opt.url, c.last_error);
		conn_gone(NULL);
		return 0;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		c.established = true;
		c.peer_closed = false;
		c.conn_msgs = 0;
		c.fd = lws_get_socket_fd(wsi);
		c.stamps_conn = lp_stamps_conn(c.stamps, c.fd);
		c.req_next = 0;
		c.next_ping_ns =
			mono_ns() + (uint64_t)(opt.ping_interval * 1e9);
		sample_clock_offset();
		if (opt.verbose)
			fprintf(stderr, PROG ": connected to %s (fd %d)\n",
				opt.url, c.fd);
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
		c.peer_closed = true;
		c.clean_closes++;
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
	ci.context = c.ctx;
	ci.address = c.host;
	ci.port = c.port;
	ci.path = c.path;
	ci.host = c.host;
	ci.origin = c.host;
	ci.local_protocol_name = "md";
	ci.pwsi = &c.wsi;
	if (c.tls) {
		ci.ssl_connection = LCCSCF_USE_SSL;
		if (opt.insecure)
			ci.ssl_connection |=
				LCCSCF_ALLOW_SELFSIGNED |
				LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
				LCCSCF_ALLOW_EXPIRED | LCCSCF_ALLOW_INSECURE;
	}
	c.connects++;
	c.live = true;
	if (!lws_client_connect_via_info(&ci) && c.live) {
		c.conn_errors++;
		snprintf(c.last_error, sizeof(c.last_error), "connect failed");
		conn_gone(NULL);
	}
}

static void on_tick(lws_sorted_usec_list_t *sul)
{
	uint64_t now = mono_ns();

	if (opt.duration > 0 &&
	    (double)(now - c.start_ns) >= opt.duration * 1e9)
		c.stop = 1;
	if (!c.stop && !c.live && now >= c.reconnect_at_ns)
		connect_now();
	if (!c.stop && c.established && opt.ping_interval > 0 &&
	    now >= c.next_ping_ns) {
		c.next_ping_ns = now + (uint64_t)(opt.ping_interval * 1e9);
		c.ping_due = true;
		lws_callback_on_writable(c.wsi);
	}
	/* keep ticking: lws_service() only returns after some event */
	lws_sul_schedule(c.ctx, 0, &c.tick, on_tick, 10 * LWS_US_PER_MS);
}

static void on_signal(int sig)
{
	c.stop = 1;
	if (c.ctx)
		lws_cancel_service(c.ctx);
}

static uint64_t skipped(void)
{
	return c.bad_utf8 + c.bad_json + c.bad_fields + c.oversized +
	       c.truncated + c.binary;
}

static void print_summary(double secs)
{
	printf(PROG
	       ": %llu messages in %.2f s (%.0f/s); %llu connections, %llu reconnects, %llu drops, %llu connect errors\n",
	       (unsigned long long)c.msgs, secs, secs > 0 ? c.msgs / secs : 0,
	       (unsigned long long)(c.connects - c.conn_errors),
	       (unsigned long long)(c.connects ? c.connects - 1 : 0),
	       (unsigned long long)c.drops, (unsigned long long)c.conn_errors);
	printf("  %-26s %10s %10s %10s %10s\n", "stage (us)", "count", "p50",
	       "p99", "max");
	hist_print_row(stdout, "frame_to_parsed", &c.frame_parsed);
	if (c.pub)
		hist_print_row(stdout, "parsed_to_published", &c.parsed_pub);
	if (c.exch_frame.count)
		hist_print_row(stdout,
			       c.e_ms ? "exchange_to_frame (E ms)"
				      : "exchange_to_frame",
			       &c.exch_frame);
	if (c.rtt.count)
		hist_print_row(stdout, "ping_rtt", &c.rtt);
	printf(PROG
	       ": skipped %llu (bad_utf8 %llu, bad_json %llu, bad_fields %llu, oversized %llu, truncated %llu, binary %llu); replies %llu; publish errors %llu\n",
	       (unsigned long long)skipped(), (unsigned long long)c.bad_utf8,
	       (unsigned long long)c.bad_json, (unsigned long long)c.bad_fields,
	       (unsigned long long)c.oversized, (unsigned long long)c.truncated,
	       (unsigned long long)c.binary, (unsigned long long)c.replies,
	       (unsigned long long)c.pub_errors);
	fflush(stdout);
}

static int write_json_summary(const char *path, double secs)
{
	struct rusage ru = {};
	char tmp[4096];
	FILE *f;

	/* CPU per message: what a tracer's probe costs the client shows here */
	getrusage(RUSAGE_SELF, &ru);

	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	f = fopen(tmp, "w");
	if (!f)
		goto err;
	fprintf(f,
		"{\n  \"tool\": \"wsclient\",\n  \"url\": \"%s\",\n"
		"  \"duration_seconds\": %.3f,\n  \"messages\": %llu,\n"
		"  \"messages_per_second\": %.1f,\n  \"message_seconds\": %.6f,\n"
		"  \"cpu_seconds\": %.6f,\n"
		"  \"published\": %s,\n"
		"  \"exch_time_unit\": \"%s\",\n  \"connections\": %llu,\n"
		"  \"reconnects\": %llu,\n  \"drops\": %llu,\n"
		"  \"connect_errors\": %llu,\n  \"replies\": %llu,\n"
		"  \"publish_errors\": %llu,\n  \"exch_ahead\": %llu,\n"
		"  \"pings\": %llu,\n  \"pongs\": %llu,\n",
		opt.url, secs, (unsigned long long)c.msgs,
		secs > 0 ? c.msgs / secs : 0.0,
		(c.last_msg_ns - c.first_msg_ns) / 1e9,
		ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
			(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6,
		c.pub ? "true" : "false",
		c.e_ms ? (c.e_us ? "mixed" : "ms") : (c.e_us ? "us" : "none"),
		(unsigned long long)(c.connects - c.conn_errors),
		(unsigned long long)(c.connects ? c.connects - 1 : 0),
		(unsigned long long)c.drops, (unsigned long long)c.conn_errors,
		(unsigned long long)c.replies, (unsigned long long)c.pub_errors,
		(unsigned long long)c.exch_ahead, (unsigned long long)c.pings,
		(unsigned long long)c.pongs);
	fprintf(f,
		"  \"skipped\": {\"total\": %llu, \"bad_utf8\": %llu, \"bad_json\": %llu, "
		"\"bad_fields\": %llu, \"oversized\": %llu, \"truncated\": %llu, "
		"\"binary\": %llu},\n  \"stages\": {\n",
		(unsigned long long)skipped(), (unsigned long long)c.bad_utf8,
		(unsigned long long)c.bad_json,
		(unsigned long long)c.bad_fields,
		(unsigned long long)c.oversized,
		(unsigned long long)c.truncated, (unsigned long long)c.binary);
	hist_print_json(f, "frame_to_parsed", &c.frame_parsed, 0);
	hist_print_json(f, "parsed_to_published", &c.parsed_pub, 0);
	hist_print_json(f, "frame_to_published", &c.frame_pub, 0);
	hist_print_json(f, "exchange_to_frame", &c.exch_frame, 0);
	hist_print_json(f, "exchange_to_published", &c.exch_pub, 0);
	hist_print_json(f, "ping_rtt", &c.rtt, 1);
	fprintf(f, "  }\n}\n");
	if (fclose(f) || rename(tmp, path))
		goto err;
	return 0;
err:
	fprintf(stderr, PROG ": cannot write --json-summary %s: %s\n", path,
		strerror(errno));
	unlink(tmp);
	return -1;
}

static int parse_url(void)
{
	const char *prot, *path;

	snprintf(c.url, sizeof(c.url), "%s", opt.url);
	if (strlen(opt.url) >= sizeof(c.url) - 1 ||
	    lws_parse_uri(c.url, &prot, &c.host, &c.port, &path) ||
	    (strcmp(prot, "ws") && strcmp(prot, "wss")) || !*c.host) {
		fprintf(stderr,
			PROG
			": bad --url '%s' (want ws://HOST[:PORT]/PATH or wss://...)\n",
			opt.url);
		return -1;
	}
	c.tls = !strcmp(prot, "wss");
	snprintf(c.path, sizeof(c.path), "/%s", path);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " [options]\n"
		"Market-data WebSocket client that hands latprobe each message's stamps\n"
		"(shared-memory ring, or the latprobe:message USDT probe; LP_STAMPS=0: USDT only).\n"
		"  --url URL            feed (default " DEFAULT_URL ")\n"
		"  --subscribe S[,S]    send SUBSCRIBE for these streams on every connect\n"
		"  --list-subscriptions send LIST_SUBSCRIPTIONS after subscribing\n"
		"  --send JSON          send this request text on every connect (repeatable)\n"
		"  --insecure           accept self-signed / mismatching certificates\n"
		"  --count N            stop after N market-data messages\n"
		"  --duration S         stop after S seconds (default: no limit)\n"
		"  --once               do not reconnect: stop when the connection ends\n"
		"  --publish ENDPOINT   ZeroMQ PUB each normalized message (tcp://127.0.0.1:5555)\n"
		"  --ping-interval S    client ping period for RTT, 0 = off (default 1)\n"
		"  --max-message BYTES  larger messages are skipped (default 1 MiB)\n"
		"  --backoff-ms MS      first reconnect delay, doubled per failure (default 100)\n"
		"  --backoff-max-ms MS  reconnect delay cap (default 30000)\n"
		"  --json-summary FILE  write the stage summary as JSON\n"
		"  --print              print every market-data message\n"
		"  --verbose            connection events and libwebsockets notices\n");
}

enum {
	O_URL = 256,
	O_SUB,
	O_LIST,
	O_SEND,
	O_INSECURE,
	O_COUNT,
	O_DURATION,
	O_ONCE,
	O_PUBLISH,
	O_PING,
	O_MAXMSG,
	O_BACKOFF,
	O_BACKOFF_MAX,
	O_JSON,
	O_PRINT,
	O_VERBOSE,
	O_HELP,
};

static const struct option long_opts[] = {
	{"url", required_argument, NULL, O_URL},
	{"subscribe", required_argument, NULL, O_SUB},
	{"list-subscriptions", no_argument, NULL, O_LIST},
	{"send", required_argument, NULL, O_SEND},
	{"insecure", no_argument, NULL, O_INSECURE},
	{"count", required_argument, NULL, O_COUNT},
	{"duration", required_argument, NULL, O_DURATION},
	{"once", no_argument, NULL, O_ONCE},
	{"publish", required_argument, NULL, O_PUBLISH},
	{"ping-interval", required_argument, NULL, O_PING},
	{"max-message", required_argument, NULL, O_MAXMSG},
	{"backoff-ms", required_argument, NULL, O_BACKOFF},
	{"backoff-max-ms", required_argument, NULL, O_BACKOFF_MAX},
	{"json-summary", required_argument, NULL, O_JSON},
	{"print", no_argument, NULL, O_PRINT},
	{"verbose", no_argument, NULL, O_VERBOSE},
	{"help", no_argument, NULL, O_HELP},
	{NULL, 0, NULL, 0},
};

static int add_subs(char *list)
{
	char *save = NULL, *s;

	for (s = strtok_r(list, ",", &save); s;
	     s = strtok_r(NULL, ",", &save)) {
		if (opt.nsubs == MAX_ARGS || strpbrk(s, "\"\\") || !*s) {
			fprintf(stderr,
				PROG ": bad value for --subscribe: '%s'\n", s);
			return -1;
		}
		opt.subs[opt.nsubs++] = s;
	}
	return 0;
}

static int parse_args(int argc, char **argv)
{
	int ch, err = 0;

	while (!err &&
	       (ch = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		switch (ch) {
		case O_URL:
			opt.url = optarg;
			break;
		case O_SUB:
			err = add_subs(optarg);
			break;
		case O_LIST:
			opt.list_subs = true;
			break;
		case O_SEND:
			if (opt.nsends == MAX_ARGS) {
				fprintf(stderr, PROG ": too many --send\n");
				return -1;
			}
			opt.sends[opt.nsends++] = optarg;
			break;
		case O_INSECURE:
			opt.insecure = true;
			break;
		case O_COUNT:
			err = parse_u64(PROG, "count", optarg, 1, UINT64_MAX,
					&opt.count);
			break;
		case O_DURATION:
			err = parse_double(PROG, "duration", optarg, 0,
					   86400.0 * 365, &opt.duration);
			break;
		case O_ONCE:
			opt.once = true;
			break;
		case O_PUBLISH:
			opt.publish = optarg;
			break;
		case O_PING:
			err = parse_double(PROG, "ping-interval", optarg, 0,
					   3600, &opt.ping_interval);
			break;
		case O_MAXMSG:
			err = parse_u64(PROG, "max-message", optarg, 64,
					1ULL << 30, &opt.max_msg);
			break;
		case O_BACKOFF:
			err = parse_u64(PROG, "backoff-ms", optarg, 1, 3600000,
					&opt.backoff_ms);
			break;
		case O_BACKOFF_MAX:
			err = parse_u64(PROG, "backoff-max-ms", optarg, 1,
					86400000, &opt.backoff_max_ms);
			break;
		case O_JSON:
			opt.json_summary = optarg;
			break;
		case O_PRINT:
			opt.print = true;
			break;
		case O_VERBOSE:
			opt.verbose = true;
			break;
		case O_HELP:
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr, PROG ": unknown option (see --help)\n");
			return -1;
		}
	}
	if (err)
		return -1;
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n",
			argv[optind]);
		return -1;
	}
	return parse_url();
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
	c.nreqs = (opt.nsubs ? 1 : 0) + (opt.list_subs ? 1 : 0) + opt.nsends;
	c.backoff_ns = opt.backoff_ms * 1000000ULL;

	/* no ring (LP_STAMPS=0 or no memfd): every message takes the USDT */
	c.stamps = lp_stamps_open();
	if (opt.publish) {
		c.pub = ws_pub_open(opt.publish);
		if (!c.pub)
			return 1;
	}

	/* Client-only context; TLS through OpenSSL. */
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.gid = -1;
	info.uid = -1;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	c.ctx = lws_create_context(&info);
	if (!c.ctx) {
		fprintf(stderr,
			PROG ": cannot create the libwebsockets context\n");
		goto out;
	}

	/* Run: the tick connects, reconnects, pings and ends --duration. */
	c.start_ns = mono_ns();
	sample_clock_offset();
	on_tick(&c.tick);
	while (!c.stop)
		if (lws_service(c.ctx, 0) < 0)
			break;
	secs = (double)(mono_ns() - c.start_ns) / 1e9;
	lws_context_destroy(c.ctx);

	print_summary(secs);
	err = 0;
	if (opt.json_summary && write_json_summary(opt.json_summary, secs))
		err = 1;
	if (!c.msgs && !c.replies && c.conn_errors && !c.clean_closes &&
	    c.connects == c.conn_errors) {
		fprintf(stderr, PROG ": never connected to %s: %s%s\n", opt.url,
			c.last_error,
			c.tls && !opt.insecure && strstr(c.last_error, "SSL")
				? " (self-signed certificate? try --insecure)"
				: "");
		err = 1;
	}
out:
	lp_stamps_close(c.stamps);
	ws_pub_close(c.pub);
	free(c.rx);
	return err;
}
