// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The report's sections of a client's sources, from the typed data they
 * hand over: --callback's "callback" (kernel/attach_callback.h) and the
 * stamps ring's probes.client_message.stamps (stamps/client_stamps.h).
 */
#include <stdio.h>
#include "attach_callback.h"
#include "client_stamps.h"
#include "json_num.h"
#include "report_json.h"

void report_stamps_json(cJSON *root, const struct stamps_totals *t)
{
	cJSON *o, *p = cJSON_GetObjectItem(cJSON_GetObjectItem(root, "probes"),
					   "client_message");

	if (!p)
		return;
	o = cJSON_AddObjectToObject(p, "stamps");
	add_num(o, "rings", (double)t->rings);
	add_num(o, "rings_refused", (double)t->rings_refused);
	add_num(o, "records", (double)t->records);
	add_num(o, "torn", (double)t->torn);
	add_num(o, "overrun", (double)t->overrun);
	add_num(o, "bad_head", (double)t->bad_head);
	add_num(o, "unknown_connection", (double)t->unknown_connection);
}

void report_callback_json(cJSON *root, const struct cb_attach *cb,
			  const struct lp_opts *o, const uint64_t *st,
			  uint64_t messages, uint64_t with_exch)
{
	const struct uprobe_site *s = &cb->site;
	cJSON *c, *p;
	char buf[32];

	if (!cb->on)
		return;
	c = cJSON_AddObjectToObject(root, "callback");
	cJSON_AddStringToObject(c, "symbol", s->pretty);
	cJSON_AddStringToObject(c, "elf_symbol", s->sym);
	cJSON_AddStringToObject(c, "file", s->path);
	cJSON_AddStringToObject(c, "style", o->callback_lws ? "lws" : "plain");
	if (o->payload_arg[0]) {
		snprintf(buf, sizeof(buf), "%u,%u", o->payload_arg[0],
			 o->payload_arg[1]);
		cJSON_AddStringToObject(c, "payload_arg", buf);
	}
	p = cJSON_AddObjectToObject(c, "placement");
	cJSON_AddStringToObject(p, "attach_point",
				s->placement == US_AFTER_ENDBR64 ? "entry+4"
								 : "entry");
	cJSON_AddStringToObject(p, "instruction", s->insn);
	cJSON_AddStringToObject(p, "why", s->why);
	snprintf(buf, sizeof(buf), "%#llx", (unsigned long long)s->attach_off);
	cJSON_AddStringToObject(p, "file_offset", buf);
	add_num(c, "calls", (double)st[LP_S_HITS + LP_P_CB_ENTRY]);
	add_num(c, "returns", (double)st[LP_S_HITS + LP_P_CB_RETURN]);
	add_num(c, "messages", (double)messages);
	add_num(c, "messages_with_exchange_time", (double)with_exch);
	add_num(c, "filtered", (double)st[LP_S_CB_SKIPPED]);
	add_num(c, "nested_calls", (double)st[LP_S_CB_NESTED]);
	add_num(c, "too_deep_untimed", (double)st[LP_S_CB_TOO_DEEP]);
	add_num(c, "never_returned", (double)st[LP_S_CB_ABANDONED]);
	add_num(c, "open_at_exit", (double)cb->open_at_exit);
	add_num(c, "no_thread_state", (double)st[LP_S_CB_NO_STATE]);
	p = cJSON_AddObjectToObject(c, "client");
	if (cb->pid) {
		add_num(p, "pid", cb->pid);
		cJSON_AddBoolToObject(p, "exited", cb->exited_ns != 0);
		if (cb->exited_ns)
			add_num(p, "exited_after_seconds",
				(double)(cb->exited_ns - cb->t0_ns) / 1e9);
	} else {
		cJSON_AddStringToObject(p, "path", cb->client_path);
	}
}
