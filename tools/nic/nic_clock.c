// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Counter -> CLOCK_MONOTONIC calibration; see nic_clock.h. */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "nic_clock.h"
#include "now.h"

#define BRACKETS 16
#define RATE_WEIGHT 0.25 /* weight of the newest rate measurement */

uint64_t nic_mono_ns(void)
{
	return now_ns(CLOCK_MONOTONIC);
}

/* Tightest of BRACKETS (mono, counter, mono) samples. */
static int anchor(struct nic_clock *c, uint64_t *ticks, uint64_t *mono,
		  uint64_t *half_win)
{
	uint64_t best = UINT64_MAX;
	int i, err;

	for (i = 0; i < BRACKETS; i++) {
		uint64_t t0, t1, v;

		t0 = nic_mono_ns();
		err = c->read(c->ctx, &v);
		t1 = nic_mono_ns();
		if (err)
			return err;
		if (t1 - t0 < best) {
			best = t1 - t0;
			*ticks = v;
			*mono = t0 + (t1 - t0) / 2;
		}
	}
	*half_win = best / 2 + 1;
	return 0;
}

int nic_clock_init(struct nic_clock *c, nic_clock_read_fn read, void *ctx,
		   uint64_t settle_ns)
{
	uint64_t c1, m1, w1;
	struct timespec ts;
	int err;

	c->read = read;
	c->ctx = ctx;
	c->recals = 0;
	c->err_max_ns = 0;
	err = anchor(c, &c->c0, &c->m0, &c->half_win_ns);
	if (err)
		return err;
	ts.tv_sec = settle_ns / 1000000000ull;
	ts.tv_nsec = settle_ns % 1000000000ull;
	nanosleep(&ts, NULL);
	err = anchor(c, &c1, &m1, &w1);
	if (err)
		return err;
	if (c1 == c->c0 || m1 <= c->m0)
		return -EINVAL; /* counter does not advance */
	c->ns_per_tick = (double)(m1 - c->m0) / (double)(int64_t)(c1 - c->c0);
	if (c->ns_per_tick <= 0)
		return -EINVAL;
	/* the rate itself is uncertain by both windows over the baseline */
	c->err_last_ns = c->half_win_ns + w1;
	c->err_max_ns = c->err_last_ns;
	c->c0 = c1;
	c->m0 = m1;
	c->half_win_ns = w1;
	return 0;
}

int nic_clock_recal(struct nic_clock *c)
{
	uint64_t c1, m1, w1, resid;
	int64_t pred;
	double rate;
	int err;

	err = anchor(c, &c1, &m1, &w1);
	if (err)
		return err;
	pred = (int64_t)nic_clock_to_mono(c, c1);
	resid = (uint64_t)llabs(pred - (int64_t)m1);
	if (c1 != c->c0 && m1 > c->m0) {
		rate = (double)(m1 - c->m0) / (double)(int64_t)(c1 - c->c0);
		if (rate > 0)
			c->ns_per_tick = (1 - RATE_WEIGHT) * c->ns_per_tick +
					 RATE_WEIGHT * rate;
	}
	c->c0 = c1;
	c->m0 = m1;
	c->half_win_ns = w1;
	c->err_last_ns = resid + w1;
	if (c->err_last_ns > c->err_max_ns)
		c->err_max_ns = c->err_last_ns;
	c->recals++;
	return 0;
}
