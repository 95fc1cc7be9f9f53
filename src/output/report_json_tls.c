// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "json_num.h"
#include "report_json.h"

/* The kernel TLS reads behind the ktls_decrypt stage (docs/design.md). */
cJSON *report_ktls_json(const struct corr *c)
{
	cJSON *o = cJSON_CreateObject();

	add_num(o, "reads", (double)c->ktls.reads);
	add_num(o, "bytes", (double)c->ktls.bytes);
	add_num(o, "records", (double)c->ktls.records);
	return o;
}

/* How the tls_decrypt values were taken (definition in docs/tls.md). */
cJSON *report_tls_json(const struct corr *c)
{
	const struct tls_totals *t = &c->tls;
	cJSON *o = cJSON_CreateObject();

	add_num(o, "reads", (double)t->reads);
	add_num(o, "bytes", (double)t->bytes);
	add_num(o, "after_kernel_read", (double)t->after_kernel_read);
	add_num(o, "from_user_buffer", (double)t->from_user_buffer);
	add_num(o, "no_socket", (double)t->no_socket);
	return o;
}
