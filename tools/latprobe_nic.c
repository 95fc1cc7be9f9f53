// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * latprobe-nic: stamps TCP segments as a DPDK port receives them and
 * publishes {segment -> CLOCK_MONOTONIC ns} in the pinned nic_ts map that
 * latprobe looks up at tcp_probe.
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
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/prctl.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_pcapng.h>
#include <rte_pdump.h>
#include <rte_ring.h>

#include <bpf/bpf.h>

#include "nic_capclock.h"
#include "nic_clock.h"
#include "nic_map.h"
#include "nic_parse.h"
#include "nic_probe.h"
#include "now.h" /* src/: realtime_offset() */

#define BURST 32
#define RING_SIZE 4096
#define POOL_SIZE 8191
#define POOL_CACHE 256
#define PARSE_BUF 16384 /* largest frame parsed (jumbo + margin) */
#define EPB_HLEN 28	/* pcapng enhanced packet block header */
#define PCAPNG_EPB_TYPE 6
#define RECAL_NS 1000000000ull
#define PROBE_NS 100000000ull /* a capture-clock probe every 100 ms, */
#define PROBE_FIRST 100	       /* after a first 100 every 2 ms: the */
#define PROBE_FIRST_NS 2000000ull /* bound is tight before stamps rely on it */
#define PROBE_SPIN_NS 1000000ull /* ...then 1 ms of polling without sleeps */

struct opts {
	uint16_t port;
	const char *map;
	const char *stats_map;
	bool stats;	 /* print the counters every second */
	bool keep;	 /* leave pinned maps in place on exit */
	double duration; /* seconds, 0 = until a signal */
	unsigned int idle_us;
	uint32_t snaplen;
	const char *probe_iface; /* where the port's packets are seen */
};

struct nic {
	struct opts o;
	bool primary;
	int ts_fd, stats_fd;
	bool ts_created, stats_btf;
	struct nic_stats st;
	struct nic_clock tsc; /* TSC -> monotonic */
	struct nic_clock hw;  /* NIC clock -> monotonic */
	struct capclock cap;  /* pdump capture stamps -> TSC */
	struct nic_probe probe;
	bool probing;
	int64_t rt_minus_mono; /* CLOCK_REALTIME - CLOCK_MONOTONIC, ns */
	bool hw_ok;
	int ts_off;	  /* timestamp dynfield offset, -1 if none */
	uint64_t ts_flag; /* its "valid" ol_flag */
	uint64_t tsc_hz;
	bool batch_ok;
	unsigned int n;
	struct lp_nic_key keys[BURST];
	struct lp_nic_val vals[BURST];
	struct rte_mempool *pool;
	struct rte_ring *ring;
	bool pdump_on;
	uint8_t buf[PARSE_BUF];
};

static volatile sig_atomic_t exiting;

static void sig_handler(int sig)
{
	exiting = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: latprobe-nic [EAL options] -- [options]\n"
		"  EAL: default --proc-type=secondary (attach to the primary\n"
		"       of the same --file-prefix through rte_pdump); pass\n"
		"       --proc-type=primary to own the port (e.g. --vdev=...).\n"
		"       Always give --no-pci or an allow-list in tests.\n"
		"  --port N        DPDK port id (default 0)\n"
		"  --map PATH      pinned nic_ts map (default %s)\n"
		"  --stats-map P   pinned statistics map (default %s)\n"
		"  --stats         print counters every second\n"
		"  --duration S    stop after S seconds (default: at a signal)\n"
		"  --idle-us U     sleep U us when no packet arrived (0: spin)\n"
		"  --snaplen N     bytes copied per packet by pdump "
		"(default 2048)\n"
		"  --keep          leave the pinned maps in place on exit\n"
		"  --probe-iface IF  secondary: send a 60-byte probe frame on\n"
		"                  IF (the interface the port reads) every\n"
		"                  100 ms to bound the capture clock's offset\n",
		NIC_TS_DEFAULT_PATH, NIC_STATS_DEFAULT_PATH);
}

static int parse_ulong(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL; /* no sign, no space */
	errno = 0;
	*v = strtoul(s, &end, 10);
	if (errno || *end || *v > max)
		return -EINVAL;
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lopts[] = {
		{"port", required_argument, NULL, 'p'},
		{"map", required_argument, NULL, 'm'},
		{"stats-map", required_argument, NULL, 'S'},
		{"stats", no_argument, NULL, 's'},
		{"duration", required_argument, NULL, 'd'},
		{"idle-us", required_argument, NULL, 'i'},
		{"snaplen", required_argument, NULL, 'n'},
		{"keep", no_argument, NULL, 'k'},
		{"probe-iface", required_argument, NULL, 'P'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	unsigned long v;
	char *end;
	int c, li = 0;

	*o = (struct opts){
		.map = NIC_TS_DEFAULT_PATH,
		.stats_map = NIC_STATS_DEFAULT_PATH,
		.snaplen = 2048,
	};
	optind = 1;
	opterr = 0; /* one line of our own instead */
	while ((c = getopt_long(argc, argv, "h", lopts, &li)) != -1) {
		switch (c) {
		case 'p':
			if (parse_ulong(optarg, RTE_MAX_ETHPORTS - 1, &v))
				goto bad;
			o->port = v;
			break;
		case 'm':
			o->map = optarg;
			break;
		case 'S':
			o->stats_map = optarg;
			break;
		case 's':
			o->stats = true;
			break;
		case 'd':
			errno = 0;
			o->duration = strtod(optarg, &end);
			/* finite, at most a year (also refuses NaN) */
			if (errno || end == optarg || *end ||
			    !(o->duration >= 0 && o->duration <= 31536000))
				goto bad;
			break;
		case 'i':
			if (parse_ulong(optarg, 1000000, &v))
				goto bad;
			o->idle_us = v;
			break;
		case 'n':
			if (parse_ulong(optarg, 65535, &v) || v < 64)
				goto bad;
			o->snaplen = v;
			break;
		case 'k':
			o->keep = true;
			break;
		case 'P':
			if (!*optarg || strlen(optarg) >= IFNAMSIZ)
				goto bad;
			o->probe_iface = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr,
				"latprobe-nic: unknown option or missing value "
				"'%s' (see --help)\n",
				argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "latprobe-nic: unexpected argument '%s'\n",
			argv[optind]);
		return -EINVAL;
	}
	return 0;
bad:
	fprintf(stderr, "latprobe-nic: bad value '%s' for --%s\n", optarg,
		lopts[li].name);
	return -EINVAL;
}

/*
 * EAL argv with --proc-type=secondary added when the user gave none, in buf
 * (argc + 2 slots, main's: no allocation to leak). Only the part before
 * "--" is EAL's.
 */
static char **eal_argv(int argc, char **argv, char **buf, int *out_argc)
{
	int i, j;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strncmp(argv[i], "--proc-type", 11))
			break;
	if (i < argc && strcmp(argv[i], "--")) {
		*out_argc = argc;
		return argv;
	}
	buf[0] = argv[0];
	buf[1] = "--proc-type=secondary";
	for (i = 1, j = 2; i < argc; i++)
		buf[j++] = argv[i];
	buf[j] = NULL;
	*out_argc = j;
	return buf;
}

static int read_tsc(void *ctx, uint64_t *v)
{
	*v = rte_rdtsc();
	return 0;
}

static int read_nic_clock(void *ctx, uint64_t *v)
{
	uint16_t port = *(uint16_t *)ctx;

	return rte_eth_read_clock(port, v);
}

/* Publish the pending stamps; one syscall per burst where the kernel can. */
static void flush(struct nic *nc)
{
	LIBBPF_OPTS(bpf_map_batch_opts, bo, .elem_flags = 0);
	__u32 count = nc->n, i;

	if (!nc->n)
		return;
	if (nc->batch_ok) {
		if (!bpf_map_update_batch(nc->ts_fd, nc->keys, nc->vals, &count,
					  &bo)) {
			nc->st.v[NS_MAP_UPDATES] += nc->n;
			goto out;
		}
		if (errno == EINVAL || errno == 524 /* ENOTSUPP */ ||
		    errno == EOPNOTSUPP) {
			nc->batch_ok = false; /* older kernel: per element */
		} else {
			nc->st.v[NS_MAP_UPDATES] += count;
			nc->st.v[NS_MAP_ERRORS] += nc->n - count;
			goto out;
		}
	}
	for (i = 0; i < nc->n; i++) {
		if (bpf_map_update_elem(nc->ts_fd, &nc->keys[i], &nc->vals[i],
					BPF_ANY))
			nc->st.v[NS_MAP_ERRORS]++;
		else
			nc->st.v[NS_MAP_UPDATES]++;
	}
out:
	if (nc->st.v[NS_MAP_UPDATES] > LP_NIC_TS_MAX_ENTRIES)
		nc->st.v[NS_EVICT_EST] =
			nc->st.v[NS_MAP_UPDATES] - LP_NIC_TS_MAX_ENTRIES;
	nc->n = 0;
}

static void handle(struct nic *nc, const uint8_t *frame, size_t len,
		   uint64_t ns, uint8_t src, int stat_src)
{
	struct lp_nic_key *key = &nc->keys[nc->n];
	uint32_t plen;
	int r;

	r = nic_parse(frame, len, key, &plen);
	nc->st.v[NS_PARSE - r]++;
	if (r != NIC_OK)
		return;
	nc->st.v[NS_TCP]++;
	if (!plen)
		return; /* latprobe stamps segments that carry data */
	nc->vals[nc->n] = (struct lp_nic_val){.ns = ns, .src = src};
	nc->st.v[NS_STAMPED]++;
	nc->st.v[stat_src]++;
	if (++nc->n == BURST)
		flush(nc);
}

/* Pointer to len bytes at off, copied to nc->buf if the mbuf is chained. */
static const uint8_t *frame_bytes(struct nic *nc, struct rte_mbuf *m,
				  uint32_t off, uint32_t len)
{
	if (len > PARSE_BUF) {
		nc->st.v[NS_OVERSIZE]++;
		return NULL;
	}
	return rte_pktmbuf_read(m, off, len, nc->buf);
}

/* NIC stamp of m if the port set one and we can convert its clock. */
static bool hw_stamp(struct nic *nc, struct rte_mbuf *m, uint64_t *ns)
{
	if (nc->ts_off < 0 || !(m->ol_flags & nc->ts_flag))
		return false;
	if (!nc->hw_ok) {
		nc->st.v[NS_HW_UNCONV]++;
		return false;
	}
	*ns = nic_clock_to_mono(
		&nc->hw,
		*RTE_MBUF_DYNFIELD(m, nc->ts_off, rte_mbuf_timestamp_t *));
	return true;
}

static void rx_primary(struct nic *nc, struct rte_mbuf **pkts, uint16_t n,
		       uint64_t rx_tsc)
{
	uint64_t tsc_ns = nic_clock_to_mono(&nc->tsc, rx_tsc), ns;
	const uint8_t *p;
	uint16_t i;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		nc->st.v[NS_PACKETS]++;
		p = frame_bytes(nc, m, 0, rte_pktmbuf_pkt_len(m));
		if (p) {
			if (hw_stamp(nc, m, &ns))
				handle(nc, p, rte_pktmbuf_pkt_len(m), ns,
				       LP_NIC_DPDK_HW, NS_SRC_HW);
			else
				handle(nc, p, rte_pktmbuf_pkt_len(m), tsc_ns,
				       LP_NIC_DPDK_TSC, NS_SRC_TSC_RX);
		}
		rte_pktmbuf_free(m);
	}
	flush(nc);
}

/*
 * pdump copies in pcapng form: a 28-byte enhanced packet block header whose
 * timestamp is the primary's TSC right after its rx_burst, in the form
 * nic_capclock.h describes; then the frame. Stamps that do not fit are
 * replaced by our dequeue time (counted: capture_ts_bad).
 */
static void rx_secondary(struct nic *nc, struct rte_mbuf **pkts, uint16_t n,
			 uint64_t deq_tsc)
{
	uint64_t cap, ns, tsc, lower;
	const uint8_t *p;
	uint16_t i;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint32_t epb[EPB_HLEN / 4];
		const uint32_t *e;
		uint8_t src = LP_NIC_DPDK_TSC;
		int stat = NS_SRC_TSC_RX;

		nc->st.v[NS_PACKETS]++;
		e = rte_pktmbuf_read(m, 0, EPB_HLEN, epb);
		if (!e || e[0] != PCAPNG_EPB_TYPE ||
		    e[5] > rte_pktmbuf_pkt_len(m) - EPB_HLEN) {
			nc->st.v[NS_PARSE - NIC_ERR_TRUNC_L2]++;
			goto next;
		}
		p = frame_bytes(nc, m, EPB_HLEN, e[5]);
		if (!p)
			goto next;
		cap = (uint64_t)e[3] << 32 | e[4];
		if (nc->probing &&
		    nic_probe_match(&nc->probe, p, e[5], &lower)) {
			nc->st.v[NS_PROBES_SEEN]++;
			if (!capclock_observe(&nc->cap, cap, deq_tsc))
				capclock_probe(&nc->cap, cap, lower);
			goto next;
		}
		if (capclock_stamp(&nc->cap, cap, deq_tsc, &tsc)) {
			nc->st.v[NS_CAPTURE_BAD_TS]++;
			tsc = deq_tsc;
		} else {
			stat = NS_SRC_TSC_CAPTURE;
		}
		if (hw_stamp(nc, m, &ns)) {
			src = LP_NIC_DPDK_HW;
			stat = NS_SRC_HW;
		} else {
			ns = nic_clock_to_mono(&nc->tsc, tsc);
		}
		handle(nc, p, e[5], ns, src, stat);
	next:
		rte_pktmbuf_free(m);
	}
	flush(nc);
}

static uint64_t tsc_now(void)
{
	return rte_rdtsc();
}

/* nic_probe_rt_fn: the kernel's CLOCK_REALTIME stamps, as our TSC. */
static uint64_t rt_to_tsc(void *ctx, uint64_t rt_ns)
{
	const struct nic *nc = ctx;
	int64_t d = (int64_t)(rt_ns - nc->rt_minus_mono - nc->tsc.m0);

	return nc->tsc.c0 +
	       (uint64_t)(int64_t)((double)d / nc->tsc.ns_per_tick);
}

static void probe_send(struct nic *nc)
{
	nic_probe_send(&nc->probe, tsc_now, rt_to_tsc, nc);
	nc->st.v[NS_PROBES_SENT] = nc->probe.sent;
	nc->st.v[NS_PROBES_KSTAMP] = nc->probe.stamped_by_kernel;
}

static int setup_hw_clock(struct nic *nc)
{
	int err;

	nc->ts_off = rte_mbuf_dynfield_lookup(RTE_MBUF_DYNFIELD_TIMESTAMP_NAME,
					      NULL);
	if (nc->ts_off < 0)
		return 0;
	err = rte_mbuf_dynflag_lookup(RTE_MBUF_DYNFLAG_RX_TIMESTAMP_NAME, NULL);
	if (err < 0) {
		nc->ts_off = -1;
		return 0;
	}
	nc->ts_flag = 1ull << err;
	err = nic_clock_init(&nc->hw, read_nic_clock, &nc->o.port, 100000000);
	if (err) {
		fprintf(stderr,
			"latprobe-nic: port %u: an RX timestamp field is "
			"registered but rte_eth_read_clock fails (%s): NIC "
			"stamps cannot be converted, using the TSC\n",
			nc->o.port, strerror(-err));
		return 0;
	}
	nc->hw_ok = true;
	return 0;
}

/* Own the port: one RX queue, NIC timestamps when the port has them. */
static int setup_primary(struct nic *nc)
{
	struct rte_eth_conf conf = {};
	struct rte_eth_dev_info info;
	uint16_t nrx = 1024, ntx = 512, port = nc->o.port;
	int socket = rte_eth_dev_socket_id(port), off, err;
	uint64_t flag;

	err = rte_eth_dev_info_get(port, &info);
	if (err)
		return err;
	if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_TIMESTAMP) {
		if (rte_mbuf_dyn_rx_timestamp_register(&off, &flag) == 0)
			conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_TIMESTAMP;
	}
	nc->pool = rte_pktmbuf_pool_create("lpnic_rx", POOL_SIZE, POOL_CACHE, 0,
					   RTE_MBUF_DEFAULT_BUF_SIZE,
					   socket < 0 ? 0 : socket);
	if (!nc->pool)
		return -rte_errno;
	err = rte_eth_dev_configure(port, 1, 1, &conf);
	if (!err)
		err = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nrx, &ntx);
	if (!err)
		err = rte_eth_rx_queue_setup(port, 0, nrx, socket, NULL,
					     nc->pool);
	if (!err)
		err = rte_eth_tx_queue_setup(port, 0, ntx, socket, NULL);
	if (!err)
		err = rte_eth_dev_start(port);
	if (err)
		return err;
	rte_eth_promiscuous_enable(port); /* a mirror port needs it */
	return 0;
}

/* Ask the primary to copy the port's RX packets into our ring. */
static int setup_secondary(struct nic *nc)
{
	char name[RTE_RING_NAMESIZE];
	int err;

	snprintf(name, sizeof(name), "lpnic_r%d", getpid());
	nc->ring = rte_ring_create(name, RING_SIZE, rte_socket_id(), 0);
	if (!nc->ring)
		return -rte_errno;
	snprintf(name, sizeof(name), "lpnic_p%d", getpid());
	/* pdump wants a multi-producer/consumer pool of pcapng-sized mbufs */
	nc->pool = rte_pktmbuf_pool_create_by_ops(
		name, POOL_SIZE, POOL_CACHE, 0,
		rte_pcapng_mbuf_size(nc->o.snaplen), rte_socket_id(),
		"ring_mp_mc");
	if (!nc->pool)
		return -rte_errno;
	err = rte_pdump_enable_bpf(nc->o.port, RTE_PDUMP_ALL_QUEUES,
				   RTE_PDUMP_FLAG_RX | RTE_PDUMP_FLAG_PCAPNG,
				   nc->o.snaplen, nc->ring, nc->pool, NULL);
	if (err) {
		fprintf(stderr,
			"latprobe-nic: rte_pdump_enable failed (%s): does the "
			"primary call rte_pdump_init (dpdk-testpmd does)?\n",
			rte_strerror(rte_errno));
		return err < 0 ? err : -err;
	}
	nc->pdump_on = true;
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

static void print_stats(struct nic *nc, FILE *f)
{
	char name[64];
	int i;

	for (i = 0; i < NS_MAX; i++) {
		if (i >= NS_PARSE && !nc->st.v[i])
			continue;
		fprintf(f, "%s%s=%" PRIu64, i ? " " : "",
			nic_stat_name(i, name, sizeof(name)), nc->st.v[i]);
	}
	fprintf(f, "\n");
	fflush(f);
}

/*
 * The primary allocates the copies from our pool through the mempool ops
 * index stored in it, which each process resolves in its own table; the
 * table's order is the order in which drivers registered. If the primary
 * fails to allocate while the pool is full, the orders differ.
 */
static void check_pool_ops(struct nic *nc)
{
	static bool warned;

	if (warned || !nc->st.v[NS_PDUMP_NOMBUF] || nc->st.v[NS_PACKETS] ||
	    rte_mempool_avail_count(nc->pool) < POOL_SIZE - POOL_CACHE)
		return;
	warned = true;
	fprintf(stderr,
		"latprobe-nic: the primary cannot take copies from our full "
		"pool: it registered its mempool drivers in another order "
		"(index %u is '%s' here). Load the drivers the primary links "
		"directly first, with EAL -d, e.g. for Debian's dpdk-testpmd: "
		"-d librte_mempool_dpaa.so.23 (see: ldd $(command -v "
		"dpdk-testpmd) | grep mempool)\n",
		nc->pool->ops_index,
		rte_mempool_get_ops(nc->pool->ops_index)->name);
}

/* Once a second: recalibrate clocks, refresh pdump drops, publish stats. */
static void tick(struct nic *nc)
{
	struct rte_pdump_stats ps;

	int64_t early, late;

	if (!nic_clock_recal(&nc->tsc))
		nc->st.v[NS_TSC_ERR_NS] = nc->tsc.err_max_ns;
	nc->rt_minus_mono = realtime_offset(NULL);
	if (!capclock_bounds(&nc->cap, &early, &late)) {
		nc->st.v[NS_CAPTURE_EARLY_NS] = (uint64_t)early;
		nc->st.v[NS_CAPTURE_LATE_NS] = late > 0 ? (uint64_t)late : 0;
	}
	if (nc->hw_ok && !nic_clock_recal(&nc->hw))
		nc->st.v[NS_HW_ERR_NS] = nc->hw.err_max_ns;
	if (nc->pdump_on && rte_pdump_stats(nc->o.port, &ps) == 0) {
		nc->st.v[NS_PDUMP_RINGFULL] = ps.ringfull;
		nc->st.v[NS_PDUMP_NOMBUF] = ps.nombuf;
		check_pool_ops(nc);
	}
	if (nc->stats_fd >= 0)
		nic_stats_write(nc->stats_fd, &nc->st);
	if (nc->o.stats)
		print_stats(nc, stdout);
}

static void run(struct nic *nc)
{
	uint64_t start = nic_mono_ns(), next_tick = start + RECAL_NS, now;
	uint64_t next_probe = start, spin_until = 0;
	uint64_t end = nc->o.duration > 0
			       ? start + (uint64_t)(nc->o.duration * 1e9)
			       : UINT64_MAX;
	struct rte_mbuf *pkts[BURST];
	unsigned int idle = 0, polls = 0;
	uint16_t n;

	while (!exiting) {
		if (nc->primary) {
			n = rte_eth_rx_burst(nc->o.port, 0, pkts, BURST);
			if (n)
				rx_primary(nc, pkts, n, rte_rdtsc());
		} else {
			n = rte_ring_dequeue_burst(nc->ring, (void **)pkts,
						   BURST, NULL);
			if (n)
				rx_secondary(nc, pkts, n, rte_rdtsc());
		}
		idle = n ? 0 : idle + 1;
		/*
		 * The clock every 64 polls, busy or not: a sustained flood
		 * must not starve --duration, probes, recalibration or stats.
		 */
		if (++polls & 63)
			continue;
		now = nic_mono_ns();
		if (now >= end)
			break;
		if (nc->probing && now >= next_probe) {
			probe_send(nc);
			next_probe = now + (nc->probe.sent < PROBE_FIRST
						    ? PROBE_FIRST_NS
						    : PROBE_NS);
			/*
			 * Poll without sleeping until its copy is back: a copy
			 * dequeued promptly is what tightens the lower bound.
			 */
			spin_until = now + PROBE_SPIN_NS;
		}
		if (now >= next_tick) {
			tick(nc);
			next_tick = now + RECAL_NS;
		}
		if (idle >= 64 && nc->o.idle_us && now >= spin_until)
			rte_delay_us_sleep(nc->o.idle_us);
	}
}

static void drain_ring(struct nic *nc)
{
	struct rte_mbuf *pkts[BURST];
	unsigned int n;

	while ((n = rte_ring_dequeue_burst(nc->ring, (void **)pkts, BURST,
					   NULL)))
		rte_pktmbuf_free_bulk(pkts, n);
}

int main(int argc, char **argv)
{
	struct nic *nc;
	const char *why = "";
	char *eargv_buf[argc + 2], **eargv;
	int eargc, ret, err = 0;
	struct opts o;

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
	ret = rte_eal_init(eargc, eargv);
	if (ret < 0) {
		fprintf(stderr,
			"latprobe-nic: EAL init failed: %s (a secondary needs "
			"a running primary with the same --file-prefix)\n",
			rte_errno ? rte_strerror(rte_errno) : "see above");
		return 1;
	}
	nc = rte_zmalloc("latprobe_nic", sizeof(*nc), 0);
	if (!nc) {
		fprintf(stderr, "latprobe-nic: out of memory\n");
		rte_eal_cleanup();
		return 1;
	}
	nc->ts_fd = nc->stats_fd = -1;
	nc->ts_off = -1;
	nc->batch_ok = true;
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
	if (nc->ts_fd >= 0) {
		if (nc->ts_created && !nc->o.keep)
			unlink(nc->o.map);
		close(nc->ts_fd);
	}
	rte_ring_free(nc->ring);
	rte_mempool_free(nc->pool);
	rte_free(nc);
	rte_eal_cleanup();
	return err != 0;
}
