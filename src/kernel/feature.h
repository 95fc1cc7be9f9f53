/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef __LP_FEATURE_H
#define __LP_FEATURE_H

#include <stddef.h>

/*
 * Decide by trying, never by kernel version: load and attach a tiny program
 * of the given kind on kfunc. 0 if it worked, else -errno and a reason.
 */
int feature_fentry(const char *kfunc, char *why, size_t len);
int feature_kprobe(const char *kfunc, char *why, size_t len);

#endif
