// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * wsfeed: requests from the client (SUBSCRIBE, UNSUBSCRIBE,
 * LIST_SUBSCRIPTIONS), answered like Binance does.
 */
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "feed_server.h"

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

void on_receive(struct lws *wsi, struct session *s, const void *in, size_t len)
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
