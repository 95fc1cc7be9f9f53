/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef __LP_BREAKDOWN_H
#define __LP_BREAKDOWN_H

#include <stdio.h>

/*
 * latprobe report FILE.json: the per-stage breakdown as a terminal table
 * with a bar per stage. Returns 0, or 1 after a one-line error.
 */
int breakdown_main(int argc, char **argv);
int breakdown_print(FILE *out, const char *path);

#endif
