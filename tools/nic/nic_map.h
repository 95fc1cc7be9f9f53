/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * bpffs side of latprobe-nic: the pinned nic_ts array it writes through
 * mmap() (opened, or created with latprobe's layout: bpf/latprobe.h,
 * lib/nic_slot.h) and its own statistics array map.
 */
#ifndef __NIC_MAP_H
#define __NIC_MAP_H

#include <stdbool.h>
#include <stdint.h>

#include "nic_parse.h"

#define NIC_TS_DEFAULT_PATH LP_PIN_DIR "/nic_ts"
#define NIC_STATS_DEFAULT_PATH LP_PIN_DIR "/nic_stats"

/* Counters of latprobe-nic; names below are the BTF field names. */
enum nic_stat {
	NS_PACKETS = 0,	    /* frames seen */
	NS_TCP,		    /* TCP segments parsed (with or without payload) */
	NS_STAMPED,	    /* TCP segments with payload that got a stamp */
	NS_MAP_UPDATES,	    /* nic_ts slots written */
	NS_EVICT_EST,	    /* ... overwriting another segment's (estimate) */
	NS_SRC_HW,	    /* stamps from the NIC clock */
	NS_SRC_TSC_CAPTURE, /* stamps from the primary's pdump capture TSC */
	NS_SRC_TSC_RX,	    /* stamps from our own TSC read at RX/dequeue */
	NS_HW_UNCONV,	    /* NIC stamp present but its clock unreadable */
	NS_CAPTURE_BAD_TS,  /* pdump capture stamp unusable: dequeue time used */
	NS_OVERSIZE,	    /* frames larger than the parse buffer */
	NS_PDUMP_RINGFULL,  /* copies the primary dropped: our ring was full */
	NS_PDUMP_NOMBUF,    /* copies the primary dropped: pool empty */
	NS_TSC_ERR_NS,	    /* TSC->monotonic error bound, worst seen */
	NS_HW_ERR_NS,	    /* NIC clock->monotonic error bound, worst seen */
	NS_PROBES_SENT,	    /* capture-clock probes sent (--probe-iface) */
	NS_PROBES_SEEN,	    /* ... and seen back through pdump */
	NS_PROBES_KSTAMP,   /* ... with the kernel's stamp as their bound */
	NS_CAPTURE_EARLY_NS, /* capture stamps: early by at most this */
	NS_CAPTURE_LATE_NS,  /* ... late by at most this (0: never) */
	NS_PARSE,	    /* first of NIC_N_RESULTS, indexed by -result */
	NS_MAX = NS_PARSE + NIC_N_RESULTS
};

struct nic_stats {
	uint64_t v[NS_MAX];
};

const char *nic_stat_name(int idx, char *buf, size_t len);

struct lp_nic_slot;

/*
 * Open the pinned nic_ts map at path, checking its layout (an old LRU-hash
 * nic_ts is refused, *why says so); if absent create it (mmapable array of
 * LP_NIC_TS_ENTRIES lp_nic_slot, with BTF), mounting bpffs and making the
 * directory first, and pin it 0600. *created says which. Returns an fd or a
 * negative errno; *why names the failing step.
 */
int nic_ts_open(const char *path, bool *created, const char **why);

/* nic_ts mapped for writing (NULL on failure), and unmapped. */
struct lp_nic_slot *nic_ts_mmap(int fd, const char **why);
void nic_ts_munmap(struct lp_nic_slot *slots);

/*
 * Create and pin (0600) the statistics map: an array with one element whose
 * value is struct nic_stats, described with BTF when the kernel takes it so
 * that `bpftool map dump pinned` prints field names. *btf says whether it did.
 */
int nic_stats_create(const char *path, bool *btf, const char **why);

int nic_stats_write(int fd, const struct nic_stats *s);

#endif /* __NIC_MAP_H */
