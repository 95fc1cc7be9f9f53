// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * wsfeed: a Binance-compatible market-data feed on ws:// or wss://.
 *
 * Raw streams /ws/<stream>[/<stream>...], combined streams
 * /stream?streams=a/b, live SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS,
 * server pings, deterministic seeded payloads or a JSON-lines replay,
 * and optional faults in place of every Kth message. Always stops by
 * itself (--duration), printing a one-line summary.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cjson/cJSON.h>
#include <libwebsockets.h>

#include "feed_fault.h"
#include "feed_gen.h"
#include "feed_tls.h"
#include "ws_common.h"

#define PROG "wsfeed"
#define MAX_STREAMS 32
#define MAX_SYMBOLS 64
#define MAX_REPLIES 32
#define MAX_REQUEST 65536
#define WRITES_PER_CALLBACK 64
#define MSG_CAP (256u << 10)

static struct {
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
} opt = {
	.bind = "127.0.0.1",
	.port = 9443,
	.seed = 1,
	.rate = 100,
	.burst = 1,
	.duration = 30,
	.ping_interval = 3,
	.fault_every = 100,
	.oversize = FAULT_OVERSIZE_DEFAULT,
};

/* Recorded lines for --replay, sent in order and looped. */
static struct {
	char *data;
	char **line;
	size_t *len;
	size_t n;
} replay;

static struct {
	volatile sig_atomic_t stop;
	struct lws_context *ctx;
	lws_sorted_usec_list_t tick;
	uint64_t start_ns;
	uint64_t conns, active, closed, rejected;
	uint64_t sent, faults, replies, requests, pings, pongs;
	unsigned char *tx; /* LWS_PRE + tx_cap */
	size_t tx_cap;
} g;

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

static bool symbol_known(const char *stream)
{
	const char *at = strchr(stream, '@');
	size_t n = at ? (size_t)(at - stream) : 0;
	int i;

	for (i = 0; i < opt.nsyms; i++)
		if (strlen(opt.symbols[i]) == n &&
		    !strncasecmp(opt.symbols[i], stream, n))
			return true;
	return false;
}

static int find_stream(struct session *s, const char *name)
{
	int i;

	for (i = 0; i < s->nstreams; i++)
		if (!strcmp(s->streams[i].name, name))
			return i;
	return -1;
}

static bool stream_valid(const char *name)
{
	struct feed_stream tmp;
	struct feed_rng r = {1};

	return symbol_known(name) && !feed_stream_init(&tmp, name, &r);
}

static void pace_restart(struct session *s)
{
	s->pace_start_ns = mono_ns();
	s->pace_base = s->slots;
}

/* Returns 0, or -1 if @name is not served (or the session is full). */
static int add_stream(struct session *s, const char *name)
{
	if (find_stream(s, name) >= 0)
		return 0;
	if (s->nstreams >= MAX_STREAMS || !symbol_known(name) ||
	    feed_stream_init(&s->streams[s->nstreams], name, &s->rng))
		return -1;
	if (s->nstreams++ == 0)
		pace_restart(s);
	return 0;
}

static void del_stream(struct session *s, const char *name)
{
	int i = find_stream(s, name);

	if (i < 0)
		return;
	memmove(&s->streams[i], &s->streams[i + 1],
		(size_t)(s->nstreams - i - 1) * sizeof(s->streams[0]));
	s->nstreams--;
}

/* "a/b/c" (modified in place) */
static int add_stream_list(struct session *s, char *list)
{
	char *save = NULL, *name;

	for (name = strtok_r(list, "/", &save); name;
	     name = strtok_r(NULL, "/", &save))
		if (add_stream(s, name))
			return -1;
	return 0;
}

/* Set up @s from the upgrade request's path and query. */
static int session_from_request(struct lws *wsi, struct session *s)
{
	char uri[1024], arg[2048];
	int n;

	if (lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) <= 0)
		return -1;
	if (!strncmp(uri, "/ws", 3) && (uri[3] == '\0' || uri[3] == '/')) {
		if (uri[3] && add_stream_list(s, uri + 4))
			return -1;
	} else if (!strcmp(uri, "/stream") || !strcmp(uri, "/stream/")) {
		s->combined = true;
	} else {
		return -1;
	}
	for (n = 0; lws_hdr_copy_fragment(wsi, arg, sizeof(arg),
					  WSI_TOKEN_HTTP_URI_ARGS, n) > 0;
	     n++) {
		if (!strncmp(arg, "streams=", 8)) {
			if (add_stream_list(s, arg + 8))
				return -1;
		} else if (!strcasecmp(arg, "timeUnit=MICROSECOND")) {
			s->micros = true;
		} else if (!strncasecmp(arg, "timeUnit=", 9) &&
			   strcasecmp(arg + 9, "MILLISECOND")) {
			return -1;
		}
	}
	return 0;
}

static void queue_reply(struct lws *wsi, struct session *s, char *text)
{
	if (!text)
		return;
	if (s->rcount == MAX_REPLIES) {
		free(text);
		return;
	}
	s->reply[(s->rhead + s->rcount++) % MAX_REPLIES] = text;
	lws_callback_on_writable(wsi);
}

static char *error_reply(int code, const char *msg, const cJSON *id)
{
	cJSON *r = cJSON_CreateObject(),
	      *e = cJSON_AddObjectToObject(r, "error");
	char *text;

	cJSON_AddNumberToObject(e, "code", code);
	cJSON_AddStringToObject(e, "msg", msg);
	cJSON_AddItemToObject(r, "id",
			      id ? cJSON_Duplicate(id, 1) : cJSON_CreateNull());
	text = cJSON_PrintUnformatted(r);
	cJSON_Delete(r);
	return text;
}

static bool params_valid(const cJSON *params)
{
	const cJSON *p;

	if (!cJSON_IsArray(params))
		return false;
	cJSON_ArrayForEach(
		p, params) if (!cJSON_IsString(p) ||
			       !stream_valid(p->valuestring)) return false;
	return true;
}

/* One request from the client, answered like Binance does. */
static char *handle_request(struct session *s, const char *buf, size_t len)
{
	cJSON *req = cJSON_ParseWithLength(buf, len), *r, *list;
	const cJSON *method, *params, *id, *p;
	char *text;
	int i;

	g.requests++;
	if (!cJSON_IsObject(req)) {
		cJSON_Delete(req);
		return error_reply(3, "Invalid JSON", NULL);
	}
	method = cJSON_GetObjectItemCaseSensitive(req, "method");
	params = cJSON_GetObjectItemCaseSensitive(req, "params");
	id = cJSON_GetObjectItemCaseSensitive(req, "id");
	if (!cJSON_IsNumber(id) && !cJSON_IsString(id)) {
		text = error_reply(
			2,
			"Invalid request: request ID must be an unsigned integer or a string",
			NULL);
		goto out;
	}
	if (!cJSON_IsString(method)) {
		text = error_reply(
			2, "Invalid request: method must be a string", id);
		goto out;
	}

	r = cJSON_CreateObject();
	if (!strcmp(method->valuestring, "SUBSCRIBE") ||
	    !strcmp(method->valuestring, "UNSUBSCRIBE")) {
		bool sub = method->valuestring[0] == 'S';

		if (!params_valid(params)) {
			cJSON_Delete(r);
			text = error_reply(2, "Invalid request: unknown stream",
					   id);
			goto out;
		}
		cJSON_ArrayForEach(p, params)
		{
			if (!sub)
				del_stream(s, p->valuestring);
			else if (add_stream(s, p->valuestring)) {
				cJSON_Delete(r);
				text = error_reply(
					2, "Invalid request: too many streams",
					id);
				goto out;
			}
		}
		cJSON_AddNullToObject(r, "result");
	} else if (!strcmp(method->valuestring, "LIST_SUBSCRIPTIONS")) {
		list = cJSON_AddArrayToObject(r, "result");
		for (i = 0; i < s->nstreams; i++)
			cJSON_AddItemToArray(
				list, cJSON_CreateString(s->streams[i].name));
	} else {
		cJSON_Delete(r);
		text = error_reply(2, "Invalid request: unknown method", id);
		goto out;
	}
	cJSON_AddItemToObject(r, "id", cJSON_Duplicate(id, 1));
	text = cJSON_PrintUnformatted(r);
	cJSON_Delete(r);
out:
	cJSON_Delete(req);
	return text;
}

static void on_receive(struct lws *wsi, struct session *s, const void *in,
		       size_t len)
{
	bool final = lws_is_final_fragment(wsi) &&
		     !lws_remaining_packet_payload(wsi);
	char *nb;

	if (!s->rx_over && s->rx_len + len <= MAX_REQUEST) {
		nb = realloc(s->rx, s->rx_len + len + 1);
		if (nb) {
			s->rx = nb;
			memcpy(s->rx + s->rx_len, in, len);
			s->rx_len += len;
		} else {
			s->rx_over = true;
		}
	} else {
		s->rx_over = true;
	}
	if (!final)
		return;
	if (s->rx_over)
		queue_reply(wsi, s,
			    error_reply(3, "Invalid JSON: too long", NULL));
	else
		queue_reply(wsi, s, handle_request(s, s->rx, s->rx_len));
	s->rx_len = 0;
	s->rx_over = false;
}

static bool has_source(const struct session *s)
{
	return replay.n || s->nstreams;
}

/* Message slots allowed by now (bursts of opt.burst at opt.rate). */
static uint64_t slots_due(const struct session *s, uint64_t now)
{
	double groups;

	if (opt.rate <= 0)
		return UINT64_MAX;
	groups = (double)(now - s->pace_start_ns) / 1e9 * opt.rate /
		 (double)opt.burst;
	return s->pace_base + ((uint64_t)groups + 1) * opt.burst;
}

static uint64_t next_slot_ns(const struct session *s)
{
	uint64_t group = (s->slots - s->pace_base) / opt.burst;

	return s->pace_start_ns +
	       (uint64_t)((double)group * (double)opt.burst / opt.rate * 1e9);
}

static uint64_t event_time(const struct session *s)
{
	return s->micros ? real_ns() / 1000 : real_ns() / 1000000;
}

/* TCP goes away without a WebSocket close (and without TLS close_notify). */
static void abrupt_close(struct lws *wsi)
{
	shutdown(lws_get_socket_fd(wsi), SHUT_RDWR);
}

static int send_fault(struct lws *wsi, struct session *s)
{
	unsigned char *buf = g.tx + LWS_PRE;
	struct fault_out fo;

	if (feed_fault_build(opt.fault, s->faults, event_time(s), opt.oversize,
			     (char *)buf, g.tx_cap, &fo))
		return -1;
	s->faults++;
	g.faults++;
	if (fo.len &&
	    lws_write(wsi, buf, fo.len,
		      fo.raw ? LWS_WRITE_RAW : LWS_WRITE_TEXT) < (int)fo.len)
		return -1;
	/* lws may still hold part of a large raw write: drop after it */
	s->drop_pending = fo.close_after;
	return 0;
}

/* Send the next slot: a message or a fault. -1 closes the connection. */
static int send_next(struct lws *wsi, struct session *s)
{
	char *buf = (char *)g.tx + LWS_PRE;
	int n;

	s->slots++;
	if (opt.fault && s->slots % opt.fault_every == 0)
		return send_fault(wsi, s);
	if (replay.n) {
		size_t i = s->replay_pos++ % replay.n;

		n = feed_replay_line(replay.line[i], replay.len[i],
				     event_time(s), buf, g.tx_cap);
	} else {
		struct feed_stream *st = &s->streams[s->rr++ % s->nstreams];

		n = feed_format(st, &s->rng, event_time(s), s->combined, buf,
				g.tx_cap);
	}
	if (n < 0 ||
	    lws_write(wsi, (unsigned char *)buf, (size_t)n, LWS_WRITE_TEXT) < n)
		return -1;
	s->sent++;
	g.sent++;
	if (opt.count && s->sent >= opt.count) {
		s->done = true;
		lws_set_timer_usecs(wsi, LWS_SET_TIMER_USEC_CANCEL);
		lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL,
				 (unsigned char *)"count reached", 13);
		return -1;
	}
	return 0;
}

static void schedule(struct lws *wsi, struct session *s, uint64_t now)
{
	uint64_t next = s->next_ping_ns;

	if (s->rcount) {
		lws_callback_on_writable(wsi);
		return;
	}
	if (has_source(s)) {
		if (slots_due(s, now) > s->slots) {
			lws_callback_on_writable(wsi);
			return;
		}
		if (next_slot_ns(s) < next)
			next = next_slot_ns(s);
	}
	lws_set_timer_usecs(
		wsi, next > now ? (lws_usec_t)((next - now) / 1000) + 1 : 1);
}

static int on_writeable(struct lws *wsi, struct session *s)
{
	uint64_t now = mono_ns(), due;
	unsigned char *buf = g.tx + LWS_PRE;
	int budget = WRITES_PER_CALLBACK;
	size_t n;

	if (s->done)
		return -1;
	if (s->drop_pending) {
		if (lws_partial_buffered(wsi)) {
			lws_callback_on_writable(wsi);
			return 0;
		}
		abrupt_close(wsi);
		return -1;
	}

	if (opt.ping_interval > 0 && now >= s->next_ping_ns) {
		memcpy(buf, PROG, sizeof(PROG) - 1);
		if (lws_write(wsi, buf, sizeof(PROG) - 1, LWS_WRITE_PING) < 0)
			return -1;
		s->next_ping_ns = now + (uint64_t)(opt.ping_interval * 1e9);
		g.pings++;
		budget--;
	}
	while (s->rcount && budget > 0 && !lws_send_pipe_choked(wsi)) {
		char *text = s->reply[s->rhead];

		n = strlen(text);
		if (n > g.tx_cap)
			n = g.tx_cap;
		memcpy(buf, text, n);
		free(text);
		s->rhead = (s->rhead + 1) % MAX_REPLIES;
		s->rcount--;
		if (lws_write(wsi, buf, n, LWS_WRITE_TEXT) < (int)n)
			return -1;
		g.replies++;
		budget--;
	}
	if (has_source(s)) {
		due = slots_due(s, now);
		while (s->slots < due && budget-- > 0 && !s->drop_pending &&
		       !lws_send_pipe_choked(wsi))
			if (send_next(wsi, s))
				return -1;
	}
	if (s->drop_pending) {
		lws_callback_on_writable(wsi);
		return 0;
	}
	schedule(wsi, s, now);
	return 0;
}

static void session_free(struct session *s)
{
	while (s->rcount) {
		free(s->reply[s->rhead]);
		s->rhead = (s->rhead + 1) % MAX_REPLIES;
		s->rcount--;
	}
	free(s->rx);
	s->rx = NULL;
}

static int feed_callback(struct lws *wsi, enum lws_callback_reasons reason,
			 void *user, void *in, size_t len)
{
	struct session *s = user, probe;

	switch (reason) {
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		memset(&probe, 0, sizeof(probe));
		feed_rng_seed(&probe.rng, opt.seed);
		if (session_from_request(wsi, &probe)) {
			g.rejected++;
			if (opt.verbose)
				fprintf(stderr, PROG
					": rejected a request for an unknown path or stream\n");
			return 1;
		}
		return 0;
	case LWS_CALLBACK_ESTABLISHED:
		memset(s, 0, sizeof(*s));
		s->established = true;
		s->idx = g.conns++;
		g.active++;
		feed_rng_seed(&s->rng, opt.seed + s->idx);
		if (session_from_request(wsi, s))
			return -1;
		pace_restart(s);
		s->next_ping_ns =
			mono_ns() + (uint64_t)(opt.ping_interval * 1e9);
		lws_callback_on_writable(wsi);
		return 0;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return on_writeable(wsi, s);
	case LWS_CALLBACK_TIMER:
		if (!s->done)
			lws_callback_on_writable(wsi);
		return 0;
	case LWS_CALLBACK_RECEIVE:
		on_receive(wsi, s, in, len);
		return 0;
	case LWS_CALLBACK_RECEIVE_PONG:
		g.pongs++;
		return 0;
	case LWS_CALLBACK_CLOSED:
		/* also called for upgrades we rejected: those never began */
		if (!s || !s->established)
			return 0;
		s->established = false;
		g.active--;
		g.closed++;
		session_free(s);
		return 0;
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
	{"binance", feed_callback, sizeof(struct session), 4096, 0, NULL, 0},
	{NULL, NULL, 0, 0, 0, NULL, 0},
};

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

static int load_replay(const char *path)
{
	FILE *f = fopen(path, "r");
	size_t cap = 0, size = 0, i, start;
	char *p;

	if (!f) {
		fprintf(stderr, PROG ": cannot open --replay file %s: %s\n",
			path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (size + 65536 > cap) {
			cap = cap ? cap * 2 : 1 << 20;
			p = realloc(replay.data, cap + 1);
			if (!p)
				break;
			replay.data = p;
		}
		i = fread(replay.data + size, 1, cap - size, f);
		if (!i)
			break;
		size += i;
	}
	fclose(f);
	if (!replay.data)
		return -1;
	replay.data[size] = '\n';
	/* upper bound on lines: count newlines */
	for (i = 0, cap = 1; i < size; i++)
		cap += replay.data[i] == '\n';
	replay.line = calloc(cap, sizeof(*replay.line));
	replay.len = calloc(cap, sizeof(*replay.len));
	if (!replay.line || !replay.len)
		return -1;
	for (i = start = 0; i <= size; i++) {
		if (replay.data[i] != '\n')
			continue;
		if (i > start &&
		    !(i - start == 1 && replay.data[start] == '\r')) {
			replay.line[replay.n] = replay.data + start;
			replay.len[replay.n++] = i - start;
		}
		start = i + 1;
	}
	if (!replay.n) {
		fprintf(stderr, PROG ": --replay file %s has no lines\n", path);
		return -1;
	}
	return 0;
}

static int parse_symbols(char *list)
{
	char *save = NULL, *tok, *c;

	opt.nsyms = 0;
	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (opt.nsyms == MAX_SYMBOLS || !*tok ||
		    strlen(tok) >= FEED_SYM_LEN)
			return -1;
		for (c = tok; *c; c++) {
			if (!isalnum((unsigned char)*c))
				return -1;
			*c = (char)tolower((unsigned char)*c);
		}
		opt.symbols[opt.nsyms++] = tok;
	}
	return opt.nsyms ? 0 : -1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " [options]\n"
		"Binance-compatible market-data feed emulator (ws:// or wss://).\n"
		"  --port N            listen port (default 9443, 0 = any)\n"
		"  --bind ADDR         listen address (default 127.0.0.1)\n"
		"  --tls               wss:// with a generated self-signed certificate\n"
		"  --cert F --key F    wss:// with this certificate and key (PEM)\n"
		"  --symbols a,b,...   symbols served (default btcusdt,ethusdt,bnbusdt,solusdt,xrpusdt)\n"
		"  --seed N            generator seed (default 1)\n"
		"  --rate R            messages/s per connection, 0 = unpaced (default 100)\n"
		"  --burst N           send messages in bursts of N at the same average rate\n"
		"  --count N           per connection: N messages, then a normal close\n"
		"  --duration S        stop after S seconds (default 30)\n"
		"  --ping-interval S   server ping period, 0 = off (default 3)\n"
		"  --replay FILE       send these JSON lines (E rewritten to now), looped\n"
		"  --fault KIND        broken-frame|bad-utf8|truncated|oversized|bad-json|disconnect\n"
		"  --fault-every K     the fault replaces every Kth message (default 100)\n"
		"  --oversize BYTES    size of an oversized message (default 2 MiB)\n"
		"  --max-conns N       stop once N connections have closed\n"
		"  --verbose           libwebsockets notices and rejected requests\n");
}

enum {
	O_PORT = 256,
	O_BIND,
	O_TLS,
	O_CERT,
	O_KEY,
	O_SYMBOLS,
	O_SEED,
	O_RATE,
	O_BURST,
	O_COUNT,
	O_DURATION,
	O_PING,
	O_REPLAY,
	O_FAULT,
	O_FAULT_EVERY,
	O_OVERSIZE,
	O_MAX_CONNS,
	O_VERBOSE,
	O_HELP,
};

static const struct option long_opts[] = {
	{"port", required_argument, NULL, O_PORT},
	{"bind", required_argument, NULL, O_BIND},
	{"tls", no_argument, NULL, O_TLS},
	{"cert", required_argument, NULL, O_CERT},
	{"key", required_argument, NULL, O_KEY},
	{"symbols", required_argument, NULL, O_SYMBOLS},
	{"seed", required_argument, NULL, O_SEED},
	{"rate", required_argument, NULL, O_RATE},
	{"burst", required_argument, NULL, O_BURST},
	{"count", required_argument, NULL, O_COUNT},
	{"duration", required_argument, NULL, O_DURATION},
	{"ping-interval", required_argument, NULL, O_PING},
	{"replay", required_argument, NULL, O_REPLAY},
	{"fault", required_argument, NULL, O_FAULT},
	{"fault-every", required_argument, NULL, O_FAULT_EVERY},
	{"oversize", required_argument, NULL, O_OVERSIZE},
	{"max-conns", required_argument, NULL, O_MAX_CONNS},
	{"verbose", no_argument, NULL, O_VERBOSE},
	{"help", no_argument, NULL, O_HELP},
	{NULL, 0, NULL, 0},
};

static int parse_args(int argc, char **argv)
{
	static char default_symbols[] =
		"btcusdt,ethusdt,bnbusdt,solusdt,xrpusdt";
	int c, err = 0;

	parse_symbols(default_symbols);
	while (!err &&
	       (c = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		switch (c) {
		case O_PORT:
			err = parse_u64(PROG, "port", optarg, 0, 65535,
					&opt.port);
			break;
		case O_BIND:
			opt.bind = optarg;
			break;
		case O_TLS:
			opt.tls = true;
			break;
		case O_CERT:
			opt.cert = optarg;
			opt.tls = true;
			break;
		case O_KEY:
			opt.key = optarg;
			break;
		case O_SYMBOLS:
			if (parse_symbols(optarg)) {
				fprintf(stderr, PROG
					": bad value for --symbols: want a comma-separated list of alphanumeric symbols\n");
				err = -1;
			}
			break;
		case O_SEED:
			err = parse_u64(PROG, "seed", optarg, 0, UINT64_MAX,
					&opt.seed);
			break;
		case O_RATE:
			err = parse_double(PROG, "rate", optarg, 0, 1e7,
					   &opt.rate);
			break;
		case O_BURST:
			err = parse_u64(PROG, "burst", optarg, 1, 1000000,
					&opt.burst);
			break;
		case O_COUNT:
			err = parse_u64(PROG, "count", optarg, 0, UINT64_MAX,
					&opt.count);
			break;
		case O_DURATION:
			err = parse_double(PROG, "duration", optarg, 0.001,
					   86400 * 7, &opt.duration);
			break;
		case O_PING:
			err = parse_double(PROG, "ping-interval", optarg, 0,
					   3600, &opt.ping_interval);
			break;
		case O_REPLAY:
			opt.replay = optarg;
			break;
		case O_FAULT:
			opt.fault = feed_fault_parse(optarg);
			if (opt.fault < 0) {
				fprintf(stderr,
					PROG
					": bad value for --fault: '%s' (want broken-frame|bad-utf8|truncated|oversized|bad-json|disconnect|none)\n",
					optarg);
				err = -1;
			}
			break;
		case O_FAULT_EVERY:
			err = parse_u64(PROG, "fault-every", optarg, 1,
					UINT64_MAX, &opt.fault_every);
			break;
		case O_OVERSIZE:
			err = parse_u64(PROG, "oversize", optarg, 1024,
					256u << 20, &opt.oversize);
			break;
		case O_MAX_CONNS:
			err = parse_u64(PROG, "max-conns", optarg, 1,
					UINT64_MAX, &opt.max_conns);
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
	if (!opt.cert != !opt.key) {
		fprintf(stderr, PROG ": --cert and --key go together\n");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	struct feed_tls tls = {0};
	struct lws_vhost *vh;
	double secs;
	int port, err = 1;

	if (parse_args(argc, argv))
		return 2;
	if (opt.replay && load_replay(opt.replay))
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
	info.protocols = protocols;
	info.gid = -1;
	info.uid = -1;
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
		    "%llu pings, %llu pongs, %.1f s\n",
	       (unsigned long long)g.conns, (unsigned long long)g.rejected,
	       (unsigned long long)g.sent, (unsigned long long)g.faults,
	       feed_fault_name(opt.fault), (unsigned long long)g.requests,
	       (unsigned long long)g.replies, (unsigned long long)g.pings,
	       (unsigned long long)g.pongs, secs);
	fflush(stdout);
	err = 0;
out:
	feed_tls_cleanup(&tls);
	free(g.tx);
	return err;
}
