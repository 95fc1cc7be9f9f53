/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The stage catalogue: the stages a message's path is cut into, their names
 * and marks as the report writes them, and the names of NIC stamp sources.
 * The engine measures them, the outputs write them, `latprobe report` reads
 * them back: the one engine header src/report/ may include
 * (src/layers.txt).
 */
#ifndef __LP_STAGES_H
#define __LP_STAGES_H

#include <stdbool.h>
#include <linux/types.h>
#include "latprobe.h"

enum lp_stage {
	ST_EXCHANGE_TO_NIC,
	ST_NIC_TO_TCP,
	ST_TCP_TO_WAKEUP,
	ST_WAKEUP_TO_READ,
	ST_SCHED_DELAY,	   /* wakeup_to_read split (--sched): runnable, */
	ST_THREAD_BUSY,	   /* ... running, */
	ST_THREAD_BLOCKED, /* ... asleep */
	ST_READ_DURATION,
	ST_TLS_DECRYPT,
	ST_KTLS_DECRYPT,
	ST_READ_TO_FRAME,
	ST_FRAME_TO_PARSED,
	ST_PARSED_TO_PUBLISHED,
	ST_READ_TO_CALLBACK,
	ST_CALLBACK,
	ST_CALLBACK_OFF_CPU, /* --sched: of callback, the time off a CPU */
	ST_NIC_TO_USER,
	ST_TOTAL,
	ST_MAX
};

extern const char *const lp_stage_names[ST_MAX];
extern const char *const lp_stage_marks[ST_MAX];
extern const char *const lp_nic_src_names[LP_NIC_MAX];

/* The stages that add up to a message's path (not total/nic_to_user/read). */
bool lp_stage_component(int st);

#endif
