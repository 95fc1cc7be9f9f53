/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * build/benchgen's BPF side (bench_gen.bpf.c) and its user space
 * (tools/bench/benchgen.c): the context of one BPF_PROG_TEST_RUN, in and out.
 */
#ifndef __LP_BENCH_GEN_H
#define __LP_BENCH_GEN_H

#define BG_MAX_SOCKS 256

enum bg_op {
	BG_OPEN = 1, /* one LP_EV_SOCK per synthetic socket */
	BG_READS,    /* n records of the chosen shape, sockets in turn */
	BG_CLOSE,    /* one LP_EV_CLOSE per socket, with its segment counts */
};

enum bg_shape {
	BG_JOIN = 0, /* join mode: one LP_EV_READ per message, mark joined */
	BG_SEG,	     /* per-segment mode: LP_EV_SEG (+ wake-up), LP_EV_READ */
};

/* Synthetic sockets: kernel-like addresses, 2 KiB apart. */
#define BG_SK_BASE 0xffff888123400000ULL
#define BG_SK_STRIDE 0x800ULL

/* per synthetic socket, in the program's .bss */
struct bg_sock {
	__u32 copied; /* copied_seq: next byte a read returns */
	__u32 in;     /* segments so far (one per message) */
};

struct bg_args {
	__u32 op;     /* enum bg_op */
	__u32 n;      /* BG_READS: records to write */
	__u32 nsocks; /* 1..BG_MAX_SOCKS */
	__u32 shape;  /* enum bg_shape */
	/* out */
	__u64 submitted; /* records submitted */
	__u64 lost;	 /* reservations that failed (ring full) */
	__u64 messages;	 /* reads among them */
	__u64 bytes;	 /* bytes those reads returned */
};

#endif /* __LP_BENCH_GEN_H */
