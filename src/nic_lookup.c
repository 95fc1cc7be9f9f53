// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * NIC stamps looked up late, in user space: the correlator asks (its
 * corr_nic_fn) for segments whose stamp the BPF side did not find yet.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <linux/types.h>
#include "latprobe.h"
#include "nic_lookup.h"
#include "now.h"

/* latprobe-nic pins its statistics (nic_stats*) next to nic_ts. */
static bool nic_stamper_pinned(void)
{
	DIR *d = opendir(LP_PIN_DIR);
	struct dirent *e;
	bool found = false;

	if (!d)
		return false;
	while (!found && (e = readdir(d)))
		found = !strncmp(e->d_name, "nic_stats", 9);
	closedir(d);
	return found;
}

/*
 * A stamper publishes a segment's stamp some microseconds after its NIC saw
 * it, which can be after the kernel delivered it and the reader read it. A
 * miss on a segment younger than this is looked up again once it is this
 * old: the consumer then runs up to this much behind, never more.
 */
#define NIC_GRACE_NS 2000000ULL

int nic_lookup(void *ctx, const struct lp_sock_info *sock, uint32_t seq,
	       uint64_t tcp_ns, uint64_t *ns, uint8_t *src)
{
	struct nic_source *S = ctx;
	struct lp_nic_key k = {};
	struct timespec wait = {};
	struct lp_nic_val v;
	uint64_t now;
	int fd;

	if (S->fd < 0 || !S->active)
		return -ENOENT;
	if (!*S->active) {
		/*
		 * No stamper seen yet: look again at most every 10 ms, for
		 * its statistics pin (a tiny directory read), not by
		 * scanning nic_ts: get_next_key walks every bucket of an
		 * empty 65536-entry LRU map. Asked once per read: the coarse
		 * clock (a jiffy, plenty for 10 ms) costs a few ns, the
		 * precise one was a quarter of the consumer under a flood
		 * (build/benchgen, 3M reads/s).
		 */
		now = now_ns(CLOCK_MONOTONIC_COARSE);
		if (now - S->checked_ns < 10000000ULL)
			return -ENOENT;
		S->checked_ns = now;
		if (!nic_stamper_pinned())
			return -ENOENT;
		*S->active = true;
	}
	/* on the wire the peer is the sender */
	memcpy(k.saddr, sock->daddr, sizeof(k.saddr));
	memcpy(k.daddr, sock->saddr, sizeof(k.daddr));
	k.sport = sock->dport;
	k.dport = sock->sport;
	k.seq = seq;
	fd = S->fd;
	if (bpf_map_lookup_elem(fd, &k, &v)) {
		now = now_ns(CLOCK_MONOTONIC);
		if (!tcp_ns || now >= tcp_ns + NIC_GRACE_NS ||
		    tcp_ns > now + NIC_GRACE_NS)
			return -ENOENT;
		wait.tv_nsec = (long)(tcp_ns + NIC_GRACE_NS - now);
		nanosleep(&wait, NULL);
		if (bpf_map_lookup_elem(fd, &k, &v))
			return -ENOENT;
	}
	*ns = v.ns;
	*src = v.src;
	return 0;
}
