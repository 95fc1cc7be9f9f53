// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target for latprobe-nic's capture clock (tools/nic/nic_capclock.c)
 * and probe matcher (tools/nic/nic_probe.c): what the primary writes into a
 * pdump copy's header and what arrives on the wire are outside input.
 * Input: the probe matcher gets it whole; then 8 bytes of TSC rate and
 * records of {op, a, b}: observe(cap a, dequeue b), stamp(a, b),
 * probe(cap a, lower bound b). Whatever is accepted must be plausible: a
 * recovered capture TSC is never after its dequeue, nor a second before.
 */
#include <stdlib.h>
#include <string.h>

#include "nic_capclock.h"
#include "nic_probe.h"

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nic_probe probe = { .tx_fd = -1, .rx_fd = -1, .pid = 0 };
	struct capclock cc;
	uint64_t hz, tsc, lower;
	int64_t early, late;

	if (nic_probe_match(&probe, data, (uint32_t)size, &lower) &&
	    size < 60)
		abort(); /* matched a frame shorter than a probe */
	if (size < 8)
		return 0;
	hz = get64(data) % 10000000000ull; /* up to 10 GHz; 0 is clamped */
	capclock_init(&cc, hz);
	for (size_t off = 8; off + 17 <= size; off += 17) {
		uint64_t a = get64(data + off + 1), b = get64(data + off + 9);

		switch (data[off] % 3) {
		case 0:
			capclock_observe(&cc, a, b);
			break;
		case 1:
			if (!capclock_stamp(&cc, a, b, &tsc) &&
			    (tsc > b || b - tsc >= cc.hz))
				abort();
			break;
		default:
			capclock_probe(&cc, a, b);
		}
	}
	if (!capclock_bounds(&cc, &early, &late) && cc.mode == CAP_TSC &&
	    (early || late))
		abort();
	return 0;
}
