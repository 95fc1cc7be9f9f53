/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --callback: uprobe + uretprobe on a foreign client's per-message function
 * (bpf/client.bpf.c), sharing latprobe's ring buffer and counters.
 */
#ifndef __LP_ATTACH_CALLBACK_H
#define __LP_ATTACH_CALLBACK_H

#include <stdbool.h>
#include <stdint.h>
#include "opts.h"
#include "probes.h"
#include "uprobe_site.h"

struct client_bpf;
struct latprobe_bpf;
struct bpf_link;

struct cb_attach {
	struct client_bpf *skel;
	struct bpf_link *entry, *ret;
	struct uprobe_site site;
	bool on;		/* --callback given and resolved */
	uint32_t pid;		/* --client PID, 0 for a PATH */
	const char *client_path; /* its executable (the loader's) */
	uint64_t t0_ns;		/* tracing start, CLOCK_MONOTONIC */
	uint64_t exited_ns;	/* the PID was found gone, 0 if not */
	uint64_t open_at_exit;	/* calls still open when tracing stopped */
	uint64_t threads_at_exit; /* threads with per-thread state left */
};

/* Find the symbol and place the probes (before any BPF is loaded). */
int callback_resolve(struct cb_attach *cb, const struct lp_opts *o,
		     const char *client_path, struct probe_info *pi);
/* Load bpf/client.bpf.c on latprobe's ring and counters, attach. */
int callback_attach(struct cb_attach *cb, const struct lp_opts *o,
		    struct latprobe_bpf *main_skel, struct probe_info *pi);
/* --client PID: true once the process is gone (checked by the caller's tick). */
bool callback_client_gone(struct cb_attach *cb, uint64_t now_ns);
/* Stop the probes; counts the calls that were still open. */
void callback_detach(struct cb_attach *cb);
void callback_destroy(struct cb_attach *cb);

#endif
