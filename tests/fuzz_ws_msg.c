// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: the market-data client's handling of one text message
 * (tools/client/ws_msg.c): UTF-8 check, JSON parse, field extraction,
 * normal form.
 * A message accepted as MD_OK must carry only plain tokens in the fields it
 * forwards (no quote, backslash or control character: the normal form does
 * not escape), and normalize to one line of valid JSON with unique keys, "s"
 * first and exactly once, carrying the same symbol.
 */
#include <stdlib.h>
#include <string.h>

#include "ws_msg.h"

/* What the normal form may embed unescaped; NULL means "not present". */
static bool token_ok(const char *s)
{
	if (!s)
		return true;
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s == '"' || *s == '\\' || (unsigned char)*s < 0x20 ||
		    *s == 0x7f)
			return false;
	return true;
}

static void check_fields(const struct md_msg *m)
{
	if (!m->sym || !m->type)
		abort();
	if (!token_ok(m->sym) || !token_ok(m->type) || !token_ok(m->stream) ||
	    !token_ok(m->px) || !token_ok(m->qty) || !token_ok(m->px2) ||
	    !token_ok(m->qty2))
		abort();
	/* a price without its quantity (or the reverse) is never forwarded */
	if (!m->px != !m->qty || !m->px2 != !m->qty2)
		abort();
}

/* E converts to ns without wrapping (E out of range is MD_BAD_FIELDS). */
static void check_exch_ns(uint64_t e)
{
	uint64_t ns = md_exch_ns(e);

	if (ns / (e >= 100000000000000ULL ? 1000 : 1000000) != e)
		abort();
}

/* Every key once, "s" the first key, with the symbol parsed. */
static void check_keys(const cJSON *back, const char *sym)
{
	const cJSON *k, *j;

	if (!cJSON_IsObject(back) || !back->child ||
	    strcmp(back->child->string, "s") ||
	    strcmp(cJSON_GetStringValue(back->child) ?: "", sym))
		abort();
	for (k = back->child; k; k = k->next)
		for (j = k->next; j; j = j->next)
			if (!strcmp(k->string, j->string))
				abort();
}

static void check_normal_form(const struct md_msg *m)
{
	char norm[1024], tiny[24];
	cJSON *back;
	int n;

	n = md_normalize(m, md_exch_ns(m->e), norm, sizeof(norm));
	if (n >= (int)sizeof(norm) || (n >= 0 && strlen(norm) != (size_t)n))
		abort();
	if (n >= 0) {
		back = cJSON_ParseWithLength(norm, n);
		if (!back)
			abort();
		check_keys(back, m->sym);
		cJSON_Delete(back);
		/* the prefix a ZeroMQ SUB filters on */
		if (strncmp(norm, "{\"s\":\"", 6))
			abort();
	}
	/* a buffer too small is an error, never an overflow */
	n = md_normalize(m, 1, tiny, sizeof(tiny));
	if (n >= (int)sizeof(tiny))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct md_msg m;
	enum md_status st;

	st = md_parse((const char *)data, size, &m);
	if (st != MD_OK && st != MD_REPLY) {
		if (m.root)
			abort(); /* the error paths free the tree */
		return 0;
	}
	if (!m.root)
		abort();
	if (st == MD_OK) {
		check_fields(&m);
		check_exch_ns(m.e);
		check_normal_form(&m);
	}
	md_free(&m);
	if (m.root)
		abort();
	return 0;
}
