/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Binance market-data payloads: validation, field extraction, normal form. */
#ifndef __WS_MSG_H
#define __WS_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

enum md_kind {
	MD_TRADE,
	MD_AGGTRADE,
	MD_BOOKTICKER,
	MD_DEPTH,
	MD_OTHER, /* any event with e, E and s (kline, ticker, ...) */
};

enum md_status {
	MD_OK,
	MD_REPLY,      /* {"result":...,"id":N} or {"error":...,"id":N} */
	MD_BAD_UTF8,   /* text frame that is not UTF-8 */
	MD_BAD_JSON,   /* cJSON could not parse it */
	MD_BAD_FIELDS, /* JSON, but not a payload we know */
};

struct md_msg {
	cJSON *root;
	enum md_kind kind;
	const char *type;   /* "trade", ... */
	const char *stream; /* combined streams only, else NULL */
	const char *sym;
	uint64_t e;		/* "E" as sent (ms or us), 0 if absent */
	uint64_t id;		/* t, a or u */
	const char *px, *qty;	/* trade; best bid; first bid level */
	const char *px2, *qty2; /* best ask; first ask level */
};

bool utf8_valid(const unsigned char *s, size_t n);

/*
 * Parse one complete text message. On MD_OK and MD_REPLY the caller owns
 * m->root and frees it with md_free() once done with the fields.
 */
enum md_status md_parse(const char *buf, size_t len, struct md_msg *m);
void md_free(struct md_msg *m);

/*
 * E to CLOCK_REALTIME ns. Binance sends ms, or us with timeUnit=MICROSECOND;
 * a value above 1e14 can only be microseconds (ms reach 1e14 in year 5138).
 */
static inline uint64_t md_exch_ns(uint64_t e)
{
	return e >= 100000000000000ULL ? e * 1000 : e * 1000000;
}

/* One-line JSON for downstream consumers. Returns length or -1. */
int md_normalize(const struct md_msg *m, uint64_t exch_ns, char *out,
		 size_t len);

#endif /* __WS_MSG_H */
