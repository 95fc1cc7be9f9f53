// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stdio.h>
#include "log.h"
#include "term_safe.h"

bool lp_verbose;

/* The whole line escaped: its arguments are often untrusted (paths, comm). */
static void vlog(const char *fmt, va_list ap)
{
	static char line[LP_ESC_MAX], out[LP_ESC_MAX];

	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(stderr, "latprobe: %s\n", lp_esc(out, sizeof(out), line));
}

void lp_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

void lp_info(const char *fmt, ...)
{
	va_list ap;

	if (!lp_verbose)
		return;
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}
