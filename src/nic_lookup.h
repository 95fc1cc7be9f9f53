/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef __LP_NIC_LOOKUP_H
#define __LP_NIC_LOOKUP_H

#include <stdbool.h>
#include <stdint.h>

struct lp_sock_info;
struct lp_nic_slot;

/*
 * latprobe-nic's pinned nic_ts as the correlator sees it: its slots mmap()ed
 * read-only (NULL until loaded) and the BPF side's "a stamper is publishing"
 * flag, which a lookup sets once the header's generation is non-zero.
 */
struct nic_source {
	const struct lp_nic_slot *slots;
	bool *active;
};

/* A stamper runs: its statistics pin is in LP_PIN_DIR. */
bool nic_stamper_pinned(void);

/* A corr_nic_fn (correlator.h); ctx is a struct nic_source. */
int nic_lookup(void *ctx, const struct lp_sock_info *sock, uint32_t seq,
	       uint64_t tcp_ns, uint64_t *ns, uint8_t *src);

#endif
