// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * wsfeed: which streams a connection gets, from the upgrade request's
 * path and query or from SUBSCRIBE / UNSUBSCRIBE.
 */
#include <string.h>
#include <strings.h>

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

static int find_stream(struct session *s, const char *name)
{
	int i;

	for (i = 0; i < s->nstreams; i++)
		if (!strcmp(s->streams[i].name, name))
			return i;
	return -1;
}

bool stream_valid(const char *name)
{
	struct feed_stream tmp;
	struct feed_rng r = {1};

	return symbol_known(name) && !feed_stream_init(&tmp, name, &r);
}

void pace_restart(struct session *s)
{
	s->pace_start_ns = mono_ns();
	s->pace_base = s->slots;
}

/* Returns 0, or -1 if @name is not served (or the session is full). */
int add_stream(struct session *s, const char *name)
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

void del_stream(struct session *s, const char *name)
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
int session_from_request(struct lws *wsi, struct session *s)
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
