/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The JSON report (schema latprobe/1, docs/report-schema.md), written whole or not at all. */
#ifndef __LP_REPORT_H
#define __LP_REPORT_H

#include <stdint.h>
#include <time.h>
#include <cjson/cJSON.h>
#include "correlator.h"
#include "overhead.h"
#include "probes.h"
#include "target.h"

struct port_drops {
	uint16_t port;
	uint64_t count;
};

struct report_in {
	const struct corr *corr;
	const struct probe_info *probes; /* PR_MAX entries */
	struct timespec start;		 /* CLOCK_REALTIME */
	double duration;		 /* seconds */
	uint64_t stats[LP_S_MAX];	 /* enum lp_stat, summed over CPUs */
	const struct port_drops *drops;
	unsigned int ndrops;
	uint64_t ringbuf_bytes;
	unsigned int read_batch; /* reads per batch record, 0: not batched */
	uint64_t clock_err_ns; /* of corr->cfg.realtime_offset_ns */
	const char *version;
	const struct lp_target *targets; /* --pid, --client PID */
	unsigned int ntargets;
	const struct overhead *ov; /* NULL: no "overhead" section */
};

cJSON *report_build(const struct report_in *in);
/* Set "degraded", add @reason; @stages: every stage is marked degraded too. */
void report_degrade(cJSON *root, const char *reason, bool stages);
/* The report's "tls" object (TLS probes' totals, report_tls.c). */
cJSON *report_tls_json(const struct corr *c);
/* "ip:port" or "[ip6]:port", as the report's connection keys write it. */
void report_endpoint(char *buf, size_t len, const uint8_t *addr,
		     uint16_t port, uint16_t family);
/*
 * Whole or not at all: len bytes to a temp file in path's directory, fsync,
 * rename over path. Refused: a symlink at path in a world-writable sticky
 * directory (ELOOP), a directory (EISDIR) or anything but a regular file or
 * a symlink (EINVAL: a device node). Nothing is left behind on failure.
 * 0 or -errno.
 */
int report_write_bytes(const char *path, const void *buf, size_t len);
/* The report as JSON through report_write_bytes(). 0 or -errno. */
int report_write_file(const char *path, const cJSON *root);
/*
 * Can the report be written to path at the end? Checked before attaching:
 * a directory, a non-regular, immutable or append-only file, a read-only or
 * full filesystem, no right to create files next to it. 0 or -errno.
 */
int report_check_writable(const char *path);
/* Write root to a fallback path (named in *out) after path failed. */
int report_write_fallback(const cJSON *root, char *out, size_t len);

#endif
