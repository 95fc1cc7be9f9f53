/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef __LP_PRIVS_H
#define __LP_PRIVS_H

/*
 * After attaching, latprobe only reads maps through fds it holds, writes the
 * report and removes its pins: keep CAP_DAC_OVERRIDE (an --output directory
 * owned by someone else) and drop every other capability, in the bounding
 * set too, with no_new_privs. Returns 0 or -errno (the caller warns only).
 */
int lp_drop_privileges(void);

#endif
