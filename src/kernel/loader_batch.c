// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Batched reads (bpf/read_batch.bpf.h): the flusher that sends what the
 * sockets' queues still hold, run once a second before the ring is drained
 * and once more after the programs are detached. And reads carried by the
 * SSL_read that made them (bpf/tls_carry.bpf.h), flushed at exit.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "loader.h"
#include "log.h"

/*
 * Batch when no record in the ring is joined to reads by ring order
 * (--callback, TLS probes whose reads are not carried) and reads join
 * their marks in the kernel; otherwise every read stays a record of its
 * own. A --client message whose read still waits in the kernel waits for
 * it in the correlator (src/engine/corr_pending.c).
 */
void loader_batch_start(struct lp_loader *L, const struct lp_opts *o)
{
	enum lp_mech recv = L->probes[PR_TCP_RECVMSG].used;
	struct bpf_link *link;

	/* reads inside SSL_read leave in its record (fexit and tp_btf reads
	 * only: a kretprobe read has no BTF socket to mark); the exit's
	 * flusher is attached now, while latprobe holds its privileges */
	if (L->probes[PR_TLS_READ].used == MECH_UPROBE &&
	    (recv == MECH_FENTRY || recv == MECH_TRACEPOINT)) {
		link = bpf_program__attach_iter(L->skel->progs.flush_tls_calls,
						NULL);
		if (link) {
			L->tls_flush_link = link;
			L->skel->bss->tls_carry = true;
			lp_info("reads inside SSL_read travel in its record (up to %d)",
				LP_TLS_READS);
		} else {
			lp_info("reads inside SSL_read not carried: attaching the exit iterator: %s",
				strerror(errno));
		}
	}
	/*
	 * --callback joins a call to its thread's newest read in ring order;
	 * TLS probes without carried reads join an SSL_read the same way.
	 * --client messages wait for their reads in the correlator instead.
	 */
	if (o->callback || !L->skel->rodata->join_marks ||
	    (L->probes[PR_TLS_READ].used != MECH_NONE &&
	     !L->skel->bss->tls_carry))
		return;
	link = bpf_program__attach_iter(L->skel->progs.flush_reads, NULL);
	if (!link) {
		lp_info("reads not batched: attaching the flush iterator: %s",
			strerror(errno));
		return;
	}
	L->flush_link = link;
	L->skel->bss->batch_reads = true;
	lp_info("reads batched: up to %d per ring record", LP_READS_BATCH);
}

/* One pass of an iterator whose programs write nothing: -errno or 0. */
static int iter_run(struct bpf_link *link)
{
	char buf[64];
	int fd = bpf_iter_create(bpf_link__fd(link));

	if (fd < 0)
		return -errno;
	/* one pass over the sockets or tasks; bounded anyway */
	for (int i = 0; i < 1024 && read(fd, buf, sizeof(buf)) > 0; i++)
		;
	close(fd);
	return 0;
}

/* Send every queued read now (the iterator's output is empty). */
void loader_batch_flush(struct lp_loader *L)
{
	if (L->flush_link)
		iter_run(L->flush_link);
}

/*
 * At exit, after detaching: the reads that calls still open hold (a thread
 * blocked in SSL_read). Never while tracing: a call's state is its
 * thread's alone.
 */
void loader_tls_carry_flush(struct lp_loader *L)
{
	int err;

	if (L->tls_flush_link && (err = iter_run(L->tls_flush_link)))
		lp_err("reads held by open SSL_read calls not sent: %s",
		       strerror(-err));
}

void loader_batch_stop(struct lp_loader *L)
{
	bpf_link__destroy(L->flush_link);
	L->flush_link = NULL;
	bpf_link__destroy(L->tls_flush_link);
	L->tls_flush_link = NULL;
}
