// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the nic_ts slots (bpf/latprobe.h, lib/nic_slot.h): the slot
 * of a key (in range, never the header, spread like a random function over
 * one flow's consecutive segments, stable), the direct-mapped write and the
 * seqcount read (a stamp is found until another key takes its slot, never
 * while being written), the header's generation, a concurrent writer whose
 * stamps a reader never sees torn, and the old-format map check.
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include "check.h"
#include "nic_slot.h"

static struct lp_nic_key flow_key(uint32_t seq)
{
	struct lp_nic_key k = {};

	inet_pton(AF_INET, "10.0.0.1", k.saddr);
	inet_pton(AF_INET, "10.0.0.2", k.daddr);
	k.sport = 9443;
	k.dport = 40000;
	k.seq = seq;
	return k;
}

/* one flow's n consecutive segments of len bytes: distinct slots used */
static unsigned int distinct_slots(unsigned int n, uint32_t len)
{
	static uint8_t used[LP_NIC_TS_ENTRIES];
	unsigned int d = 0;

	memset(used, 0, sizeof(used));
	for (unsigned int i = 0; i < n; i++) {
		struct lp_nic_key k = flow_key(1000 + i * len);
		uint32_t s = lp_nic_slot_of(&k);

		if (!CHECK(s >= 1 && s <= LP_NIC_TS_SLOTS, "slot %u", s))
			return 0;
		d += !used[s];
		used[s] = 1;
	}
	return d;
}

static void test_spread(void)
{
	static const uint32_t lens[] = {1, 100, 200, 1448, 65536};

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		for (unsigned int n = 4096; n <= LP_NIC_TS_SLOTS &&
					    (uint64_t)n * lens[i] <= 1ull << 32;
		     n *= 8) {
			double S = LP_NIC_TS_SLOTS;
			double want = S * -expm1(-(double)n / S);
			unsigned int d = distinct_slots(n, lens[i]);

			/*
			 * no more collisions than a random function's (sd
			 * below sqrt(want)); fewer is fine
			 */
			CHECK(d > want - 6 * sqrt(want) - 2,
			      "len %u n %u: %u distinct slots, expected %.0f",
			      lens[i], n, d, want);
		}
	}
}

static struct lp_nic_key colliding(const struct lp_nic_key *k)
{
	struct lp_nic_key o = *k;

	do
		o.seq += 7;
	while (lp_nic_slot_of(&o) != lp_nic_slot_of(k));
	return o;
}

static void test_write_read(struct lp_nic_slot *slots)
{
	struct lp_nic_key a = flow_key(5000), b = colliding(&a), v6 = a;
	struct lp_nic_slot *s = &slots[lp_nic_slot_of(&a)];
	uint64_t ns = 0;
	uint8_t src = 0;

	CHECK(lp_nic_slot_read(slots, &a, &ns, &src) != 0, "empty slot read");
	lp_nic_slot_write(slots, &a, 111, LP_NIC_DPDK_TSC, 0);
	CHECK(!lp_nic_slot_read(slots, &a, &ns, &src), "stamp not found");
	CHECK_EQ(ns, 111);
	CHECK_EQ(src, LP_NIC_DPDK_TSC);
	CHECK_EQ(s->cnt, 2);
	CHECK(lp_nic_slot_read(slots, &b, &ns, &src) != 0,
	      "colliding key read the other's stamp");
	/* only the key decides: v4 address in an otherwise equal v6 key */
	v6.saddr[15] = 1;
	CHECK(lp_nic_slot_read(slots, &v6, &ns, &src) != 0, "v6 key matched");

	/* direct-mapped: b overwrites a */
	lp_nic_slot_write(slots, &b, 222, LP_NIC_DPDK_HW, 1);
	CHECK(lp_nic_slot_read(slots, &a, &ns, &src) != 0, "a survived b");
	CHECK(!lp_nic_slot_read(slots, &b, &ns, &src) && ns == 222 &&
		      src == LP_NIC_DPDK_HW,
	      "b not found");
	CHECK_EQ(s->cnt, 4);

	/* a writer between its two counts: odd, no stamp */
	s->cnt = 5;
	CHECK(lp_nic_slot_read(slots, &b, &ns, &src) != 0, "odd count read");
	s->cnt = 6;
	CHECK(!lp_nic_slot_read(slots, &b, &ns, &src), "even count not read");

	/* the header is never a stamp's slot; it carries the generation */
	CHECK_EQ(lp_nic_generation(slots), 0);
	lp_nic_publish(slots, 2);
	CHECK_EQ(lp_nic_generation(slots), 2);
	CHECK_EQ(slots[LP_NIC_TS_HDR].cnt, 0);
}

/* BPF and user space share lp_nic_slot_of: a change shows here. */
static void test_stable(void)
{
	struct lp_nic_key k = flow_key(1000);

	CHECK_EQ(lp_nic_slot_of(&k), 254350);
}

/*
 * A writer alternates two keys of one slot, each stamp's ns a function of
 * its key and generation, until the reader has read enough stamps (or 5 s
 * passed: a loaded machine); the reader must never get an inconsistent one.
 */
#define RACE_READS 200000u

struct race {
	struct lp_nic_slot *slots;
	struct lp_nic_key k[2];
	volatile int stop;
	uint64_t writes, found[2], torn;
};

static uint64_t race_ns(const struct lp_nic_key *k, uint64_t gen)
{
	return (uint64_t)k->seq << 32 | gen;
}

static void *race_writer(void *arg)
{
	struct race *r = arg;
	uint64_t g;

	for (g = 0; !r->stop; g++)
		lp_nic_slot_write(r->slots, &r->k[g & 1],
				  race_ns(&r->k[g & 1], g), LP_NIC_DPDK_TSC, g);
	r->writes = g;
	return NULL;
}

static void test_race(struct lp_nic_slot *slots)
{
	struct race r = {.slots = slots};
	uint64_t ns, end;
	struct timespec ts;
	pthread_t t;
	uint8_t src;

	r.k[0] = flow_key(777777);
	r.k[1] = colliding(&r.k[0]);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	end = ts.tv_sec + 5;
	if (!CHECK(!pthread_create(&t, NULL, race_writer, &r), "thread"))
		return;
	while (r.found[0] + r.found[1] < RACE_READS) {
		for (int i = 0; i < 2; i++) {
			if (lp_nic_slot_read(slots, &r.k[i], &ns, &src))
				continue;
			r.found[i]++;
			if (ns >> 32 != r.k[i].seq || (ns & 1) != (uint64_t)i ||
			    src != LP_NIC_DPDK_TSC)
				r.torn++;
		}
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if ((uint64_t)ts.tv_sec > end)
			break;
	}
	r.stop = 1;
	pthread_join(t, NULL);
	CHECK_EQ(r.torn, 0);
	CHECK(r.found[0] + r.found[1] > 0, "reader never got a stamp");
	printf("race: %llu writes; %llu + %llu stamps read, %llu torn\n",
	       (unsigned long long)r.writes, (unsigned long long)r.found[0],
	       (unsigned long long)r.found[1], (unsigned long long)r.torn);
}

static void test_mismatch(void)
{
	struct bpf_map_info i = {
		.type = BPF_MAP_TYPE_LRU_HASH,
		.key_size = sizeof(struct lp_nic_key),
		.value_size = 16,
		.max_entries = 65536,
	};
	char buf[192];
	const char *why;

	why = lp_nic_ts_mismatch(&i, buf, sizeof(buf));
	CHECK(why && strstr(why, "old-format nic_ts") && !strchr(why, '\n'),
	      "%s", why ? why : "(none)");
	i = (struct bpf_map_info){.type = BPF_MAP_TYPE_ARRAY,
				  .key_size = 4,
				  .value_size = sizeof(struct lp_nic_slot),
				  .max_entries = LP_NIC_TS_ENTRIES};
	CHECK(lp_nic_ts_mismatch(&i, buf, sizeof(buf)), "no BPF_F_MMAPABLE");
	i.map_flags = BPF_F_MMAPABLE;
	CHECK(!lp_nic_ts_mismatch(&i, buf, sizeof(buf)), "%s", buf);
	i.max_entries--;
	CHECK(lp_nic_ts_mismatch(&i, buf, sizeof(buf)), "entries");
}

int main(void)
{
	struct lp_nic_slot *slots;

	_Static_assert(sizeof(struct lp_nic_slot) == 64, "one cache line");
	_Static_assert((LP_NIC_TS_SLOTS & (LP_NIC_TS_SLOTS - 1)) == 0,
		       "power of two");
	slots = calloc(LP_NIC_TS_ENTRIES, sizeof(*slots));
	if (!slots)
		return 1;
	test_spread();
	test_write_read(slots);
	test_stable();
	memset(slots, 0, LP_NIC_TS_ENTRIES * sizeof(*slots));
	test_race(slots);
	test_mismatch();
	free(slots);
	return check_done("test_nic_slot");
}
