/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * TLS probes: SSL_read / SSL_read_ex of the traced process, found and
 * placed automatically (docs/tls.md). Failures never stop the run: the
 * probe is reported as not attached, with the reason.
 */
#ifndef __LP_ATTACH_TLS_H
#define __LP_ATTACH_TLS_H

#include <stdbool.h>
#include "opts.h"
#include "probes.h"

struct tls_bpf;
struct bpf_link;
struct bpf_map;

#define TLS_MAX_LINKS 4

struct lp_tls_probes {
	struct tls_bpf *skel;
	struct bpf_link *links[TLS_MAX_LINKS];
	unsigned int nlinks;
};

/*
 * Find SSL_read/SSL_read_ex for the process o selects, load the TLS object
 * sharing the main object's ring buffer (rb) and counters (stats), attach,
 * and describe all of it (or why not) in pi. Returns 0 also when nothing
 * was attached; < 0 only for out-of-memory.
 */
int tls_probes_attach(struct lp_tls_probes *T, const struct lp_opts *o,
		      const char *client_path, struct bpf_map *rb,
		      struct bpf_map *stats, struct bpf_map *calls,
		      struct probe_info *pi);
void tls_probes_detach(struct lp_tls_probes *T);
void tls_probes_destroy(struct lp_tls_probes *T);

#endif
