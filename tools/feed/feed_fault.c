// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <string.h>

#include "feed_fault.h"

#define TRUNC_SENT (128u << 10)

static const char *const fault_names[] = {
	[FAULT_NONE] = "none",
	[FAULT_BROKEN_FRAME] = "broken-frame",
	[FAULT_BAD_UTF8] = "bad-utf8",
	[FAULT_TRUNCATED] = "truncated",
	[FAULT_OVERSIZED] = "oversized",
	[FAULT_BAD_JSON] = "bad-json",
	[FAULT_DISCONNECT] = "disconnect",
};

int feed_fault_parse(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(fault_names) / sizeof(fault_names[0]); i++)
		if (!strcmp(name, fault_names[i]))
			return (int)i;
	return -1;
}

const char *feed_fault_name(enum feed_fault f)
{
	return fault_names[f];
}

/* Invalid JSON, or JSON that is not a market-data payload. */
static const char *const bad_json[] = {
	"{\"e\":\"trade\",\"E\":",
	"not json at all",
	"{\"e\":\"trade\",,\"s\":\"BTCUSDT\"}",
	"[1,2,3]",
	"{\"e\":\"trade\",\"E\":\"soon\",\"s\":42}",
	"",
};

static int build_oversized(uint64_t e, size_t size, char *buf, size_t cap)
{
	static const char level[] = "[\"65000.01000000\",\"0.00100000\"],";
	size_t n;
	int k;

	k = snprintf(buf, cap,
		     "{\"e\":\"depthUpdate\",\"E\":%llu,\"s\":\"BTCUSDT\","
		     "\"U\":1,\"u\":2,\"b\":[",
		     (unsigned long long)e);
	if (k < 0 || (size_t)k >= cap || size + 64 > cap)
		return -1;
	n = (size_t)k;
	while (n + sizeof(level) < size) {
		memcpy(buf + n, level, sizeof(level) - 1);
		n += sizeof(level) - 1;
	}
	memcpy(buf + n, "[\"1.0\",\"1.0\"]],\"a\":[]}", 23);
	n += 22;
	buf[n] = '\0';
	return (int)n;
}

int feed_fault_build(enum feed_fault f, uint64_t nth, uint64_t e,
		     size_t oversize, char *buf, size_t cap,
		     struct fault_out *o)
{
	const char *s;
	int k;

	memset(o, 0, sizeof(*o));
	switch (f) {
	case FAULT_NONE:
		return -1;
	case FAULT_BROKEN_FRAME:
		/* FIN + RSV1..3 + text: no extension was negotiated */
		if (cap < 4)
			return -1;
		memcpy(buf, "\xf1\x02{}", 4);
		o->len = 4;
		o->raw = true;
		return 0;
	case FAULT_BAD_UTF8:
		/* 0xc3 0x28 is an invalid 2-byte sequence, 0xff never valid */
		k = snprintf(
			buf, cap,
			"{\"e\":\"trade\",\"E\":%llu,\"s\":\"BTC\xc3\x28USDT\","
			"\"t\":1,\"p\":\"1.0\xff\",\"q\":\"1.0\",\"T\":%llu,"
			"\"m\":true,\"M\":true}",
			(unsigned long long)e, (unsigned long long)e);
		break;
	case FAULT_TRUNCATED:
		/*
		 * The header announces 256 KiB, 128 KiB follow, then EOF: more
		 * than a client's receive buffer, so it sees a partial message.
		 */
		if (cap < TRUNC_SENT + 10)
			return -1;
		memcpy(buf, "\x81\x7f\0\0\0\0\0\x04\0\0", 10);
		memset(buf + 10, ' ', TRUNC_SENT);
		memcpy(buf + 10, "{\"e\":\"trade\",\"E\":", 17);
		o->len = TRUNC_SENT + 10;
		o->raw = true;
		o->close_after = true;
		return 0;
	case FAULT_OVERSIZED:
		k = build_oversized(e, oversize, buf, cap);
		break;
	case FAULT_BAD_JSON:
		s = bad_json[nth % (sizeof(bad_json) / sizeof(bad_json[0]))];
		k = snprintf(buf, cap, "%s", s);
		break;
	case FAULT_DISCONNECT:
		o->close_after = true;
		return 0;
	default:
		return -1;
	}
	if (k < 0 || (size_t)k >= cap)
		return -1;
	o->len = (size_t)k;
	return 0;
}
