// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The functions src/kernel/probe_calib.c probes to time latprobe's own probe
 * mechanism. Built with -fcf-protection=full -fno-omit-frame-pointer
 * (Makefile), so lp_calib_call starts "endbr64; push %rbp" like the
 * functions latprobe probes in clients: the probe goes after endbr64, on
 * the emulated push (src/uprobe/uprobe_place.c), exactly as for a real target.
 * Each reads CLOCK_MONOTONIC first and last thing in its body: the stamps
 * of the probes fall before, between or after those reads.
 */
#include <sys/sdt.h>
#include "now.h"
#include "probe_calib.h"

__attribute__((noinline)) void lp_calib_call(uint64_t i,
					     struct lp_calib_clock *c)
{
	c->in = now_ns(CLOCK_MONOTONIC);
	c->out = now_ns(CLOCK_MONOTONIC);
	__asm__ volatile("" : : "r"(i) : "memory");
}

__attribute__((noinline)) void lp_calib_usdt(uint64_t i,
					     struct lp_calib_clock *c)
{
	c->in = now_ns(CLOCK_MONOTONIC);
	DTRACE_PROBE1(latprobe, calib, i);
	c->out = now_ns(CLOCK_MONOTONIC);
}

/*
 * A 5-byte nop ("nopl 0x0(%rax,%rax,1)") at lp_calib_nop5_site: the probe
 * site a kernel with the optimized uprobe path (6.18: arch_uprobe_optimize)
 * patches into a call after the first hit, no trap (measured, not used:
 * docs/overhead.md).
 */
__attribute__((noinline)) void lp_calib_nop5(uint64_t i,
					     struct lp_calib_clock *c)
{
	c->in = now_ns(CLOCK_MONOTONIC);
	__asm__ volatile(".globl lp_calib_nop5_site\n"
			 "lp_calib_nop5_site:\n\t"
			 ".byte 0x0f, 0x1f, 0x44, 0x00, 0x00"
			 :
			 : "r"(i)
			 : "memory");
	c->out = now_ns(CLOCK_MONOTONIC);
}
