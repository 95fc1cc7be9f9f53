/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Positions in a client request's text, for Binance's error messages that
 * end "at line L column C" (serde_json's wording: line from 1, column =
 * characters of that line read so far).
 */
#ifndef __FEED_REQUEST_TEXT_H
#define __FEED_REQUEST_TEXT_H

#include <stddef.h>

/* "at line L column C" for the character at @off (read through it). */
void req_where(const char *buf, size_t len, size_t off, char *out, size_t n);
/* Offset of the top-level object's closing brace (or the last char). */
size_t req_object_end(const char *buf, size_t len);
/* Offset of the last char of top-level @key's value (valid JSON only). */
size_t req_value_end(const char *buf, size_t len, const char *key);

#endif /* __FEED_REQUEST_TEXT_H */
