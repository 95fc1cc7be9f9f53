/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Faults that wsfeed injects in place of every Kth message, so that
 * clients can be tested against what real feeds occasionally do.
 */
#ifndef __FEED_FAULT_H
#define __FEED_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum feed_fault {
	FAULT_NONE = 0,
	FAULT_BROKEN_FRAME, /* frame header with reserved bits set */
	FAULT_BAD_UTF8,	    /* text frame, invalid UTF-8 inside a string */
	FAULT_TRUNCATED, /* frame announces 256 KiB, 128 KiB follow, then EOF */
	FAULT_OVERSIZED, /* valid JSON, larger than clients accept */
	FAULT_BAD_JSON,	 /* text frame that is not a valid payload */
	FAULT_DISCONNECT, /* TCP closed without a WebSocket close */
};

#define FAULT_OVERSIZE_DEFAULT (2u << 20)

struct fault_out {
	size_t len;	  /* bytes built in the buffer */
	bool raw;	  /* bytes are a hand-made frame: bypass ws framing */
	bool close_after; /* then drop the connection without a close frame */
};

/* Returns the fault, or -1 for an unknown name. */
int feed_fault_parse(const char *name);
const char *feed_fault_name(enum feed_fault f);

/*
 * Build the @nth fault of kind @f into @buf (@cap bytes). @e is the event
 * time for faults that carry an otherwise valid payload; @oversize is the
 * size of FAULT_OVERSIZED. Returns 0 or -1 if @buf is too small.
 */
int feed_fault_build(enum feed_fault f, uint64_t nth, uint64_t e,
		     size_t oversize, char *buf, size_t cap,
		     struct fault_out *o);

#endif /* __FEED_FAULT_H */
