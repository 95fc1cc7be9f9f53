// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Stage values minus a calibrated probe bias (stage_bias.h). */
#include <math.h>
#include <stdlib.h>
#include "stage_bias.h"

struct stage_bias *stage_bias_new(int64_t bias_ns, const char *what)
{
	struct stage_bias *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->bias_ns = bias_ns;
	b->what = what;
	hist_init(&b->pos);
	hist_init(&b->neg);
	return b;
}

void stage_bias_free(struct stage_bias *b)
{
	if (!b)
		return;
	hist_free(&b->pos);
	hist_free(&b->neg);
	free(b);
}

void stage_bias_add(struct stage_bias *b, uint64_t raw_ns, int64_t bias_ns)
{
	int64_t v = (int64_t)raw_ns - bias_ns;

	b->bias_sum += (double)bias_ns;
	if (v >= 0)
		hist_add(&b->pos, (uint64_t)v);
	else
		hist_add(&b->neg, (uint64_t)-v);
}

double stage_bias_quantile(const struct stage_bias *b, double q)
{
	uint64_t n = b->pos.count + b->neg.count, k;

	if (!n)
		return 0;
	k = (uint64_t)ceil(q * (double)n);
	if (k < 1)
		k = 1;
	if (k <= b->neg.count) /* k-th smallest = (neg - k + 1)-th magnitude */
		return -(double)hist_quantile(
			&b->neg, (double)(b->neg.count - k + 1) / b->neg.count);
	return (double)hist_quantile(&b->pos,
				     (double)(k - b->neg.count) / b->pos.count);
}
