// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: latprobe's reader of a client's stamps ring
 * (src/stamps/stamps_read.c) over a mapping whose every byte the client
 * controls.
 * The input is the mapping, its first 8 bytes the reader's tail. The reader
 * must stay inside the mapping (ASan), end in at most nrecs + 2 steps, and
 * only ever return a record whose sequence matches its position.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "stamps_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stamps_counts n = {};
	struct lp_stamps_conn c;
	struct lp_stamps_rec r;
	struct stamps_view v;
	uint64_t tail, head, pos;
	uint8_t *map;
	unsigned int steps = 0;

	if (size < 8 || size > (1 << 20))
		return 0;
	memcpy(&tail, data, 8);
	/* mappings are page aligned: keep 64-byte alignment at least */
	map = aligned_alloc(64, (size - 8 + 63) & ~(size_t)63);
	if (!map)
		return 0;
	memcpy(map, data + 8, size - 8);
	if (stamps_view_init(&v, map, size - 8) == 0) {
		head = stamps_head(&v);
		while (tail != head && steps++ < v.nrecs + 2) {
			pos = head - tail > v.nrecs ? head - v.nrecs : tail;
			if (stamps_next(&v, &tail, head, &r, &n)) {
				if (r.seq != pos + 1)
					abort();
				stamps_conn(&v, r.conn, &c);
			}
		}
		if (tail != head)
			abort(); /* the bound above must always suffice */
	}
	free(map);
	return 0;
}
