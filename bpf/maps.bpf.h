/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Map helpers shared by latprobe's BPF objects. */
#ifndef __LP_MAPS_BPF_H
#define __LP_MAPS_BPF_H

/*
 * The entry for key, created from *init if there is none. Two CPUs can
 * both miss the lookup: BPF_NOEXIST lets one insert, and both then use the
 * entry that is in the map, so neither overwrites the other's (a counter
 * started at 1 by each would lose a count). NULL only if the map is full.
 */
static __always_inline void *lookup_or_try_init(void *map, const void *key,
						const void *init)
{
	void *v = bpf_map_lookup_elem(map, key);

	if (v)
		return v;
	bpf_map_update_elem(map, key, init, BPF_NOEXIST);
	return bpf_map_lookup_elem(map, key);
}

#endif /* __LP_MAPS_BPF_H */
