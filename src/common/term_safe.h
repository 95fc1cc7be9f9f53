/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Untrusted text (process names, paths, symbol names, strings read from a
 * report) on a terminal or in a one-line error: control bytes and bytes
 * >= 0x80 are written \xNN, so no escape sequence or newline gets through.
 */
#ifndef __LP_TERM_SAFE_H
#define __LP_TERM_SAFE_H

#include <limits.h>
#include <stddef.h>

/* room for any path, escaped */
#define LP_ESC_MAX (4 * PATH_MAX + 1)

/* s escaped into buf (cut to fit, always terminated); returns buf. */
const char *lp_esc(char *buf, size_t len, const char *s);

#endif
