/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The atomic file writer: the run's report, `latprobe report`'s pictures. */
#ifndef __LP_FILE_WRITE_H
#define __LP_FILE_WRITE_H

#include <stddef.h>

/*
 * Whole or not at all: len bytes to a temp file in path's directory, fsync,
 * rename over path. Refused: a symlink at path in a world-writable sticky
 * directory (ELOOP), a directory (EISDIR) or anything but a regular file or
 * a symlink (EINVAL: a device node). Nothing is left behind on failure.
 * 0 or -errno.
 */
int file_write_whole(const char *path, const void *buf, size_t len);
/*
 * Can a file be written to path at the end of the run? Checked before
 * attaching: a directory, a non-regular, immutable or append-only file, a
 * read-only or full filesystem, no right to create files next to it.
 * 0 or -errno.
 */
int file_check_writable(const char *path);

#endif
