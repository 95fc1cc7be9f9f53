// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Timing latprobe's own probe mechanism before tracing (probe_calib.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "calib.h"
#include "calib.skel.h"
#include "log.h"
#include "now.h"
#include "overhead.h"
#include "probe_calib.h"
#include "uprobe_site.h"

#define WARMUP 16 /* first hits: the kernel sets up the XOL area, caches */

struct samples {
	uint64_t tb[LP_CALIB_CALLS], ta[LP_CALIB_CALLS];
	struct lp_calib_clock clk[LP_CALIB_CALLS];
};

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Quantile q of v[0..n) (sorts v), nearest rank. */
static double quant(double *v, unsigned int n, double q)
{
	unsigned int k = (unsigned int)(q * n);

	qsort(v, n, sizeof(*v), cmp_dbl);
	return v[k < n ? k : n - 1];
}

/* File offset of our own code at addr (for a uprobe on /proc/self/exe). */
static int self_offset(const void *addr, char *path, size_t plen, uint64_t *off)
{
	unsigned long lo, hi, pgoff, a = (unsigned long)addr;
	char line[PATH_MAX + 128];
	FILE *f = fopen("/proc/self/maps", "re");
	ssize_t n = readlink("/proc/self/exe", path, plen - 1);

	if (!f || n <= 0) {
		if (f)
			fclose(f);
		return -errno;
	}
	path[n] = '\0';
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %*s %lx", &lo, &hi, &pgoff) != 3 ||
		    a < lo || a >= hi)
			continue;
		fclose(f);
		*off = a - lo + pgoff;
		return 0;
	}
	fclose(f);
	return -ENOENT;
}

/* usdt: a call timed by the clock reads inside (USDT, nop5) */
static void run_calls(struct samples *s, unsigned int n, bool usdt,
		      void (*fn)(uint64_t, struct lp_calib_clock *))
{
	for (unsigned int i = 0; i < n; i++) {
		s->tb[i] = now_ns(CLOCK_MONOTONIC);
		fn(i, &s->clk[i]);
		s->ta[i] = now_ns(CLOCK_MONOTONIC);
	}
}

/* The call's duration as its kind measures it. */
static double span(const struct samples *s, unsigned int i, bool usdt)
{
	return usdt ? (double)(s->clk[i].out - s->clk[i].in)
		    : (double)(s->ta[i] - s->tb[i]);
}

static void (*target(enum lp_calib_what kind))(uint64_t,
					       struct lp_calib_clock *)
{
	return kind == CAL_USDT	  ? lp_calib_usdt
	       : kind == CAL_NOP5 ? lp_calib_nop5
				  : lp_calib_call;
}

static double untraced(struct samples *s, enum lp_calib_what kind)
{
	static double v[LP_CALIB_CALLS];
	bool usdt = kind == CAL_USDT || kind == CAL_NOP5;

	run_calls(s, WARMUP, usdt, target(kind));
	run_calls(s, LP_CALIB_CALLS, usdt, target(kind));
	for (unsigned int i = 0; i < LP_CALIB_CALLS; i++)
		v[i] = span(s, i, usdt);
	return quant(v, LP_CALIB_CALLS, 0.5);
}

static void prog_cost(struct bpf_program *p, uint64_t *ns, uint64_t *cnt)
{
	if (!p || overhead_prog_counters(bpf_program__fd(p), ns, cnt))
		*ns = *cnt = 0;
}

/* Time LP_CALIB_CALLS calls with the probes of kind attached. */
static void measure(struct calib_bpf *sk, struct samples *s, double base,
		    struct bpf_program *p1, struct bpf_program *p2,
		    enum lp_calib_what kind, struct lp_calib_kind *k)
{
	static double v[LP_CALIB_CALLS];
	bool usdt = kind == CAL_USDT || kind == CAL_NOP5;
	bool ret = kind == CAL_UPROBE_RETURN;
	uint64_t ns0, c0, ns1, c1, ns2 = 0, c2 = 0, ns3 = 0, c3 = 0;
	unsigned int n = LP_CALIB_CALLS;

	run_calls(s, WARMUP, usdt, target(kind));
	memset(sk->bss->entry_ns, 0, sizeof(sk->bss->entry_ns));
	sk->bss->nop5_n = 0;
	memset(sk->bss->ret_ns, 0, sizeof(sk->bss->ret_ns));
	prog_cost(p1, &ns0, &c0);
	if (p2)
		prog_cost(p2, &ns2, &c2);
	run_calls(s, n, usdt, target(kind));
	prog_cost(p1, &ns1, &c1);
	if (p2)
		prog_cost(p2, &ns3, &c3);
	/* a probe that did not fire (code run under valgrind...) times nothing */
	for (unsigned int i = 0; i < n; i++) {
		if (!sk->bss->entry_ns[i] || (ret && !sk->bss->ret_ns[i])) {
			snprintf(k->err, sizeof(k->err),
				 "the probe did not fire on call %u of %u", i,
				 n);
			return;
		}
	}
	for (unsigned int i = 0; i < n; i++)
		v[i] = span(s, i, usdt) - base;
	k->cost_p10 = quant(v, n, 0.1);
	k->cost_p50 = quant(v, n, 0.5);
	k->cost_p90 = quant(v, n, 0.9);
	k->bpf_ns = c1 > c0 ? (double)(ns1 - ns0 + ns3 - ns2) / n : -1;
	k->trap_ns = k->cost_p50 - (k->bpf_ns > 0 ? k->bpf_ns : 0);
	/* where the stamps fall between the clock reads */
	for (unsigned int i = 0; i < n; i++)
		v[i] = (double)sk->bss->entry_ns[i] -
		       (double)(usdt ? s->clk[i].in : s->tb[i]);
	k->front_ns = quant(v, n, 0.5);
	for (unsigned int i = 0; i < n && !usdt; i++)
		v[i] = (double)s->clk[i].in - (double)sk->bss->entry_ns[i];
	k->entry_back_ns = usdt ? 0 : quant(v, n, 0.5);
	if (ret) {
		for (unsigned int i = 0; i < n; i++)
			v[i] = (double)sk->bss->ret_ns[i] -
			       (double)s->clk[i].out;
		k->ret_front_ns = quant(v, n, 0.5);
		for (unsigned int i = 0; i < n; i++)
			v[i] = (double)sk->bss->ret_ns[i] -
			       (double)sk->bss->entry_ns[i] -
			       (double)(s->clk[i].out - s->clk[i].in);
		k->gap_ns = quant(v, n, 0.5);
	} else if (kind == CAL_USDT) {
		k->gap_ns = k->cost_p50;
	}
	k->calls = n;
	k->done = true;
}

static struct bpf_link *attach_at(struct bpf_program *p, const char *path,
				  uint64_t off, bool ret)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .retprobe = ret);

	return bpf_program__attach_uprobe_opts(p, getpid(), path, off, &uo);
}

static void calib_kind(struct calib_bpf *sk, struct samples *s,
		       const char *path, uint64_t off, double base,
		       enum lp_calib_what kind, struct probe_calib *pc)
{
	struct lp_calib_kind *k = &pc->k[kind];
	struct bpf_link *l1 = NULL, *l2 = NULL;

	if (kind == CAL_USDT) {
		l1 = bpf_program__attach_usdt(sk->progs.calib_usdt, getpid(),
					      path, "latprobe", "calib", NULL);
	} else if (kind == CAL_NOP5) {
		l1 = attach_at(sk->progs.calib_nop5, path, off, false);
	} else {
		if (kind == CAL_UPROBE_RETURN)
			l2 = attach_at(sk->progs.calib_return, path, off, true);
		if (kind == CAL_UPROBE || l2)
			l1 = attach_at(sk->progs.calib_entry, path, off, false);
	}
	if (!l1) {
		snprintf(k->err, sizeof(k->err), "attaching: %s",
			 strerror(errno));
	} else {
		measure(sk, s, base,
			kind == CAL_USDT   ? sk->progs.calib_usdt
			: kind == CAL_NOP5 ? sk->progs.calib_nop5
					   : sk->progs.calib_entry,
			l2 ? sk->progs.calib_return : NULL, kind, k);
	}
	/* the optimized path rewrites the nop into a call (e8 rel32) */
	if (kind == CAL_NOP5 && l1)
		k->patched =
			*(const volatile uint8_t *)lp_calib_nop5_site == 0xe8;
	bpf_link__destroy(l1);
	bpf_link__destroy(l2);
}

int probe_calib_run(struct probe_calib *pc)
{
	static struct samples s;
	struct uprobe_site site = {};
	char path[PATH_MAX];
	struct calib_bpf *sk;
	uint64_t off = 0, at;
	double base_call, base_usdt, base_nop5;
	uint64_t off5 = 0;
	int err;

	memset(pc, 0, sizeof(*pc));
	err = self_offset((const void *)lp_calib_call, path, sizeof(path),
			  &off);
	if (err) {
		snprintf(
			pc->site, sizeof(pc->site),
			"not calibrated: latprobe's own code not found in /proc/self/maps: %s",
			strerror(-err));
		return err;
	}
	at = uprobe_site_place((const uint8_t *)lp_calib_call, 16, US_MODE_AUTO,
			       &site);
	snprintf(pc->site, sizeof(pc->site), "lp_calib_call%s: %s",
		 at ? "+4" : "", site.insn);
	sk = calib_bpf__open_and_load();
	if (!sk) {
		err = -errno;
		snprintf(pc->site, sizeof(pc->site),
			 "not calibrated: loading the calibration programs: %s",
			 strerror(-err));
		return err;
	}
	base_call = untraced(&s, CAL_UPROBE);
	base_usdt = untraced(&s, CAL_USDT);
	base_nop5 = untraced(&s, CAL_NOP5);
	pc->untraced_ns = base_call;
	calib_kind(sk, &s, path, off + at, base_call, CAL_UPROBE, pc);
	calib_kind(sk, &s, path, off + at, base_call, CAL_UPROBE_RETURN, pc);
	calib_kind(sk, &s, path, 0, base_usdt, CAL_USDT, pc);
	if (!self_offset(lp_calib_nop5_site, path, sizeof(path), &off5))
		calib_kind(sk, &s, path, off5, base_nop5, CAL_NOP5, pc);
	calib_bpf__destroy(sk);
	pc->ran = true;
	return 0;
}
