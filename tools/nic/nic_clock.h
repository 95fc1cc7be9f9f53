/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Maps a free-running counter (the TSC, or a NIC clock read with
 * rte_eth_read_clock) onto CLOCK_MONOTONIC, the clock of bpf_ktime_get_ns().
 *
 * An anchor is the tightest of several (monotonic, counter, monotonic)
 * brackets; the rate comes from consecutive anchors and is smoothed. Each
 * recalibration measures how far the previous mapping had drifted: that
 * residual plus the bracket half-width is the stated conversion error.
 */
#ifndef __NIC_CLOCK_H
#define __NIC_CLOCK_H

#include <stdint.h>

/* Reads the counter; returns 0 or a negative errno. */
typedef int (*nic_clock_read_fn)(void *ctx, uint64_t *ticks);

struct nic_clock {
	nic_clock_read_fn read;
	void *ctx;
	uint64_t c0;	      /* counter at the current anchor */
	uint64_t m0;	      /* CLOCK_MONOTONIC ns at the current anchor */
	double ns_per_tick;   /* smoothed rate */
	uint64_t half_win_ns; /* bracket half-width of the current anchor */
	uint64_t err_max_ns;  /* worst residual + half-width seen so far */
	uint64_t err_last_ns; /* residual + half-width at the last recal */
	uint64_t recals;
};

uint64_t nic_mono_ns(void);

/* Two anchors settle_ns apart; returns 0 or a negative errno. */
int nic_clock_init(struct nic_clock *c, nic_clock_read_fn read, void *ctx,
		   uint64_t settle_ns);

/* New anchor and rate; call about once a second. */
int nic_clock_recal(struct nic_clock *c);

static inline uint64_t nic_clock_to_mono(const struct nic_clock *c,
					 uint64_t ticks)
{
	int64_t d = (int64_t)(ticks - c->c0);

	return c->m0 + (int64_t)((double)d * c->ns_per_tick);
}

#endif /* __NIC_CLOCK_H */
