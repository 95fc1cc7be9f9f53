// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A stage's "bias_corrected" object (stage_bias_json.h). */
#include <math.h>
#include "json_num.h"
#include "stage_bias_json.h"

static double us3(double ns)
{
	return round(ns) / 1000.0;
}

cJSON *stage_bias_json(const struct stage_bias *b)
{
	cJSON *o = cJSON_CreateObject();
	uint64_t n = b->pos.count + b->neg.count;
	static const struct {
		const char *k;
		double q;
	} qs[] = {{"p50", 0.5}, {"p90", 0.9}, {"p99", 0.99}};

	add_num(o, "bias_ns", (double)b->bias_ns);
	if (n)
		add_num(o, "bias_mean_ns", round(b->bias_sum / n));
	cJSON_AddStringToObject(o, "subtracted", b->what);
	add_num(o, "count", (double)n);
	for (unsigned int i = 0; i < sizeof(qs) / sizeof(qs[0]); i++)
		add_num(o, qs[i].k, us3(stage_bias_quantile(b, qs[i].q)));
	add_num(o, "negative", (double)b->neg.count);
	return o;
}
