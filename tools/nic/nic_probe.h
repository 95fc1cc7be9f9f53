/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Probe frames that bound pdump's capture clock from above (see
 * nic_capclock.h): latprobe-nic sends a 60-byte frame on the interface the
 * DPDK port reads (net_af_packet sees a frame sent there, as a packet
 * socket does). The primary captures it, its copy comes back stamped, and
 * the capture cannot precede the moment the kernel handed the frame to the
 * packet sockets: the kernel stamps that moment (SO_TIMESTAMPNS on a second
 * packet socket sees it, stamped before any socket got it), else our TSC
 * before send() stands in.
 */
#ifndef __NIC_PROBE_H
#define __NIC_PROBE_H

#include <stdint.h>

#define NIC_PROBE_ETHERTYPE 0x88b5 /* IEEE 802 local experimental */
#define NIC_PROBE_SLOTS 16

/* CLOCK_REALTIME ns -> TSC; returns 0 if it cannot. */
typedef uint64_t (*nic_probe_rt_fn)(void *ctx, uint64_t rt_ns);
/* Reads the TSC. */
typedef uint64_t (*nic_probe_tsc_fn)(void);

struct nic_probe {
	int tx_fd, rx_fd;
	uint32_t pid;
	uint64_t sent, stamped_by_kernel;
	struct {
		uint64_t send_tsc, lower_tsc;
	} slot[NIC_PROBE_SLOTS];
	unsigned int next;
};

/* Returns 0 or a negative errno with *why set. */
int nic_probe_open(struct nic_probe *p, const char *ifname, const char **why);
void nic_probe_close(struct nic_probe *p);
/*
 * Sends one probe, then reads the kernel's stamp of it; a stamp outside
 * the send() call (one made when we read it) is not used.
 */
int nic_probe_send(struct nic_probe *p, nic_probe_tsc_fn tsc,
		   nic_probe_rt_fn rt_to_tsc, void *ctx);
/*
 * One of our probes (frame from its Ethernet header)? Returns 1 and the
 * earliest TSC its capture can have, or 0.
 */
int nic_probe_match(const struct nic_probe *p, const uint8_t *frame,
		    uint32_t len, uint64_t *lower_tsc);

#endif
