/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one writer of what latprobe and its tools leave behind (a report, a
 * picture, a summary). A regular file, or a name not there yet, is written
 * whole or not at all: a temp file in its directory, fsync, rename. What
 * rename() would destroy is written through instead, never replaced: "-"
 * and the process's own stdout or stderr (/dev/stdout, /proc/self/fd/1),
 * a terminal or other character device, a FIFO. Refused, each with its own
 * reason: a block device, a socket that is not our stdout, a file on a
 * kernel pseudo-filesystem (/proc, /sys, ...), a symlink in a
 * world-writable sticky directory (/tmp: another user's trap).
 */
#ifndef __LP_OUT_FILE_H
#define __LP_OUT_FILE_H

#include <stdbool.h>
#include <stddef.h>

/* Refusals errno has no word for; out_strerror() says them. */
#define OUT_EBLOCK 4097	 /* a block device */
#define OUT_ESOCKET 4098 /* a socket other than stdout */
#define OUT_EPSEUDO 4099 /* /proc, /sys, debugfs...: not storage */

/*
 * Can path be written at the end of a run? Checked before anything is
 * measured: everything out_write() would meet, plus a read-only or full
 * filesystem and the right to create a file next to it. 0 or -errno.
 */
int out_check(const char *path);
/* len bytes to path, as above. Nothing is left behind on failure. */
int out_write(const char *path, const void *buf, size_t len);
/* "-", or the same file as our stdout (then nothing else may go there). */
bool out_is_stdout(const char *path);
/* strerror(-err), with words for OUT_E*. */
const char *out_strerror(int err);

#endif
