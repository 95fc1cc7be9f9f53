// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The JSON report: every key of docs/report-schema.md, round-tripped through cJSON. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "check.h"
#include "report.h"

static const char *const top_keys[] = {
	"schema", "tool", "timestamp", "duration_seconds", "total_events",
	"lost_events", "messages", "probes", "stages", "connections",
	"histogram", "percentiles", "event_type_breakdown",
};

static const char *const conn_keys[] = {
	"source", "destination", "pid", "comm", "events", "reads",
	"bytes_received", "bytes_sent", "segments_in", "nic_stamped",
	"nic_sources", "min_latency_us", "avg_latency_us", "max_latency_us",
	"std_dev_us", "stages",
};

static const char *const stage_keys[] = {
	"count", "min_us", "avg_us", "max_us", "std_dev_us", "p50", "p75",
	"p90", "p95", "p99", "p999",
};

static void feed(struct corr *c, struct lp_event *e, uint8_t type, uint64_t ts)
{
	e->h.type = type;
	e->h.sk = 0x1000;
	e->h.ts_ns = ts;
	e->h.tgid = 42;
	corr_event(c, e, lp_event_size(type));
}

static struct corr *sample_corr(void)
{
	struct corr_cfg cfg = {};
	struct corr *c = corr_new(&cfg);
	struct lp_event e;

	memset(&e, 0, sizeof(e));
	e.sock.family = 2;
	e.sock.sport = 5555;
	e.sock.dport = 9443;
	memcpy(e.sock.saddr, "\x7f\x00\x00\x01", 4);
	memcpy(e.sock.daddr, "\x7f\x00\x00\x02", 4);
	strcpy(e.sock.comm, "rx");
	feed(c, &e, LP_EV_SOCK, 1);
	for (uint32_t i = 0; i < 100; i++) {
		uint64_t t = 1000000 + i * 100000;

		memset(&e, 0, sizeof(e));
		e.seg.seq = i * 100;
		e.seg.end_seq = i * 100 + 100;
		e.seg.rcv_nxt = i * 100;
		e.seg.dev_ns = t;
		feed(c, &e, LP_EV_SEG, t + 2000);
		memset(&e, 0, sizeof(e));
		e.wake.rcv_nxt = i * 100 + 100;
		feed(c, &e, LP_EV_WAKE, t + 3000);
		memset(&e, 0, sizeof(e));
		e.read.seq_start = i * 100;
		e.read.seq_end = i * 100 + 100;
		e.read.ret = 100;
		feed(c, &e, LP_EV_READ, t + 10000 + i * 10);
	}
	return c;
}

int main(void)
{
	struct probe_info probes[PR_MAX] = {};
	struct port_drops drops[] = { { 5001, 7 } };
	struct report_in in = {};
	struct corr *c = sample_corr();
	cJSON *root, *back, *conn, *st, *o;
	char dir[] = "/tmp/lp-report-XXXXXX", path[256], *text;
	struct stat sb;

	for (int i = 0; i < PR_MAX; i++) {
		probes[i].name = i ? "other" : "tcp_recvmsg";
		probes[i].used = MECH_TRACEPOINT;
	}
	in.corr = c;
	in.probes = probes;
	in.duration = 1.5;
	in.version = "test";
	in.stats[LP_S_LOST] = 3;
	in.drops = drops;
	in.ndrops = 1;
	root = report_build(&in);
	text = cJSON_Print(root);
	back = cJSON_Parse(text);
	if (!CHECK(back, "report parses back"))
		return check_done("test_report");

	for (size_t i = 0; i < sizeof(top_keys) / sizeof(*top_keys); i++)
		CHECK(cJSON_GetObjectItemCaseSensitive(back, top_keys[i]),
		      "top-level key %s", top_keys[i]);
	CHECK(!strcmp(cJSON_GetObjectItem(back, "schema")->valuestring,
		      "latprobe/1"), "schema");
	CHECK_EQ(cJSON_GetObjectItem(back, "lost_events")->valuedouble, 3);
	CHECK_EQ(cJSON_GetObjectItem(back, "total_events")->valuedouble, 301);
	conn = cJSON_GetObjectItem(cJSON_GetObjectItem(back, "connections"),
				   "127.0.0.1:5555 -> 127.0.0.2:9443");
	if (CHECK(conn, "connection keyed by 4-tuple")) {
		for (size_t i = 0; i < sizeof(conn_keys) / sizeof(*conn_keys); i++)
			CHECK(cJSON_GetObjectItemCaseSensitive(conn, conn_keys[i]),
			      "connection key %s", conn_keys[i]);
		CHECK_EQ(cJSON_GetObjectItem(conn, "reads")->valuedouble, 100);
		CHECK_EQ(cJSON_GetObjectItem(conn, "bytes_received")->valuedouble,
			 10000);
		CHECK_EQ(cJSON_GetObjectItem(conn, "pid")->valuedouble, 42);
	}
	st = cJSON_GetObjectItem(cJSON_GetObjectItem(back, "stages"),
				 "nic_to_tcp");
	if (CHECK(st, "nic_to_tcp stage")) {
		for (size_t i = 0; i < sizeof(stage_keys) / sizeof(*stage_keys); i++)
			CHECK(cJSON_GetObjectItemCaseSensitive(st, stage_keys[i]),
			      "stage key %s", stage_keys[i]);
		CHECK_EQ(cJSON_GetObjectItem(st, "p50")->valuedouble, 2);
	}
	/* stages never measured are absent, not zero */
	CHECK(!cJSON_GetObjectItem(cJSON_GetObjectItem(back, "stages"),
				   "read_to_frame"), "absent stage");
	o = cJSON_GetObjectItem(back, "histogram");
	CHECK_EQ(cJSON_GetObjectItem(o, "0-1ms")->valuedouble, 100);
	CHECK(cJSON_GetObjectItem(o, "log2_ns"), "fine buckets");
	o = cJSON_GetObjectItem(cJSON_GetObjectItem(back, "kernel_drops"),
				"by_port");
	CHECK_EQ(cJSON_GetObjectItem(o, "5001")->valuedouble, 7);

	/* atomic write: whole file or nothing */
	if (CHECK(mkdtemp(dir), "mkdtemp")) {
		snprintf(path, sizeof(path), "%s/r.json", dir);
		CHECK_EQ(report_check_writable(path), 0);
		CHECK_EQ(report_write_file(path, root), 0);
		CHECK(stat(path, &sb) == 0 && sb.st_size > (off_t)strlen(text),
		      "file written");
		unlink(path);
		snprintf(path, sizeof(path), "%s/missing/r.json", dir);
		CHECK(report_check_writable(path) < 0, "missing dir refused");
		CHECK(report_write_file(path, root) < 0, "missing dir fails");
		rmdir(dir);
	}
	free(text);
	cJSON_Delete(back);
	cJSON_Delete(root);
	corr_free(c);
	return check_done("test_report");
}
