/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Wire-frame parser for latprobe-nic: Ethernet (up to two VLAN tags),
 * IPv4 (with options) or IPv6 (with extension headers), then TCP. Pure: no
 * DPDK, no allocation, never reads at or past pkt[len], so it can be unit
 * tested and fuzzed on its own.
 */
#ifndef __NIC_PARSE_H
#define __NIC_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include <linux/types.h>
#include "latprobe.h"

#define NIC_MAX_VLAN 2	   /* 802.1Q, or 802.1ad + 802.1Q (QinQ) */
#define NIC_MAX_IPV6_EXT 8 /* extension headers followed before giving up */

/*
 * Results of nic_parse(). 0 is a TCP segment; NIC_SKIP_* are well-formed
 * frames that carry no TCP; NIC_ERR_* are malformed or truncated frames.
 */
enum nic_parse_result {
	NIC_OK = 0,
	NIC_SKIP_NOT_IP = -1,	 /* EtherType is neither IPv4 nor IPv6 */
	NIC_SKIP_NOT_TCP = -2,	 /* IP carries another protocol (or ESP) */
	NIC_SKIP_FRAGMENT = -3,	 /* IP fragment: no TCP header to read */
	NIC_ERR_TRUNC_L2 = -4,	 /* frame ends inside Ethernet/VLAN */
	NIC_ERR_VLAN_DEPTH = -5, /* more than NIC_MAX_VLAN tags */
	NIC_ERR_TRUNC_IP = -6,	 /* frame ends before the IP packet does */
	NIC_ERR_IP_VERSION = -7, /* version field disagrees with EtherType */
	NIC_ERR_IP_HDR_LEN = -8, /* IPv4 IHL < 5 */
	NIC_ERR_IP_TOT_LEN = -9, /* IP length < its header (v4), 0 (v6) */
	NIC_ERR_IPV6_EXT = -10,	 /* extension header chain malformed */
	NIC_ERR_TRUNC_TCP = -11, /* IP payload ends inside the TCP header */
	NIC_ERR_TCP_DOFF = -12,	 /* TCP data offset < 5 or past the payload */
	NIC_RESULT_MIN = -12
};

#define NIC_N_RESULTS (1 - NIC_RESULT_MIN)

/*
 * Parse one frame starting at its Ethernet header. On NIC_OK fills *key (the
 * segment as it travels: sender first; addresses network order, IPv4 in the
 * first four bytes; ports and seq host order) and *payload_len (TCP payload
 * bytes, from the IP length so Ethernet padding is not counted). On any other
 * result *key and *payload_len are unspecified.
 */
int nic_parse(const uint8_t *pkt, size_t len, struct lp_nic_key *key,
	      uint32_t *payload_len);

/* Short stable name of a result ("ok", "trunc_l2", ...), for stats output. */
const char *nic_parse_name(int result);

#endif /* __NIC_PARSE_H */
