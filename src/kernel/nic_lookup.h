/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef __LP_NIC_LOOKUP_H
#define __LP_NIC_LOOKUP_H

#include <stdbool.h>
#include <stdint.h>

struct lp_sock_info;
struct lp_nic_slot;

/*
 * latprobe-nic's pinned nic_ts as the correlator sees it: its header page
 * mmap()ed read-only (NULL until loaded), the BPF side's "a stamper is
 * publishing" flag, which a lookup sets once the header's generation is
 * non-zero, and the whole array, mapped only then: a mapping of it is
 * resident in full (16 MiB), which a run without a stamper must not carry.
 */
struct nic_source {
	const struct lp_nic_slot *hdr;
	const struct lp_nic_slot *slots; /* NULL until a stamper publishes */
	int fd;				 /* nic_ts */
	bool map_failed;
	bool *active;
};

/* Unmap what nic_lookup() mapped. */
void nic_source_close(struct nic_source *S);

/* A stamper runs: its statistics pin is in LP_PIN_DIR. */
bool nic_stamper_pinned(void);

/* A corr_nic_fn (correlator.h); ctx is a struct nic_source. */
int nic_lookup(void *ctx, const struct lp_sock_info *sock, uint32_t seq,
	       uint64_t tcp_ns, uint64_t *ns, uint8_t *src);

#endif
