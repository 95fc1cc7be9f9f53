/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The JSON writer's one number helper (every output/ file that writes JSON). */
#ifndef __LP_JSON_NUM_H
#define __LP_JSON_NUM_H

#include <cjson/cJSON.h>

static inline void add_num(cJSON *o, const char *k, double v)
{
	cJSON_AddNumberToObject(o, k, v);
}

#endif
