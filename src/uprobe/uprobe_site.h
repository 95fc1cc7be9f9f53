/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * uprobe_site: where to put a uprobe on a function of a program we did not
 * build. SHARED API: --callback (src/kernel/attach_callback.c) and the TLS
 * probes (SSL_read & co.) both use it; keep these signatures stable.
 *
 * 1. Find the ELF file: the client binary itself, or for "LIB:SYMBOL" the
 *    library a running process maps (/proc/PID/maps) or the one a binary
 *    would load (DT_NEEDED, searched like the dynamic loader does).
 * 2. Find the function: .symtab and .dynsym (libelf), names mangled or
 *    demangled, with or without the C++ parameter list. Ambiguous, missing
 *    and stripped cases each get a one-line error naming candidates.
 * 3. Place the probe: a uprobe on an instruction the kernel single-steps
 *    out of line costs ~15 us per hit here, one on an instruction it
 *    emulates (push reg, nop) under 1 us. After an endbr64 the next
 *    instruction is still "the entry" (same registers, [rsp] = return
 *    address) so the entry probe and the return probe both go there when
 *    the kernel emulates it; otherwise at the entry, and the reason says why.
 *
 * Errors are returned as -errno with a one-line text in err:
 *   -ENOENT   no such symbol (err lists close matches) or library
 *   -ENOTUNIQ the name matches several functions (err lists them)
 *   -ENODATA  stripped: no .symtab and the name is not in .dynsym
 *   -EIO etc. the file could not be read as ELF
 */
#ifndef __LP_UPROBE_SITE_H
#define __LP_UPROBE_SITE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define US_NAME_LEN 512
#define US_ERR_LEN 1024

enum us_placement {
	US_AT_ENTRY = 0,  /* the function's first byte */
	US_AFTER_ENDBR64, /* first instruction after endbr64, emulated */
};

struct uprobe_site {
	char path[PATH_MAX];	  /* ELF file the probe attaches to */
	char sym[US_NAME_LEN];	  /* symbol as in the ELF (mangled) */
	char pretty[US_NAME_LEN]; /* demangled (== sym for C) */
	uint64_t vaddr;		  /* st_value */
	uint64_t size;		  /* st_size, 0 if unknown */
	uint64_t entry_off;	  /* file offset of the function entry */
	uint64_t attach_off;	  /* file offset where the probe goes */
	enum us_placement placement;
	char insn[48]; /* the probed instruction, e.g. "push %rbp" */
	char why[256]; /* one line: why the probe went there */
};

/* How uprobe_site_place() chooses. */
enum us_mode {
	US_MODE_AUTO = 0, /* after endbr64 when emulated, else entry */
	US_MODE_ENTRY,	  /* always the entry (the naive placement) */
};

/*
 * Resolve "SYMBOL" or "LIB:SYMBOL" for a client given as its binary path
 * (bin) and, when running, its pid (0 if not started). Fills site (path,
 * symbol, offsets, placement per mode). 0 or -errno with err set.
 */
int uprobe_site_resolve(const char *spec, const char *bin, int pid,
			enum us_mode mode, struct uprobe_site *site, char *err,
			size_t errlen);

/*
 * Path of library lib ("libssl", "libssl.so.3", "ssl" or a path) as mapped
 * by pid (pid > 0) or as bin would load it (pid == 0). 0 or -ENOENT.
 */
int uprobe_site_find_lib(const char *lib, const char *bin, int pid, char *out,
			 size_t outlen, char *err, size_t errlen);

/*
 * Look name up in the ELF file path (no library resolution) and place the
 * probe per mode. Same errors as uprobe_site_resolve; -ENOENT with quiet
 * set leaves err empty (for "does this binary export SSL_read?").
 */
int uprobe_site_lookup(const char *path, const char *name, enum us_mode mode,
		       bool quiet, struct uprobe_site *site, char *err,
		       size_t errlen);

/*
 * Decode the instruction at code[0..len) (the function's first bytes) and
 * choose the probe offset from the entry per mode. Returns that offset and
 * fills placement, insn and why. Pure: unit-testable on byte strings.
 */
unsigned int uprobe_site_place(const uint8_t *code, size_t len,
			       enum us_mode mode, struct uprobe_site *site);

/* Demangle a C++ name (malloc'd) or NULL when it is not a mangled name. */
char *uprobe_site_demangle(const char *sym);

#endif
