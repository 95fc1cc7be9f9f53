/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What latprobe cost during this run (the report's "overhead" section):
 * BPF run time and runs per program, from the kernel's run-time statistics
 * switched on for the run with the fd-scoped BPF_ENABLE_STATS command, and
 * the consumer's own CPU time and peak RSS.
 *
 * BPF_ENABLE_STATS is a global switch while its fd is open: every BPF
 * program on the machine, not only latprobe's, counts run_cnt and
 * run_time_ns (two clock reads per run) until latprobe closes the fd or
 * exits (the kernel closes it then, also after SIGKILL). The sysctl
 * kernel.bpf_stats_enabled is a separate holder of the same switch and is
 * neither read nor changed.
 */
#ifndef __LP_OVERHEAD_H
#define __LP_OVERHEAD_H

#include <stdbool.h>
#include <stdint.h>

#define OV_MAX_PROGS 64

struct bpf_object;
struct probe_calib;

/* Which side of the message path a program's run time is spent on. */
enum ov_side {
	OV_KERNEL, /* kernel hooks: tracepoints, fentry, kprobes, tc */
	OV_CLIENT, /* uprobes and USDT in the traced client */
};

/* How a program is reached: a user-space probe adds a trap to its run. */
enum ov_hook {
	OV_H_KERNEL,	/* tracepoints, tc: no trap */
	OV_H_UPROBE,	/* uprobe: calibration "uprobe" per hit */
	OV_H_URETPROBE, /* uretprobe: "uprobe_return" - "uprobe" per hit */
	OV_H_USDT,	/* USDT: calibration "usdt" per hit */
};

struct ov_prog {
	char name[64];
	int fd;
	enum ov_side side;
	enum ov_hook hook;
	uint64_t ns0, cnt0;	  /* at overhead_start or when added */
	uint64_t run_ns, run_cnt; /* deltas at overhead_stop */
};

struct overhead {
	int stats_fd;	/* >= 0 while the stats are on for us, else -errno */
	bool sysctl_on; /* kernel.bpf_stats_enabled=1 already (someone else) */
	bool disabled;	/* not requested (--no-bpf-stats) */
	bool started, stopped;
	unsigned int nprogs;
	struct ov_prog progs[OV_MAX_PROGS];
	uint64_t cpu0_ns, wall0_ns; /* at overhead_start */
	double cpu_s, wall_s;	    /* over the traced window */
	long peak_rss_kb;	    /* of the whole process, load included */
	const struct probe_calib *calib; /* user-space probes: their cost */
};

/* Counts that the report knows, to put the costs per message or read. */
struct ov_units {
	uint64_t messages;     /* client messages seen (0: none traced) */
	uint64_t reads;	       /* read records received */
	uint64_t ring_records; /* records submitted by the BPF side */
	uint64_t wakeups;      /* forced consumer wake-ups */
	uint64_t client_hits;  /* client probe hits */
	/* p50 of the stages the self-cost is weighed against, ns (0: none) */
	double total_p50_ns, nic_to_user_p50_ns;
};

/* Self-cost above this share of the total (or nic_to_user) p50: warn. */
#define OV_WARN_SHARE 0.10

/*
 * Stats on when enable (needs CAP_SYS_ADMIN); without them the section
 * says why. They cost every BPF program run on the host two clock reads
 * (~35 ns here, tools/lab/bpf_stats_probe).
 */
void overhead_init(struct overhead *ov, bool enable);
/* Any BPF object's loaded program, by name and fd (the fd stays owned). */
int overhead_add_prog(struct overhead *ov, const char *name, int fd,
		      enum ov_side side);
/* A program's cumulative run time and runs (0 or -errno). */
int overhead_prog_counters(int fd, uint64_t *ns, uint64_t *cnt);
/* Every loaded program of obj; uprobe/usdt sections count as client. */
int overhead_add_object(struct overhead *ov, struct bpf_object *obj);
/* Baselines: programs' counters, CPU time, wall clock. */
void overhead_start(struct overhead *ov);
/* After the programs are detached: the deltas over the run. */
void overhead_stop(struct overhead *ov);
/* Stats off again (closes the BPF_ENABLE_STATS fd). */
void overhead_close(struct overhead *ov);

#endif
