/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Processes named by PID on the command line (--pid, --client PID): a PID
 * that does not exist is refused before anything is attached (tracing it
 * would measure nothing for the whole run), and one that exits mid-run is
 * noticed and stated in the report instead of silently tracing nothing.
 */
#ifndef __LP_TARGET_H
#define __LP_TARGET_H

#include <stdbool.h>
#include <stdint.h>

struct lp_target {
	uint32_t pid;
	const char *flag; /* "--pid" or "--client" */
	bool exited;
	double exited_after_s; /* seconds after tracing started */
};

/* Is pid a live process (not a zombie)? */
bool target_alive(uint32_t pid);
/*
 * 0, or -ESRCH after a one-line error naming the flag. A thread id that is
 * not its process's id becomes that process's (said in one line).
 */
int target_check(struct lp_target *t);
/* Call about once a second; true the first time the process is gone. */
bool target_poll(struct lp_target *t, double elapsed_s);

#endif
