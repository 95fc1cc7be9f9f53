// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A market-data client latprobe did not build, on libwebsockets: all its
 * work happens in the protocol callback md_lws_callback(wsi, reason, user,
 * in, len), the target of `latprobe --callback md_lws_callback
 * --callback-style lws` in tests/it_callback_clients.sh. It keeps its own
 * ground truth and writes it at exit:
 *   {"messages": N, "handler_p50_us": ..., "now_minus_E_p50_us": ...}
 * (handler: its own clock around the LWS_CALLBACK_CLIENT_RECEIVE work; E in
 * microseconds: subscribe with ?timeUnit=MICROSECOND).
 *
 *   lws_client HOST PORT PATH COUNT OUT.json
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cjson/cJSON.h>
#include <libwebsockets.h>
#include "latprobe.h"

/* latprobe filters on this reason in BPF: keep the two in step */
_Static_assert(LWS_CALLBACK_CLIENT_RECEIVE == LP_LWS_CLIENT_RECEIVE,
	       "LWS_CALLBACK_CLIENT_RECEIVE changed: update bpf/latprobe.h");

#define MAX_MSGS 100000

static struct {
	unsigned long count, messages, bad;
	uint64_t handler_ns[MAX_MSGS], age_ns[MAX_MSGS];
	int done;
} st;

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int on_receive(struct lws *wsi, const char *in, size_t len)
{
	uint64_t t0 = clock_ns(CLOCK_MONOTONIC);
	cJSON *j = cJSON_ParseWithLength(in, len), *e, *q;

	e = cJSON_GetObjectItemCaseSensitive(j, "E");
	q = cJSON_GetObjectItemCaseSensitive(j, "q");
	if (!cJSON_IsNumber(e) || !cJSON_IsString(q) ||
	    st.messages >= MAX_MSGS) {
		st.bad++;
	} else {
		st.handler_ns[st.messages] = clock_ns(CLOCK_MONOTONIC) - t0;
		st.age_ns[st.messages] = clock_ns(CLOCK_REALTIME) -
					 (uint64_t)e->valuedouble * 1000;
		st.messages++;
	}
	cJSON_Delete(j);
	if (st.messages + st.bad >= st.count) {
		st.done = 1;
		return -1; /* close */
	}
	return 0;
}

int md_lws_callback(struct lws *wsi, enum lws_callback_reasons reason,
		    void *user, void *in, size_t len)
{
	switch (reason) {
	case LWS_CALLBACK_CLIENT_RECEIVE:
		return on_receive(wsi, in, len);
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		fprintf(stderr, "lws_client: cannot connect: %s\n",
			in ? (const char *)in : "?");
		st.done = 1;
		return 0;
	case LWS_CALLBACK_CLIENT_CLOSED:
		st.done = 1;
		return 0;
	default:
		return 0;
	}
}

static const struct lws_protocols protocols[] = {
	{ "md", md_lws_callback, 0, 65536, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double p50_us(uint64_t *v, unsigned long n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[n / 2] / 1e3;
}

int main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	struct lws_client_connect_info ci;
	struct lws_context *ctx;
	uint64_t deadline;
	FILE *f;

	if (argc != 6) {
		fprintf(stderr, "usage: lws_client HOST PORT PATH COUNT OUT.json\n");
		return 2;
	}
	st.count = strtoul(argv[4], NULL, 10);
	lws_set_log_level(LLL_ERR, NULL);
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.gid = -1;
	info.uid = -1;
	ctx = lws_create_context(&info);
	if (!ctx)
		return 1;
	memset(&ci, 0, sizeof(ci));
	ci.context = ctx;
	ci.address = argv[1];
	ci.port = atoi(argv[2]);
	ci.path = argv[3];
	ci.host = argv[1];
	ci.origin = argv[1];
	ci.local_protocol_name = "md";
	if (!lws_client_connect_via_info(&ci)) {
		fprintf(stderr, "lws_client: connect failed\n");
		return 1;
	}
	/* bounded: the feed's --count ends it; 60 s at most */
	deadline = clock_ns(CLOCK_MONOTONIC) + 60000000000ULL;
	while (!st.done && clock_ns(CLOCK_MONOTONIC) < deadline)
		if (lws_service(ctx, 0) < 0)
			break;
	lws_context_destroy(ctx);
	f = fopen(argv[5], "w");
	if (!f)
		return 1;
	fprintf(f,
		"{\"messages\": %lu, \"bad\": %lu, \"handler_p50_us\": %.3f, \"now_minus_E_p50_us\": %.3f}\n",
		st.messages, st.bad, p50_us(st.handler_ns, st.messages),
		p50_us(st.age_ns, st.messages));
	fclose(f);
	printf("lws_client: %lu messages\n", st.messages);
	return st.messages ? 0 : 1;
}
