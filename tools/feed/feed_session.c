// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * wsfeed: one connection's life: pacing, payloads, faults, pings and
 * replies, driven by libwebsockets callbacks.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "feed_fault.h"
#include "feed_rxcheck.h"
#include "feed_server.h"
#include "ws_common.h"

/* Messages paced by --rate: a replay, or the event streams. */
static bool has_source(const struct session *s)
{
	return replay.n || s->nevents;
}

/* Message slots allowed by now (bursts of opt.burst at s->rate). */
static uint64_t slots_due(const struct session *s, uint64_t now)
{
	double groups;

	if (s->rate <= 0)
		return UINT64_MAX;
	/* pacing restarted (scenario) after this callback read the clock */
	if (now < s->pace_start_ns)
		now = s->pace_start_ns;
	groups = (double)(now - s->pace_start_ns) / 1e9 * s->rate /
		 (double)opt.burst;
	return s->pace_base + ((uint64_t)groups + 1) * opt.burst;
}

static uint64_t next_slot_ns(const struct session *s)
{
	uint64_t group = (s->slots - s->pace_base) / opt.burst;

	return s->pace_start_ns +
	       (uint64_t)((double)group * (double)opt.burst / s->rate * 1e9);
}

static uint64_t event_time(const struct session *s)
{
	return s->micros ? real_ns() / 1000 : real_ns() / 1000000;
}

/* TCP goes away without a WebSocket close (and without TLS close_notify). */
static void abrupt_close(struct lws *wsi)
{
	shutdown(lws_get_socket_fd(wsi), SHUT_RDWR);
}

static int send_fault(struct lws *wsi, struct session *s)
{
	unsigned char *buf = g.tx + LWS_PRE;
	struct fault_out fo;

	if (feed_fault_build(opt.fault, s->faults, event_time(s), opt.oversize,
			     (char *)buf, g.tx_cap, &fo))
		return -1;
	s->faults++;
	g.faults++;
	if (fo.len &&
	    lws_write(wsi, buf, fo.len,
		      fo.raw ? LWS_WRITE_RAW : LWS_WRITE_TEXT) < (int)fo.len)
		return -1;
	/* lws may still hold part of a large raw write: drop after it */
	s->drop_pending = fo.close_after;
	return 0;
}

/* One message is out: -1 once --count is reached (a normal close). */
static int count_sent(struct lws *wsi, struct session *s)
{
	s->sent++;
	g.sent++;
	if (opt.count && s->sent >= opt.count) {
		s->done = true;
		lws_set_timer_usecs(wsi, LWS_SET_TIMER_USEC_CANCEL);
		lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL,
				 (unsigned char *)"count reached", 13);
		return -1;
	}
	return 0;
}

static int send_stream(struct lws *wsi, struct session *s,
		       struct feed_stream *st)
{
	char *buf = (char *)g.tx + LWS_PRE;
	int n;

	st->micros = s->micros;
	n = feed_format(st, &s->rng, event_time(s), s->combined, buf, g.tx_cap);

	if (n < 0 ||
	    lws_write(wsi, (unsigned char *)buf, (size_t)n, LWS_WRITE_TEXT) < n)
		return -1;
	return count_sent(wsi, s);
}

/* The next event stream (period 0) in round-robin order. */
static struct feed_stream *next_event_stream(struct session *s)
{
	struct feed_stream *st;

	do
		st = &s->streams[s->rr++ % (unsigned int)s->nstreams];
	while (st->period_ms);
	return st;
}

/* Send the next slot: a message or a fault. -1 closes the connection. */
static int send_next(struct lws *wsi, struct session *s)
{
	char *buf = (char *)g.tx + LWS_PRE;
	size_t i;
	int n;

	s->slots++;
	if (opt.fault && s->slots % opt.fault_every == 0)
		return send_fault(wsi, s);
	if (!replay.n)
		return send_stream(wsi, s, next_event_stream(s));
	i = s->replay_pos++ % replay.n;
	n = feed_replay_line(replay.line[i], replay.len[i], event_time(s), buf,
			     g.tx_cap);
	if (n < 0 ||
	    lws_write(wsi, (unsigned char *)buf, (size_t)n, LWS_WRITE_TEXT) < n)
		return -1;
	return count_sent(wsi, s);
}

/*
 * Timed streams (depth, tickers, klines...) that are due: one update each,
 * at their documented speed whatever --rate is. A stream that fell more
 * than a period behind skips the missed updates, as a server would.
 * Returns -1 to close, else 0; *next gets the earliest next update.
 */
static int send_timed(struct lws *wsi, struct session *s, uint64_t now,
		      int *budget, uint64_t *next)
{
	struct feed_stream *st;
	uint64_t period;
	int i;

	if (replay.n)
		return 0;
	for (i = 0; i < s->nstreams; i++) {
		st = &s->streams[i];
		if (!st->period_ms)
			continue;
		period = (uint64_t)st->period_ms * 1000000;
		if (st->next_ns <= now && *budget > 0 && !s->drop_pending &&
		    !lws_send_pipe_choked(wsi)) {
			(*budget)--;
			st->next_ns += period;
			if (st->next_ns <= now)
				st->next_ns = now + period;
			if (send_stream(wsi, s, st))
				return -1;
		}
		if (st->next_ns < *next)
			*next = st->next_ns;
	}
	return 0;
}

/* --scenario shutdown: serverShutdown, then close 1001 (going away). */
static int scenario_shutdown(struct lws *wsi, struct session *s)
{
	char *buf = (char *)g.tx + LWS_PRE;
	int n = scenario_shutdown_event(s, event_time(s), buf, g.tx_cap);

	if (n < 0 ||
	    lws_write(wsi, (unsigned char *)buf, (size_t)n, LWS_WRITE_TEXT) < n)
		return -1;
	s->done = true;
	lws_set_timer_usecs(wsi, LWS_SET_TIMER_USEC_CANCEL);
	lws_close_reason(wsi, LWS_CLOSE_STATUS_GOINGAWAY,
			 (unsigned char *)"server shutdown", 15);
	return -1;
}

/* The --scenario steps that are due. -1: the connection ends here. */
static int run_scenario(struct lws *wsi, struct session *s, uint64_t now)
{
	const struct scn_step *st;

	while (scenario_next_ns(s) <= now) {
		st = &scenario.step[s->scn_next++];
		switch (st->act) {
		case SCN_BURST:
			s->pace_base += (uint64_t)st->arg;
			break;
		case SCN_SLOW:
			s->rate = opt.rate / st->arg;
			pace_restart(s);
			break;
		case SCN_PAUSE:
			s->paused_until_ns = now + (uint64_t)(st->arg * 1e9);
			break;
		case SCN_SHUTDOWN:
			return scenario_shutdown(wsi, s);
		case SCN_DISCONNECT:
			s->done = true;
			abrupt_close(wsi);
			return -1;
		}
	}
	/* paused, not delayed: what was not sent meanwhile never is */
	if (s->paused_until_ns && now >= s->paused_until_ns) {
		s->paused_until_ns = 0;
		pace_restart(s);
	}
	return 0;
}

/* @next: when the next timed stream update is due (UINT64_MAX: none). */
static void schedule(struct lws *wsi, struct session *s, uint64_t now,
		     uint64_t next)
{
	if (opt.ping_interval > 0 && s->next_ping_ns < next)
		next = s->next_ping_ns;
	if (scenario_next_ns(s) < next)
		next = scenario_next_ns(s);
	if (s->rcount || next <= now) {
		lws_callback_on_writable(wsi);
		return;
	}
	if (has_source(s) && !s->paused_until_ns) {
		if (slots_due(s, now) > s->slots) {
			lws_callback_on_writable(wsi);
			return;
		}
		if (next_slot_ns(s) < next)
			next = next_slot_ns(s);
	}
	limit_check(s, now, &next);
	if (next == UINT64_MAX)
		return; /* nothing to send until the client asks */
	lws_set_timer_usecs(
		wsi, next > now ? (lws_usec_t)((next - now) / 1000) + 1 : 1);
}

/* Over a limit: read no more, close once the owed replies are out. */
static void stop_reading(struct lws *wsi)
{
	lws_rx_flow_control(wsi, 0);
	lws_callback_on_writable(wsi);
}

/* A Binance limit was reached: close with its code and reason. */
static int close_for_limit(struct lws *wsi, struct session *s)
{
	g.limit_closes++;
	s->done = true;
	lws_set_timer_usecs(wsi, LWS_SET_TIMER_USEC_CANCEL);
	lws_close_reason(wsi, (enum lws_close_status)s->close_code,
			 (unsigned char *)s->close_why, strlen(s->close_why));
	if (opt.verbose)
		fprintf(stderr, PROG ": connection %llu closed: %s\n",
			(unsigned long long)s->idx, s->close_why);
	return -1;
}

static int on_writeable(struct lws *wsi, struct session *s)
{
	uint64_t now = mono_ns(), due, next;
	unsigned char *buf = g.tx + LWS_PRE;
	int budget = WRITES_PER_CALLBACK;
	bool closing;
	size_t n;

	if (s->done)
		return -1;
	if (s->drop_pending) {
		if (lws_partial_buffered(wsi)) {
			lws_callback_on_writable(wsi);
			return 0;
		}
		abrupt_close(wsi);
		return -1;
	}

	/* a limit reached: the replies already owed go out, then the close */
	next = UINT64_MAX;
	closing = limit_check(s, now, &next);
	if (closing && !s->rcount)
		return close_for_limit(wsi, s);
	if (!closing && opt.ping_interval > 0 && now >= s->next_ping_ns) {
		limit_ping_sent(s, now, &n);
		memcpy(buf, s->ping_data, n);
		if (lws_write(wsi, buf, n, LWS_WRITE_PING) < 0)
			return -1;
		s->next_ping_ns = now + (uint64_t)(opt.ping_interval * 1e9);
		g.pings++;
		budget--;
	}
	while (s->rcount && budget > 0 && !lws_send_pipe_choked(wsi)) {
		char *text = s->reply[s->rhead];

		n = strlen(text);
		if (n > g.tx_cap)
			n = g.tx_cap;
		memcpy(buf, text, n);
		free(text);
		s->rhead = (s->rhead + 1) % MAX_REPLIES;
		s->rcount--;
		if (lws_write(wsi, buf, n, LWS_WRITE_TEXT) < (int)n)
			return -1;
		g.replies++;
		budget--;
		if (s->rcount == MAX_REPLIES - 1 && !s->close_code)
			lws_rx_flow_control(wsi, 1);
	}
	if (closing) {
		if (!s->rcount)
			return close_for_limit(wsi, s);
		lws_callback_on_writable(wsi);
		return 0;
	}
	if (run_scenario(wsi, s, now))
		return -1;
	next = s->paused_until_ns ? s->paused_until_ns : UINT64_MAX;
	if (!s->paused_until_ns && send_timed(wsi, s, now, &budget, &next))
		return -1;
	if (has_source(s) && !s->paused_until_ns) {
		due = slots_due(s, now);
		while (s->slots < due && budget-- > 0 && !s->drop_pending &&
		       !lws_send_pipe_choked(wsi))
			if (send_next(wsi, s))
				return -1;
	}
	if (s->drop_pending) {
		lws_callback_on_writable(wsi);
		return 0;
	}
	schedule(wsi, s, now, next);
	return 0;
}

static void session_free(struct session *s)
{
	while (s->rcount) {
		free(s->reply[s->rhead]);
		s->rhead = (s->rhead + 1) % MAX_REPLIES;
		s->rcount--;
	}
	free(s->rx);
	s->rx = NULL;
	streams_free(s);
	limits_free(s);
}

/* Refuse an upgrade that names an unknown path or stream, with a status. */
static int confirm_upgrade(struct lws *wsi)
{
	struct session probe;
	char why[512];
	int status;

	memset(&probe, 0, sizeof(probe));
	feed_rng_seed(&probe.rng, opt.seed);
	status = session_from_request(wsi, &probe, why, sizeof(why));
	streams_free(&probe);
	if (!status)
		return 0;
	g.rejected++;
	if (opt.verbose)
		fprintf(stderr, PROG ": refused an upgrade: %d %s\n", status,
			why);
	return http_refuse(wsi, (unsigned int)status, why);
}

/*
 * RFC 6455 5.1: a client frame without the MASK bit fails the connection
 * with 1002 (libwebsockets 4.1.6 does not check it: feed_rxcheck.h).
 */
static bool unmasked(struct lws *wsi)
{
	if (!rxcheck_unmasked(lws_get_socket_fd(wsi)))
		return false;
	lws_close_reason(wsi, LWS_CLOSE_STATUS_PROTOCOL_ERR,
			 (unsigned char *)"client frame not masked", 23);
	return true;
}

static int feed_callback(struct lws *wsi, enum lws_callback_reasons reason,
			 void *user, void *in, size_t len)
{
	struct session *s = user;
	char why[512];

	switch (reason) {
	case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
		rxcheck_accept((int)(intptr_t)in);
		return 0;
	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
		return confirm_upgrade(wsi);
	case LWS_CALLBACK_ESTABLISHED:
		memset(s, 0, sizeof(*s));
		s->established = true;
		s->rate = opt.rate;
		s->idx = g.conns++;
		g.active++;
		feed_rng_seed(&s->rng, opt.seed + s->idx);
		if (session_from_request(wsi, s, why, sizeof(why)))
			return -1;
		pace_restart(s);
		s->opened_ns = mono_ns();
		s->next_ping_ns =
			s->opened_ns + (uint64_t)(opt.ping_interval * 1e9);
		lws_callback_on_writable(wsi);
		return 0;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (unmasked(wsi))
			return -1;
		return on_writeable(wsi, s);
	case LWS_CALLBACK_TIMER:
		if (!s->done)
			lws_callback_on_writable(wsi);
		return 0;
	case LWS_CALLBACK_RECEIVE:
		if (unmasked(wsi))
			return -1;
		if (s->done)
			return -1;
		if (s->close_code)
			return 0; /* past the limit: no longer read */
		if (on_receive(wsi, s, in, len))
			stop_reading(wsi);
		return 0;
	case LWS_CALLBACK_RECEIVE_PONG:
		if (unmasked(wsi))
			return -1;
		g.pongs++;
		if (s->done)
			return -1;
		if (s->close_code)
			return 0;
		limit_pong(s, in, len);
		if (limit_count_message(s, mono_ns()))
			stop_reading(wsi);
		return 0;
	case LWS_CALLBACK_CLOSED:
		/* also called for upgrades we rejected: those never began */
		if (!s || !s->established)
			return 0;
		s->established = false;
		g.active--;
		g.closed++;
		session_free(s);
		return 0;
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

const struct lws_protocols feed_protocols[] = {
	{"binance", feed_callback, sizeof(struct session), 4096, 0, NULL, 0},
	{NULL, NULL, 0, 0, 0, NULL, 0},
};
