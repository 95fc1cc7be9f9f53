// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Probe placement inside a function's prologue (see uprobe_site.h).
 *
 * What the x86 kernel emulates instead of single-stepping (verified in
 * arch/x86/kernel/uprobes.c of the 6.x kernels: push_setup_xol_ops and
 * branch_setup_xol_ops): "push reg" (50-57, and 41 50-57 for r8-r15) and
 * the nop forms insn_is_nop() accepts (90 with optional 66 prefixes, not
 * f3 90 = pause; 0f 1f /0 "nopl"). jmp/call/jcc are emulated too but are
 * never equivalent to the entry, so they are not used here. Everything
 * else (endbr64 included, and mov/sub/test) is copied to the XOL slot and
 * single-stepped: a second trap, ~15 us here.
 *
 * Why "after endbr64" is the entry: endbr64 changes no register and no
 * memory, so at the next instruction rsp, the argument registers and the
 * return address at [rsp] are those of the call. A uretprobe hijacks the
 * return address at [rsp] when its uprobe fires, so it works there too, and
 * both programs then share ONE trap per call. A jump straight to entry+4
 * (skipping endbr64) would still be caught; only code jumping past the
 * probed instruction itself would be missed, which no compiler emits for a
 * function's first instruction.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "uprobe_site.h"

static const char *const reg64[16] = {
	"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15",
};

/* Length of a 0f 1f /0 nop starting at p (after prefixes), 0 if not one. */
static unsigned int nopl_len(const uint8_t *p, size_t len)
{
	unsigned int n = 3, mod, rm;

	if (len < 3 || p[0] != 0x0f || p[1] != 0x1f || ((p[2] >> 3) & 7))
		return 0;
	mod = p[2] >> 6;
	rm = p[2] & 7;
	if (mod == 3)
		return n;
	if (rm == 4) { /* SIB byte; base 5 with mod 0 means disp32 */
		if (len < 4)
			return 0;
		if (mod == 0 && (p[3] & 7) == 5)
			n += 4;
		n++;
	} else if (mod == 0 && rm == 5) {
		n += 4; /* rip-relative disp32 */
	}
	if (mod == 1)
		n += 1;
	else if (mod == 2)
		n += 4;
	return n <= len ? n : 0;
}

/*
 * If the instruction at p is one the kernel emulates and that leaves the
 * call's state untouched until it executes, name it and return its length;
 * 0 otherwise.
 */
static unsigned int emulated_insn(const uint8_t *p, size_t len, char *name,
				  size_t nlen)
{
	unsigned int pfx = 0, n;

	if (len >= 1 && p[0] >= 0x50 && p[0] <= 0x57) {
		snprintf(name, nlen, "push %%%s", reg64[p[0] - 0x50]);
		return 1;
	}
	if (len >= 2 && p[0] == 0x41 && p[1] >= 0x50 && p[1] <= 0x57) {
		snprintf(name, nlen, "push %%%s", reg64[8 + p[1] - 0x50]);
		return 2;
	}
	while (pfx < len && pfx < 4 && p[pfx] == 0x66)
		pfx++;
	if (pfx < len && p[pfx] == 0x90) {
		snprintf(name, nlen, "nop (%u bytes)", pfx + 1);
		return pfx + 1;
	}
	n = nopl_len(p + pfx, len - pfx);
	if (n) {
		snprintf(name, nlen, "nopl (%u bytes)", pfx + n);
		return pfx + n;
	}
	return 0;
}

static void hex_bytes(const uint8_t *p, size_t len, char *out, size_t olen)
{
	size_t i, o = 0;

	out[0] = '\0';
	for (i = 0; i < len && i < 4 && o + 4 < olen; i++)
		o += snprintf(out + o, olen - o, "%s%02x", i ? " " : "", p[i]);
}

unsigned int uprobe_site_place(const uint8_t *code, size_t len,
			       enum us_mode mode, struct uprobe_site *site)
{
	static const uint8_t endbr64[4] = {0xf3, 0x0f, 0x1e, 0xfa};
	bool endbr = len >= 4 && !memcmp(code, endbr64, 4);
	char name[48], bytes[16];

	site->placement = US_AT_ENTRY;
	if (mode == US_MODE_ENTRY) {
		snprintf(site->insn, sizeof(site->insn), "%s",
			 endbr ? "endbr64" : "first instruction");
		snprintf(
			site->why, sizeof(site->why),
			"entry forced (naive placement): the kernel single-steps it");
		return 0;
	}
	if (!endbr && emulated_insn(code, len, name, sizeof(name))) {
		snprintf(site->insn, sizeof(site->insn), "%s", name);
		snprintf(
			site->why, sizeof(site->why),
			"entry: its first instruction (%s) is emulated by the kernel",
			name);
		return 0;
	}
	if (endbr && emulated_insn(code + 4, len - 4, name, sizeof(name))) {
		site->placement = US_AFTER_ENDBR64;
		snprintf(site->insn, sizeof(site->insn), "%s", name);
		snprintf(
			site->why, sizeof(site->why),
			"entry+4: after endbr64 comes %s, emulated by the kernel and equivalent to the entry (same registers, return address at [rsp]); entry and return probe share one trap",
			name);
		return 4;
	}
	hex_bytes(endbr ? code + 4 : code, endbr ? len - 4 : len, bytes,
		  sizeof(bytes));
	snprintf(site->insn, sizeof(site->insn), "%s",
		 endbr ? "endbr64" : bytes);
	snprintf(
		site->why, sizeof(site->why),
		"entry: %s (bytes %s) is not an instruction the kernel emulates, so the probe is single-stepped (slow)",
		endbr ? "the instruction after endbr64"
		      : "the first instruction",
		bytes);
	return 0;
}
