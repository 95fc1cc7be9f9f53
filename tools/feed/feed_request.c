// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * wsfeed: requests from the client (SUBSCRIBE, UNSUBSCRIBE,
 * LIST_SUBSCRIPTIONS, SET_PROPERTY, GET_PROPERTY), checked and answered
 * as the "Live Subscribing/Unsubscribing to streams" and "Error Messages"
 * sections of Binance's spot WebSocket Streams documentation describe.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "feed_request_text.h"
#include "feed_server.h"
#include "ws_common.h"

static const char *const methods[] = {
	"SUBSCRIBE",	"UNSUBSCRIBE",	"LIST_SUBSCRIPTIONS",
	"SET_PROPERTY", "GET_PROPERTY",
};
enum { M_SUB, M_UNSUB, M_LIST, M_SET, M_GET };

static void queue_reply(struct lws *wsi, struct session *s, char *text)
{
	if (!text)
		return;
	if (s->rcount == MAX_REPLIES) {
		free(text);
		return;
	}
	s->reply[(s->rhead + s->rcount++) % MAX_REPLIES] = text;
	/* a full queue stops reading: requests wait instead of going unanswered */
	if (s->rcount == MAX_REPLIES)
		lws_rx_flow_control(wsi, 0);
	lws_callback_on_writable(wsi);
}

/* Integer ids as integers (cJSON would print large ones as 1e+18). */
static cJSON *id_copy(const cJSON *id)
{
	char num[32];

	if (!id)
		return cJSON_CreateNull();
	if (!cJSON_IsNumber(id))
		return cJSON_Duplicate(id, 1);
	snprintf(num, sizeof(num), "%lld", (long long)id->valuedouble);
	return cJSON_CreateRaw(num);
}

static char *error_reply(int code, const char *msg, const cJSON *id)
{
	cJSON *r = cJSON_CreateObject(),
	      *e = cJSON_AddObjectToObject(r, "error");
	char *text;

	cJSON_AddNumberToObject(e, "code", code);
	cJSON_AddStringToObject(e, "msg", msg);
	cJSON_AddItemToObject(r, "id", id_copy(id));
	text = cJSON_PrintUnformatted(r);
	cJSON_Delete(r);
	return text;
}

static char *result_reply(cJSON *result, const cJSON *id)
{
	cJSON *r = cJSON_CreateObject();
	char *text;

	cJSON_AddItemToObject(r, "result", result);
	cJSON_AddItemToObject(r, "id", id_copy(id));
	text = cJSON_PrintUnformatted(r);
	cJSON_Delete(r);
	return text;
}

/* id: a 64-bit signed integer, an alphanumeric string of 1..36, or null. */
static bool id_valid(const cJSON *id)
{
	const char *c;

	if (cJSON_IsNull(id))
		return true;
	if (cJSON_IsNumber(id))
		return id->valuedouble == floor(id->valuedouble) &&
		       id->valuedouble >= -9223372036854775808.0 &&
		       id->valuedouble < 9223372036854775808.0;
	if (!cJSON_IsString(id) || !id->valuestring[0] ||
	    strlen(id->valuestring) > 36)
		return false;
	for (c = id->valuestring; *c; c++)
		if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') ||
		      (*c >= 'A' && *c <= 'Z')))
			return false;
	return true;
}

/* SUBSCRIBE / UNSUBSCRIBE: every name must be served, else none counts. */
static char *change_streams(struct session *s, bool sub, const cJSON *params,
			    const cJSON *id)
{
	const cJSON *p;
	int fresh = 0;

	if (!cJSON_IsArray(params))
		return error_reply(2, "Invalid request: missing field `params`",
				   id);
	cJSON_ArrayForEach(p, params)
	{
		if (!cJSON_IsString(p) || !stream_valid(p->valuestring))
			return error_reply(2, "Invalid request: unknown stream",
					   id);
		fresh += !stream_subscribed(s, p->valuestring);
	}
	if (sub && opt.max_streams &&
	    (uint64_t)(s->nstreams + fresh) > opt.max_streams)
		return error_reply(2, "Invalid request: too many streams", id);
	cJSON_ArrayForEach(p, params)
	{
		if (!sub)
			del_stream(s, p->valuestring);
		else if (add_stream(s, p->valuestring))
			return error_reply(
				2, "Invalid request: too many streams", id);
	}
	return result_reply(cJSON_CreateNull(), id);
}

/* GET_PROPERTY ["combined"], SET_PROPERTY ["combined", bool] */
static char *property(struct session *s, bool set, const cJSON *params,
		      const cJSON *id)
{
	int n = cJSON_IsArray(params) ? cJSON_GetArraySize(params) : 0;
	const cJSON *name = n ? cJSON_GetArrayItem(params, 0) : NULL,
		    *value = n > 1 ? cJSON_GetArrayItem(params, 1) : NULL;

	if (!cJSON_IsString(name))
		return error_reply(
			2, "Invalid request: property name must be a string",
			id);
	if (n > (set ? 2 : 1))
		return error_reply(2, "Invalid request: too many parameters",
				   id);
	if (strcmp(name->valuestring, "combined"))
		return error_reply(0, "Unknown property", id);
	if (!set)
		return result_reply(cJSON_CreateBool(s->combined), id);
	if (!cJSON_IsBool(value))
		return error_reply(1, "Invalid value type: expected Boolean",
				   id);
	s->combined = cJSON_IsTrue(value);
	return result_reply(cJSON_CreateNull(), id);
}

static char *list_streams(struct session *s, const cJSON *params,
			  const cJSON *id)
{
	cJSON *list;
	int i;

	if (params && !cJSON_IsNull(params) &&
	    !(cJSON_IsArray(params) && !cJSON_GetArraySize(params)))
		return error_reply(2, "Invalid request: too many parameters",
				   id);
	list = cJSON_CreateArray();
	for (i = 0; i < s->nstreams; i++)
		cJSON_AddItemToArray(list,
				     cJSON_CreateString(s->streams[i].name));
	return result_reply(list, id);
}

/* One request from the client, answered like Binance does. */
static char *handle_request(struct session *s, const char *buf, size_t len)
{
	const char *end = NULL;
	cJSON *req = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
	const cJSON *method, *params, *id, *k;
	char msg[320], where[64];
	char *text = NULL;
	size_t m;

	g.requests++;
	if (!req) {
		req_where(buf, len, end ? (size_t)(end - buf) : 0, where,
			  sizeof(where));
		snprintf(msg, sizeof(msg), "Invalid JSON: expected value %s",
			 where);
		return error_reply(3, msg, NULL);
	}
	if (!cJSON_IsObject(req)) {
		text = error_reply(
			2, "Invalid request: request must be a JSON object",
			NULL);
		goto out;
	}
	method = cJSON_GetObjectItemCaseSensitive(req, "method");
	params = cJSON_GetObjectItemCaseSensitive(req, "params");
	id = cJSON_GetObjectItemCaseSensitive(req, "id");
	if (!method) {
		req_where(buf, len, req_object_end(buf, len), where,
			  sizeof(where));
		snprintf(msg, sizeof(msg),
			 "Invalid request: missing field `method` %s", where);
		text = error_reply(2, msg, NULL);
		goto out;
	}
	if (!id || !id_valid(id)) {
		text = error_reply(
			2,
			"Invalid request: request ID must be an unsigned integer",
			NULL);
		goto out;
	}
	if (!cJSON_IsString(method)) {
		text = error_reply(
			2, "Invalid request: method must be a string", id);
		goto out;
	}
	for (m = 0; m < ARRAY_SIZE(methods); m++)
		if (!strcmp(method->valuestring, methods[m]))
			break;
	if (m == ARRAY_SIZE(methods)) {
		req_where(buf, len, req_value_end(buf, len, "method"), where,
			  sizeof(where));
		snprintf(
			msg, sizeof(msg),
			"Invalid request: unknown variant `%.64s`, expected one of `SUBSCRIBE`, `UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`, `SET_PROPERTY`, `GET_PROPERTY` %s",
			method->valuestring, where);
		text = error_reply(2, msg, id);
		goto out;
	}
	cJSON_ArrayForEach(k, req) if (strcmp(k->string, "method") &&
				       strcmp(k->string, "params") &&
				       strcmp(k->string, "id"))
	{
		text = error_reply(2, "Invalid request: too many parameters",
				   id);
		goto out;
	}
	switch (m) {
	case M_SUB:
	case M_UNSUB:
		text = change_streams(s, m == M_SUB, params, id);
		break;
	case M_LIST:
		text = list_streams(s, params, id);
		break;
	default:
		text = property(s, m == M_SET, params, id);
		break;
	}
out:
	cJSON_Delete(req);
	return text;
}

/*
 * A text or binary message from the client, maybe in fragments. Returns
 * -1 when it breaks the message-rate limit: the connection closes.
 */
int on_receive(struct lws *wsi, struct session *s, const void *in, size_t len)
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
		return 0;
	if (limit_count_message(s, mono_ns()))
		return -1;
	if (s->rx_over)
		queue_reply(wsi, s,
			    error_reply(3, "Invalid JSON: too long", NULL));
	else
		queue_reply(wsi, s, handle_request(s, s->rx, s->rx_len));
	s->rx_len = 0;
	s->rx_over = false;
	return 0;
}
