// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Reading the kernel side's state back: counters, drops and what is still
 * held in the kernel at exit. The loader hands it over; main feeds it to the
 * correlator (the loader never calls the correlator).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "loader.h"
#include "log.h"
#include "nic_slot.h"
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
 * tcp_probe skips the nic_ts lookup until a stamper runs (its statistics
 * pin) or has published (the header's generation is non-zero): most runs
 * have no NIC stamper. Noticed at the status tick, before the stamper's
 * first stamps where it can be: segments that came before were joined to
 * their reads in the kernel, which hands only a read's last segment to the
 * late lookups.
 */
void loader_poll_nic(struct lp_loader *L)
{
	if (L->skel->bss->nic_ts_active)
		return;
	if (nic_stamper_pinned() ||
	    (L->nic_hdr && lp_nic_generation(L->nic_hdr))) {
		L->skel->bss->nic_ts_active = true;
		lp_info("a NIC stamper runs: NIC timestamps in use");
	}
}

/*
 * Traced sockets still open: bytes sent and segment counters, from one pass
 * of the iter/tcp program over the kernel's TCP sockets (what their close
 * records would have carried). Returns how many are in *out (malloc'd).
 */
int loader_read_live_socks(struct lp_loader *L, struct lp_live_sock **out)
{
	struct lp_live_sock ls, *v = NULL, *nv;
	size_t have = 0, n = 0, cap = 0;
	struct bpf_link *link;
	ssize_t r;
	int fd;

	*out = NULL;
	link = bpf_program__attach_iter(L->skel->progs.live_socks, NULL);
	if (!link) {
		lp_info("reading open sockets' byte counts: %s",
			strerror(errno));
		return 0;
	}
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		lp_info("reading open sockets' byte counts: %s",
			strerror(errno));
		bpf_link__destroy(link);
		return 0;
	}
	/* bounded: one record per traced socket, the registry's size at most */
	for (int i = 0; i < 1 << 20; i++) {
		r = read(fd, (char *)&ls + have, sizeof(ls) - have);
		if (r <= 0)
			break;
		have += r;
		if (have < sizeof(ls))
			continue;
		have = 0;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv)
				break;
			v = nv;
		}
		v[n++] = ls;
	}
	close(fd);
	bpf_link__destroy(link);
	*out = v;
	return (int)n;
}

/*
 * After detach: segments still held per CPU, waiting for a wake-up that
 * never came. Returns how many are in *out (malloc'd).
 */
int loader_read_held_segs(struct lp_loader *L, struct lp_pending_seg **out)
{
	int ncpu = libbpf_num_possible_cpus(), n = 0;
	struct lp_pending_seg *p;
	__u32 zero = 0;

	*out = NULL;
	p = ncpu > 0 ? calloc(ncpu, sizeof(*p)) : NULL;
	if (!p ||
	    bpf_map_lookup_elem(bpf_map__fd(L->skel->maps.pending), &zero, p)) {
		free(p);
		return 0;
	}
	for (int i = 0; i < ncpu; i++)
		if (p[i].sk)
			p[n++] = p[i];
	*out = p;
	return n;
}

/*
 * Where NIC stamps are looked up late (nic_lookup.c): nic_ts's header page
 * mmap()ed read-only (the rest is mapped once a stamper publishes), and its
 * flag. Without the header there are no late lookups.
 */
void loader_nic_source(struct lp_loader *L, struct nic_source *ns)
{
	void *p;

	p = mmap(NULL, LP_NIC_TS_HDR_MAP_LEN, PROT_READ, MAP_SHARED,
		 bpf_map__fd(L->skel->maps.nic_ts), 0);
	if (p == MAP_FAILED) {
		lp_info("mmap of nic_ts: %s: NIC stamps only at tcp_probe",
			strerror(errno));
		return;
	}
	L->nic_hdr = p;
	ns->hdr = L->nic_hdr;
	ns->fd = bpf_map__fd(L->skel->maps.nic_ts);
	ns->active = &L->skel->bss->nic_ts_active;
}
