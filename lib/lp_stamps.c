// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * lp_stamps writer: the client's half of the stamps ring (contract in
 * lp_stamps.h and docs/client-stamps.md). No privilege needed: a memfd dies
 * with the process and leaves no file behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "lp_stamps.h"

static __thread uint32_t my_tid; /* gettid() is a system call: once */

static uint32_t ring_records(void)
{
	const char *e = getenv("LP_STAMPS_RECORDS");
	char *end;
	unsigned long n;

	if (!e || !*e)
		return LP_STAMPS_DEFAULT_RECS;
	errno = 0;
	n = strtoul(e, &end, 10);
	if (errno || *end || n < 64 || n > LP_STAMPS_MAX_RECS || (n & (n - 1)))
		return LP_STAMPS_DEFAULT_RECS;
	return (uint32_t)n;
}

struct lp_stamps *lp_stamps_open(void)
{
	const char *e = getenv("LP_STAMPS");
	uint32_t nrecs = ring_records();
	uint64_t conn_off = sizeof(struct lp_stamps_hdr);
	uint64_t rec_off =
		conn_off + LP_STAMPS_CONNS * sizeof(struct lp_stamps_conn);
	uint64_t size =
		rec_off + (uint64_t)nrecs * sizeof(struct lp_stamps_rec);
	struct lp_stamps *s;
	void *map;
	int fd;

	if (e && !strcmp(e, "0"))
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	fd = memfd_create(LP_STAMPS_MEMFD_NAME,
			  MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		goto err_free;
	/*
	 * Sealed size: a reader's mapping can never be truncated under it
	 * (a SIGBUS in the tracer); readers refuse an unsealed ring.
	 */
	if (ftruncate(fd, (off_t)size) ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL))
		goto err_close;
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		goto err_close;
	s->h = map;
	s->recs = (struct lp_stamps_rec *)((char *)map + rec_off);
	s->mask = nrecs - 1;
	s->size = size;
	s->fd = fd;
	s->h->version = LP_STAMPS_VERSION;
	s->h->hdr_size = sizeof(struct lp_stamps_hdr);
	s->h->rec_size = sizeof(struct lp_stamps_rec);
	s->h->nrecs = nrecs;
	s->h->conn_size = sizeof(struct lp_stamps_conn);
	s->h->nconns = LP_STAMPS_CONNS;
	s->h->conn_off = conn_off;
	s->h->rec_off = rec_off;
	s->h->pid = (uint32_t)getpid();
	/* the magic last: a reader that sees it sees the rest */
	__atomic_store_n(&s->h->magic, LP_STAMPS_MAGIC, __ATOMIC_RELEASE);
	return s;
err_close:
	close(fd);
err_free:
	free(s);
	return NULL;
}

void lp_stamps_close(struct lp_stamps *s)
{
	if (!s)
		return;
	munmap(s->h, s->size);
	close(s->fd);
	free(s);
}

static void put_addr(uint8_t out[16], uint16_t *port,
		     const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)ss;

		memcpy(out, &a->sin_addr, 4);
		*port = ntohs(a->sin_port);
	} else {
		const struct sockaddr_in6 *a = (const void *)ss;

		memcpy(out, &a->sin6_addr, 16);
		*port = ntohs(a->sin6_port);
	}
}

uint64_t lp_stamps_conn(struct lp_stamps *s, int fd)
{
	struct sockaddr_storage l, r;
	socklen_t ll = sizeof(l), rl = sizeof(r);
	struct lp_stamps_conn *c;
	uint64_t id;

	if (!s || getsockname(fd, (struct sockaddr *)&l, &ll) ||
	    getpeername(fd, (struct sockaddr *)&r, &rl) ||
	    (l.ss_family != AF_INET && l.ss_family != AF_INET6) ||
	    l.ss_family != r.ss_family)
		return 0;
	id = s->h->conns + 1;
	c = (struct lp_stamps_conn *)((char *)s->h + s->h->conn_off) +
	    (id - 1) % s->h->nconns;
	__atomic_store_n(&c->id, 0, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memset((char *)c + sizeof(c->id), 0, sizeof(*c) - sizeof(c->id));
	c->family = l.ss_family;
	c->fd = fd;
	put_addr(c->laddr, &c->lport, &l);
	put_addr(c->raddr, &c->rport, &r);
	__atomic_store_n(&c->id, id, __ATOMIC_RELEASE);
	__atomic_store_n(&s->h->conns, id, __ATOMIC_RELEASE);
	return id;
}

void lp_stamps_put(struct lp_stamps *s, uint64_t conn, uint64_t frame_ns,
		   uint64_t parsed_ns, uint64_t published_ns, uint64_t exch_ns,
		   uint64_t offset, uint32_t len)
{
	uint64_t pos = s->head++;
	struct lp_stamps_rec *r = &s->recs[pos & s->mask];

	if (!my_tid)
		my_tid = (uint32_t)syscall(SYS_gettid);
	/* seqlock: mark the slot busy before touching its fields */
	__atomic_store_n(&r->seq, 0, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	r->frame_ns = frame_ns;
	r->parsed_ns = parsed_ns;
	r->published_ns = published_ns;
	r->exch_ns = exch_ns;
	r->offset = offset;
	r->len = len;
	r->tid = my_tid;
	r->conn = conn;
	__atomic_store_n(&r->seq, pos + 1, __ATOMIC_RELEASE);
	__atomic_store_n(&s->h->head, pos + 1, __ATOMIC_RELEASE);
}
