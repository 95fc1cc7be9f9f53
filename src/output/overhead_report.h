/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The report's "overhead" object and its calibration (overhead_report.c,
 * probe_calib_report.c), from what kernel/overhead.c and
 * kernel/probe_calib.c collected (no kernel calls here).
 */
#ifndef __LP_OVERHEAD_REPORT_H
#define __LP_OVERHEAD_REPORT_H

#include <stdio.h>
#include <cjson/cJSON.h>
#include "overhead.h"
#include "probe_calib.h"

cJSON *overhead_json(const struct overhead *ov, const struct ov_units *u);
/* The whole cost per unit, and the warning if any, from that object. */
void overhead_summary_print(FILE *out, const cJSON *overhead);
/* The report's overhead.calibration. */
cJSON *probe_calib_json(const struct probe_calib *pc);

#endif
