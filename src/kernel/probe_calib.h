/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Probe calibration: on every run that attaches user-space probes, before
 * tracing, latprobe times its own probe mechanism on this kernel and
 * machine (src/kernel/probe_calib.c): a uprobe entry, an entry + return probe on
 * one emulated instruction, and a USDT probe, placed as on a real target
 * (after endbr64, on the emulated "push %rbp": src/uprobe/uprobe_place.c), on
 * functions of latprobe itself (src/kernel/probe_calib_target.c), LP_CALIB_CALLS
 * timed calls each. Cost = traced call time - untraced call time, both
 * CLOCK_MONOTONIC in user space. The BPF stamps of each call, put beside
 * the clock reads around and inside the call, say which part of the trap
 * lies before, between and after the stamps: the bias a stage bounded by
 * those stamps carries (docs/overhead.md).
 */
#ifndef __LP_PROBE_CALIB_H
#define __LP_PROBE_CALIB_H

#include <stdbool.h>
#include <stdint.h>

enum lp_calib_what {
	CAL_UPROBE,	   /* entry probe only */
	CAL_UPROBE_RETURN, /* entry + return probe, one emulated site */
	CAL_USDT,	   /* a USDT probe (1-byte nop, emulated) */
	CAL_NOP5, /* a uprobe on a 5-byte nop (optimized path; measured only) */
	CAL_KINDS,
};

extern const char *const lp_calib_names[CAL_KINDS];

/* What a calibration target reads from CLOCK_MONOTONIC inside its body. */
struct lp_calib_clock {
	uint64_t in, out;
};

struct lp_calib_kind {
	bool done;
	char err[160];	    /* why not done */
	unsigned int calls; /* timed calls */
	double cost_p10, cost_p50,
		cost_p90; /* ns per call, traced - untraced */
	double bpf_ns; /* calibration programs' BPF run time per call, < 0 unknown */
	double trap_ns; /* cost_p50 - bpf_ns: trap and dispatch per call */
	/*
	 * Medians, ns. front: the clock read before the call (before the
	 * probe for USDT) -> the entry stamp. entry_back: entry stamp -> the
	 * body's first clock read. ret_front: the body's last clock read ->
	 * the return stamp. gap: entry stamp -> return stamp minus the body
	 * (USDT: the probe's whole cost between two clock reads).
	 */
	double front_ns, entry_back_ns, ret_front_ns, gap_ns;
	bool patched; /* CAL_NOP5: the kernel made the nop a call (no int3) */
};

struct probe_calib {
	bool ran;
	char site[160];	    /* where the uprobes went, and why */
	double untraced_ns; /* median untraced call, ns */
	struct lp_calib_kind k[CAL_KINDS];
};

/* The calibration targets (src/kernel/probe_calib_target.c). */
void lp_calib_call(uint64_t i, struct lp_calib_clock *c);
void lp_calib_usdt(uint64_t i, struct lp_calib_clock *c);
void lp_calib_nop5(uint64_t i, struct lp_calib_clock *c);
extern const char lp_calib_nop5_site[];

/* Run it (needs the privileges of attaching uprobes). 0 or -errno. */
int probe_calib_run(struct probe_calib *pc);
/* One line per kind on stderr (--verbose). */
void probe_calib_print(const struct probe_calib *pc);

#endif
