// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Ethernet/VLAN/IPv4/IPv6/TCP parser; see nic_parse.h. */
#include <string.h>

#include "nic_parse.h"

#define ETH_HLEN_ 14
#define VLAN_HLEN_ 4
#define ETH_P_IPV4_ 0x0800
#define ETH_P_IPV6_ 0x86dd
#define ETH_P_8021Q_ 0x8100
#define ETH_P_8021AD_ 0x88a8
#define ETH_P_QINQ1_ 0x9100 /* pre-standard QinQ outer tag, still seen */

#define IPV4_MIN_HLEN 20
#define IPV6_HLEN 40
#define TCP_MIN_HLEN 20

#define IPPROTO_HOPOPTS_ 0
#define IPPROTO_TCP_ 6
#define IPPROTO_ROUTING_ 43
#define IPPROTO_FRAGMENT_ 44
#define IPPROTO_ESP_ 50
#define IPPROTO_AH_ 51
#define IPPROTO_DSTOPTS_ 60

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/*
 * Walk the IPv6 extension headers starting after the fixed header. *off and
 * *end delimit the IP payload; on return *off is at the upper-layer header
 * and *proto is its protocol.
 */
static int ipv6_skip_ext(const uint8_t *pkt, size_t *off, size_t end,
			 uint8_t *proto)
{
	uint8_t nh = *proto;
	size_t o = *off;
	int n;

	for (n = 0; n < NIC_MAX_IPV6_EXT; n++) {
		size_t hlen;

		switch (nh) {
		case IPPROTO_HOPOPTS_:
		case IPPROTO_ROUTING_:
		case IPPROTO_DSTOPTS_:
			if (end - o < 8)
				return NIC_ERR_IPV6_EXT;
			hlen = ((size_t)pkt[o + 1] + 1) * 8;
			break;
		case IPPROTO_AH_:
			/* RFC 4302: length in 4-octet units, minus 2 */
			if (end - o < 8)
				return NIC_ERR_IPV6_EXT;
			hlen = ((size_t)pkt[o + 1] + 2) * 4;
			break;
		case IPPROTO_FRAGMENT_:
			if (end - o < 8)
				return NIC_ERR_IPV6_EXT;
			/* offset != 0 or more-fragments: TCP not whole here */
			if (rd16(pkt + o + 2) & 0xfff9)
				return NIC_SKIP_FRAGMENT;
			hlen = 8;
			break;
		default:
			*off = o;
			*proto = nh;
			return NIC_OK;
		}
		if (hlen > end - o)
			return NIC_ERR_IPV6_EXT;
		nh = pkt[o];
		o += hlen;
	}
	return NIC_ERR_IPV6_EXT;
}

int nic_parse(const uint8_t *pkt, size_t len, struct lp_nic_key *key,
	      uint32_t *payload_len)
{
	size_t off = 2 * 6, ip_end, l4;
	uint16_t etype;
	uint8_t proto;
	int tags = 0, err;

	if (len < ETH_HLEN_)
		return NIC_ERR_TRUNC_L2;
	etype = rd16(pkt + off);
	off += 2;
	while (etype == ETH_P_8021Q_ || etype == ETH_P_8021AD_ ||
	       etype == ETH_P_QINQ1_) {
		if (++tags > NIC_MAX_VLAN)
			return NIC_ERR_VLAN_DEPTH;
		if (len - off < VLAN_HLEN_)
			return NIC_ERR_TRUNC_L2;
		etype = rd16(pkt + off + 2);
		off += VLAN_HLEN_;
	}

	memset(key, 0, sizeof(*key));
	if (etype == ETH_P_IPV4_) {
		size_t ihl, tot;
		uint16_t frag;

		if (len - off < IPV4_MIN_HLEN)
			return NIC_ERR_TRUNC_IP;
		if (pkt[off] >> 4 != 4)
			return NIC_ERR_IP_VERSION;
		ihl = (size_t)(pkt[off] & 0x0f) * 4;
		if (ihl < IPV4_MIN_HLEN)
			return NIC_ERR_IP_HDR_LEN;
		if (len - off < ihl)
			return NIC_ERR_TRUNC_IP;
		tot = rd16(pkt + off + 2);
		if (tot < ihl)
			return NIC_ERR_IP_TOT_LEN;
		if (tot > len - off)
			return NIC_ERR_TRUNC_IP;
		frag = rd16(pkt + off + 6);
		proto = pkt[off + 9];
		memcpy(key->saddr, pkt + off + 12, 4);
		memcpy(key->daddr, pkt + off + 16, 4);
		/* MF set or a non-zero offset: not a whole TCP segment */
		if (frag & 0x3fff)
			return NIC_SKIP_FRAGMENT;
		ip_end = off + tot;
		l4 = off + ihl;
	} else if (etype == ETH_P_IPV6_) {
		size_t plen;

		if (len - off < IPV6_HLEN)
			return NIC_ERR_TRUNC_IP;
		if (pkt[off] >> 4 != 6)
			return NIC_ERR_IP_VERSION;
		plen = rd16(pkt + off + 4);
		/* 0 means a jumbogram, which no Ethernet carries */
		if (plen == 0)
			return NIC_ERR_IP_TOT_LEN;
		if (plen > len - off - IPV6_HLEN)
			return NIC_ERR_TRUNC_IP;
		proto = pkt[off + 6];
		memcpy(key->saddr, pkt + off + 8, 16);
		memcpy(key->daddr, pkt + off + 24, 16);
		ip_end = off + IPV6_HLEN + plen;
		l4 = off + IPV6_HLEN;
		err = ipv6_skip_ext(pkt, &l4, ip_end, &proto);
		if (err)
			return err;
	} else {
		return NIC_SKIP_NOT_IP;
	}

	if (proto != IPPROTO_TCP_)
		return NIC_SKIP_NOT_TCP;
	if (ip_end - l4 < TCP_MIN_HLEN)
		return NIC_ERR_TRUNC_TCP;
	{
		size_t doff = (size_t)(pkt[l4 + 12] >> 4) * 4;

		if (doff < TCP_MIN_HLEN || doff > ip_end - l4)
			return NIC_ERR_TCP_DOFF;
		key->sport = rd16(pkt + l4);
		key->dport = rd16(pkt + l4 + 2);
		key->seq = rd32(pkt + l4 + 4);
		*payload_len = (uint32_t)(ip_end - l4 - doff);
	}
	return NIC_OK;
}

const char *nic_parse_name(int result)
{
	static const char *const names[NIC_N_RESULTS] = {
		[-NIC_OK] = "ok",
		[-NIC_SKIP_NOT_IP] = "not_ip",
		[-NIC_SKIP_NOT_TCP] = "not_tcp",
		[-NIC_SKIP_FRAGMENT] = "fragment",
		[-NIC_ERR_TRUNC_L2] = "trunc_l2",
		[-NIC_ERR_VLAN_DEPTH] = "vlan_depth",
		[-NIC_ERR_TRUNC_IP] = "trunc_ip",
		[-NIC_ERR_IP_VERSION] = "ip_version",
		[-NIC_ERR_IP_HDR_LEN] = "ip_hdr_len",
		[-NIC_ERR_IP_TOT_LEN] = "ip_tot_len",
		[-NIC_ERR_IPV6_EXT] = "ipv6_ext",
		[-NIC_ERR_TRUNC_TCP] = "trunc_tcp",
		[-NIC_ERR_TCP_DOFF] = "tcp_doff",
	};

	if (result > 0 || result < NIC_RESULT_MIN)
		return "unknown";
	return names[-result];
}
