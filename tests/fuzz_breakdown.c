// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: `latprobe report FILE`, the report reader and the
 * breakdown table, on arbitrary file contents. The bytes go into a memfd
 * that report_view_load() opens by its /proc/self/fd path, as it would open
 * a report file; what it accepts is printed as the table, the comparison
 * with itself and both pictures.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/mman.h>

#include "report/report_view.h"

static int fd = -1;
static char path[64];
static FILE *sink;
static struct report_view v;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int r;

	if (fd < 0) {
		fd = memfd_create("fuzz-report", 0);
		sink = fopen("/dev/null", "w");
		if (fd < 0 || !sink)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) ||
	    (size && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();
	r = report_view_load(&v, path);
	if (r != 0 && r != 1)
		abort();
	if (r == 0) {
		breakdown_print(sink, &v);
		compare_print(sink, &v, &v);
		render_svg(sink, &v, 1);
		render_html(sink, &v, 1);
	}
	return 0;
}
