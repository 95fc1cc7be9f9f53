// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Where in a request an error is, counted the way Binance's (serde_json)
 * messages count it. The text was already parsed by cJSON: these scans
 * only need to find things, not to validate.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "feed_request_text.h"

void req_where(const char *buf, size_t len, size_t off, char *out, size_t n)
{
	size_t i, line = 1, col = 0;

	if (off >= len)
		off = len ? len - 1 : 0;
	for (i = 0; i <= off && i < len; i++) {
		if (buf[i] == '\n') {
			line++;
			col = 0;
		} else {
			col++;
		}
	}
	snprintf(out, n, "at line %zu column %zu", line, col);
}

size_t req_object_end(const char *buf, size_t len)
{
	while (len > 1 && buf[len - 1] != '}')
		len--;
	return len ? len - 1 : 0;
}

static size_t skip_ws(const char *b, size_t len, size_t i)
{
	while (i < len && strchr(" \t\r\n", b[i]))
		i++;
	return i;
}

/* @i at the opening quote; returns the offset of the closing quote. */
static size_t string_end(const char *b, size_t len, size_t i)
{
	for (i++; i < len && b[i] != '"'; i++)
		if (b[i] == '\\')
			i++;
	return i;
}

/* @i at a value's first char; returns the offset of its last char. */
static size_t value_end(const char *b, size_t len, size_t i)
{
	int depth = 0;

	if (i < len && b[i] == '"')
		return string_end(b, len, i);
	for (; i < len; i++) {
		if (b[i] == '"')
			i = string_end(b, len, i);
		else if (b[i] == '{' || b[i] == '[')
			depth++;
		else if (b[i] == '}' || b[i] == ']') {
			if (--depth == 0)
				return i;
			if (depth < 0)
				return i - 1;
		} else if (!depth && (b[i] == ',' || strchr(" \t\r\n", b[i])))
			return i - 1;
	}
	return len - 1;
}

size_t req_value_end(const char *b, size_t len, const char *key)
{
	size_t i = skip_ws(b, len, 0), k, q, klen = strlen(key);
	bool match;

	if (i >= len || b[i] != '{')
		return 0;
	for (i = skip_ws(b, len, i + 1); i < len && b[i] == '"';) {
		q = i;
		k = string_end(b, len, q);
		match = k - q - 1 == klen && !strncmp(b + q + 1, key, klen);
		i = skip_ws(b, len, skip_ws(b, len, k + 1) + 1); /* past ':' */
		if (match)
			return value_end(b, len, i);
		i = skip_ws(b, len, value_end(b, len, i) + 1);
		if (i < len && b[i] == ',')
			i = skip_ws(b, len, i + 1);
	}
	return req_object_end(b, len);
}
