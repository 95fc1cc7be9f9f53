// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The JSON report: every key of docs/report-schema.md, round-tripped through cJSON. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include "check.h"
#include "out_file.h"
#include "report_json.h"
#include "report/report_view.h"

static const char *const top_keys[] = {
	"schema", "tool", "timestamp", "duration_seconds", "total_events",
	"lost_events", "messages", "probes", "stages", "connections",
	"histogram", "percentiles", "event_type_breakdown",
};

static const char *const conn_keys[] = {
	"source", "destination", "pid", "comm", "cgroup", "container_id",
	"events", "reads",
	"bytes_received", "bytes_sent", "segments_in", "nic_stamped",
	"nic_sources", "min_latency_us", "avg_latency_us", "max_latency_us",
	"std_dev_us", "stages",
};

static const char *const stage_keys[] = {
	"count", "min_us", "avg_us", "max_us", "std_dev_us", "p50",
	"p75",	 "p90",	   "p95",    "p99",    "p999",	     "resolution_ns",
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

static double ov_num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

/* The overhead section: per-unit figures from the totals, null without units. */
/* path holds text: report_view_load's answer, its stderr in err */
static int view_of(const char *dir, const char *text, struct report_view *v,
		   char *err, size_t len)
{
	char path[512], epath[512];
	FILE *f, *saved;
	int r, fd;

	snprintf(path, sizeof(path), "%s/v.json", dir);
	snprintf(epath, sizeof(epath), "%s/err", dir);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	fflush(stderr);
	fd = dup(2);
	saved = freopen(epath, "w", stderr);
	r = report_view_load(v, path);
	fflush(stderr);
	dup2(fd, 2);
	close(fd);
	(void)saved;
	err[0] = '\0';
	f = fopen(epath, "r");
	if (f) {
		if (!fgets(err, len, f))
			err[0] = '\0';
		fclose(f);
	}
	unlink(epath);
	unlink(path);
	return r;
}

#define VIEW_OK                                                           \
	"\"timestamp\": \"t\", \"total_events\": 4, \"lost_events\": 0, " \
	"\"connections\": {}, \"histogram\": {\"log2_ns\": {\"1024-2047\": 2}}, "

/* The reader: what report_build writes reads back; a bad key is an error. */
static void test_view(const char *dir, const char *report_text)
{
	static const struct {
		const char *text, *err;
	} bad[] = {
		{"{" VIEW_OK "\"stages\": {}}", "\"messages\": missing"},
		{"{" VIEW_OK "\"stages\": {\"total\": {\"count\": 1, "
		 "\"p50\": \"x\", \"p99\": 1, \"p999\": 1}}, \"messages\": "
		 "{\"seen\": 1, \"correlated\": 1, \"stage_records\": 1}}",
		 "\"stages.total.p50\": a string, not a number"},
		{"{" VIEW_OK "\"stages\": {\"total\": 5}, \"messages\": "
		 "{\"seen\": 1, \"correlated\": 1, \"stage_records\": 1}}",
		 "\"stages.total\": a number, not an object"},
		{"{" VIEW_OK "\"stages\": {}, \"messages\": {\"seen\": -1, "
		 "\"correlated\": 1, \"stage_records\": 1}}",
		 "\"messages.seen\": not a finite number >= 0"},
		{"{" VIEW_OK "\"stages\": {}, \"messages\": {\"seen\": 1, "
		 "\"correlated\": 1, \"stage_records\": 1}, \"overhead\": {}}",
		 "\"overhead.kernel\": missing"},
	};
	struct report_view v;
	char err[256], want[512];

	CHECK_EQ(view_of(dir, report_text, &v, err, sizeof(err)), 0);
	CHECK(!err[0], "no error: %s", err);
	CHECK_EQ(v.events, 301);
	CHECK_EQ(v.lost, 3);
	CHECK_EQ(v.connections, 1);
	CHECK(v.st[ST_NIC_TO_TCP].present, "nic_to_tcp read");
	CHECK_EQ(v.st[ST_NIC_TO_TCP].p50, 2);
	CHECK(!strcmp(v.unit, "read"), "unit %s", v.unit);
	CHECK(!v.ov.present, "no overhead section without in.ov");

	/* optional keys absent: defaults; no overhead line */
	CHECK_EQ(
		view_of(dir,
			"{" VIEW_OK "\"stages\": {}, \"messages\": "
			"{\"seen\": 1, \"correlated\": 1, \"stage_records\": 1}}",
			&v, err, sizeof(err)),
		0);
	CHECK(!strcmp(v.unit, "?") && !v.ov.present && !v.nic_stamped,
	      "optional keys default");
	CHECK_EQ(v.log2_ns[10], 2);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ(view_of(dir, bad[i].text, &v, err, sizeof(err)), 1);
		snprintf(want, sizeof(want), "latprobe: report %s/v.json: %s\n",
			 dir, bad[i].err);
		CHECK(!strcmp(err, want), "bad[%zu]: got '%s', want '%s'", i,
		      err, want);
	}
}

/*
 * A millisecond E: exchange_to_nic's resolution is in the table, and a
 * stage whose resolution is coarse next to its p50 says so with bounds.
 */
static void test_resolution(const char *dir)
{
	struct report_view v;
	char err[256], *out = NULL;
	size_t len = 0;
	FILE *f;

	CHECK_EQ(view_of(dir,
			 "{" VIEW_OK "\"stages\": {\"exchange_to_nic\": "
			 "{\"count\": 9, \"p50\": 725, \"p99\": 990, "
			 "\"p999\": 999, \"resolution_ns\": 1000000}, "
			 "\"wakeup_to_read\": {\"count\": 9, \"p50\": 3, "
			 "\"p99\": 4, \"p999\": 5, \"resolution_ns\": 1}}, "
			 "\"messages\": {\"seen\": 9, \"correlated\": 9, "
			 "\"stage_records\": 9}}",
			 &v, err, sizeof(err)),
		 0);
	CHECK_EQ(v.st[ST_EXCHANGE_TO_NIC].res_ns, 1000000);
	f = open_memstream(&out, &len);
	breakdown_print(f, &v);
	fclose(f);
	CHECK(strstr(out, "725.00     990.00     999.00  1ms! "),
	      "exchange_to_nic row has 1ms!: %s", out);
	CHECK(strstr(out, "3.00       4.00       5.00  1ns  "),
	      "wakeup_to_read row has 1ns: %s", out);
	CHECK(strstr(out,
		     "! exchange_to_nic: resolution 1ms, coarser than its values: each is up to 1ms above the true one (p50 in [0.00, 725.00] us)\n"),
	      "coarse line: %s", out);
	CHECK(!strstr(out, "! wakeup_to_read"), "1 ns is not coarse");
	free(out);
}

/* The SVG of one run (malloc'ed). */
/* what a failed check prints of an SVG (never a null pointer) */
static __attribute__((noinline)) const char *shown(const char *svg)
{
	return svg ? svg : "(no SVG)";
}

static char *svg_of(const struct report_view *v)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f) {
		perror("test_report: open_memstream");
		exit(1);
	}
	render_svg(f, v, 1);
	fclose(f);
	if (!out) {
		fprintf(stderr, "test_report: no SVG written\n");
		exit(1);
	}
	return out;
}

/*
 * tls_decrypt is inside read_to_frame: the stacked bar's stages add up to
 * read_to_frame + frame_to_parsed (70), tls_decrypt drawn nested in it.
 */
static void test_nested_svg(const char *dir)
{
	struct report_view v;
	char err[256], *out, *p;
	double top = 0, rtf = 0, w;

	CHECK_EQ(
		view_of(dir,
			"{" VIEW_OK "\"stages\": {\"read_to_frame\": "
			"{\"count\": 9, \"p50\": 50, \"p99\": 60, \"p999\": 70}, "
			"\"tls_decrypt\": {\"count\": 9, \"p50\": 20, "
			"\"p99\": 30, \"p999\": 40}, \"frame_to_parsed\": "
			"{\"count\": 9, \"p50\": 20, \"p99\": 30, \"p999\": 40}, "
			"\"total\": {\"count\": 9, \"p50\": 75, \"p99\": 90, "
			"\"p999\": 99}}, \"messages\": {\"seen\": 9, "
			"\"correlated\": 9, \"stage_records\": 9}}",
			&v, err, sizeof(err)),
		0);
	out = svg_of(&v);
	CHECK(strstr(out, "= 70.0 us"), "stacked sum 70 (not 90): %s", shown(out));
	CHECK(strstr(out,
		     "class=\"nested\"><title>tls_decrypt p50 20.00 us (inside read_to_frame)"),
	      "tls_decrypt drawn nested");
	/* the stacked (not nested) rects: read_to_frame 50 + frame_to_parsed 20 */
	for (p = out; (p = strstr(p, "<rect x=")); p++) {
		char *end = strstr(p, "</rect>"), *t = strstr(p, "<title>");
		char *nest = strstr(p, "nested");

		if (!end || !t || t > end || (nest && nest < end) ||
		    strchr(p, '>')[-1] == '/' ||
		    sscanf(strstr(p, "width=\""), "width=\"%lf", &w) != 1)
			continue;
		if (!strncmp(t, "<title>read_to_frame p50 ", 25))
			rtf = w;
		if (!strncmp(t, "<title>read_to_frame p50 ", 25) ||
		    !strncmp(t, "<title>frame_to_parsed p50 ", 27) ||
		    !strncmp(t, "<title>tls_decrypt p50 ", 23))
			top += w;
	}
	CHECK(rtf > 0 && fabs(top / rtf - 70.0 / 50) < 0.01,
	      "stacked widths %.1f / read_to_frame %.1f != 70 / 50", top, rtf);
	free(out);
}

/* callback_off_cpu is a part of callback: drawn inside it, never added. */
static void test_nested_off_cpu_svg(const char *dir)
{
	struct report_view v;
	char err[256], *out;

	CHECK_EQ(
		view_of(dir,
			"{" VIEW_OK "\"stages\": {\"read_to_callback\": "
			"{\"count\": 9, \"p50\": 10, \"p99\": 60, \"p999\": 70}, "
			"\"callback\": {\"count\": 9, \"p50\": 40, "
			"\"p99\": 50, \"p999\": 60}, \"callback_off_cpu\": "
			"{\"count\": 9, \"p50\": 30, \"p99\": 30, \"p999\": 40}}, "
			"\"messages\": {\"seen\": 9, \"correlated\": 9, "
			"\"stage_records\": 9}}",
			&v, err, sizeof(err)),
		0);
	out = svg_of(&v);
	CHECK(strstr(out, "= 50.0 us"), "stacked sum 50 (not 80): %s",
	      shown(out));
	CHECK(strstr(out,
		     "class=\"nested\"><title>callback_off_cpu p50 30.00 us (inside callback)"),
	      "callback_off_cpu drawn nested: %s", shown(out));
	free(out);
}

static void test_overhead(void)
{
	struct overhead ov = {.stats_fd = 3,
			      .started = true,
			      .stopped = true,
			      .nprogs = 3,
			      .cpu_s = 0.25,
			      .wall_s = 2.0,
			      .peak_rss_kb = 9000};
	struct ov_units u = {.reads = 100, .ring_records = 150, .wakeups = 2};
	cJSON *o, *k, *cl;

	ov.progs[0] = (struct ov_prog){.name = "recv_tp",
				       .side = OV_KERNEL,
				       .run_ns = 30000,
				       .run_cnt = 100};
	ov.progs[1] = (struct ov_prog){.name = "tcp_in",
				       .side = OV_KERNEL,
				       .run_ns = 10000,
				       .run_cnt = 100};
	ov.progs[2] = (struct ov_prog){.name = "client_msg", .side = OV_CLIENT};
	o = overhead_json(&ov, &u);
	k = cJSON_GetObjectItem(o, "kernel");
	cl = cJSON_GetObjectItem(o, "client");
	CHECK(!strcmp(cJSON_GetObjectItem(o, "unit")->valuestring, "read"),
	      "unit read without messages");
	CHECK_EQ(ov_num(k, "run_cnt"), 200);
	CHECK_EQ(ov_num(k, "ns_per_run"), 200);
	CHECK_EQ(ov_num(k, "ns_per_unit"), 400);
	CHECK_EQ(ov_num(k, "runs_per_unit"), 2);
	CHECK_EQ(ov_num(o, "ring_records_per_unit") * 10, 15);
	CHECK_EQ(ov_num(o, "consumer_cpu_percent") * 10, 125);
	CHECK(cJSON_IsNull(cJSON_GetObjectItem(cl, "ns_per_run")),
	      "no client runs: ns_per_run is null, not 0");
	CHECK(!strcmp(cJSON_GetObjectItem(o, "bpf_stats")->valuestring, "on"),
	      "stats on");
	cJSON_Delete(o);

	u.messages = 50; /* client messages: the unit is a message */
	ov.stats_fd = -1;
	o = overhead_json(&ov, &u);
	CHECK(!strcmp(cJSON_GetObjectItem(o, "unit")->valuestring, "message"),
	      "unit message");
	CHECK_EQ(ov_num(cJSON_GetObjectItem(o, "kernel"), "ns_per_unit"), 800);
	CHECK(!strcmp(cJSON_GetObjectItem(o, "bpf_stats")->valuestring, "off"),
	      "stats refused: off");
	cJSON_Delete(o);

	ov.disabled = true; /* --no-bpf-stats */
	o = overhead_json(&ov, &u);
	CHECK(!strcmp(cJSON_GetObjectItem(o, "bpf_stats_how")->valuestring,
		      "--no-bpf-stats: no BPF run time"),
	      "--no-bpf-stats said");
	cJSON_Delete(o);

	memset(&u, 0, sizeof(u)); /* nothing traced: null, never 0 */
	o = overhead_json(&ov, &u);
	CHECK(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "kernel"),
					       "ns_per_unit")),
	      "no units: ns_per_unit is null");
	cJSON_Delete(o);
}

/*
 * The writer's kinds of target (lib/out_file.c): written through, never
 * replaced, or refused with a reason of its own.
 */
static void test_out_kinds(const char *dir)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char path[256];
	struct stat sb;
	int s;

	CHECK_EQ(out_check("-"), 0);
	CHECK(out_is_stdout("-"), "- is stdout");
	/* a character device: written through, still a device afterwards */
	CHECK_EQ(out_check("/dev/null"), 0);
	CHECK_EQ(out_write("/dev/null", "{}\n", 3), 0);
	CHECK(stat("/dev/null", &sb) == 0 && S_ISCHR(sb.st_mode),
	      "/dev/null still a character device");
	CHECK_EQ(out_check("/proc/latprobe-test.json"), -OUT_EPSEUDO);
	CHECK_EQ(out_write("/sys/latprobe-test.json", "x", 1), -OUT_EPSEUDO);
	CHECK(strstr(out_strerror(-OUT_EPSEUDO), "pseudo-filesystem"),
	      "pseudo-filesystem named");
	/* a block device node of our own (never opened) */
	snprintf(path, sizeof(path), "%s/blk", dir);
	if (mknod(path, S_IFBLK | 0600, makedev(7, 200)) == 0) {
		CHECK_EQ(out_check(path), -OUT_EBLOCK);
		CHECK_EQ(out_write(path, "x", 1), -OUT_EBLOCK);
		CHECK(stat(path, &sb) == 0 && S_ISBLK(sb.st_mode),
		      "block device node left alone");
		unlink(path);
	} else {
		printf("test_report: block device case SKIPPED: mknod: %s\n",
		       strerror(errno));
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sock", dir);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	if (CHECK(s >= 0 && bind(s, (struct sockaddr *)&sa, sizeof(sa)) == 0,
		  "unix socket")) {
		CHECK_EQ(out_check(sa.sun_path), -OUT_ESOCKET);
		CHECK_EQ(out_write(sa.sun_path, "x", 1), -OUT_ESOCKET);
		unlink(sa.sun_path);
	}
	if (s >= 0)
		close(s);
}

int main(void)
{
	struct probe_info probes[PR_MAX] = {};
	struct port_drops drops[] = {{5001, 7}};
	struct report_in in = {};
	struct corr *c = sample_corr();
	cJSON *root, *back, *conn, *st, *o;
	char dir[] = "/tmp/lp-report-XXXXXX", path[256], *text;
	struct stat sb;

	/* every hook is described: a hole in lp_probes would report NULL */
	for (int i = 0; i < PR_MAX; i++)
		CHECK(lp_probes[i].name && lp_probes[i].name[0],
		      "lp_probes[%d] described", i);
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
		      "latprobe/1"),
	      "schema");
	/* client_message's figure is USDT runs only: the report says so */
	CHECK(cJSON_IsString(
		      cJSON_GetObjectItem(back, "event_type_breakdown_note")) &&
		      strstr(cJSON_GetObjectItem(back,
						 "event_type_breakdown_note")
				     ->valuestring,
			     "client_message counts the client's USDT probe only"),
	      "event_type_breakdown_note says what client_message counts");
	CHECK_EQ(cJSON_GetObjectItem(back, "lost_events")->valuedouble, 3);
	CHECK_EQ(cJSON_GetObjectItem(back, "total_events")->valuedouble, 301);
	conn = cJSON_GetObjectItem(cJSON_GetObjectItem(back, "connections"),
				   "127.0.0.1:5555 -> 127.0.0.2:9443");
	if (CHECK(conn, "connection keyed by 4-tuple")) {
		for (size_t i = 0; i < sizeof(conn_keys) / sizeof(*conn_keys);
		     i++)
			CHECK(cJSON_GetObjectItemCaseSensitive(conn,
							       conn_keys[i]),
			      "connection key %s", conn_keys[i]);
		CHECK_EQ(cJSON_GetObjectItem(conn, "reads")->valuedouble, 100);
		CHECK_EQ(cJSON_GetObjectItem(conn, "bytes_received")
				 ->valuedouble,
			 10000);
		CHECK_EQ(cJSON_GetObjectItem(conn, "pid")->valuedouble, 42);
	}
	st = cJSON_GetObjectItem(cJSON_GetObjectItem(back, "stages"),
				 "nic_to_tcp");
	if (CHECK(st, "nic_to_tcp stage")) {
		for (size_t i = 0; i < sizeof(stage_keys) / sizeof(*stage_keys);
		     i++)
			CHECK(cJSON_GetObjectItemCaseSensitive(st,
							       stage_keys[i]),
			      "stage key %s", stage_keys[i]);
		CHECK_EQ(cJSON_GetObjectItem(st, "p50")->valuedouble, 2);
	}
	/* stages never measured are absent, not zero */
	CHECK(!cJSON_GetObjectItem(cJSON_GetObjectItem(back, "stages"),
				   "read_to_frame"),
	      "absent stage");
	o = cJSON_GetObjectItem(back, "histogram");
	CHECK_EQ(cJSON_GetObjectItem(o, "0-1ms")->valuedouble, 100);
	CHECK(cJSON_GetObjectItem(o, "log2_ns"), "fine buckets");
	/* a key per record type, 0 when none came (a NULL name drops it) */
	o = cJSON_GetObjectItem(cJSON_GetObjectItem(back, "ring_buffer"),
				"records_by_type");
	CHECK_EQ(cJSON_GetArraySize(o), LP_EV_MAX - 1);
	CHECK(cJSON_GetObjectItem(o, "client_callback"),
	      "records_by_type.client_callback (LP_EV_CB)");
	CHECK_EQ(cJSON_GetObjectItem(o, "tcp_recvmsg")->valuedouble, 100);
	o = cJSON_GetObjectItem(cJSON_GetObjectItem(back, "kernel_drops"),
				"by_port");
	CHECK_EQ(cJSON_GetObjectItem(o, "5001")->valuedouble, 7);

	/* atomic write: whole file or nothing */
	if (CHECK(mkdtemp(dir), "mkdtemp")) {
		snprintf(path, sizeof(path), "%s/r.json", dir);
		CHECK_EQ(out_check(path), 0);
		CHECK_EQ(report_write_file(path, root), 0);
		CHECK(stat(path, &sb) == 0 && sb.st_size > (off_t)strlen(text),
		      "file written");
		unlink(path);
		snprintf(path, sizeof(path), "%s/missing/r.json", dir);
		CHECK(out_check(path) < 0, "missing dir refused");
		CHECK(report_write_file(path, root) < 0, "missing dir fails");
		test_view(dir, text);
		test_resolution(dir);
		test_nested_svg(dir);
		test_nested_off_cpu_svg(dir);
		/* the bytes writer (pictures): exact bytes; a directory refused */
		snprintf(path, sizeof(path), "%s/p.svg", dir);
		CHECK_EQ(out_write(path, "<svg/>", 6), 0);
		CHECK(stat(path, &sb) == 0 && sb.st_size == 6 &&
			      (sb.st_mode & 0777) == 0644,
		      "picture written whole, 0644");
		unlink(path);
		mkdir(path, 0755);
		CHECK_EQ(out_write(path, "<svg/>", 6), -EISDIR);
		rmdir(path);
		test_out_kinds(dir);
		rmdir(dir);
	}
	free(text);
	cJSON_Delete(back);
	cJSON_Delete(root);
	corr_free(c);
	test_overhead();
	return check_done("test_report");
}
