// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * src/report/findings.c on hand-made reports: the stage that carries most
 * of the time is named with its numbers and, when the report has them, the
 * --sched split or callback_off_cpu says why; lost records are a caveat;
 * a report without the numbers (no avg_us, too few values, no stage with a
 * large share, shares over 100 %) gets no finding and no "findings:" line.
 */
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "check.h"
#include "report/findings.h"

#define HEAD(unit, lost)                                                       \
	"{\"timestamp\": \"t\", \"total_events\": 990, \"lost_events\": " lost \
	", \"connections\": {}, \"histogram\": {\"log2_ns\": {}}, "            \
	"\"messages\": {\"unit\": \"" unit "\", \"seen\": 100, "               \
	"\"correlated\": 100, \"stage_records\": 100}, \"stages\": {"
#define ST(name, count, avg, p50, p99)                          \
	"\"" name "\": {\"count\": " count ", \"avg_us\": " avg \
	", \"p50\": " p50 ", \"p99\": " p99 ", \"p999\": " p99 "}"

/* The findings of text as one string ("" for none); NULL if unreadable. */
static char *findings_text(const char *text, unsigned int *n)
{
	struct finding f[FINDINGS_MAX];
	struct report_view v;
	cJSON *root = cJSON_Parse(text);
	char *out = NULL;
	size_t len = 0;
	FILE *m;

	memset(&v, 0, sizeof(v));
	if (!CHECK(root, "hand-made report parses") ||
	    !CHECK(!report_view_json(&v, root, "hand-made"), "report reads")) {
		cJSON_Delete(root);
		return NULL;
	}
	*n = findings_of(&v, f, FINDINGS_MAX);
	m = open_memstream(&out, &len);
	findings_print(m, &v);
	fclose(m);
	cJSON_Delete(root);
	return out;
}

static void expect(const char *text, unsigned int want, const char *const *has)
{
	unsigned int n = 99;
	char *out = findings_text(text, &n);

	if (!out)
		return;
	CHECK(n == want, "%u findings, want %u: %s", n, want, out);
	for (; has && *has; has++)
		CHECK(strstr(out, *has), "lacks \"%s\": %s", *has, out);
	if (!want)
		CHECK(!*out, "nothing printed, not \"%s\"", out);
	free(out);
}

/* one stage a line */
/* clang-format off */
/* wakeup_to_read is 70 % of the time; the split says the CPU was taken. */
static const char sched_report[] = HEAD("read", "0")
	ST("nic_to_tcp", "100", "10", "5", "9") ","
	ST("tcp_to_wakeup", "100", "20", "20", "90") ","
	ST("wakeup_to_read", "100", "70", "20", "2000") ","
	ST("sched_delay", "100", "60", "10", "1800") ","
	ST("thread_busy", "100", "7", "5", "30") ","
	ST("thread_blocked", "100", "3", "1", "20") ","
	ST("total", "100", "100", "50", "2100") "}}";

/* callback and read_to_callback: two findings, the first says off CPU. */
static const char callback_report[] = HEAD("message", "0")
	ST("read_to_callback", "100", "900", "800", "1000") ","
	ST("callback", "100", "2000", "2000", "4000") ","
	ST("callback_off_cpu", "100", "1200", "1000", "3000") ","
	ST("total", "100", "3000", "3000", "5000") "}}";

/* The two other losses the report counts: caveats after the finding. */
static const char caveats_report[] =
	"{\"timestamp\": \"t\", \"total_events\": 990, \"lost_events\": 0, "
	"\"connections\": {}, \"histogram\": {\"log2_ns\": {}}, "
	"\"ring_buffer\": {\"connections_not_tracked\": 3}, "
	"\"messages\": {\"unit\": \"message\", \"seen\": 100, \"correlated\": 90, "
	"\"stage_records\": 100, \"lost_kernel_stages\": 7}, \"stages\": {"
	ST("wakeup_to_read", "100", "70", "20", "2000") ","
	ST("read_to_frame", "100", "30", "20", "90") ","
	ST("total", "100", "100", "50", "2100") "}}";

/* No stage over a quarter of the time: nothing about the time; a loss. */
static const char loss_report[] = HEAD("read", "10")
	ST("nic_to_tcp", "100", "20", "5", "9") ","
	ST("tcp_to_wakeup", "100", "20", "20", "90") ","
	ST("wakeup_to_read", "100", "20", "20", "200") ","
	ST("read_duration", "100", "90", "20", "200") ","
	ST("total", "100", "100", "50", "300") "}}";

/* --callback without E: no total, the shares are of the stages' sum. */
static const char no_total_report[] = HEAD("message", "0")
	ST("wakeup_to_read", "200", "40", "40", "600") ","
	ST("read_to_callback", "200", "10", "7", "20") ","
	ST("callback", "200", "3550", "3588", "3883") ","
	ST("callback_off_cpu", "200", "2020", "2023", "2072") "}}";

/* Reports that hold no numbers for a finding. */
static const char *const no_findings[] = {
	/* an older report: no avg_us */
	HEAD("read", "0")
	"\"wakeup_to_read\": {\"count\": 100, \"p50\": 9, \"p99\": 9, \"p999\": 9}, "
	"\"total\": {\"count\": 100, \"p50\": 10, \"p99\": 10, \"p999\": 10}}}",
	/* too few values */
	HEAD("read", "0")
	ST("wakeup_to_read", "5", "90", "90", "90") ","
	ST("total", "5", "100", "100", "100") "}}",
	/* no total, one stage: all of its own sum */
	HEAD("read", "0") ST("wakeup_to_read", "100", "90", "90", "90") "}}",
	/* no total, and a stage without avg_us: no sum */
	HEAD("read", "0") ST("wakeup_to_read", "100", "90", "90", "90") ","
	"\"nic_to_tcp\": {\"count\": 100, \"p50\": 9, \"p99\": 9, \"p999\": 9}}}",
	/* a stage summed over more values than total: over 100 %, no claim */
	HEAD("message", "0")
	ST("read_to_callback", "1000", "50", "50", "50") ","
	ST("total", "100", "100", "100", "100") "}}",
	/* no stages at all */
	HEAD("read", "0") "}}",
};
/* clang-format on */

static void test_sched(void)
{
	static const char *const has[] = {
		"\nfindings:\n  wakeup_to_read: 70 % of the time (7.00 ms of total's 10.00 ms over 100 reads; p50 20.00 us, p99 2.00 ms); of it 86 % sched_delay (runnable, waiting for a CPU; p99 1.80 ms), 10 % thread_busy, 4 % thread_blocked over 100 split reads\n",
		NULL};

	expect(sched_report, 1, has);
}

static void test_callback(void)
{
	static const char *const has[] = {
		"  callback: 67 % of the time (200.00 ms of total's 300.00 ms over 100 messages; p50 2.00 ms, p99 4.00 ms); of it 60 % off a CPU (callback_off_cpu: preempted or asleep; p99 3.00 ms), 40 % on it (the handler's own work) over 100 calls\n",
		"  read_to_callback: 30 % of the time (90.00 ms of total's",
		NULL};

	expect(callback_report, 2, has);
}

static void test_no_total(void)
{
	static const char *const has[] = {
		"  callback: 99 % of the time (710.00 ms of the stages' sum of 720.00 ms over 200 messages; p50 3.59 ms, p99 3.88 ms); of it 57 % off a CPU (callback_off_cpu: preempted or asleep; p99 2.07 ms), 43 % on it (the handler's own work) over 200 calls\n",
		NULL};

	expect(no_total_report, 1, has);
}

static void test_caveats(void)
{
	static const char *const has[] = {
		"  wakeup_to_read: 70 % of the time",
		"  read_to_frame: 30 % of the time",
		"  caveat: 7 of 100 messages lost their kernel stages, the consumer fell behind (messages.lost_kernel_stages)\n",
		"  caveat: 3 connections over --max-connections not tracked, the totals miss them (ring_buffer.connections_not_tracked)\n",
		NULL
	};

	expect(caveats_report, 4, has);
}

static void test_loss_only(void)
{
	static const char *const has[] = {
		"\nfindings:\n  caveat: 10 ring-buffer records lost (1.00 % of 1000): the stages miss what they carried (lost_events)\n",
		NULL};

	expect(loss_report, 1, has);
}

static void test_nothing(void)
{
	for (size_t i = 0; i < sizeof(no_findings) / sizeof(*no_findings); i++)
		expect(no_findings[i], 0, NULL);
}

int main(void)
{
	test_sched();
	test_callback();
	test_no_total();
	test_caveats();
	test_loss_only();
	test_nothing();
	return check_done("test_findings");
}
