// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * latprobe-nic: stamps TCP segments as a DPDK port receives them and
 * publishes {segment -> CLOCK_MONOTONIC ns} in the pinned nic_ts map that
 * latprobe looks up at tcp_probe: an mmap()ed array, written with plain
 * stores (bpf/latprobe.h, lib/nic_slot.h).
 *
 *   latprobe-nic [EAL options] -- [--port N] [--map PATH] [--stats] ...
 *
 * Secondary (default): attaches to the DPDK primary of the same
 * --file-prefix and receives copies of the port's RX packets through
 * rte_pdump, so the primary keeps forwarding undisturbed. Primary
 * (--proc-type=primary): owns the port, e.g. a vdev carrying a copy of the
 * traffic, and receives it directly.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_pdump.h>
#include <rte_ring.h>

#include "latprobe_nic.h"
#include "nic_slot.h"
#include "now.h" /* src/: realtime_offset() */

static void sig_handler(int sig)
{
	exiting = 1;
}

static int read_tsc(void *ctx, uint64_t *v)
{
	*v = rte_rdtsc();
	return 0;
}

/* What the capture stamps were and how well their clock is known. */
static void print_capclock(struct nic *nc)
{
	int64_t early, late;

	printf("latprobe-nic: pdump capture stamps: ");
	if (nc->cap.mode == CAP_TSC) {
		printf("raw TSC\n");
	} else if (nc->cap.mode == CAP_UNKNOWN) {
		printf("none seen\n");
	} else if (!capclock_bounds(&nc->cap, &early, &late)) {
		printf("TSC in ns, offset bounded by %" PRIu64
		       " probes (%" PRIu64
		       " kernel-stamped): stamps early by <= %" PRId64 " ns, ",
		       nc->st.v[NS_PROBES_SEEN], nc->st.v[NS_PROBES_KSTAMP],
		       early);
		if (late <= 0)
			printf("never late\n");
		else
			printf("late by <= %" PRId64 " ns\n", late);
	} else {
		printf("TSC in ns, offset from dequeue times only (no "
		       "--probe-iface): stamps late by up to the fastest "
		       "copy's delay\n");
	}
}

int main(int argc, char **argv)
{
	struct nic *nc;
	const char *why = "";
	char *eargv_buf[argc + 2], **eargv;
	int eargc, ret, err = 0;
	struct nic_opts o;

	/* --help must not need a running primary */
	for (ret = 1; ret < argc; ret++)
		if (!strcmp(argv[ret], "--help") || !strcmp(argv[ret], "-h")) {
			usage(stdout);
			return 0;
		}
	/* our options first: a bad one must not wait for (or need) EAL */
	for (ret = 1; ret < argc && strcmp(argv[ret], "--"); ret++)
		;
	if (parse_opts(ret < argc ? argc - ret : 1,
		       ret < argc ? argv + ret : argv, &o))
		return 2;
	eargv = eal_argv(argc, argv, eargv_buf, &eargc);
	if (nic_eal_start(eargc, eargv, o.verbose) < 0)
		return 1;
	nc = rte_zmalloc("latprobe_nic", sizeof(*nc), 0);
	if (!nc) {
		fprintf(stderr, "latprobe-nic: out of memory\n");
		rte_eal_cleanup();
		nic_eal_forget();
		return 1;
	}
	nc->ts_fd = nc->stats_fd = -1;
	nc->ts_off = -1;
	nc->o = o;
	nc->primary = rte_eal_process_type() == RTE_PROC_PRIMARY;
	signal(SIGINT, sig_handler);
	signal(SIGTERM, sig_handler);

	if (!rte_eth_dev_is_valid_port(nc->o.port)) {
		fprintf(stderr, "latprobe-nic: no DPDK port %u (%u ports)\n",
			nc->o.port, rte_eth_dev_count_avail());
		err = -ENODEV;
		goto cleanup;
	}

	/* Maps first: without them there is nothing to publish into. */
	nc->ts_fd = nic_ts_open(nc->o.map, &nc->ts_created, &why);
	if (nc->ts_fd < 0) {
		err = nc->ts_fd;
		fprintf(stderr, "latprobe-nic: %s: %s: %s\n", nc->o.map, why,
			strerror(-err));
		goto cleanup;
	}
	nc->slots = nic_ts_mmap(nc->ts_fd, &why);
	if (!nc->slots) {
		err = -errno;
		fprintf(stderr, "latprobe-nic: %s: %s: %s\n", nc->o.map, why,
			strerror(-err));
		goto cleanup;
	}
	/* seqcounts never repeat on this map: carry on from its generation */
	nc->gen = nc->gen0 = lp_nic_generation(nc->slots);
	nc->stats_fd = nic_stats_create(nc->o.stats_map, &nc->stats_btf, &why);
	if (nc->stats_fd < 0) {
		err = nc->stats_fd;
		fprintf(stderr, "latprobe-nic: %s: %s: %s\n", nc->o.stats_map,
			why, strerror(-err));
		goto cleanup;
	}

	/* Clocks: TSC always, the NIC's when it stamps packets. */
	nc->tsc_hz = rte_get_tsc_hz();
	capclock_init(&nc->cap, nc->tsc_hz);
	err = nic_clock_init(&nc->tsc, read_tsc, NULL, 100000000);
	if (err) {
		fprintf(stderr, "latprobe-nic: TSC calibration failed\n");
		goto cleanup;
	}
	nc->st.v[NS_TSC_ERR_NS] = nc->tsc.err_max_ns;
	nc->rt_minus_mono = realtime_offset(NULL);

	if (nc->primary && nc->o.probe_iface) {
		fprintf(stderr, "latprobe-nic: --probe-iface is for a "
				"secondary (a primary stamps at its own RX)\n");
		err = -EINVAL;
		goto cleanup;
	}
	if (nc->o.probe_iface) {
		err = nic_probe_open(&nc->probe, nc->o.probe_iface, &why);
		if (err) {
			fprintf(stderr,
				"latprobe-nic: --probe-iface %s: %s: %s\n",
				nc->o.probe_iface, why, strerror(-err));
			goto cleanup;
		}
		nc->probing = true;
	}
	/* idle sleeps of U us, not U + the default 50 us of timer slack */
	if (nc->o.idle_us)
		prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	err = nc->primary ? setup_primary(nc) : setup_secondary(nc);
	if (err) {
		fprintf(stderr, "latprobe-nic: port %u setup failed: %s\n",
			nc->o.port, strerror(err < 0 ? -err : err));
		goto cleanup;
	}
	err = setup_hw_clock(nc);
	if (err)
		goto cleanup;
	fprintf(stderr,
		"latprobe-nic: %s on port %u, map %s (%s), stats %s%s, "
		"stamps from %s\n",
		nc->primary ? "primary" : "secondary via pdump", nc->o.port,
		nc->o.map, nc->ts_created ? "created" : "existing",
		nc->o.stats_map, nc->stats_btf ? " (BTF)" : "",
		nc->hw_ok	  ? "the NIC clock where set, else the TSC"
		: nc->ts_off >= 0 ? "the TSC (NIC clock unreadable)"
				  : "the TSC (port offers no RX timestamp)");

	run(nc);
	tick(nc);

cleanup:
	if (nc->pdump_on) {
		rte_pdump_disable(nc->o.port, RTE_PDUMP_ALL_QUEUES,
				  RTE_PDUMP_FLAG_RX);
		/* copies the primary made before it saw the request */
		rte_delay_us_sleep(10000);
		drain_ring(nc);
	}
	if (nc->primary && nc->pool) {
		rte_eth_dev_stop(nc->o.port);
		rte_eth_dev_close(nc->o.port);
	}
	if (!err) {
		printf("latprobe-nic: ");
		print_stats(nc, stdout);
		printf("latprobe-nic: TSC->CLOCK_MONOTONIC error <= %" PRIu64
		       " ns",
		       nc->tsc.err_max_ns);
		if (nc->hw_ok)
			printf(", NIC clock->CLOCK_MONOTONIC error <= %" PRIu64
			       " ns",
			       nc->hw.err_max_ns);
		printf("\n");
		if (nc->pdump_on)
			print_capclock(nc);
	}
	if (nc->probing)
		nic_probe_close(&nc->probe);
	if (nc->stats_fd >= 0) {
		if (!nc->o.keep)
			unlink(nc->o.stats_map);
		close(nc->stats_fd);
	}
	nic_ts_munmap(nc->slots);
	if (nc->ts_fd >= 0) {
		if (nc->ts_created && !nc->o.keep)
			unlink(nc->o.map);
		close(nc->ts_fd);
	}
	rte_ring_free(nc->ring);
	rte_mempool_free(nc->pool);
	rte_free(nc);
	rte_eal_cleanup();
	if (err) /* a failed start leaves nothing behind */
		nic_eal_forget();
	return err != 0;
}
