// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <arpa/inet.h>
#include "json_num.h"
#include "cgroup.h"
#include "out_file.h"
#include "report_json.h"
#include "stage_bias.h"
#include "stage_bias_json.h"

const char *const lp_ev_names[LP_EV_MAX] = {
	[LP_EV_SOCK] = "sock",
	[LP_EV_SEG] = "tcp_probe",
	[LP_EV_WAKE] = "sk_data_ready",
	[LP_EV_READ] = "tcp_recvmsg",
	[LP_EV_CLOSE] = "close",
	[LP_EV_MSG] = "client_message",
	[LP_EV_CB] = "client_callback",
	[LP_EV_TLS] = "ssl_read",
	[LP_EV_READS] = "tcp_recvmsg_batch",
	[LP_EV_KTLS] = "ktls_recv",
};

static double round3(double v)
{
	/* no fraction left to round up there, and no long long holds it */
	if (!(fabs(v) < 1e15))
		return v;
	return (double)(long long)(v * 1000.0 + (v >= 0 ? 0.5 : -0.5)) / 1000.0;
}

static cJSON *stage_json(const struct hist *h, enum lp_stage st,
			 uint64_t res_ns)
{
	struct hist_summary s;
	cJSON *o = cJSON_CreateObject();

	hist_summarize(h, &s);
	add_num(o, "count", (double)s.count);
	add_num(o, "min_us", round3(s.min_us));
	add_num(o, "avg_us", round3(s.avg_us));
	add_num(o, "max_us", round3(s.max_us));
	add_num(o, "std_dev_us", round3(s.std_dev_us));
	add_num(o, "p50", round3(s.p50));
	add_num(o, "p75", round3(s.p75));
	add_num(o, "p90", round3(s.p90));
	add_num(o, "p95", round3(s.p95));
	add_num(o, "p99", round3(s.p99));
	add_num(o, "p999", round3(s.p999));
	cJSON_AddStringToObject(o, "marks", lp_stage_marks[st]);
	add_num(o, "resolution_ns", (double)res_ns);
	return o;
}

/* Segments by the source of their first mark (see struct nic_counts). */
static void add_nic(cJSON *o, const struct nic_counts *n)
{
	cJSON *src;

	add_num(o, "nic_stamped", (double)n->stamped);
	src = cJSON_AddObjectToObject(o, "nic_sources");
	for (int i = LP_NIC_DPDK_HW; i < LP_NIC_MAX; i++)
		add_num(src, lp_nic_src_names[i], (double)n->sources[i]);
	add_num(o, "nic_after_tcp", (double)n->after_tcp);
	add_num(o, "nic_after_tcp_max_ns", (double)n->after_tcp_max_ns);
}

/*
 * Stages with at least one value; a stage never measured is absent.
 * nic_to_tcp also says where its first marks came from.
 */
static cJSON *stages_json(const struct corr *c, const struct hist *const *hs,
			  const struct nic_counts *nic)
{
	cJSON *o = cJSON_CreateObject(), *st;

	for (int i = 0; i < ST_MAX; i++) {
		if (!hs[i] || !hs[i]->count)
			continue;
		st = stage_json(hs[i], i, corr_stage_res_ns(c, i));
		if (i == ST_NIC_TO_TCP)
			add_nic(st, nic);
		cJSON_AddItemToObject(o, lp_stage_names[i], st);
	}
	return o;
}

void report_endpoint(char *buf, size_t len, const uint8_t *addr,
		     uint16_t port, uint16_t family)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, addr, ip,
		  sizeof(ip));
	snprintf(buf, len, family == AF_INET6 ? "[%s]:%u" : "%s:%u", ip, port);
}

/* The owner's cgroup v2 path and the container it names, or nulls. */
static void add_cgroup(cJSON *o, uint64_t id)
{
	const char *path = lp_cgroup_path(id);
	char cid[LP_CONTAINER_ID_LEN + 1];

	if (path)
		cJSON_AddStringToObject(o, "cgroup", path);
	else
		cJSON_AddNullToObject(o, "cgroup");
	if (lp_container_id(path, cid))
		cJSON_AddStringToObject(o, "container_id", cid);
	else
		cJSON_AddNullToObject(o, "container_id");
}

static cJSON *conn_json(const struct corr *c, const struct conn *cn,
			const char *src, const char *dst)
{
	cJSON *o = cJSON_CreateObject();
	const struct hist *tot = cn->stages[ST_TOTAL];
	struct hist_summary s = { 0 };

	cJSON_AddStringToObject(o, "source", src);
	cJSON_AddStringToObject(o, "destination", dst);
	add_num(o, "pid", cn->tgid);
	cJSON_AddStringToObject(o, "comm", cn->info.comm);
	add_cgroup(o, cn->have_info ? cn->info.cgroup_id : 0);
	cJSON_AddStringToObject(o, "state", cn->closed ? "closed" : "open");
	add_num(o, "events", (double)cn->events);
	add_num(o, "reads", (double)cn->reads);
	add_num(o, "bytes_received", (double)cn->bytes_received);
	add_num(o, "bytes_sent", (double)cn->bytes_sent);
	add_num(o, "segments_in", (double)cn->segments_in);
	add_num(o, "segments_retransmitted", (double)cn->segments_dup);
	add_num(o, "segments_evicted", (double)cn->segments_evicted);
	add_num(o, "messages", (double)cn->messages);
	add_nic(o, &cn->nic);
	if (tot)
		hist_summarize(tot, &s);
	add_num(o, "min_latency_us", round3(s.min_us));
	add_num(o, "avg_latency_us", round3(s.avg_us));
	add_num(o, "max_latency_us", round3(s.max_us));
	add_num(o, "std_dev_us", round3(s.std_dev_us));
	cJSON_AddItemToObject(
		o, "stages",
		stages_json(c, (const struct hist *const *)cn->stages,
			    &cn->nic));
	return o;
}

static cJSON *connections_json(const struct corr *c)
{
	cJSON *o = cJSON_CreateObject();
	char src[64], dst[64], key[160];

	for (const struct conn *cn = c->all; cn; cn = cn->next) {
		if (cn->have_info) {
			report_endpoint(src, sizeof(src), cn->info.saddr,
				     cn->info.sport, cn->info.family);
			report_endpoint(dst, sizeof(dst), cn->info.daddr,
				     cn->info.dport, cn->info.family);
		} else {
			/* the socket's announcement was lost: keep its data */
			snprintf(src, sizeof(src), "sock:%llx",
				 (unsigned long long)cn->sk);
			snprintf(dst, sizeof(dst), "unknown");
		}
		snprintf(key, sizeof(key), "%s -> %s", src, dst);
		/* the same 4-tuple reused after close: keep both */
		for (int n = 2; cJSON_GetObjectItemCaseSensitive(o, key); n++)
			snprintf(key, sizeof(key), "%s -> %s #%d", src, dst, n);
		cJSON_AddItemToObject(o, key, conn_json(c, cn, src, dst));
	}
	return o;
}

static cJSON *histogram_json(const struct corr *c)
{
	const struct hist *h = &c->stages[ST_TOTAL];
	cJSON *o = cJSON_CreateObject(), *fine;
	uint64_t lo, hi, per_pow2[64] = { 0 };
	char k[48];

	for (int i = 0; i < TOTAL_COARSE; i++)
		add_num(o, lp_coarse_names[i], (double)c->total_coarse[i]);
	/* log2 buckets nest exactly in the log-linear histogram */
	for (unsigned int i = 0; i < HIST_BUCKETS; i++) {
		uint32_t n = hist_bucket_count(h, i);

		if (!n)
			continue;
		hist_bucket_range(i, &lo, &hi);
		per_pow2[lo ? 63 - __builtin_clzll(lo) : 0] += n;
	}
	fine = cJSON_AddObjectToObject(o, "log2_ns");
	for (int e = 0; e < 64; e++) {
		if (!per_pow2[e])
			continue;
		snprintf(k, sizeof(k), "%llu-%llu", e ? 1ULL << e : 0ULL,
			 (2ULL << e) - 1);
		add_num(fine, k, (double)per_pow2[e]);
	}
	return o;
}

static cJSON *percentiles_json(const struct hist *h)
{
	cJSON *o = cJSON_CreateObject();
	struct hist_summary s;

	hist_summarize(h, &s);
	add_num(o, "p50", round3(s.p50));
	add_num(o, "p75", round3(s.p75));
	add_num(o, "p90", round3(s.p90));
	add_num(o, "p95", round3(s.p95));
	add_num(o, "p99", round3(s.p99));
	add_num(o, "p999", round3(s.p999));
	return o;
}

static cJSON *probes_json(const struct probe_info *p)
{
	cJSON *o = cJSON_CreateObject(), *e;

	for (int i = 0; i < PR_MAX; i++) {
		e = cJSON_AddObjectToObject(o, p[i].name);
		cJSON_AddStringToObject(e, "requested",
					lp_mech_names[p[i].requested]);
		cJSON_AddStringToObject(e, "used", lp_mech_names[p[i].used]);
		cJSON_AddStringToObject(e, "attach_point", p[i].attach_point);
		cJSON_AddStringToObject(e, "why", p[i].why);
		add_num(e, "hits", (double)p[i].hits);
	}
	return o;
}

static void iso8601(char *buf, size_t len, const struct timespec *ts)
{
	struct tm tm;

	gmtime_r(&ts->tv_sec, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void report_degrade(cJSON *root, const char *reason, bool stages)
{
	cJSON *conn, *st, *why;

	cJSON_ReplaceItemInObjectCaseSensitive(root, "degraded",
					       cJSON_CreateTrue());
	why = cJSON_GetObjectItemCaseSensitive(root, "degraded_reasons");
	cJSON_AddItemToArray(why, cJSON_CreateString(reason));
	if (!stages)
		return;
	cJSON_ArrayForEach(
		st, cJSON_GetObjectItemCaseSensitive(
			    root,
			    "stages")) if (!cJSON_HasObjectItem(st, "degraded"))
		cJSON_AddBoolToObject(st, "degraded", true);
	cJSON_ArrayForEach(
		conn, cJSON_GetObjectItemCaseSensitive(root, "connections"))
		cJSON_ArrayForEach(
			st,
			cJSON_GetObjectItemCaseSensitive(
				conn,
				"stages")) if (!cJSON_HasObjectItem(st,
								    "degraded"))
			cJSON_AddBoolToObject(st, "degraded", true);
}

static void mark_degraded(cJSON *root, const struct report_in *in)
{
	const struct corr_totals *t = &in->corr->t;
	char why[200];

	cJSON_AddBoolToObject(root, "degraded", false);
	cJSON_AddArrayToObject(root, "degraded_reasons");
	/*
	 * Records lost in the ring buffer (or dropped as malformed) took
	 * marks with them: every stage may be short, and none can say by
	 * how much.
	 */
	if (in->stats[LP_S_LOST] || t->malformed)
		report_degrade(
			root,
			"records lost or malformed: stages may miss marks",
			true);
	/*
	 * Over --max-connections the tracked connections' stages are whole,
	 * but the run's totals miss the untracked ones: the run is degraded,
	 * its stage histograms are not.
	 */
	if (t->conns_not_tracked || t->events_not_tracked)
		report_degrade(
			root,
			"connection cap (--max-connections) reached: totals miss the untracked connections",
			false);
	/* the consumer fell behind the stamps ring: kernel stages missing */
	if (t->msgs_read_displaced) {
		snprintf(
			why, sizeof(why),
			"%llu messages lost their kernel stages: the consumer fell behind (their reads left the %u-read history)",
			(unsigned long long)t->msgs_read_displaced, CONN_READS);
		report_degrade(root, why, true);
	}
}

cJSON *report_build(const struct report_in *in)
{
	const struct corr *c = in->corr;
	const struct corr_totals *t = &c->t;
	cJSON *root = cJSON_CreateObject(), *o, *m;
	const struct hist *g[ST_MAX];
	struct utsname u;
	char ts[32];

	cJSON_AddStringToObject(root, "schema", "latprobe/1");
	o = cJSON_AddObjectToObject(root, "tool");
	cJSON_AddStringToObject(o, "name", "latprobe");
	cJSON_AddStringToObject(o, "version", in->version);
	if (uname(&u) == 0) {
		cJSON_AddStringToObject(o, "kernel", u.release);
		cJSON_AddStringToObject(o, "host", u.nodename);
	}
	iso8601(ts, sizeof(ts), &in->start);
	cJSON_AddStringToObject(root, "timestamp", ts);
	add_num(root, "duration_seconds", round3(in->duration));
	add_num(root, "total_events", (double)t->events);
	add_num(root, "lost_events", (double)in->stats[LP_S_LOST]);

	o = cJSON_AddObjectToObject(root, "clock");
	cJSON_AddStringToObject(o, "marks", "CLOCK_MONOTONIC (bpf_ktime_get_ns)");
	/* a string: a double cannot hold this many nanoseconds exactly */
	snprintf(ts, sizeof(ts), "%lld", (long long)c->cfg.realtime_offset_ns);
	cJSON_AddStringToObject(o, "realtime_minus_monotonic_ns", ts);
	add_num(o, "conversion_error_ns", (double)in->clock_err_ns);
	cJSON_AddStringToObject(o, "exchange_time",
				"E (CLOCK_REALTIME) - realtime_minus_monotonic_ns; E in ms adds up to 1 ms");

	o = cJSON_AddObjectToObject(root, "ring_buffer");
	add_num(o, "bytes", (double)in->ringbuf_bytes);
	add_num(o, "submitted", (double)in->stats[LP_S_SUBMITTED]);
	add_num(o, "received", (double)(t->events + t->malformed));
	add_num(o, "malformed", (double)t->malformed);
	add_num(o, "read_batch", (double)in->read_batch);
	add_num(o, "reads_batched", (double)t->reads_batched);
	add_num(o, "reads_in_tls_records", (double)t->reads_in_tls);
	add_num(o, "reads_lost", (double)in->stats[LP_S_READS_LOST]);
	add_num(o, "forced_wakeups", (double)in->stats[LP_S_WAKEUPS]);
	add_num(o, "filtered_in_kernel", (double)in->stats[LP_S_FILTERED]);
	add_num(o, "sockets_not_tracked_kernel",
		(double)in->stats[LP_S_SOCK_FULL]);
	/* over --max-connections: connections, and the records they sent */
	add_num(o, "connections_not_tracked", (double)t->conns_not_tracked);
	cJSON_AddBoolToObject(o, "connections_not_tracked_is_lower_bound",
			      c->untracked_full);
	add_num(o, "records_of_untracked_connections",
		(double)t->events_not_tracked);
	add_num(o, "max_connections", (double)c->cfg.max_conns);
	add_num(o, "marks_out_of_order", (double)t->out_of_order);

	o = cJSON_AddObjectToObject(root, "messages");
	cJSON_AddStringToObject(o, "unit",
				c->cfg.per_message ? "message" : "read");
	add_num(o, "seen", (double)t->msgs_seen);
	add_num(o, "correlated", (double)t->msgs_correlated);
	m = cJSON_AddObjectToObject(o, "by_attribution");
	add_num(m, "last_read", (double)t->msgs_by_last_read);
	add_num(m, "no_socket", (double)t->msgs_no_socket);
	add_num(m, "no_read", (double)t->msgs_no_read);
	/* of no_read: their read left the history before they arrived */
	add_num(o, "lost_kernel_stages", (double)t->msgs_read_displaced);
	/* batched reads: messages that came before their read */
	add_num(o, "waited_for_read", (double)t->msgs_waited);
	add_num(o, "waited_queue_full", (double)t->msgs_waited_full);
	add_num(o, "stage_records", (double)t->records);
	if (in->probes[PR_SCHED].used != MECH_NONE) { /* --sched */
		m = cJSON_AddObjectToObject(o, "wakeup_to_read_split");
		add_num(m, "split", (double)t->sched_split);
		add_num(m, "not_split", (double)t->sched_unsplit);
	}

	cJSON_AddItemToObject(root, "probes", probes_json(in->probes));
	cJSON_AddItemToObject(root, "tls", report_tls_json(c));
	cJSON_AddItemToObject(root, "ktls", report_ktls_json(c));
	for (int i = 0; i < ST_MAX; i++)
		g[i] = &c->stages[i];
	o = stages_json(c, g, &c->nic);
	/* beside the raw values: minus the probes' calibrated bias */
	for (int i = 0; i < ST_MAX; i++)
		if (c->bias[i] && c->stages[i].count)
			cJSON_AddItemToObject(cJSON_GetObjectItemCaseSensitive(
						      o, lp_stage_names[i]),
					      "bias_corrected",
					      stage_bias_json(c->bias[i]));
	cJSON_AddItemToObject(root, "stages", o);
	cJSON_AddItemToObject(root, "connections", connections_json(c));
	cJSON_AddItemToObject(root, "histogram", histogram_json(c));
	cJSON_AddItemToObject(root, "percentiles",
			      percentiles_json(&c->stages[ST_TOTAL]));
	/* count per probe: program runs, whether or not they made a record */
	o = cJSON_AddObjectToObject(root, "event_type_breakdown");
	for (int i = 0; i < PR_MAX; i++)
		add_num(o, in->probes[i].name, (double)in->probes[i].hits);
	cJSON_AddStringToObject(
		root, "event_type_breakdown_note",
		"program runs per probe; client_message counts the client's USDT probe only: the messages it reported before its stamps ring was mapped (all of them without a ring); those through the ring are probes.client_message.stamps.records");
	o = cJSON_GetObjectItemCaseSensitive(root, "ring_buffer");
	m = cJSON_AddObjectToObject(o, "records_by_type");
	for (int i = 1; i < LP_EV_MAX; i++)
		add_num(m, lp_ev_names[i], (double)t->by_type[i]);

	o = cJSON_AddObjectToObject(root, "kernel_drops");
	add_num(o, "sock_rcvqueue_full", (double)in->stats[LP_S_RCVQ_FULL]);
	add_num(o, "udp_fail_queue_rcv_skb", (double)in->stats[LP_S_UDP_FAIL]);
	m = cJSON_AddObjectToObject(o, "by_port");
	for (unsigned int i = 0; i < in->ndrops; i++) {
		char k[8];

		snprintf(k, sizeof(k), "%u", in->drops[i].port);
		add_num(m, k, (double)in->drops[i].count);
	}
	if (in->ov) {
		struct ov_units u = {
			.messages = t->msgs_seen,
			.reads = corr_reads(c),
			.ring_records = in->stats[LP_S_SUBMITTED],
			.wakeups = in->stats[LP_S_WAKEUPS],
			.client_hits = in->probes[PR_CLIENT_MESSAGE].hits,
			.total_p50_ns = (double)hist_quantile(
				&c->stages[ST_TOTAL], 0.5),
			.nic_to_user_p50_ns = (double)hist_quantile(
				&c->stages[ST_NIC_TO_USER], 0.5),
		};

		cJSON_AddItemToObject(root, "overhead",
				      overhead_json(in->ov, &u));
	}
	o = cJSON_AddArrayToObject(root, "targets");
	for (unsigned int i = 0; i < in->ntargets; i++) {
		const struct lp_target *tg = &in->targets[i];
		cJSON *x;

		if (!tg->pid)
			continue; /* the flag was not given */
		x = cJSON_CreateObject();
		add_num(x, "pid", tg->pid);
		cJSON_AddStringToObject(x, "flag", tg->flag);
		cJSON_AddBoolToObject(x, "exited", tg->exited);
		if (tg->exited)
			add_num(x, "exited_after_seconds",
				round3(tg->exited_after_s));
		cJSON_AddItemToArray(o, x);
	}
	mark_degraded(root, in);
	return root;
}

/*
 * The requested path failed at the end of a run: the measurement must not
 * be lost with it. Try $TMPDIR, /var/tmp, /tmp, in that order, under a name
 * that says what it is; *out gets the path written. 0 or -errno of the last.
 */
int report_write_fallback(const cJSON *root, char *out, size_t len)
{
	const char *dirs[] = { getenv("TMPDIR"), "/var/tmp", "/tmp" };
	struct timespec now;
	struct tm tm;
	char stamp[32];
	int err = -ENOENT;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (!dirs[i] || !*dirs[i])
			continue;
		if (snprintf(out, len, "%s/latprobe-report-%s-%d.json", dirs[i],
			     stamp, (int)getpid()) >= (int)len)
			continue;
		err = report_write_file(out, root);
		if (!err)
			return 0;
	}
	return err;
}

int report_write_file(const char *path, const cJSON *root)
{
	char *text = cJSON_Print(root), *t;
	size_t len;
	int err;

	if (!text)
		return -ENOMEM;
	/* the JSON and a final newline, in one write */
	len = strlen(text);
	t = realloc(text, len + 2);
	if (!t) {
		free(text);
		return -ENOMEM;
	}
	t[len] = '\n';
	t[len + 1] = '\0';
	err = out_write(path, t, len + 1);
	free(t);
	return err;
}
