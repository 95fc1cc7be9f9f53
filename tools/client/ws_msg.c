// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "ws_msg.h"

bool utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		uint32_t cp;
		size_t k, j;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			k = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			k = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (i + k >= n)
			return false;
		for (j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + j] & 0x3f);
		}
		/* overlong, surrogate or beyond U+10FFFF */
		if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return false;
		i += k + 1;
	}
	return true;
}

/*
 * String fields we forward must be plain tokens (symbols, decimal numbers,
 * event names), so the normal form never needs escaping.
 */
static bool plain(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '.' && *s != '-' &&
		    *s != '_' && *s != '@')
			return false;
	return true;
}

static const char *str_field(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) && plain(v->valuestring) ? v->valuestring
							  : NULL;
}

static bool num_field(const cJSON *o, const char *k, uint64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 9e18)
		return false;
	*out = (uint64_t)v->valuedouble;
	return true;
}

/*
 * "E" in ms or us (see md_exch_ns()): out of range unless it converts to
 * ns without wrapping, i.e. below 1.8e13 ms (year 2554) or 1.8e16 us.
 */
static bool e_field(const cJSON *o, uint64_t *out)
{
	uint64_t e;

	if (!num_field(o, "E", &e))
		return false;
	if (e > (e >= 100000000000000ULL ? UINT64_MAX / 1000
					 : UINT64_MAX / 1000000))
		return false;
	*out = e;
	return true;
}

/* First [price, qty] pair of a depth side, if any. */
static void first_level(const cJSON *side, const char **px, const char **qty)
{
	const cJSON *lvl = cJSON_GetArrayItem(side, 0);

	/* forwarded unescaped like every other field: plain tokens only */
	if (cJSON_IsArray(lvl) && cJSON_IsString(cJSON_GetArrayItem(lvl, 0)) &&
	    cJSON_IsString(cJSON_GetArrayItem(lvl, 1)) &&
	    plain(cJSON_GetArrayItem(lvl, 0)->valuestring) &&
	    plain(cJSON_GetArrayItem(lvl, 1)->valuestring)) {
		*px = cJSON_GetArrayItem(lvl, 0)->valuestring;
		*qty = cJSON_GetArrayItem(lvl, 1)->valuestring;
	}
}

static enum md_status extract(const cJSON *d, struct md_msg *m)
{
	const char *e = str_field(d, "e");
	uint64_t dummy;

	m->sym = str_field(d, "s");
	if (!m->sym)
		return MD_BAD_FIELDS;
	if (!e || !strcmp(e, "bookTicker")) {
		/* spot bookTicker has no e/E; futures has both */
		m->kind = MD_BOOKTICKER;
		m->type = "bookTicker";
		if (e && !e_field(d, &m->e))
			return MD_BAD_FIELDS;
		m->px = str_field(d, "b");
		m->qty = str_field(d, "B");
		m->px2 = str_field(d, "a");
		m->qty2 = str_field(d, "A");
		if (!num_field(d, "u", &m->id) || !m->px || !m->qty ||
		    !m->px2 || !m->qty2)
			return MD_BAD_FIELDS;
		return MD_OK;
	}
	m->type = e;
	if (!e_field(d, &m->e) || !m->e)
		return MD_BAD_FIELDS;
	if (!strcmp(e, "trade") || !strcmp(e, "aggTrade")) {
		m->kind = e[0] == 't' ? MD_TRADE : MD_AGGTRADE;
		m->px = str_field(d, "p");
		m->qty = str_field(d, "q");
		if (!num_field(d, m->kind == MD_TRADE ? "t" : "a", &m->id) ||
		    !num_field(d, "T", &dummy) || !m->px || !m->qty)
			return MD_BAD_FIELDS;
	} else if (!strcmp(e, "depthUpdate")) {
		const cJSON *b = cJSON_GetObjectItemCaseSensitive(d, "b");
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(d, "a");

		m->kind = MD_DEPTH;
		if (!num_field(d, "u", &m->id) || !num_field(d, "U", &dummy) ||
		    !cJSON_IsArray(b) || !cJSON_IsArray(a))
			return MD_BAD_FIELDS;
		first_level(b, &m->px, &m->qty);
		first_level(a, &m->px2, &m->qty2);
	} else {
		m->kind = MD_OTHER;
	}
	return MD_OK;
}

enum md_status md_parse(const char *buf, size_t len, struct md_msg *m)
{
	const cJSON *data;
	enum md_status st;

	memset(m, 0, sizeof(*m));
	if (!utf8_valid((const unsigned char *)buf, len))
		return MD_BAD_UTF8;
	m->root = cJSON_ParseWithLength(buf, len);
	if (!m->root)
		return MD_BAD_JSON;
	if (!cJSON_IsObject(m->root)) {
		st = MD_BAD_FIELDS;
		goto bad;
	}
	if (cJSON_GetObjectItemCaseSensitive(m->root, "id") &&
	    (cJSON_GetObjectItemCaseSensitive(m->root, "result") ||
	     cJSON_GetObjectItemCaseSensitive(m->root, "error")))
		return MD_REPLY;
	data = cJSON_GetObjectItemCaseSensitive(m->root, "data");
	if (cJSON_IsObject(data)) {
		m->stream = str_field(m->root, "stream");
		if (!m->stream) {
			st = MD_BAD_FIELDS;
			goto bad;
		}
	} else {
		data = m->root;
	}
	st = extract(data, m);
	if (st == MD_OK)
		return st;
bad:
	md_free(m);
	return st;
}

void md_free(struct md_msg *m)
{
	cJSON_Delete(m->root);
	m->root = NULL;
}

int md_normalize(const struct md_msg *m, uint64_t exch_ns, char *out,
		 size_t len)
{
	int n;

	/* "s" first: a ZeroMQ SUB can filter on the prefix {"s":"BTCUSDT" */
	n = snprintf(
		out, len,
		"{\"s\":\"%s\",\"type\":\"%s\",\"exch_ns\":%llu,\"id\":%llu",
		m->sym, m->type, (unsigned long long)exch_ns,
		(unsigned long long)m->id);
	if (n > 0 && (size_t)n < len && m->px && m->qty)
		n += snprintf(out + n, len - n, ",\"px\":\"%s\",\"qty\":\"%s\"",
			      m->px, m->qty);
	if (n > 0 && (size_t)n < len && m->px2 && m->qty2)
		n += snprintf(out + n, len - n,
			      ",\"px2\":\"%s\",\"qty2\":\"%s\"", m->px2,
			      m->qty2);
	if (n > 0 && (size_t)n + 1 < len) {
		out[n++] = '}';
		out[n] = '\0';
		return n;
	}
	return -1;
}
