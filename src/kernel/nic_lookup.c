// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * NIC stamps looked up late, in user space: the correlator asks (its
 * corr_nic_fn) for segments whose stamp the BPF side did not find yet.
 * The slots are read in place (mmap), with the seqcount check of nic_slot.h.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <linux/types.h>
#include "latprobe.h"
#include "nic_lookup.h"
#include "nic_slot.h"
#include "log.h"
#include "now.h"

/* latprobe-nic pins its statistics (nic_stats*) next to nic_ts. */
bool nic_stamper_pinned(void)
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

/* The whole array, once a stamper publishes (read-only, shared). */
static bool slots_map(struct nic_source *S)
{
	void *p;

	if (S->map_failed)
		return false;
	p = mmap(NULL, LP_NIC_TS_MMAP_LEN, PROT_READ, MAP_SHARED, S->fd, 0);
	if (p == MAP_FAILED) {
		lp_err("mapping nic_ts: %s: NIC stamps only where tcp_probe found them",
		       strerror(errno));
		S->map_failed = true;
		return false;
	}
	S->slots = p;
	return true;
}

void nic_source_close(struct nic_source *S)
{
	if (S->slots)
		munmap((void *)S->slots, LP_NIC_TS_MMAP_LEN);
	S->slots = NULL;
}

int nic_lookup(void *ctx, const struct lp_sock_info *sock, uint32_t seq,
	       uint64_t tcp_ns, uint64_t *ns, uint8_t *src)
{
	struct nic_source *S = ctx;
	struct lp_nic_key k = {};
	struct timespec wait = {};
	uint64_t now;

	if (!S->hdr || !S->active)
		return -ENOENT;
	if (!*S->active) {
		/* no stamper seen yet: its first burst bumps the header */
		if (!lp_nic_generation(S->hdr))
			return -ENOENT;
		*S->active = true;
	}
	if (!S->slots && !slots_map(S))
		return -ENOENT;
	/* on the wire the peer is the sender */
	memcpy(k.saddr, sock->daddr, sizeof(k.saddr));
	memcpy(k.daddr, sock->saddr, sizeof(k.daddr));
	k.sport = sock->dport;
	k.dport = sock->sport;
	k.seq = seq;
	if (!lp_nic_slot_read(S->slots, &k, ns, src))
		return 0;
	now = now_ns(CLOCK_MONOTONIC);
	if (!tcp_ns || now >= tcp_ns + NIC_GRACE_NS ||
	    tcp_ns > now + NIC_GRACE_NS)
		return -ENOENT;
	wait.tv_nsec = (long)(tcp_ns + NIC_GRACE_NS - now);
	nanosleep(&wait, NULL);
	return lp_nic_slot_read(S->slots, &k, ns, src) ? -ENOENT : 0;
}
