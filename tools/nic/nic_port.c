// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * latprobe-nic's port: owned (primary: one RX queue, NIC timestamps when
 * offered) or copied from the primary through rte_pdump (secondary).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_mempool.h>
#include <rte_pcapng.h>
#include <rte_pdump.h>
#include <rte_ring.h>

#include "latprobe_nic.h"

#define RING_SIZE 4096
#define POOL_SIZE 8191
#define POOL_CACHE 256

static int read_nic_clock(void *ctx, uint64_t *v)
{
	uint16_t port = *(uint16_t *)ctx;

	return rte_eth_read_clock(port, v);
}

int setup_hw_clock(struct nic *nc)
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
int setup_primary(struct nic *nc)
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
int setup_secondary(struct nic *nc)
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

/*
 * The primary allocates the copies from our pool through the mempool ops
 * index stored in it, which each process resolves in its own table; the
 * table's order is the order in which drivers registered. If the primary
 * fails to allocate while the pool is full, the orders differ.
 */
void check_pool_ops(struct nic *nc)
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

void drain_ring(struct nic *nc)
{
	struct rte_mbuf *pkts[BURST];
	unsigned int n;

	while ((n = rte_ring_dequeue_burst(nc->ring, (void **)pkts, BURST,
					   NULL)))
		rte_pktmbuf_free_bulk(pkts, n);
}
