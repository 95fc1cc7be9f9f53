// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdlib.h>
#include "correlator.h"
#include "corr_tls.h"
#include "stage_bias.h"

static struct tls_thread *slot(struct corr *c, uint32_t tid)
{
	if (!c->tls_threads) {
		c->tls_threads = calloc(TLS_THREADS, sizeof(*c->tls_threads));
		if (!c->tls_threads)
			return NULL;
	}
	return &c->tls_threads[(tid * 0x9E3779B1u >> 16) % TLS_THREADS];
}

void corr_tls_note_read(struct corr *c, const struct lp_hdr *h)
{
	struct tls_thread *t = slot(c, h->tid);

	if (!t)
		return;
	/* a colliding thread replaces the entry: its TLS reads then count
	 * as from_user_buffer or no_socket, never with a foreign read */
	t->tid = h->tid;
	t->sk = h->sk;
	t->end_ns = h->ts_ns;
}

void corr_ktls_event(struct corr *c, const struct lp_hdr *h,
		     const struct lp_ktls *k)
{
	c->ktls.reads++;
	c->ktls.bytes += k->bytes;
	c->ktls.records += k->records;
	corr_stage_add(c, corr_lookup(c, h->sk), ST_KTLS_DECRYPT,
		       h->ts_ns - k->decrypt_ns, h->ts_ns);
}

void corr_tls_event(struct corr *c, const struct lp_hdr *h,
		    const struct lp_tls *r)
{
	struct tls_thread *t = slot(c, h->tid);
	struct conn *cn = NULL;
	uint64_t from = r->start_ns;
	/* from the SSL_read entry stamp unless a kernel read ended inside */
	int64_t bias =
		c->bias[ST_TLS_DECRYPT] ? c->bias[ST_TLS_DECRYPT]->bias_ns : 0;

	c->tls.reads++;
	c->tls.bytes += r->bytes;
	if (t && t->tid == h->tid && t->end_ns <= h->ts_ns) {
		cn = corr_lookup(c, t->sk); /* NULL once closed */
		if (t->end_ns >= r->start_ns) {
			from = t->end_ns;
			bias = c->tls_read_bias_ns;
			c->tls.after_kernel_read++;
		} else {
			c->tls.from_user_buffer++;
		}
	} else {
		c->tls.no_socket++;
		c->tls.from_user_buffer++;
	}
	corr_stage_add_b(c, cn, ST_TLS_DECRYPT, from, h->ts_ns, bias);
}
