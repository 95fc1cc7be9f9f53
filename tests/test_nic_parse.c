// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of tools/nic/nic_parse.c on crafted frames: Ethernet, VLAN, QinQ,
 * IPv4 with options, IPv6 with extension headers, TCP with options, every
 * truncation of each frame, malformed fields, and random mutations. Each
 * frame is copied into a buffer of exactly its length, so running this under
 * ASan (make SANITIZE=1) or valgrind catches any read past the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nic_parse.h"

static int failures, cases;

#define CHECK(cond, ...)                                            \
	do {                                                        \
		cases++;                                            \
		if (!(cond)) {                                      \
			failures++;                                 \
			printf("FAIL %s:%d: ", __func__, __LINE__); \
			printf(__VA_ARGS__);                        \
			printf("\n");                               \
		}                                                   \
	} while (0)

struct frame {
	uint8_t b[512];
	size_t len;
	size_t ip_off;	/* offset of the IP header */
	size_t tcp_off; /* offset of the TCP header */
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static void add(struct frame *f, const void *p, size_t n)
{
	memcpy(f->b + f->len, p, n);
	f->len += n;
}

/* Ethernet header with the given tags (TPIDs), then EtherType. */
static void eth(struct frame *f, const uint16_t *tpids, int ntags,
		uint16_t etype)
{
	static const uint8_t macs[12] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2};
	uint8_t t[4];
	int i;

	f->len = 0;
	add(f, macs, sizeof(macs));
	for (i = 0; i < ntags; i++) {
		put16(t, tpids[i]);
		put16(t + 2, 100 + i); /* TCI: VLAN id */
		add(f, t, 2);
		/* the next TPID/EtherType comes after the TCI */
		add(f, t + 2, 2);
	}
	put16(t, etype);
	add(f, t, 2);
}

/* TCP header (with optlen bytes of options) and payload of plen bytes. */
static void tcp(struct frame *f, size_t optlen, size_t plen)
{
	uint8_t h[60] = {};
	size_t i;

	f->tcp_off = f->len;
	put16(h, 443);
	put16(h + 2, 51000);
	put32(h + 4, 0xfffffff0); /* seq near the wrap */
	put32(h + 8, 1);
	h[12] = (uint8_t)((20 + optlen) / 4) << 4;
	h[13] = 0x18; /* PSH|ACK */
	for (i = 0; i < optlen; i++)
		h[20 + i] = 1; /* NOP */
	add(f, h, 20 + optlen);
	for (i = 0; i < plen; i++)
		f->b[f->len++] = (uint8_t)i;
}

static void ipv4(struct frame *f, size_t optlen, size_t tcp_optlen, size_t plen)
{
	uint8_t h[60] = {};
	size_t i;

	f->ip_off = f->len;
	h[0] = 0x40 | (uint8_t)((20 + optlen) / 4);
	put16(h + 2, (uint16_t)(20 + optlen + 20 + tcp_optlen + plen));
	put16(h + 6, 0x4000); /* DF */
	h[8] = 64;
	h[9] = 6;
	put32(h + 12, 0x0a4d0001); /* 10.77.0.1 */
	put32(h + 16, 0x0a4d0002);
	for (i = 0; i < optlen; i++)
		h[20 + i] = 1; /* NOP options */
	add(f, h, 20 + optlen);
	tcp(f, tcp_optlen, plen);
}

/* IPv6 with the given chain of extension headers (protocol numbers). */
static void ipv6(struct frame *f, const uint8_t *ext, int next, size_t plen)
{
	uint8_t h[40] = {}, e[16];
	size_t start;
	int i;

	f->ip_off = f->len;
	h[0] = 0x60;
	h[6] = next ? ext[0] : 6;
	h[7] = 64;
	h[8] = 0xfd;
	h[23] = 1; /* fd00::1 */
	h[24] = 0xfd;
	h[39] = 2; /* fd00::2 */
	add(f, h, 40);
	start = f->len;
	for (i = 0; i < next; i++) {
		uint8_t nh = i + 1 < next ? ext[i + 1] : 6;

		memset(e, 0, sizeof(e));
		e[0] = nh;
		if (ext[i] == 44) { /* fragment: offset 0, M 0 */
			add(f, e, 8);
		} else if (ext[i] == 51) { /* AH: (2 + 2) * 4 = 16 bytes */
			e[1] = 2;
			add(f, e, 16);
		} else { /* hop-by-hop, routing, dstopts: 16 bytes */
			e[1] = 1;
			add(f, e, 16);
		}
	}
	tcp(f, 12, plen);
	put16(f->b + f->ip_off + 4, (uint16_t)(f->len - start));
}

/* Parse f with exactly f->len bytes of heap so ASan sees any overread. */
static int parse(const struct frame *f, size_t len, struct lp_nic_key *k,
		 uint32_t *plen)
{
	uint8_t *copy = malloc(len ? len : 1);
	int r;

	memcpy(copy, f->b, len);
	r = nic_parse(copy, len, k, plen);
	free(copy);
	return r;
}

/* Whole frame parses; each shorter prefix fails without reading past it. */
static void expect_ok(const char *what, const struct frame *f, int v6,
		      uint32_t want_plen)
{
	struct lp_nic_key k;
	uint32_t plen = 0;
	size_t cut;
	int r, bad = 0;

	r = parse(f, f->len, &k, &plen);
	CHECK(r == NIC_OK, "%s: result %s", what, nic_parse_name(r));
	if (r != NIC_OK)
		return;
	CHECK(plen == want_plen, "%s: payload %u want %u", what, plen,
	      want_plen);
	CHECK(k.sport == 443 && k.dport == 51000, "%s: ports %u %u", what,
	      k.sport, k.dport);
	CHECK(k.seq == 0xfffffff0, "%s: seq %#x", what, k.seq);
	if (v6) {
		CHECK(k.saddr[0] == 0xfd && k.saddr[15] == 1 &&
			      k.daddr[15] == 2,
		      "%s: v6 addresses", what);
	} else {
		static const uint8_t zero[12];

		CHECK(k.saddr[0] == 10 && k.saddr[1] == 77 && k.saddr[3] == 1 &&
			      k.daddr[3] == 2,
		      "%s: v4 addresses", what);
		CHECK(!memcmp(k.saddr + 4, zero, 12) &&
			      !memcmp(k.daddr + 4, zero, 12),
		      "%s: v4 address tail not zero", what);
	}
	for (cut = 0; cut < f->len; cut++) {
		r = parse(f, cut, &k, &plen);
		if (r == NIC_OK || r > 0 || r < NIC_RESULT_MIN)
			bad++;
	}
	CHECK(!bad, "%s: %d truncations parsed as ok", what, bad);
	printf("%s %s (%zu bytes, %zu truncations)\n", bad ? "FAIL" : "PASS",
	       what, f->len, f->len);
}

static void expect(const char *what, const struct frame *f, int want)
{
	struct lp_nic_key k;
	uint32_t plen;
	int r = parse(f, f->len, &k, &plen);

	CHECK(r == want, "%s: got %s want %s", what, nic_parse_name(r),
	      nic_parse_name(want));
	printf("%s %s -> %s\n", r == want ? "PASS" : "FAIL", what,
	       nic_parse_name(r));
}

static void test_good(void)
{
	static const uint16_t q[] = {0x8100};
	static const uint16_t qq[] = {0x88a8, 0x8100};
	static const uint16_t qq1[] = {0x9100, 0x8100};
	static const uint8_t hbh_rt_dst[] = {0, 43, 60};
	static const uint8_t frag_ah[] = {44, 51};
	struct frame f;

	eth(&f, NULL, 0, 0x0800);
	ipv4(&f, 0, 0, 100);
	expect_ok("ipv4 tcp", &f, 0, 100);

	eth(&f, NULL, 0, 0x0800);
	ipv4(&f, 40, 20, 7);
	expect_ok("ipv4 max options, tcp options", &f, 0, 7);

	eth(&f, q, 1, 0x0800);
	ipv4(&f, 4, 12, 1);
	expect_ok("vlan ipv4 options", &f, 0, 1);

	eth(&f, qq, 2, 0x0800);
	ipv4(&f, 0, 0, 33);
	expect_ok("qinq 88a8 ipv4", &f, 0, 33);

	eth(&f, qq1, 2, 0x86dd);
	ipv6(&f, NULL, 0, 20);
	expect_ok("qinq 9100 ipv6", &f, 1, 20);

	eth(&f, NULL, 0, 0x86dd);
	ipv6(&f, hbh_rt_dst, 3, 50);
	expect_ok("ipv6 hbh+routing+dstopts", &f, 1, 50);

	eth(&f, q, 1, 0x86dd);
	ipv6(&f, frag_ah, 2, 9);
	expect_ok("vlan ipv6 atomic fragment+ah", &f, 1, 9);

	/* pure ACK: parses, zero payload (not stamped by latprobe-nic) */
	eth(&f, NULL, 0, 0x0800);
	ipv4(&f, 0, 0, 0);
	expect_ok("ipv4 pure ack", &f, 0, 0);

	/* Ethernet padding after the IP packet is not payload */
	eth(&f, NULL, 0, 0x0800);
	ipv4(&f, 0, 0, 2);
	memset(f.b + f.len, 0, 4);
	f.len += 4;
	{
		struct lp_nic_key k;
		uint32_t plen = 0;
		int r = parse(&f, f.len, &k, &plen);

		CHECK(r == NIC_OK && plen == 2, "padding: %s plen %u",
		      nic_parse_name(r), plen);
		printf("%s ethernet padding ignored\n",
		       r == NIC_OK && plen == 2 ? "PASS" : "FAIL");
	}
}

static void test_bad(void)
{
	static const uint16_t three[] = {0x88a8, 0x8100, 0x8100};
	uint8_t chain[NIC_MAX_IPV6_EXT + 1];
	struct frame f;

	eth(&f, NULL, 0, 0x0806);
	memset(f.b + f.len, 0, 28);
	f.len += 28;
	expect("arp", &f, NIC_SKIP_NOT_IP);

	eth(&f, three, 3, 0x0800);
	ipv4(&f, 0, 0, 10);
	expect("three vlan tags", &f, NIC_ERR_VLAN_DEPTH);

	eth(&f, NULL, 0, 0x0800);
	ipv4(&f, 0, 0, 10);
	f.b[f.ip_off + 9] = 17;
	expect("ipv4 udp", &f, NIC_SKIP_NOT_TCP);

	eth(&f, NULL, 0, 0x0800);
	ipv4(&f, 0, 0, 10);
	f.b[f.ip_off] = 0x65;
	expect("ipv4 ethertype, version 6", &f, NIC_ERR_IP_VERSION);

	eth(&f, NULL, 0, 0x0800);
	ipv4(&f, 0, 0, 10);
	f.b[f.ip_off] = 0x44;
	expect("ipv4 ihl 4", &f, NIC_ERR_IP_HDR_LEN);

	eth(&f, NULL, 0, 0x0800);
	ipv4(&f, 0, 0, 10);
	put16(f.b + f.ip_off + 2, 19);
	expect("ipv4 total length < header", &f, NIC_ERR_IP_TOT_LEN);

	eth(&f, NULL, 0, 0x0800);
	ipv4(&f, 0, 0, 10);
	put16(f.b + f.ip_off + 2, (uint16_t)(f.len - f.ip_off + 1));
	expect("ipv4 total length > frame", &f, NIC_ERR_TRUNC_IP);

	eth(&f, NULL, 0, 0x0800);
	ipv4(&f, 0, 0, 10);
	put16(f.b + f.ip_off + 2, 20 + 19);
	expect("ipv4 length cuts tcp header", &f, NIC_ERR_TRUNC_TCP);

	eth(&f, NULL, 0, 0x0800);
	ipv4(&f, 0, 0, 10);
	put16(f.b + f.ip_off + 6, 0x2000);
	expect("ipv4 first fragment (MF)", &f, NIC_SKIP_FRAGMENT);
	put16(f.b + f.ip_off + 6, 0x0010);
	expect("ipv4 later fragment", &f, NIC_SKIP_FRAGMENT);

	eth(&f, NULL, 0, 0x0800);
	ipv4(&f, 0, 0, 10);
	f.b[f.tcp_off + 12] = 4 << 4;
	expect("tcp doff 4", &f, NIC_ERR_TCP_DOFF);
	f.b[f.tcp_off + 12] = 15 << 4;
	expect("tcp doff past packet", &f, NIC_ERR_TCP_DOFF);

	eth(&f, NULL, 0, 0x86dd);
	ipv6(&f, NULL, 0, 10);
	put16(f.b + f.ip_off + 4, 0);
	expect("ipv6 payload length 0 (jumbo)", &f, NIC_ERR_IP_TOT_LEN);

	eth(&f, NULL, 0, 0x86dd);
	ipv6(&f, NULL, 0, 10);
	f.b[f.ip_off] = 0x40;
	expect("ipv6 ethertype, version 4", &f, NIC_ERR_IP_VERSION);

	{
		static const uint8_t fr[] = {44};

		eth(&f, NULL, 0, 0x86dd);
		ipv6(&f, fr, 1, 10);
		put16(f.b + f.ip_off + 40 + 2, 0x0001); /* M flag */
		expect("ipv6 fragment", &f, NIC_SKIP_FRAGMENT);
	}
	{
		static const uint8_t hbh[] = {0};

		eth(&f, NULL, 0, 0x86dd);
		ipv6(&f, hbh, 1, 10);
		f.b[f.ip_off + 40 + 1] = 200; /* ext length past the packet */
		expect("ipv6 ext header too long", &f, NIC_ERR_IPV6_EXT);
		f.b[f.ip_off + 40 + 1] = 1;
		f.b[f.ip_off + 40] = 50;
		expect("ipv6 esp", &f, NIC_SKIP_NOT_TCP);
		f.b[f.ip_off + 40] = 59;
		expect("ipv6 no next header", &f, NIC_SKIP_NOT_TCP);
	}
	memset(chain, 60, sizeof(chain));
	eth(&f, NULL, 0, 0x86dd);
	ipv6(&f, chain, NIC_MAX_IPV6_EXT + 1, 4);
	expect("ipv6 ext chain too long", &f, NIC_ERR_IPV6_EXT);
}

/* Random frames and bit flips: any result, never a crash or overread. */
static void test_mutations(void)
{
	static const uint16_t q[] = {0x8100};
	static const uint8_t ext[] = {0, 44, 51};
	struct lp_nic_key k;
	struct frame base[2], f;
	uint32_t plen, seed = 1;
	int i, j, r, bad = 0;

	eth(&base[0], q, 1, 0x0800);
	ipv4(&base[0], 8, 8, 16);
	eth(&base[1], q, 1, 0x86dd);
	ipv6(&base[1], ext, 3, 16);
	for (i = 0; i < 200000; i++) {
		f = base[i & 1];
		for (j = 0; j < 1 + i % 4; j++) {
			seed = seed * 1103515245 + 12345;
			f.b[(seed >> 8) % f.len] ^= (uint8_t)(1 << (seed & 7));
		}
		seed = seed * 1103515245 + 12345;
		r = parse(&f, (seed >> 4) % (f.len + 1), &k, &plen);
		if (r > 0 || r < NIC_RESULT_MIN)
			bad++;
		else if (r == NIC_OK && plen > f.len)
			bad++;
	}
	CHECK(!bad, "%d mutated frames gave out-of-range results", bad);
	printf("%s 200000 mutated frames\n", bad ? "FAIL" : "PASS");
}

static void test_names(void)
{
	int r, bad = 0;

	for (r = NIC_RESULT_MIN; r <= 0; r++)
		if (!strcmp(nic_parse_name(r), "unknown"))
			bad++;
	CHECK(!bad && !strcmp(nic_parse_name(1), "unknown"),
	      "result names incomplete");
	printf("%s result names\n", bad ? "FAIL" : "PASS");
}

int main(void)
{
	test_good();
	test_bad();
	test_mutations();
	test_names();
	printf("%s: %d checks, %d failed\n", failures ? "FAIL" : "PASS", cases,
	       failures);
	return failures != 0;
}
