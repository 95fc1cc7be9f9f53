/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef __LP_LOG_H
#define __LP_LOG_H

#include <stdbool.h>

extern bool lp_verbose;

/* One line on stderr, prefixed "latprobe: ". */
void lp_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Only with --verbose. */
void lp_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
