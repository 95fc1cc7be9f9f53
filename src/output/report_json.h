/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The JSON report (schema latprobe/1, docs/report-schema.md), written whole or not at all. */
#ifndef __LP_REPORT_H
#define __LP_REPORT_H

#include <stdint.h>
#include <time.h>
#include <cjson/cJSON.h>
#include "correlator.h"
#include "out_file.h"
#include "overhead_report.h"
#include "port_drops.h"
#include "probes.h"
#include "target.h"

struct cb_attach;
struct lp_opts;
struct stamps_totals;

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

/* ring_buffer.records_by_type's name of each record type (1..LP_EV_MAX-1) */
extern const char *const lp_ev_names[LP_EV_MAX];

cJSON *report_build(const struct report_in *in);
/* Set "degraded", add @reason; @stages: every stage is marked degraded too. */
void report_degrade(cJSON *root, const char *reason, bool stages);
/* The report's "tls" object (TLS probes' totals, report_tls.c). */
cJSON *report_tls_json(const struct corr *c);
cJSON *report_ktls_json(const struct corr *c);
/* probes.client_message.stamps: the stamps ring's totals (--client). */
void report_stamps_json(cJSON *root, const struct stamps_totals *t);
/* The "callback" section when --callback is on (stats: enum lp_stat sums). */
void report_callback_json(cJSON *root, const struct cb_attach *cb,
			  const struct lp_opts *o, const uint64_t *stats,
			  uint64_t messages, uint64_t with_exch);
/* "ip:port" or "[ip6]:port", as the report's connection keys write it. */
void report_endpoint(char *buf, size_t len, const uint8_t *addr,
		     uint16_t port, uint16_t family);
/* The report as JSON through lib/out_file.c's out_write(). 0 or -errno. */
int report_write_file(const char *path, const cJSON *root);
/* Write root to a fallback path (named in *out) after path failed. */
int report_write_fallback(const cJSON *root, char *out, size_t len);

#endif
