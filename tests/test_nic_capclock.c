// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of tools/nic/nic_capclock.c: pdump capture stamps made the way
 * DPDK 22.11.x's rte_pcapng makes them (TSC -> ns with a base set at the
 * primary's first capture, including the wrap-around when that first TSC
 * precedes the base), and raw TSC stamps, recovered as the TSC: never late
 * once a probe bounds the offset, early by at most the stated bound.
 */
#include <stdint.h>

#include "check.h"
#include "nic_capclock.h"

#define HZ 2100000000ull /* rte_get_tsc_hz(), rounded as EAL does */
#define NSEC 1000000000ull

/* rte_pcapng's conversion: base pair, one-second steps, floor division */
struct pcapng_clock {
	uint64_t base_ns, base_cyc;
};

static uint64_t pcapng_stamp(struct pcapng_clock *p, uint64_t cyc)
{
	uint64_t delta = cyc - p->base_cyc, secs;

	if (delta >= HZ) {
		secs = delta / HZ;
		p->base_cyc += secs * HZ;
		p->base_ns += secs * NSEC;
		delta -= secs * HZ;
	}
	return p->base_ns + (uint64_t)((unsigned __int128)delta * NSEC / HZ);
}

/*
 * Copies captured every 100 us with dequeue delays of 1..40 us; a probe
 * every 10 copies, captured 3..9 us after it was sent.
 */
static void run(struct pcapng_clock *p, const char *what)
{
	struct capclock cc;
	uint64_t t = 5000000000000ull, tsc, cap, worst_early = 0;
	int64_t early, late;
	int nlate = 0, bad = 0;

	capclock_init(&cc, HZ);
	for (int i = 0; i < 2000; i++, t += 210000) {
		uint64_t deq = t + 2100 + (uint64_t)(i * 7919 % 40) * 2100;

		if (i % 10 == 0) {
			uint64_t sent = t - 6300 - (uint64_t)(i % 7) * 2100;

			cap = pcapng_stamp(p, t);
			if (capclock_observe(&cc, cap, deq))
				bad++;
			capclock_probe(&cc, cap, sent);
			continue;
		}
		cap = pcapng_stamp(p, t);
		if (capclock_stamp(&cc, cap, deq, &tsc)) {
			bad++;
			continue;
		}
		/* after the first probe: never late */
		if (i > 10 && tsc > t)
			nlate++;
		if (i > 10 && t - tsc > worst_early)
			worst_early = t - tsc;
	}
	CHECK(!bad, "%s: %d stamps refused", what, bad);
	CHECK(!nlate, "%s: %d stamps late", what, nlate);
	CHECK(cc.mode == CAP_NS, "%s: mode %d", what, cc.mode);
	CHECK(!capclock_bounds(&cc, &early, &late), "%s: not bounded", what);
	/* probes 3..9 us, dequeues 1..40 us: the first probe's 3 us + 1 us */
	CHECK(early >= 0 && early <= 4001, "%s: early %lld ns", what,
	      (long long)early);
	CHECK(late <= 0, "%s: late %lld ns", what, (long long)late);
	CHECK(worst_early * NSEC / HZ <= (uint64_t)early + 1,
	      "%s: early by %llu cycles beyond the stated %lld ns", what,
	      (unsigned long long)worst_early, (long long)early);
}

int main(void)
{
	/* base set before these captures */
	struct pcapng_clock plain = {1795000000000000000ull, 4000000000000ull};
	/* first capture's TSC before the base: 22.11's wrap-around */
	struct pcapng_clock wrapped = {1795000000000000000ull,
				       5000000000000ull + 500};
	struct capclock cc;
	int64_t early, late;
	uint64_t tsc;

	run(&plain, "plain");
	run(&wrapped, "wrapped");
	CHECK(wrapped.base_ns > 1795000000000000000ull + 8000000000000000000ull,
	      "the wrap-around case did not wrap");

	/* raw TSC stamps (later DPDK): taken as they are, bound 0 */
	capclock_init(&cc, HZ);
	CHECK_EQ(capclock_stamp(&cc, 1000000, 1004200, &tsc), 0);
	CHECK_EQ(tsc, 1000000);
	CHECK_EQ(capclock_bounds(&cc, &early, &late), 0);
	CHECK_EQ(early, 0);
	CHECK_EQ(late, 0);
	/* ...and a stamp after its dequeue is refused, not trusted */
	CHECK_EQ(capclock_stamp(&cc, 2000000, 1999000, &tsc), -1);

	/* no probe: the offset is bounded from one side only */
	capclock_init(&cc, HZ);
	CHECK_EQ(capclock_stamp(&cc, 1795000000000000000ull, 5000000000000ull,
				&tsc),
		 0);
	CHECK_EQ(capclock_bounds(&cc, &early, &late), -1);
	/* bounds that cross (a primary with another TSC rate) are refused */
	capclock_probe(&cc, 1795000000000000000ull, 5000000000000ull + 2100000);
	CHECK_EQ(capclock_stamp(&cc, 1795000000001000000ull,
				5000000000000ull + 2100000, &tsc),
		 -1);
	return check_done("test_nic_capclock");
}
