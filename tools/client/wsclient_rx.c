// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * wsclient, per message: assemble the frames, parse, publish, hand the
 * stamps to latprobe (stamps ring or USDT probe) and record the stages.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/*
 * Probe arguments in registers or immediates only: the default also allows
 * memory operands such as "-4@2148+c(%rip)", which libbpf's USDT argument
 * parser does not accept.
 */
#define STAP_SDT_ARG_CONSTRAINT nr
#include <sys/sdt.h>
#include <libwebsockets.h>

#include "lp_stamps.h"
#include "ws_common.h"
#include "ws_msg.h"
#include "ws_publish.h"
#include "wsclient.h"

#define NORM_MAX 512

void sample_clock_offset(void)
{
	uint64_t r0 = real_ns(), m = mono_ns(), r1 = real_ns();

	wsc.real_off_ns = (int64_t)(r0 / 2 + r1 / 2) - (int64_t)m;
}

static void print_trimmed(const char *tag, const char *buf, size_t len)
{
	int n = len > 300 ? 300 : (int)len;

	printf("%s%.*s%s\n", tag, n, buf, len > 300 ? "..." : "");
}

static void record_stages(uint64_t frame_ns, uint64_t parsed_ns,
			  uint64_t pub_ns, uint64_t exch_ns)
{
	msg_hist_add(&wsc.frame_parsed, parsed_ns - frame_ns);
	if (wsc.pub) {
		msg_hist_add(&wsc.parsed_pub, pub_ns - parsed_ns);
		msg_hist_add(&wsc.frame_pub, pub_ns - frame_ns);
	}
	if (exch_ns) {
		int64_t frame_real = (int64_t)frame_ns + wsc.real_off_ns;
		int64_t pub_real = (int64_t)pub_ns + wsc.real_off_ns;

		/* E ahead of us: clocks of two hosts disagree */
		if (frame_real < (int64_t)exch_ns) {
			wsc.exch_ahead++;
			return;
		}
		msg_hist_add(&wsc.exch_frame, (uint64_t)frame_real - exch_ns);
		msg_hist_add(&wsc.exch_pub, (uint64_t)pub_real - exch_ns);
	}
}

/* One complete text message. Returns -1 to close (count reached). */
static int on_message(struct lws *wsi, const char *buf, size_t len,
		      uint64_t frame_ns)
{
	uint64_t parsed_ns, pub_ns, exch_ns;
	char norm[NORM_MAX];
	struct md_msg m;
	int n;

	switch (md_parse(buf, len, &m)) {
	case MD_OK:
		break;
	case MD_REPLY:
		wsc.replies++;
		print_trimmed(PROG ": reply ", buf, len);
		md_free(&m);
		return 0;
	case MD_BAD_UTF8:
		wsc.bad_utf8++;
		return 0;
	case MD_BAD_JSON:
		wsc.bad_json++;
		return 0;
	case MD_BAD_FIELDS:
		wsc.bad_fields++;
		return 0;
	}
	exch_ns = m.e ? md_exch_ns(m.e) : 0;
	parsed_ns = mono_ns();

	pub_ns = parsed_ns;
	if (wsc.pub) {
		n = md_normalize(&m, exch_ns, norm, sizeof(norm));
		if (n < 0 || ws_pub_send(wsc.pub, norm, (size_t)n))
			wsc.pub_errors++;
		pub_ns = mono_ns();
	}
	/*
	 * The message goes to latprobe one way only: the ring while a reader
	 * is attached (no trap), else the USDT probe. An unpublished message
	 * has no published mark (0), not a zero stage.
	 */
	if (lp_stamps_active(wsc.stamps, pub_ns))
		lp_stamps_put(wsc.stamps, wsc.stamps_conn, frame_ns, parsed_ns,
			      wsc.pub ? pub_ns : 0, exch_ns, 0, (uint32_t)len);
	else
		DTRACE_PROBE7(latprobe, message, wsc.fd, frame_ns, parsed_ns,
			      wsc.pub ? pub_ns : 0, exch_ns, (uint64_t)0,
			      (uint32_t)len);

	if (exch_ns && exch_ns == m.e * 1000)
		wsc.e_us++;
	else if (exch_ns)
		wsc.e_ms++;
	md_free(&m);
	record_stages(frame_ns, parsed_ns, pub_ns, exch_ns);
	if (opt.print)
		print_trimmed("", buf, len);
	if (!wsc.msgs++)
		wsc.first_msg_ns = frame_ns;
	wsc.last_msg_ns = pub_ns;
	if (wsc.conn_msgs++ == 0)
		wsc.backoff_ns = opt.backoff_ms * 1000000ULL;
	if (opt.count && wsc.msgs >= opt.count) {
		wsc.stop = 1;
		lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL,
				 (unsigned char *)"done", 4);
		return -1;
	}
	return 0;
}

static int append_rx(const void *in, size_t len)
{
	char *nb;

	if (wsc.rx_len + len > opt.max_msg) {
		wsc.rx_oversized = true;
		return 0;
	}
	if (wsc.rx_len + len > wsc.rx_cap) {
		size_t cap = wsc.rx_cap ? wsc.rx_cap : 65536;

		while (cap < wsc.rx_len + len)
			cap *= 2;
		nb = realloc(wsc.rx, cap);
		if (!nb) {
			wsc.rx_oversized = true;
			return 0;
		}
		wsc.rx = nb;
		wsc.rx_cap = cap;
	}
	memcpy(wsc.rx + wsc.rx_len, in, len);
	wsc.rx_len += len;
	return 0;
}

int on_receive(struct lws *wsi, const void *in, size_t len)
{
	bool final = lws_is_final_fragment(wsi) &&
		     !lws_remaining_packet_payload(wsi);
	uint64_t frame_ns;

	if (!wsc.in_msg) {
		wsc.in_msg = true;
		wsc.rx_len = 0;
		wsc.rx_oversized = false;
		wsc.rx_binary = lws_frame_is_binary(wsi);
		/* the common case: a whole message in one callback */
		if (final) {
			frame_ns = mono_ns();
			wsc.in_msg = false;
			if (wsc.rx_binary) {
				wsc.binary++;
				return 0;
			}
			if (len > opt.max_msg) {
				wsc.oversized++;
				return 0;
			}
			return on_message(wsi, in, len, frame_ns);
		}
	}
	if (!wsc.rx_oversized && !wsc.rx_binary)
		append_rx(in, len);
	if (!final)
		return 0;
	frame_ns = mono_ns();
	wsc.in_msg = false;
	if (wsc.rx_binary) {
		wsc.binary++;
		return 0;
	}
	if (wsc.rx_oversized) {
		wsc.oversized++;
		return 0;
	}
	return on_message(wsi, wsc.rx, wsc.rx_len, frame_ns);
}

void on_pong(const void *in, size_t len)
{
	uint64_t sent, now = mono_ns();

	if (len != sizeof(sent))
		return;
	memcpy(&sent, in, sizeof(sent));
	if (sent <= now && now - sent < 60 * NSEC_PER_SEC) {
		wsc.pongs++;
		msg_hist_add(&wsc.rtt, now - sent);
	}
}
