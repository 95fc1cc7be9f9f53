/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --report-every, --report-keep, --report-dir: a report every INTERVAL in
 * DIR, as latprobe-YYYYmmddTHHMMSSZ.json (UTC), written atomically (a
 * temporary file renamed), the newest KEEP kept. Each covers the run from
 * its start. The options are an argp child of latprobe's parser.
 */
#ifndef __LP_REPORT_EVERY_H
#define __LP_REPORT_EVERY_H

#include <argp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct report_every {
	uint64_t every_s; /* 0: no periodic reports */
	unsigned int keep;
	const char *dir;
	bool keep_or_dir; /* one of them given (they need --report-every) */
	uint64_t next_ns; /* CLOCK_MONOTONIC of the next report */
};

/* its options; input: a struct report_every */
extern const struct argp report_every_argp;

/* the file name prefix and suffix of the reports it writes and rotates */
#define REPORT_EVERY_PREFIX "latprobe-"
#define REPORT_EVERY_SUFFIX ".json"

/* Before attaching: DIR is a directory we can write into. 0 or -errno. */
int report_every_check(const struct report_every *re);

/* Arms the first report INTERVAL after t0_ns. */
void report_every_start(struct report_every *re, uint64_t t0_ns);

/*
 * True when a report is due at now_ns: path gets its name (for now's UTC
 * time) and the next one is armed.
 */
bool report_every_due(struct report_every *re, uint64_t now_ns, char *path,
		      size_t len);

/* Removes the oldest reports in DIR beyond KEEP; the count removed. */
int report_every_rotate(const struct report_every *re);

#endif
