// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * wsfeed: the limits Binance documents for one stream connection
 * ("WebSocket Limits" and "General WSS information" of the spot
 * WebSocket Streams documentation), each one settable and off-switchable:
 *   - more than 5 incoming messages in a second closes the connection;
 *   - a ping every 20 s whose payload the pong must copy, and no such pong
 *     within a minute closes the connection (unsolicited pongs do not
 *     count);
 *   - a connection lives at most 24 hours.
 * The 1024 streams per connection are checked where streams are added.
 * USD-M futures ("Websocket Market Streams"): 10 messages a second, a
 * ping every 3 minutes, a pong within 10 minutes, unsolicited pongs keep
 * the connection (the defaults are set in feed_opts.c).
 */
#include <stdlib.h>
#include <string.h>

#include "feed_server.h"
#include "ws_common.h"

static void close_with(struct session *s, int code, const char *why)
{
	if (!s->close_code) {
		s->close_code = code;
		s->close_why = why;
	}
}

/*
 * One client message (a JSON request or a pong). Returns true when it is
 * the one too many: more than max_msg_rate within the last second.
 */
bool limit_count_message(struct session *s, uint64_t now)
{
	unsigned int cap = (unsigned int)opt.max_msg_rate, oldest;

	if (!cap)
		return false;
	if (!s->msg_ns) {
		s->msg_ns = calloc(cap, sizeof(*s->msg_ns));
		if (!s->msg_ns)
			return false;
	}
	if (s->msg_n == cap) {
		oldest = s->msg_head;
		if (now - s->msg_ns[oldest] < NSEC_PER_SEC) {
			close_with(s, LWS_CLOSE_STATUS_POLICY_VIOLATION,
				   "Too many requests");
			return true;
		}
	} else {
		s->msg_n++;
	}
	s->msg_ns[s->msg_head] = now;
	s->msg_head = (s->msg_head + 1) % cap;
	return false;
}

/*
 * A ping goes out now: its payload (the event time in ms, so that each
 * ping differs) is in s->ping_data. The oldest unanswered ping sets the
 * deadline.
 */
void limit_ping_sent(struct session *s, uint64_t now, size_t *len)
{
	int k = snprintf(s->ping_data, sizeof(s->ping_data), "%llu",
			 (unsigned long long)(real_ns() / 1000000));

	s->ping_len = k > 0 ? (size_t)k : 0;
	*len = s->ping_len;
	if (!s->ping_wait_ns)
		s->ping_wait_ns = now;
}

/*
 * Spot: only a copy of the last ping's payload answers it. USD-M futures
 * allows unsolicited pongs "to maintain the connection": any pong does.
 */
void limit_pong(struct session *s, const void *in, size_t len)
{
	if (opt.market == FEED_FUTURES ||
	    (len == s->ping_len && !memcmp(in, s->ping_data, len)))
		s->ping_wait_ns = 0;
}

/*
 * Returns true when the connection must close now (s->close_code and
 * s->close_why say why); else lowers *next to the next deadline.
 */
bool limit_check(struct session *s, uint64_t now, uint64_t *next)
{
	uint64_t at;

	if (s->close_code)
		return true;
	if (opt.max_lifetime > 0) {
		at = s->opened_ns + (uint64_t)(opt.max_lifetime * 1e9);
		if (now >= at) {
			close_with(s, LWS_CLOSE_STATUS_NORMAL,
				   "Connection lifetime limit reached");
			return true;
		}
		if (at < *next)
			*next = at;
	}
	if (opt.pong_timeout > 0 && s->ping_wait_ns) {
		at = s->ping_wait_ns + (uint64_t)(opt.pong_timeout * 1e9);
		if (now >= at) {
			close_with(s, LWS_CLOSE_STATUS_POLICY_VIOLATION,
				   "Pong timeout");
			return true;
		}
		if (at < *next)
			*next = at;
	}
	return false;
}

void limits_free(struct session *s)
{
	free(s->msg_ns);
	s->msg_ns = NULL;
}
