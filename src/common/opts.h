/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef __LP_OPTS_H
#define __LP_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "probes.h"
#include "report_every.h"

/* --version and the report's tool.version (the man pages repeat it) */
#define LP_VERSION "0.1.0"

struct lp_opts {
	double duration; /* seconds, 0 = until Ctrl-C */
	const char *output;
	uint32_t pid;
	uint16_t port;
	char comm[16];
	bool has_comm;
	const char *cgroup;	/* --cgroup PATH, as given */
	uint64_t cgroup_id;	/* its cgroup v2 id, 0 = no --cgroup */
	uint32_t cgroup_level;	/* its depth below the v2 root */
	uint32_t sample_rate;
	enum lp_mech attach;
	const char *client;	/* --client PATH or PID, as given */
	uint32_t client_pid;	/* --client PID; 0: a PATH */
	bool pin;
	const char *pin_dir; /* --pin-dir, default LP_PIN_DIR */
	/* --callback [LIB:]SYMBOL: uprobes on a client we did not build */
	const char *callback;
	bool callback_lws;	     /* --callback-style lws */
	uint8_t payload_arg[2];	     /* --payload-arg N,M (1-based), 0 = none */
	bool callback_force_entry;   /* hidden --callback-at-entry (bench) */
	bool nic_timestamps; /* --nic-timestamps: skb RX stamps as NIC marks */
	bool verbose;
	bool quiet;
	uint64_t ringbuf_size;
	unsigned int max_conns;
	const char *metrics; /* ADDR:PORT of the /metrics endpoint (--metrics) */
	char metrics_host[256]; /* its ADDR, "" = any */
	uint16_t metrics_port;	/* its PORT, 0 = any free port */
	unsigned int metrics_max_conns;
	bool live; /* full-screen view instead of the status line */
	unsigned int poll_ms; /* consumer timer (--poll-interval) */
	bool no_bpf_stats;    /* --no-bpf-stats: no BPF_ENABLE_STATS */
	bool no_tls_probes; /* --no-tls-probes: no SSL_read probes */
	struct report_every every; /* --report-every, -keep, -dir */
	bool sched; /* --sched: split wakeup_to_read (loader_sched.c) */
	const char *sched_csv; /* hidden --sched-csv FILE: per split read */
};

/*
 * Parse argv into o. Returns 0 on success, -1 after printing a one-line
 * error (the caller exits 2). --help and --version print and exit 0.
 */
int lp_parse_args(int argc, char **argv, struct lp_opts *o);

/* Strict unsigned integer in [min, max]; 0 on success, -1 otherwise. */
int lp_parse_ulong(const char *s, unsigned long min, unsigned long max,
		   unsigned long *out);

/*
 * Split "ADDR:PORT", "[V6ADDR]:PORT" or ":PORT" (any address) into host and
 * port (0-65535). 0 on success, -1 otherwise.
 */
int lp_parse_hostport(const char *s, char *host, size_t len, uint16_t *port);

#endif
