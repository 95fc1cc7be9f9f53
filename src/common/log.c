// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stdio.h>
#include "log.h"

bool lp_verbose;

static void vlog(const char *fmt, va_list ap)
{
	fputs("latprobe: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
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
