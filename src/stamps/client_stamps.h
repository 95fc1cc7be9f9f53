/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --client, trap-free path: map the stamps ring (lib/lp_stamps.h) of the
 * client process (--client PID) or of every process running the client
 * binary (--client PATH, also those started later: /proc rescanned at most
 * once a second), and feed its records to the correlator as LP_EV_MSG
 * events. The client writes a record only while a reader is attached, and
 * fires its USDT probe otherwise, so no message is counted twice.
 *
 * Ordering: a message must be correlated after the kernel reads that
 * precede it. Per poll: client_stamps_snapshot(), drain the BPF ring
 * buffer, then client_stamps_process() up to the snapshot.
 */
#ifndef __LP_CLIENT_STAMPS_H
#define __LP_CLIENT_STAMPS_H

#include <stdbool.h>
#include <stdint.h>
#include "correlator.h"
#include "opts.h"
#include "probes.h"

struct client_stamps;

/*
 * NULL without --client (or out of memory). Scans for rings right away and
 * says in @pi (the client_message probe) which path is used and why.
 */
struct client_stamps *client_stamps_new(const struct lp_opts *o,
					const char *client_path, struct corr *c,
					struct probe_info *pi);
/* Rescan /proc for new rings if a second has passed since the last scan. */
void client_stamps_scan(struct client_stamps *cs, uint64_t now_ns);
void client_stamps_snapshot(struct client_stamps *cs);
void client_stamps_process(struct client_stamps *cs, uint64_t now_ns);
/*
 * Kernel records go through here while rings are mapped: a socket's close
 * waits until the stamps written before it are read.
 */
void client_stamps_event(struct client_stamps *cs, const void *data,
			 size_t size);
/* Apply held closes and withdraw from every ring (clients go back to USDT). */
void client_stamps_finish(struct client_stamps *cs);
/* Records overwritten or torn before they were read: messages missing. */
uint64_t client_stamps_lost(const struct client_stamps *cs);

/* The report's probes.client_message.stamps (output/report_json_client.c). */
struct stamps_totals {
	uint64_t rings; /* rings mapped during the run */
	uint64_t rings_refused;
	uint64_t records;
	uint64_t torn;
	uint64_t overrun;
	uint64_t bad_head;
	uint64_t unknown_connection;
};

/*
 * Final word in @pi (the client_message probe: stamps when a ring was
 * mapped) and the ring's totals in @t. False without --client (@cs NULL).
 */
bool client_stamps_totals(struct client_stamps *cs, struct probe_info *pi,
			  struct stamps_totals *t);
void client_stamps_free(struct client_stamps *cs);

#endif
