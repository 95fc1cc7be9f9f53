/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * latprobe-nic's shared state: the options (nic_opts.c), the port set-up
 * (nic_port.c), the RX loop that stamps and publishes (nic_rx.c) and main
 * with its report (latprobe_nic.c).
 */
#ifndef __LATPROBE_NIC_H
#define __LATPROBE_NIC_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "nic_capclock.h"
#include "nic_clock.h"
#include "nic_map.h"
#include "nic_parse.h"
#include "nic_probe.h"

#define BURST 32
#define PARSE_BUF 16384 /* largest frame parsed (jumbo + margin) */

struct rte_mempool;
struct rte_ring;

struct nic_opts {
	uint16_t port;
	const char *map;
	const char *stats_map;
	bool stats;	 /* print the counters every second */
	bool keep;	 /* leave pinned maps in place on exit */
	bool verbose;	 /* EAL's whole log */
	double duration; /* seconds, 0 = until a signal */
	unsigned int idle_us;
	uint32_t snaplen;
	const char *probe_iface; /* where the port's packets are seen */
};

struct nic {
	struct nic_opts o;
	bool primary;
	int ts_fd, stats_fd;
	bool ts_created, stats_btf;
	struct nic_stats st;
	struct nic_clock tsc; /* TSC -> monotonic */
	struct nic_clock hw;  /* NIC clock -> monotonic */
	struct capclock cap;  /* pdump capture stamps -> TSC */
	struct nic_probe probe;
	bool probing;
	int64_t rt_minus_mono; /* CLOCK_REALTIME - CLOCK_MONOTONIC, ns */
	bool hw_ok;
	int ts_off;	  /* timestamp dynfield offset, -1 if none */
	uint64_t ts_flag; /* its "valid" ol_flag */
	uint64_t tsc_hz;
	struct lp_nic_slot *slots; /* nic_ts, mmap()ed */
	uint64_t gen;		   /* stamps written: the header's generation */
	uint64_t gen0;		   /* ... when this run started */
	struct rte_mempool *pool;
	struct rte_ring *ring;
	bool pdump_on;
	uint8_t buf[PARSE_BUF];
};

/* nic_opts.c */
void usage(FILE *f);
int parse_opts(int argc, char **argv, struct nic_opts *o);
char **eal_argv(int argc, char **argv, char **buf, int *out_argc);
/* rte_eal_init, its log captured: one line and nothing left if it fails. */
int nic_eal_start(int argc, char **argv, bool verbose);
/* After a failed start: remove the runtime directory this start created. */
void nic_eal_forget(void);

/* nic_port.c */
int setup_hw_clock(struct nic *nc);
int setup_primary(struct nic *nc);
int setup_secondary(struct nic *nc);
void check_pool_ops(struct nic *nc);
void drain_ring(struct nic *nc);

/*
 * nic_rx.c: the loop until exiting (set by main's signal handler) or
 * --duration, its 1 s tick, and the statistics line (--stats, the end)
 */
extern volatile sig_atomic_t exiting;
void run(struct nic *nc);
void tick(struct nic *nc);
void print_stats(struct nic *nc, FILE *f);

#endif /* __LATPROBE_NIC_H */
