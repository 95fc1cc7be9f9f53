// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * latprobe-nic's RX loop: parse each packet, stamp the TCP segments that
 * carry data into their nic_ts slots (mmap: plain stores), bump the header's
 * generation once a burst; once a second recalibrate the clocks and publish
 * the counters.
 */
#include <errno.h>
#include <math.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_pdump.h>
#include <rte_ring.h>

#include "latprobe_nic.h"
#include "nic_slot.h"
#include "now.h" /* src/: realtime_offset() */

#define EPB_HLEN 28 /* pcapng enhanced packet block header */
#define PCAPNG_EPB_TYPE 6
#define RECAL_NS 1000000000ull
#define PROBE_NS 100000000ull	  /* a capture-clock probe every 100 ms, */
#define PROBE_FIRST 100		  /* after a first 100 every 2 ms: the */
#define PROBE_FIRST_NS 2000000ull /* bound is tight before stamps rely on it */
#define PROBE_SPIN_NS 1000000ull  /* ...then 1 ms of polling without sleeps */

/* The header's generation: latprobe starts looking up once it moves. */
static void publish(struct nic *nc)
{
	lp_nic_publish(nc->slots, nc->gen);
}

static void handle(struct nic *nc, const uint8_t *frame, size_t len,
		   uint64_t ns, uint8_t src, int stat_src)
{
	struct lp_nic_key key;
	uint32_t plen;
	int r;

	r = nic_parse(frame, len, &key, &plen);
	nc->st.v[NS_PARSE - r]++;
	if (r != NIC_OK)
		return;
	nc->st.v[NS_TCP]++;
	if (!plen)
		return; /* latprobe stamps segments that carry data */
	/* plain stores into the mmap()ed slot: no system call */
	lp_nic_slot_write(nc->slots, &key, ns, src, nc->gen++);
	nc->st.v[NS_STAMPED]++;
	nc->st.v[stat_src]++;
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
	publish(nc);
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
	publish(nc);
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

/*
 * Stamps overwritten before being read, if every one is another segment's:
 * n writes into S slots leave S * (1 - exp(-n / S)) of them occupied. (A
 * retransmission overwrites its own stamp; a test replaying the same
 * segments overwrites nothing.)
 */
static uint64_t evictions_est(uint64_t n)
{
	double S = LP_NIC_TS_SLOTS;

	return n - (uint64_t)(S * -expm1(-(double)n / S) + 0.5);
}

/* Once a second: recalibrate clocks, refresh pdump drops, publish stats. */
volatile sig_atomic_t exiting;

void print_stats(struct nic *nc, FILE *f)
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

void tick(struct nic *nc)
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
	nc->st.v[NS_MAP_UPDATES] = nc->gen - nc->gen0;
	nc->st.v[NS_EVICT_EST] = evictions_est(nc->st.v[NS_MAP_UPDATES]);
	if (nc->stats_fd >= 0)
		nic_stats_write(nc->stats_fd, &nc->st);
	if (nc->o.stats)
		print_stats(nc, stdout);
}

void run(struct nic *nc)
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
