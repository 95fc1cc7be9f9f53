/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Reading a client's stamps ring (layout: lib/lp_stamps.h) out of a
 * mapping that its writer may change at any moment and that nothing checked
 * before: the geometry is validated and copied once, every record is
 * sequence-checked, and a torn, overwritten or lapped record is counted and
 * dropped, never returned. No I/O here: the fuzzer and unit test drive it.
 */
#ifndef __LP_STAMPS_READ_H
#define __LP_STAMPS_READ_H

#include <stdint.h>
#include "lp_stamps.h"

struct stamps_view {
	uint8_t *base; /* the mapping */
	uint64_t size;
	uint64_t conn_off, rec_off;
	uint32_t nrecs, nconns;
};

struct stamps_counts {
	uint64_t records; /* returned intact */
	uint64_t torn; /* changed while copied (or seq not what it must be) */
	uint64_t overrun;  /* overwritten by the writer before we got to them */
	uint64_t bad_head; /* the writer's head went backwards: resynced */
};

/* Validate the header of a @size-byte mapping. 0, or -EINVAL / -EAGAIN (not yet initialised). */
int stamps_view_init(struct stamps_view *v, void *map, uint64_t size);
/* The writer's head now (records written so far). */
uint64_t stamps_head(const struct stamps_view *v);
/*
 * Take record *tail (the caller keeps *tail < head): 1 with *out filled, or
 * 0 when it was lost (counted). *tail advances past what was taken or lost;
 * a lap (head - *tail > nrecs) skips to the oldest record still in place.
 */
int stamps_next(const struct stamps_view *v, uint64_t *tail, uint64_t head,
		struct lp_stamps_rec *out, struct stamps_counts *n);
/* Connection @id from the table: 0, or -1 if the slot holds another one now. */
int stamps_conn(const struct stamps_view *v, uint64_t id,
		struct lp_stamps_conn *out);
/* Announce / withdraw a reader and beat its heart (CLOCK_MONOTONIC ns). */
void stamps_reader_attach(const struct stamps_view *v, uint64_t now_ns);
void stamps_reader_beat(const struct stamps_view *v, uint64_t now_ns);
void stamps_reader_detach(const struct stamps_view *v);

#endif
