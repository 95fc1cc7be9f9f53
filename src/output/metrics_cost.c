// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * latprobe's own cost on /metrics: the CPU time of the whole process
 * (every thread, user and system), the standard process_cpu_seconds_total.
 * Over latprobe_stage_records_total it is the consumer's cost per message
 * (or read). The BPF programs' run time is not in it: the report's overhead
 * section has it (BPF_ENABLE_STATS, which needs CAP_SYS_ADMIN).
 */
#include <stdio.h>
#include <sys/resource.h>
#include "metrics.h"

void metrics_render_cost(FILE *out)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return;
	fprintf(out,
		"# HELP process_cpu_seconds_total CPU time latprobe used (user and system, every thread)\n"
		"# TYPE process_cpu_seconds_total counter\n"
		"process_cpu_seconds_total %.6f\n",
		ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
			(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
}
