// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* wsclient's summary: a table on stdout, and --json-summary FILE. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "out_file.h"
#include "wsclient.h"

static uint64_t skipped(void)
{
	return wsc.bad_utf8 + wsc.bad_json + wsc.bad_fields + wsc.oversized +
	       wsc.truncated + wsc.binary;
}

void print_summary(double secs)
{
	printf(PROG
	       ": %llu messages in %.2f s (%.0f/s); %llu connections, %llu reconnects, %llu drops, %llu connect errors\n",
	       (unsigned long long)wsc.msgs, secs,
	       secs > 0 ? wsc.msgs / secs : 0,
	       (unsigned long long)(wsc.connects - wsc.conn_errors),
	       (unsigned long long)(wsc.connects ? wsc.connects - 1 : 0),
	       (unsigned long long)wsc.drops,
	       (unsigned long long)wsc.conn_errors);
	printf("  %-26s %10s %10s %10s %10s\n", "stage (us)", "count", "p50",
	       "p99", "max");
	msg_hist_print_row(stdout, "frame_to_parsed", &wsc.frame_parsed);
	if (wsc.pub)
		msg_hist_print_row(stdout, "parsed_to_published",
				   &wsc.parsed_pub);
	if (wsc.exch_frame.count)
		msg_hist_print_row(stdout,
				   wsc.e_ms ? "exchange_to_frame (E ms)"
					    : "exchange_to_frame",
				   &wsc.exch_frame);
	if (wsc.rtt.count)
		msg_hist_print_row(stdout, "ping_rtt", &wsc.rtt);
	printf(PROG
	       ": skipped %llu (bad_utf8 %llu, bad_json %llu, bad_fields %llu, oversized %llu, truncated %llu, binary %llu); replies %llu; publish errors %llu\n",
	       (unsigned long long)skipped(), (unsigned long long)wsc.bad_utf8,
	       (unsigned long long)wsc.bad_json,
	       (unsigned long long)wsc.bad_fields,
	       (unsigned long long)wsc.oversized,
	       (unsigned long long)wsc.truncated,
	       (unsigned long long)wsc.binary, (unsigned long long)wsc.replies,
	       (unsigned long long)wsc.pub_errors);
	fflush(stdout);
}

int write_json_summary(const char *path, double secs)
{
	struct rusage ru = {};
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int err;

	/* CPU per message: what a tracer's probe costs the client shows here */
	getrusage(RUSAGE_SELF, &ru);

	/* built in memory, then through the one writer (lib/out_file.h) */
	f = open_memstream(&buf, &len);
	if (!f) {
		err = -errno;
		goto err;
	}
	fprintf(f,
		"{\n  \"tool\": \"wsclient\",\n  \"url\": \"%s\",\n"
		"  \"duration_seconds\": %.3f,\n  \"messages\": %llu,\n"
		"  \"messages_per_second\": %.1f,\n  \"message_seconds\": %.6f,\n"
		"  \"cpu_seconds\": %.6f,\n"
		"  \"published\": %s,\n"
		"  \"exch_time_unit\": \"%s\",\n  \"connections\": %llu,\n"
		"  \"reconnects\": %llu,\n  \"drops\": %llu,\n"
		"  \"connect_errors\": %llu,\n  \"replies\": %llu,\n"
		"  \"publish_errors\": %llu,\n  \"exch_ahead\": %llu,\n"
		"  \"pings\": %llu,\n  \"pongs\": %llu,\n",
		opt.url, secs, (unsigned long long)wsc.msgs,
		secs > 0 ? wsc.msgs / secs : 0.0,
		(wsc.last_msg_ns - wsc.first_msg_ns) / 1e9,
		ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
			(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6,
		wsc.pub ? "true" : "false",
		wsc.e_ms ? (wsc.e_us ? "mixed" : "ms")
			 : (wsc.e_us ? "us" : "none"),
		(unsigned long long)(wsc.connects - wsc.conn_errors),
		(unsigned long long)(wsc.connects ? wsc.connects - 1 : 0),
		(unsigned long long)wsc.drops,
		(unsigned long long)wsc.conn_errors,
		(unsigned long long)wsc.replies,
		(unsigned long long)wsc.pub_errors,
		(unsigned long long)wsc.exch_ahead,
		(unsigned long long)wsc.pings, (unsigned long long)wsc.pongs);
	fprintf(f,
		"  \"skipped\": {\"total\": %llu, \"bad_utf8\": %llu, \"bad_json\": %llu, "
		"\"bad_fields\": %llu, \"oversized\": %llu, \"truncated\": %llu, "
		"\"binary\": %llu},\n  \"stages\": {\n",
		(unsigned long long)skipped(), (unsigned long long)wsc.bad_utf8,
		(unsigned long long)wsc.bad_json,
		(unsigned long long)wsc.bad_fields,
		(unsigned long long)wsc.oversized,
		(unsigned long long)wsc.truncated,
		(unsigned long long)wsc.binary);
	msg_hist_print_json(f, "frame_to_parsed", &wsc.frame_parsed, 0);
	msg_hist_print_json(f, "parsed_to_published", &wsc.parsed_pub, 0);
	msg_hist_print_json(f, "frame_to_published", &wsc.frame_pub, 0);
	msg_hist_print_json(f, "exchange_to_frame", &wsc.exch_frame, 0);
	msg_hist_print_json(f, "exchange_to_published", &wsc.exch_pub, 0);
	msg_hist_print_json(f, "ping_rtt", &wsc.rtt, 1);
	fprintf(f, "  }\n}\n");
	err = ferror(f) ? -ENOMEM : 0;
	if (fclose(f) && !err)
		err = -errno;
	if (!err)
		err = out_write(path, buf, len);
	free(buf);
	if (!err)
		return 0;
err:
	fprintf(stderr, PROG ": cannot write --json-summary %s: %s\n", path,
		out_strerror(err));
	return -1;
}
