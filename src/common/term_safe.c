// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include "term_safe.h"

const char *lp_esc(char *buf, size_t len, const char *s)
{
	size_t n = 0;

	if (!len)
		return buf;
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c < 0x7f) {
			if (n + 1 >= len)
				break;
			buf[n++] = (char)c;
		} else {
			if (n + 4 >= len)
				break;
			snprintf(buf + n, 5, "\\x%02x", c);
			n += 4;
		}
	}
	buf[n] = '\0';
	return buf;
}
