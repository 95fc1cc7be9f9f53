/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef __LP_PRIVS_H
#define __LP_PRIVS_H

#include <stdbool.h>

/*
 * After attaching, latprobe only reads maps through fds it holds, writes the
 * report and removes its pins: keep CAP_DAC_OVERRIDE (an --output directory
 * owned by someone else) and drop every other capability, in the bounding
 * set too, with no_new_privs. @keep_ptrace (--client) also keeps
 * CAP_SYS_PTRACE: finding the stamps ring of a client started later means
 * reading /proc/PID/fd of a process that may belong to another user or hold
 * more capabilities than latprobe has left. Returns 0 or -errno (the caller
 * warns only).
 */
int lp_drop_privileges(bool keep_ptrace);

#endif
