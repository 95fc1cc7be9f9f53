/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Minimal assertions in the style of the kernel BPF selftests. */
#ifndef __LP_CHECK_H
#define __LP_CHECK_H

#include <stdio.h>

static int check_failures;

#define CHECK(cond, fmt, ...)                                                  \
	({                                                                     \
		int __ok = !!(cond);                                           \
		if (!__ok) {                                                   \
			check_failures++;                                      \
			fprintf(stderr, "FAIL %s:%d: %s: " fmt "\n", __FILE__, \
				__LINE__, #cond, ##__VA_ARGS__);               \
		}                                                              \
		__ok;                                                          \
	})

#define CHECK_EQ(a, b)                                                         \
	CHECK((a) == (b), "%s = %lld, expected %lld", #a, (long long)(a),      \
	      (long long)(b))

static inline int check_done(const char *name)
{
	if (check_failures) {
		fprintf(stderr, "%s: %d check(s) FAILED\n", name,
			check_failures);
		return 1;
	}
	printf("%s: PASS\n", name);
	return 0;
}

#endif
