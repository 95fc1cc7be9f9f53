// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * uprobe_site: prologue decoding on byte strings, and symbol lookup on a
 * C++ fixture built by mk/anyclient.mk (with .symtab, and a stripped copy):
 * mangled/demangled names, ambiguity, close matches, stripped binaries,
 * library resolution from DT_NEEDED and from /proc/self/maps.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "uprobe_site.h"

#ifndef US_FIXTURE_DIR
#define US_FIXTURE_DIR "build"
#endif
#define TARGET US_FIXTURE_DIR "/uprobe_target"
#define STRIPPED US_FIXTURE_DIR "/uprobe_target.stripped"

static unsigned int place(const char *bytes, size_t len, enum us_mode mode,
			  struct uprobe_site *s)
{
	memset(s, 0, sizeof(*s));
	return uprobe_site_place((const uint8_t *)bytes, len, mode, s);
}

static void test_place(void)
{
	struct uprobe_site s;

	/* endbr64; push %rbp: the push, emulated, is the entry */
	CHECK_EQ(place("\xf3\x0f\x1e\xfa\x55\x48\x89\xe5", 8, US_MODE_AUTO, &s),
		 4);
	CHECK_EQ(s.placement, US_AFTER_ENDBR64);
	CHECK(!strcmp(s.insn, "push %rbp"), "%s", s.insn);
	/* endbr64; push %r15 (REX.B 41) */
	CHECK_EQ(place("\xf3\x0f\x1e\xfa\x41\x57", 6, US_MODE_AUTO, &s), 4);
	CHECK(!strcmp(s.insn, "push %r15"), "%s", s.insn);
	/* endbr64; nopl 0x0(%rax,%rax,1) (5 bytes) */
	CHECK_EQ(place("\xf3\x0f\x1e\xfa\x0f\x1f\x44\x00\x00", 9, US_MODE_AUTO,
		       &s),
		 4);
	CHECK(strstr(s.insn, "nopl (5 bytes)") != NULL, "%s", s.insn);
	/* endbr64; sub $0x18,%rsp: single-stepped anyway, stay at entry */
	CHECK_EQ(place("\xf3\x0f\x1e\xfa\x48\x83\xec\x18", 8, US_MODE_AUTO, &s),
		 0);
	CHECK_EQ(s.placement, US_AT_ENTRY);
	CHECK(strstr(s.why, "48 83 ec 18") != NULL, "%s", s.why);
	/* endbr64; pause (f3 90) is not a nop to the kernel */
	CHECK_EQ(place("\xf3\x0f\x1e\xfa\xf3\x90", 6, US_MODE_AUTO, &s), 0);
	/* no endbr64, push %rbx first: the entry itself is emulated */
	CHECK_EQ(place("\x53\x48\x89\xfb", 4, US_MODE_AUTO, &s), 0);
	CHECK(strstr(s.why, "emulated") != NULL, "%s", s.why);
	/* forced naive placement */
	CHECK_EQ(place("\xf3\x0f\x1e\xfa\x55", 5, US_MODE_ENTRY, &s), 0);
	CHECK(strstr(s.why, "forced") != NULL, "%s", s.why);
	/* a function shorter than endbr64 + push: nothing past its end */
	CHECK_EQ(place("\xf3\x0f\x1e\xfa", 4, US_MODE_AUTO, &s), 0);
}

static void test_lookup(void)
{
	struct uprobe_site s;
	char err[US_ERR_LEN];
	int r;

	r = uprobe_site_lookup(TARGET, "md::Handler::on_message", US_MODE_AUTO,
			       false, &s, err, sizeof(err));
	CHECK_EQ(r, 0);
	CHECK(!strcmp(s.sym, "_ZN2md7Handler10on_messageEPKcm"), "%s", s.sym);
	/* -O0 -fcf-protection: endbr64; push %rbp */
	CHECK_EQ(s.attach_off, s.entry_off + 4);
	CHECK_EQ(s.placement, US_AFTER_ENDBR64);
	/* the mangled name and the full demangled one find the same place */
	{
		struct uprobe_site m;

		CHECK_EQ(uprobe_site_lookup(
				 TARGET, "_ZN2md7Handler10on_messageEPKcm",
				 US_MODE_AUTO, false, &m, err, sizeof(err)),
			 0);
		CHECK_EQ(m.entry_off, s.entry_off);
		CHECK_EQ(
			uprobe_site_lookup(
				TARGET,
				"md::Handler::on_message(char const*, unsigned long)",
				US_MODE_AUTO, false, &m, err, sizeof(err)),
			0);
		CHECK_EQ(m.entry_off, s.entry_off);
	}
	r = uprobe_site_lookup(TARGET, "md::Handler::on_mesage", US_MODE_AUTO,
			       false, &s, err, sizeof(err));
	CHECK_EQ(r, -ENOENT);
	CHECK(strstr(err, "close matches: md::Handler::on_message") != NULL,
	      "%s", err);
	r = uprobe_site_lookup(TARGET, "md::Handler::overloaded", US_MODE_AUTO,
			       false, &s, err, sizeof(err));
	CHECK_EQ(r, -ENOTUNIQ);
	CHECK(strstr(err, "overloaded(int)") &&
		      strstr(err, "overloaded(double)"),
	      "%s", err);
	/* stripped: the exported C function is still in .dynsym ... */
	r = uprobe_site_lookup(STRIPPED, "us_exported", US_MODE_AUTO, false, &s,
			       err, sizeof(err));
	CHECK_EQ(r, 0);
	/* ... the static one is gone, and the error says why */
	r = uprobe_site_lookup(STRIPPED, "us_local", US_MODE_AUTO, false, &s,
			       err, sizeof(err));
	CHECK_EQ(r, -ENODATA);
	CHECK(strstr(err, "stripped") != NULL, "%s", err);
	r = uprobe_site_lookup(TARGET, "us_local", US_MODE_AUTO, false, &s, err,
			       sizeof(err));
	CHECK_EQ(r, 0);
	/* quiet miss: empty error text */
	r = uprobe_site_lookup(TARGET, "SSL_read", US_MODE_AUTO, true, &s, err,
			       sizeof(err));
	CHECK(r == -ENOENT && !err[0], "r=%d err=%s", r, err);
	r = uprobe_site_lookup("/nonexistent/x", "f", US_MODE_AUTO, false, &s,
			       err, sizeof(err));
	CHECK_EQ(r, -ENOENT);
}

static void test_libs(void)
{
	struct uprobe_site s;
	char err[US_ERR_LEN], path[4096];
	int r;

	/* libc through DT_NEEDED (libstdc++ -> libc too) */
	r = uprobe_site_find_lib("libc", TARGET, 0, path, sizeof(path), err,
				 sizeof(err));
	CHECK(r == 0 && strstr(path, "libc.so.6"), "r=%d %s %s", r, path, err);
	/* libgcc_s only through libstdc++'s own DT_NEEDED (breadth-first) */
	r = uprobe_site_find_lib("libgcc_s", TARGET, 0, path, sizeof(path), err,
				 sizeof(err));
	CHECK(r == 0 && strstr(path, "libgcc_s.so"), "r=%d %s %s", r, path,
	      err);
	r = uprobe_site_find_lib("libssl", TARGET, 0, path, sizeof(path), err,
				 sizeof(err));
	CHECK(r == -ENOENT && strstr(err, "libstdc++"), "r=%d %s", r, err);
	/* a running process: what it maps */
	r = uprobe_site_find_lib("c", "", getpid(), path, sizeof(path), err,
				 sizeof(err));
	CHECK(r == 0 && strstr(path, "libc.so.6"), "r=%d %s %s", r, path, err);
	r = uprobe_site_resolve("libc:write", TARGET, 0, US_MODE_AUTO, &s, err,
				sizeof(err));
	CHECK(r == 0 && strstr(s.path, "libc.so.6"), "r=%d %s", r, err);
	/* "ns::f" is a C++ name, not LIB:SYMBOL */
	r = uprobe_site_resolve("md::Handler::on_message", TARGET, 0,
				US_MODE_AUTO, &s, err, sizeof(err));
	CHECK(r == 0 && !strcmp(s.path, TARGET), "r=%d %s", r, err);
	r = uprobe_site_resolve("nosuchlib:f", TARGET, 0, US_MODE_AUTO, &s, err,
				sizeof(err));
	CHECK_EQ(r, -ENOENT);
}

int main(void)
{
	test_place();
	test_lookup();
	test_libs();
	return check_done("test_uprobe_site");
}
