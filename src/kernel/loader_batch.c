// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Batched reads (bpf/read_batch.bpf.h): the flusher that sends what the
 * sockets' queues still hold, run once a second before the ring is drained
 * and once more after the programs are detached.
 */
#include <errno.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "loader.h"
#include "log.h"

/*
 * Batch when no record in the ring is joined to reads by ring order
 * (--client, --callback, TLS probes) and reads join their marks in the
 * kernel; otherwise every read stays a record of its own.
 */
void loader_batch_start(struct lp_loader *L, const struct lp_opts *o)
{
	struct bpf_link *link;

	if (o->client || o->callback || !L->skel->rodata->join_marks ||
	    L->probes[PR_TLS_READ].used != MECH_NONE)
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

/* Send every queued read now (the iterator's output is empty). */
void loader_batch_flush(struct lp_loader *L)
{
	char buf[64];
	int fd;

	if (!L->flush_link)
		return;
	fd = bpf_iter_create(bpf_link__fd(L->flush_link));
	if (fd < 0)
		return;
	/* one pass over the TCP sockets; it writes nothing, bounded anyway */
	for (int i = 0; i < 1024 && read(fd, buf, sizeof(buf)) > 0; i++)
		;
	close(fd);
}

void loader_batch_stop(struct lp_loader *L)
{
	bpf_link__destroy(L->flush_link);
	L->flush_link = NULL;
}
