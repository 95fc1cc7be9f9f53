// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The connection table the record handlers call down into (correlator.c's
 * dispatch, corr_msg.c, corr_tls.c): a connection by its socket, and a
 * stage's sample added to the run's and the connection's histograms.
 */
#include <stdlib.h>
#include "correlator.h"
#include "corr_internal.h"
#include "stage_bias.h"

const char *const lp_coarse_names[TOTAL_COARSE] = {
	"0-1ms", "1-5ms", "5-10ms", "10-50ms", "50-100ms", "100ms+",
};

static unsigned int coarse_bucket(uint64_t ns)
{
	static const uint64_t upper_ms[TOTAL_COARSE - 1] = {1, 5, 10, 50, 100};
	unsigned int i;

	for (i = 0; i < TOTAL_COARSE - 1; i++)
		if (ns < upper_ms[i] * 1000000ULL)
			break;
	return i;
}

unsigned int corr_hslot(const struct corr *c, uint64_t sk)
{
	return (unsigned int)((sk >> 6) * 0x9E3779B97F4A7C15ULL >> 40) %
	       c->hsize;
}

struct conn *corr_lookup(struct corr *c, uint64_t sk)
{
	struct conn *cn;

	for (cn = c->htab[corr_hslot(c, sk)]; cn; cn = cn->hnext)
		if (cn->sk == sk)
			return cn;
	return NULL;
}

void corr_stage_add(struct corr *c, struct conn *cn, enum lp_stage st,
		    uint64_t from, uint64_t to)
{
	corr_stage_add_b(c, cn, st, from, to,
			 c->bias[st] ? c->bias[st]->bias_ns : 0);
}

void corr_stage_add_b(struct corr *c, struct conn *cn, enum lp_stage st,
		      uint64_t from, uint64_t to, int64_t bias_ns)
{
	if (!from || !to)
		return; /* a missing mark: the stage is absent, never zero */
	if (to < from) {
		c->t.out_of_order++;
		return;
	}
	hist_add(&c->stages[st], to - from);
	if (c->bias[st])
		stage_bias_add(c->bias[st], to - from, bias_ns);
	if (st == ST_TOTAL)
		c->total_coarse[coarse_bucket(to - from)]++;
	if (!cn)
		return; /* a callback joined to no socket: global stages only */
	if (!cn->stages[st]) {
		cn->stages[st] = malloc(sizeof(struct hist));
		if (!cn->stages[st])
			return;
		hist_init(cn->stages[st]);
	}
	hist_add(cn->stages[st], to - from);
}
