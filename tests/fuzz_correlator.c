// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: the correlator fed arbitrary ring-buffer records, as if
 * the ring buffer held garbage, then the report built from what it kept.
 *
 * Input: byte 0 picks the configuration; then records, each one op byte
 * followed by its bytes. op & 7 is the type (0 and 7 are invalid types);
 * op & 0x80 takes the size from the next byte instead of the type's size;
 * op & 0x40 folds the socket id onto 8 values so records meet.
 */
#include <stdlib.h>
#include <string.h>

#include "correlator.h"
#include "report_json.h"

static void check_invariants(const struct corr *c, uint64_t fed)
{
	uint64_t tracked = 0, live = 0;

	if (c->t.events + c->t.malformed != fed)
		abort();
	for (const struct conn *cn = c->all; cn; cn = cn->next) {
		tracked++;
		live += !cn->closed;
		if (cn->nsegs > CONN_SEGS || cn->rd_count > CONN_READS ||
		    cn->rd_head >= CONN_READS)
			abort();
		if (cn->closed && (cn->segs || cn->rd || cn->nsegs))
			abort();
		if (cn->seg_woken > cn->nsegs || cn->seg_head >= CONN_SEGS)
			abort();
		for (unsigned int i = 1; i < cn->nsegs; i++) {
			unsigned int at = (cn->seg_head + i) & (CONN_SEGS - 1);
			unsigned int prev = (at + CONN_SEGS - 1) & (CONN_SEGS - 1);

			if (seq_before(cn->segs[at].seq, cn->segs[prev].seq))
				abort();
		}
	}
	if (tracked != c->t.conns_tracked || live != c->t.conns_live ||
	    tracked > c->cfg.max_conns)
		abort();
}

static void build_report(const struct corr *c)
{
	struct probe_info probes[PR_MAX] = {};
	struct port_drops drops[2] = {{80, 1}, {443, 2}};
	struct report_in in = {
		.corr = c,
		.probes = probes,
		.duration = 1.5,
		.drops = drops,
		.ndrops = 2,
		.ringbuf_bytes = 4096,
		.version = "fuzz",
	};
	char *text;
	cJSON *root;

	for (int i = 0; i < PR_MAX; i++) {
		probes[i].name = lp_mech_names[i % (MECH_NONE + 1)];
		probes[i].requested = MECH_AUTO;
		probes[i].used = MECH_TRACEPOINT;
	}
	root = report_build(&in);
	if (!root)
		abort();
	text = cJSON_PrintUnformatted(root);
	free(text);
	cJSON_Delete(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct corr_cfg cfg = {};
	uint64_t fed = 0;
	struct corr *c;
	size_t off = 1;

	if (!size)
		return 0;
	cfg.per_message = data[0] & 1;
	cfg.max_conns = (data[0] >> 1) & 7; /* 0 = default */
	cfg.realtime_offset_ns = (int64_t)(data[0] >> 4) << 28;
	c = corr_new(&cfg);
	if (!c)
		return 0;
	while (off < size) {
		uint8_t op = data[off++], type = op & 7;
		size_t len = lp_event_size(type);
		struct lp_event *e;

		if (op & 0x80) {
			if (off >= size)
				break;
			len = data[off++];
		} else if (!len) {
			len = sizeof(struct lp_hdr);
		}
		if (len > size - off)
			len = size - off;
		/* exactly len bytes, aligned as a ring-buffer record is */
		e = malloc(len ? len : 1);
		if (!e)
			break;
		memcpy(e, data + off, len);
		off += len;
		if (len >= sizeof(struct lp_hdr)) {
			e->h.type = type;
			if (op & 0x40)
				e->h.sk = (e->h.sk & 7) << 6;
		}
		corr_event(c, e, len);
		free(e);
		fed++;
	}
	check_invariants(c, fed);
	build_report(c);
	corr_free(c);
	return 0;
}
