// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Reading the kernel side's state back: counters, drops, what is still
 * held in the kernel at exit, and NIC stamps looked up late.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "loader.h"
#include "log.h"
#include "now.h"

/* Sum a per-CPU counter array into out[LP_S_MAX]. */
int loader_read_stats(struct lp_loader *L, uint64_t *out)
{
	int ncpu = libbpf_num_possible_cpus(), fd;
	uint64_t *vals;

	if (ncpu <= 0)
		return -EINVAL;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	fd = bpf_map__fd(L->skel->maps.stats);
	for (uint32_t k = 0; k < LP_S_MAX; k++) {
		out[k] = 0;
		if (bpf_map_lookup_elem(fd, &k, vals))
			continue;
		for (int c = 0; c < ncpu; c++)
			out[k] += vals[c];
	}
	free(vals);
	return 0;
}

void loader_probe_hits(struct lp_loader *L, const uint64_t *st)
{
	for (int i = 0; i < PR_MAX; i++)
		L->probes[i].hits = st[LP_S_HITS + lp_probes[i].hits_slot];
}

int loader_read_drops(struct lp_loader *L, struct port_drops *out,
		      unsigned int max)
{
	int fd = bpf_map__fd(L->skel->maps.drops);
	__u16 key, *prev = NULL;
	unsigned int n = 0;
	__u64 v;

	while (n < max && bpf_map_get_next_key(fd, prev, &key) == 0) {
		if (bpf_map_lookup_elem(fd, &key, &v) == 0) {
			out[n].port = key;
			out[n].count = v;
			n++;
		}
		prev = &key;
	}
	return n;
}

/*
 * tcp_probe skips the nic_ts lookup until the map has entries: most runs
 * have no NIC stamper, and the lookup hashes a 40-byte key per segment.
 */
void loader_poll_nic(struct lp_loader *L)
{
	struct lp_nic_key key;

	if (L->skel->bss->nic_ts_active)
		return;
	if (bpf_map_get_next_key(bpf_map__fd(L->skel->maps.nic_ts), NULL,
				 &key) == 0) {
		L->skel->bss->nic_ts_active = true;
		lp_info("nic_ts has entries: NIC timestamps in use");
	}
}

/*
 * Traced sockets still open: bytes sent and segment counters, from one pass
 * of the iter/tcp program over the kernel's TCP sockets (what their close
 * records would have carried).
 */
static void drain_live_socks(struct lp_loader *L, struct corr *c)
{
	struct bpf_link *link;
	struct lp_live_sock ls;
	size_t have = 0;
	ssize_t n;
	int fd;

	link = bpf_program__attach_iter(L->skel->progs.live_socks, NULL);
	if (!link) {
		lp_info("reading open sockets' byte counts: %s",
			strerror(errno));
		return;
	}
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		lp_info("reading open sockets' byte counts: %s",
			strerror(errno));
		bpf_link__destroy(link);
		return;
	}
	/* bounded: one record per traced socket, the registry's size at most */
	for (int i = 0; i < 1 << 20; i++) {
		n = read(fd, (char *)&ls + have, sizeof(ls) - have);
		if (n <= 0)
			break;
		have += n;
		if (have < sizeof(ls))
			continue;
		corr_live_sock(c, &ls);
		have = 0;
	}
	close(fd);
	bpf_link__destroy(link);
}

/*
 * After detach: segments still held per CPU (waiting for a wake-up that
 * never came) go to the correlator, and live sockets get their byte counts.
 */
void loader_drain_kernel_state(struct lp_loader *L, struct corr *c)
{
	int ncpu = libbpf_num_possible_cpus(), fd;
	struct lp_pending_seg *p;
	struct lp_event e;
	__u32 zero = 0;

	p = ncpu > 0 ? calloc(ncpu, sizeof(*p)) : NULL;
	fd = bpf_map__fd(L->skel->maps.pending);
	if (p && bpf_map_lookup_elem(fd, &zero, p) == 0) {
		for (int i = 0; i < ncpu; i++) {
			if (!p[i].sk)
				continue;
			memset(&e, 0, sizeof(e));
			e.h.type = LP_EV_SEG;
			e.h.sk = p[i].sk;
			e.h.ts_ns = p[i].tcp_ns;
			e.seg = p[i].seg;
			corr_event(c, &e, lp_event_size(LP_EV_SEG));
		}
	}
	free(p);
	drain_live_socks(L, c);
}

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

/* corr_nic_fn: look a segment up in nic_ts (user space, after tcp_probe). */
int loader_nic_lookup(void *ctx, const struct lp_sock_info *sock, uint32_t seq,
		      uint64_t tcp_ns, uint64_t *ns, uint8_t *src)
{
	struct lp_loader *L = ctx;
	struct lp_nic_key k = {};
	struct timespec wait = {};
	struct lp_nic_val v;
	uint64_t now;
	int fd;

	if (!L->skel)
		return -ENOENT;
	if (!L->skel->bss->nic_ts_active) {
		/*
		 * No stamper seen yet: look again at most every 10 ms, for
		 * its statistics pin (a tiny directory read), not by
		 * scanning nic_ts: get_next_key walks every bucket of an
		 * empty 65536-entry LRU map.
		 */
		now = now_ns(CLOCK_MONOTONIC);
		if (now - L->nic_checked_ns < 10000000ULL)
			return -ENOENT;
		L->nic_checked_ns = now;
		if (!nic_stamper_pinned())
			return -ENOENT;
		L->skel->bss->nic_ts_active = true;
	}
	/* on the wire the peer is the sender */
	memcpy(k.saddr, sock->daddr, sizeof(k.saddr));
	memcpy(k.daddr, sock->saddr, sizeof(k.daddr));
	k.sport = sock->dport;
	k.dport = sock->sport;
	k.seq = seq;
	fd = bpf_map__fd(L->skel->maps.nic_ts);
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
