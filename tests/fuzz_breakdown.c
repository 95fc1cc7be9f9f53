// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: `latprobe report FILE`, the report reader, on arbitrary
 * file contents. The bytes go into a memfd that breakdown_print() opens by
 * its /proc/self/fd path, as it would open a report file.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/mman.h>

#include "breakdown.h"

static int fd = -1;
static char path[64];
static FILE *sink;

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
	r = breakdown_print(sink, path);
	if (r != 0 && r != 1)
		abort();
	return 0;
}
