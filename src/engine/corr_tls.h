/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The tls_decrypt stage: joins each LP_EV_TLS record (one SSL_read that
 * returned data) with the kernel reads of the same thread. Definition in
 * docs/tls.md:
 *   a kernel read ended inside the call: last such read_end -> return
 *   (decryption and record handling after the last byte came in);
 *   none did: entry -> return (the bytes were already in user space:
 *   OpenSSL's read-ahead buffer or a memory BIO fed by the caller, as
 *   Python's asyncio does), counted apart in from_user_buffer.
 */
#ifndef __LP_CORR_TLS_H
#define __LP_CORR_TLS_H

#include <stdint.h>
#include "latprobe.h"

#define TLS_THREADS 1024 /* threads remembered (direct-mapped by tid) */

struct tls_thread {
	uint32_t tid;	 /* 0: empty slot */
	uint64_t sk;	 /* socket of the thread's newest kernel read */
	uint64_t end_ns; /* that read's return */
};

struct tls_totals {
	uint64_t reads;		    /* SSL reads that returned data */
	uint64_t bytes;		    /* plaintext bytes they returned */
	uint64_t after_kernel_read; /* a kernel read ended inside the call */
	uint64_t from_user_buffer;  /* no kernel read inside the call */
	uint64_t no_socket;	    /* no kernel read seen on the thread yet */
};

/* Kernel TLS reads (LP_EV_KTLS): what the receiver's reads returned. */
struct ktls_totals {
	uint64_t reads;	  /* tls_sw_recvmsg calls that returned plaintext */
	uint64_t bytes;	  /* plaintext bytes they returned */
	uint64_t records; /* records they decrypted */
};

struct corr;
struct conn;

/* Remember the newest kernel read per thread (called for every LP_EV_READ). */
void corr_tls_note_read(struct corr *c, const struct lp_hdr *h);
/* One SSL read: the tls_decrypt stage and the tls totals. */
void corr_tls_event(struct corr *c, const struct lp_hdr *h,
		    const struct lp_tls *t);

/* One kernel TLS read: the ktls_decrypt stage and the ktls totals. */
void corr_ktls_event(struct corr *c, const struct lp_hdr *h,
		     const struct lp_ktls *k);

#endif
