// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * wsfeed: which streams a connection gets, from the upgrade request's
 * path and query or from SUBSCRIBE / UNSUBSCRIBE, and the HTTP refusal of
 * an upgrade request that names no stream we serve.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cjson/cJSON.h>

#include "feed_server.h"
#include "ws_common.h"

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

/* Names compare in their canonical spelling: case does not matter. */
static int find_stream(struct session *s, const char *name)
{
	struct feed_stream tmp;
	struct feed_rng r = {1};
	int i;

	if (feed_stream_init(&tmp, name, &r))
		return -1;
	for (i = 0; i < s->nstreams; i++)
		if (!strcmp(s->streams[i].name, tmp.name))
			return i;
	return -1;
}

bool stream_subscribed(struct session *s, const char *name)
{
	return find_stream(s, name) >= 0;
}

bool stream_valid(const char *name)
{
	struct feed_stream tmp;
	struct feed_rng r = {1};

	/* "!ticker@arr" & co: every symbol served, none named */
	return (name[0] == '!' || symbol_known(name)) &&
	       !feed_stream_init(&tmp, name, &r);
}

void pace_restart(struct session *s)
{
	s->pace_start_ns = mono_ns();
	s->pace_base = s->slots;
}

/*
 * Returns 0, -1 if @name is not served, -2 if the session already has
 * --max-streams streams (or memory ran out).
 */
int add_stream(struct session *s, const char *name)
{
	struct feed_stream *n, *st;
	int cap;

	if (!stream_valid(name))
		return -1;
	if (find_stream(s, name) >= 0)
		return 0;
	if (opt.max_streams && (uint64_t)s->nstreams >= opt.max_streams)
		return -2;
	if (s->nstreams == s->cap_streams) {
		cap = s->cap_streams ? s->cap_streams * 2 : 8;
		n = realloc(s->streams, (size_t)cap * sizeof(*n));
		if (!n)
			return -2;
		s->streams = n;
		s->cap_streams = cap;
	}
	st = &s->streams[s->nstreams];
	feed_stream_init(st, name, &s->rng);
	if (feed_book_attach(st, &s->books, &s->rng))
		return -2;
	s->nstreams++;
	if (opt.depth_follows_rate && st->kind == FEED_DEPTH)
		st->period_ms = 0;
	if (st->period_ms)
		st->next_ns = mono_ns() + (uint64_t)st->period_ms * 1000000;
	else if (s->nevents++ == 0)
		pace_restart(s);
	return 0;
}

void del_stream(struct session *s, const char *name)
{
	int i = find_stream(s, name);

	if (i < 0)
		return;
	if (!s->streams[i].period_ms)
		s->nevents--;
	feed_book_detach(&s->streams[i]);
	memmove(&s->streams[i], &s->streams[i + 1],
		(size_t)(s->nstreams - i - 1) * sizeof(s->streams[0]));
	s->nstreams--;
	if (s->rr >= (unsigned int)s->nstreams)
		s->rr = 0;
}

void streams_free(struct session *s)
{
	free(s->streams);
	s->streams = NULL;
	feed_book_free_all(&s->books);
	s->nstreams = s->cap_streams = s->nevents = 0;
}

/* "a/b/c" (modified in place); the reason for a refusal goes to @why. */
static int add_stream_list(struct session *s, char *list, char *why, size_t n)
{
	char *save = NULL, *name;
	int err;

	for (name = strtok_r(list, "/", &save); name;
	     name = strtok_r(NULL, "/", &save)) {
		err = add_stream(s, name);
		if (err == -1) {
			snprintf(why, n, "unknown stream '%s'", name);
			return 400;
		}
		if (err) {
			snprintf(
				why, n,
				"too many streams: at most %llu per connection",
				(unsigned long long)opt.max_streams);
			return 400;
		}
	}
	return 0;
}

/*
 * Set up @s from the upgrade request's path and query. Returns 0, or the
 * HTTP status to refuse the upgrade with and the reason in @why.
 */
int session_from_request(struct lws *wsi, struct session *s, char *why,
			 size_t n)
{
	char uri[1024], arg[2048];
	int i, err;

	if (lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) <= 0) {
		snprintf(why, n, "no request path");
		return 400;
	}
	if (!strncmp(uri, "/ws", 3) && (uri[3] == '\0' || uri[3] == '/')) {
		if (uri[3] && (err = add_stream_list(s, uri + 4, why, n)))
			return err;
	} else if (!strcmp(uri, "/stream") || !strcmp(uri, "/stream/")) {
		s->combined = true;
	} else {
		snprintf(
			why, n,
			"no such path '%.200s': use /ws/<stream> or /stream?streams=<stream>/<stream>",
			uri);
		return 404;
	}
	for (i = 0; lws_hdr_copy_fragment(wsi, arg, sizeof(arg),
					  WSI_TOKEN_HTTP_URI_ARGS, i) > 0;
	     i++) {
		if (!strncmp(arg, "streams=", 8)) {
			if ((err = add_stream_list(s, arg + 8, why, n)))
				return err;
		} else if (!strcasecmp(arg, "timeUnit=MICROSECOND")) {
			s->micros = true;
		} else if (!strncasecmp(arg, "timeUnit=", 9) &&
			   strcasecmp(arg + 9, "MILLISECOND")) {
			snprintf(
				why, n,
				"bad timeUnit '%.100s': want MICROSECOND or MILLISECOND",
				arg + 9);
			return 400;
		}
	}
	return 0;
}

/*
 * Answer a refused upgrade with @status and a JSON body
 * {"code":status,"msg":why} so that a client reports the reason instead
 * of reconnecting to a server that hangs up without a word. The response
 * is written whole (HTTP/1.1, which WebSocket clients insist on; lws would
 * answer this early request as HTTP/1.0), then the connection is dropped:
 * returns -1.
 */
int http_refuse(struct lws *wsi, unsigned int status, const char *why)
{
	unsigned char buf[LWS_PRE + 2048], *start = buf + LWS_PRE;
	size_t cap = sizeof(buf) - LWS_PRE;
	cJSON *o = cJSON_CreateObject();
	char *body;
	int n;

	cJSON_AddNumberToObject(o, "code", status);
	cJSON_AddStringToObject(o, "msg", why);
	body = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!body)
		return -1;
	n = snprintf((char *)start, cap,
		     "HTTP/1.1 %u %s\r\nContent-Type: application/json\r\n"
		     "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
		     status, status == 404 ? "Not Found" : "Bad Request",
		     strlen(body), body);
	free(body);
	if (n > 0 && (size_t)n < cap)
		lws_write(wsi, start, (size_t)n, LWS_WRITE_RAW);
	return -1;
}
