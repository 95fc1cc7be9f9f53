// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "report_json.h"

/* The kernel TLS reads behind the ktls_decrypt stage (docs/design.md). */
cJSON *report_ktls_json(const struct corr *c)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "reads", (double)c->ktls.reads);
	cJSON_AddNumberToObject(o, "bytes", (double)c->ktls.bytes);
	cJSON_AddNumberToObject(o, "records", (double)c->ktls.records);
	return o;
}

/* How the tls_decrypt values were taken (definition in docs/tls.md). */
cJSON *report_tls_json(const struct corr *c)
{
	const struct tls_totals *t = &c->tls;
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "reads", (double)t->reads);
	cJSON_AddNumberToObject(o, "bytes", (double)t->bytes);
	cJSON_AddNumberToObject(o, "after_kernel_read",
				(double)t->after_kernel_read);
	cJSON_AddNumberToObject(o, "from_user_buffer",
				(double)t->from_user_buffer);
	cJSON_AddNumberToObject(o, "no_socket", (double)t->no_socket);
	return o;
}
