/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Fuzz builds only (forced in with -include before src/common/opts.c): argp
 * must not exit the fuzzer on --help, --version or a bad flag, so every
 * argp_parse() call gets ARGP_NO_EXIT. Errors still return non-zero.
 */
#ifndef __LP_FUZZ_ARGP_NOEXIT_H
#define __LP_FUZZ_ARGP_NOEXIT_H

#include <argp.h>

#define argp_parse(argp, argc, argv, flags, idx, input) \
	argp_parse(argp, argc, argv, (flags) | ARGP_NO_EXIT, idx, input)

#endif
