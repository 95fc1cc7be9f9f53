// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: the market-data client's handling of one text message
 * (tools/ws_msg.c): UTF-8 check, JSON parse, field extraction, normal form.
 * A message accepted as MD_OK must normalize to one line of valid JSON that
 * carries the same symbol.
 */
#include <stdlib.h>
#include <string.h>

#include "ws_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char norm[1024], tiny[24];
	struct md_msg m;
	enum md_status st;
	cJSON *back;
	int n;

	st = md_parse((const char *)data, size, &m);
	if (st != MD_OK && st != MD_REPLY) {
		if (m.root)
			abort(); /* the error paths free the tree */
		return 0;
	}
	if (!m.root)
		abort();
	if (st == MD_OK) {
		if (!m.sym || !m.type)
			abort();
		(void)md_exch_ns(m.e);
		n = md_normalize(&m, md_exch_ns(m.e), norm, sizeof(norm));
		if (n >= (int)sizeof(norm) ||
		    (n >= 0 && strlen(norm) != (size_t)n))
			abort();
		if (n >= 0) {
			back = cJSON_ParseWithLength(norm, n);
			if (!back ||
			    strcmp(cJSON_GetStringValue(
					   cJSON_GetObjectItem(back, "s"))
					   ?: "",
				   m.sym))
				abort();
			cJSON_Delete(back);
		}
		/* a buffer too small is an error, never an overflow */
		n = md_normalize(&m, 1, tiny, sizeof(tiny));
		if (n >= (int)sizeof(tiny))
			abort();
	}
	md_free(&m);
	if (m.root)
		abort();
	return 0;
}
