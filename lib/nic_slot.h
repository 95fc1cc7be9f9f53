/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * User space side of the nic_ts slots (layout and protocol in latprobe.h):
 * the stamper's write, the late reader's seqcount read, the generation in
 * the header, and the check that a pinned map has this layout. The BPF
 * reader is nic_lookup() in bpf/seg_marks.bpf.h.
 */
#ifndef __LP_NIC_SLOT_H
#define __LP_NIC_SLOT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <linux/bpf.h>
#include <linux/types.h>

#include "latprobe.h"

/* mmap() length of nic_ts's first page: the header (element 0). */
#define LP_NIC_TS_HDR_MAP_LEN 4096

/* mmap() length of the nic_ts array (elements are value_size apart). */
#define LP_NIC_TS_MMAP_LEN                                                   \
	((((size_t)LP_NIC_TS_ENTRIES * sizeof(struct lp_nic_slot)) + 4095) & \
	 ~(size_t)4095)

/*
 * Write stamp number gen (0, 1, ... : the writer's count of stamps, which
 * carries on from the header's) into k's slot. The single writer never
 * reads the slot: the line is only stored to.
 */
static inline void lp_nic_slot_write(struct lp_nic_slot *slots,
				     const struct lp_nic_key *k, uint64_t ns,
				     uint8_t src, uint64_t gen)
{
	struct lp_nic_slot *s = &slots[lp_nic_slot_of(k)];
	__u32 c = (__u32)gen * 2;

	__atomic_store_n(&s->cnt, c + 1, __ATOMIC_RELAXED);
	/* odd before the fields (smp_wmb) */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy(&s->key, k, sizeof(*k));
	s->ns = ns;
	s->src = src;
	/* the fields before even */
	__atomic_store_n(&s->cnt, c + 2, __ATOMIC_RELEASE);
}

/* Header: gen stamps are written (release: after their slots). */
static inline void lp_nic_publish(struct lp_nic_slot *slots, uint64_t gen)
{
	__atomic_store_n(&slots[LP_NIC_TS_HDR].ns, gen, __ATOMIC_RELEASE);
}

static inline uint64_t lp_nic_generation(const struct lp_nic_slot *slots)
{
	return __atomic_load_n(&slots[LP_NIC_TS_HDR].ns, __ATOMIC_ACQUIRE);
}

/* k's stamp if its slot holds it and was not being written: 0, else -1. */
static inline int lp_nic_slot_read(const struct lp_nic_slot *slots,
				   const struct lp_nic_key *k, uint64_t *ns,
				   uint8_t *src)
{
	const struct lp_nic_slot *s = &slots[lp_nic_slot_of(k)];
	struct lp_nic_key key;
	__u32 c;
	__u64 n;
	__u8 r;

	c = __atomic_load_n(&s->cnt, __ATOMIC_ACQUIRE);
	if (c & 1)
		return -1;
	memcpy(&key, (const void *)&s->key, sizeof(key));
	n = s->ns;
	r = s->src;
	/* the fields before the second count (smp_rmb) */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (__atomic_load_n(&s->cnt, __ATOMIC_RELAXED) != c || !r ||
	    memcmp(&key, k, sizeof(key)))
		return -1;
	*ns = n;
	*src = r;
	return 0;
}

/*
 * NULL if a pinned map is latprobe's nic_ts, else what differs, in buf
 * (a pin of an older latprobe-nic or latprobe: an LRU hash of stamps).
 */
static inline const char *lp_nic_ts_mismatch(const struct bpf_map_info *i,
					     char *buf, size_t len)
{
	if (i->type == BPF_MAP_TYPE_ARRAY && (i->map_flags & BPF_F_MMAPABLE) &&
	    i->key_size == sizeof(__u32) &&
	    i->value_size == sizeof(struct lp_nic_slot) &&
	    i->max_entries == LP_NIC_TS_ENTRIES)
		return NULL;
	snprintf(buf, len,
		 "%s (map type %u, flags 0x%x, value %u B, %u entries; this "
		 "version needs an mmapable array, value %zu B, %u entries)",
		 i->type == BPF_MAP_TYPE_LRU_HASH ? "old-format nic_ts"
						  : "not a nic_ts",
		 i->type, i->map_flags, i->value_size, i->max_entries,
		 sizeof(struct lp_nic_slot), (unsigned int)LP_NIC_TS_ENTRIES);
	return buf;
}

#endif /* __LP_NIC_SLOT_H */
