// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The stamps ring (lib/lp_stamps.c writer, src/stamps/stamps_read.c reader):
 * records round-trip, laps are counted as overrun, torn and overwritten
 * records are counted and never returned, a live writer racing the reader
 * never yields a mixed record, bad headers are refused, and the reader
 * handshake switches the client between ring and fallback.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "check.h"
#include "lp_stamps.h"
#include "stamps_read.h"

static struct lp_stamps *ring(unsigned int n)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%u", n);
	setenv("LP_STAMPS_RECORDS", buf, 1);
	return lp_stamps_open();
}

static void put(struct lp_stamps *s, uint64_t k)
{
	lp_stamps_put(s, 7, k * 4, k * 4 + 1, k * 4 + 2, k * 4 + 3, k, 64);
}

static void test_roundtrip_and_lap(void)
{
	struct lp_stamps *s = ring(64);
	struct stamps_counts n = {};
	struct stamps_view v;
	struct lp_stamps_rec r;
	uint64_t tail, got = 0;

	if (!CHECK(s, "lp_stamps_open"))
		return;
	CHECK(fcntl(s->fd, F_GET_SEALS) & F_SEAL_SHRINK, "size sealed");
	CHECK_EQ(stamps_view_init(&v, s->h, s->size), 0);
	CHECK(!lp_stamps_active(s, 5000000000ULL), "no reader yet");
	stamps_reader_attach(&v, 5000000000ULL);
	CHECK(lp_stamps_active(s, 5100000000ULL), "reader attached");
	CHECK(!lp_stamps_active(s, 6100000000ULL), "reader stale after 1 s");
	stamps_reader_beat(&v, 6000000000ULL);
	CHECK(lp_stamps_active(s, 6100000000ULL), "heart beat");

	tail = stamps_head(&v);
	for (uint64_t k = 0; k < 10; k++)
		put(s, k);
	while (tail != stamps_head(&v))
		if (stamps_next(&v, &tail, stamps_head(&v), &r, &n)) {
			CHECK_EQ(r.frame_ns, got * 4);
			CHECK_EQ(r.exch_ns, got * 4 + 3);
			CHECK_EQ(r.conn, 7);
			CHECK_EQ(r.tid, (uint32_t)gettid());
			got++;
		}
	CHECK_EQ(got, 10);
	/* 200 more while nobody reads: only the last 64 are still there */
	for (uint64_t k = 10; k < 210; k++)
		put(s, k);
	got = 0;
	for (int i = 0; i < 1000 && tail != stamps_head(&v); i++)
		if (stamps_next(&v, &tail, stamps_head(&v), &r, &n)) {
			CHECK_EQ(r.offset, 210 - 64 + got);
			got++;
		}
	CHECK_EQ(got, 64);
	CHECK_EQ(n.overrun, 200 - 64);
	CHECK_EQ(n.records, 74);

	/* a record being written (seq 0) and one overwritten: never returned */
	put(s, 300);
	put(s, 301);
	s->recs[(tail)&63].seq = 0;
	s->recs[(tail + 1) & 63].seq = tail + 2 + 64;
	CHECK_EQ(stamps_next(&v, &tail, stamps_head(&v), &r, &n), 0);
	CHECK_EQ(stamps_next(&v, &tail, stamps_head(&v), &r, &n), 0);
	CHECK_EQ(n.torn, 1);
	CHECK_EQ(n.overrun, 200 - 64 + 1);
	/* a head that went back */
	CHECK_EQ(stamps_next(&v, &tail, tail - 5, &r, &n), 0);
	CHECK_EQ(n.bad_head, 1);
	stamps_reader_detach(&v);
	stamps_reader_detach(&v); /* never below zero */
	CHECK_EQ(s->h->readers, 0);
	CHECK(!lp_stamps_active(s, 6100000000ULL), "reader gone");
	lp_stamps_close(s);
}

static void test_bad_headers(void)
{
	struct lp_stamps *s = ring(64);
	struct stamps_view v;
	struct lp_stamps_hdr save;

	if (!CHECK(s, "lp_stamps_open"))
		return;
	save = *s->h;
	CHECK_EQ(stamps_view_init(&v, s->h, 100), -EINVAL);
	s->h->magic = 0;
	CHECK_EQ(stamps_view_init(&v, s->h, s->size), -EAGAIN);
	*s->h = save;
	s->h->version = 2;
	CHECK_EQ(stamps_view_init(&v, s->h, s->size), -EINVAL);
	*s->h = save;
	s->h->nrecs = 65;
	CHECK_EQ(stamps_view_init(&v, s->h, s->size), -EINVAL);
	*s->h = save;
	s->h->nrecs = 128; /* more records than the file holds */
	CHECK_EQ(stamps_view_init(&v, s->h, s->size), -EINVAL);
	*s->h = save;
	s->h->rec_off = s->h->conn_off; /* overlapping tables */
	CHECK_EQ(stamps_view_init(&v, s->h, s->size), -EINVAL);
	*s->h = save;
	s->h->rec_off = ~0ULL - 63;
	CHECK_EQ(stamps_view_init(&v, s->h, s->size), -EINVAL);
	*s->h = save;
	CHECK_EQ(stamps_view_init(&v, s->h, s->size), 0);
	lp_stamps_close(s);
	setenv("LP_STAMPS", "0", 1);
	CHECK(!lp_stamps_open(), "LP_STAMPS=0 disables the ring");
	unsetenv("LP_STAMPS");
}

static void test_conn(void)
{
	struct lp_stamps *s = ring(64);
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t al = sizeof(a);
	struct lp_stamps_conn c;
	struct stamps_view v;
	int l, cl;
	uint64_t id;

	if (!CHECK(s, "lp_stamps_open"))
		return;
	stamps_view_init(&v, s->h, s->size);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	cl = socket(AF_INET, SOCK_STREAM, 0);
	if (!CHECK(!bind(l, (void *)&a, sizeof(a)) && !listen(l, 1) &&
			   !getsockname(l, (void *)&a, &al) &&
			   !connect(cl, (void *)&a, sizeof(a)),
		   "loopback connection"))
		goto out;
	CHECK_EQ(lp_stamps_conn(s, l), 0); /* not connected: no id */
	id = lp_stamps_conn(s, cl);
	CHECK_EQ(id, 1);
	CHECK_EQ(stamps_conn(&v, id, &c), 0);
	CHECK_EQ(c.family, AF_INET);
	CHECK_EQ(c.rport, ntohs(a.sin_port));
	CHECK_EQ(c.fd, cl);
	CHECK(!memcmp(c.raddr, &a.sin_addr, 4), "remote address");
	/* the slot now belongs to another connection */
	CHECK_EQ(stamps_conn(&v, id + LP_STAMPS_CONNS, &c), -1);
	CHECK_EQ(stamps_conn(&v, 0, &c), -1);
out:
	close(l);
	close(cl);
	lp_stamps_close(s);
}

/* A writer lapping a slow reader: whatever is returned is one record whole. */
static struct lp_stamps *race_ring;
static volatile int race_stop;

static void *writer(void *arg)
{
	for (uint64_t k = 0; k < 1000000 && !race_stop; k++) {
		put(race_ring, k);
		/* a writer as slow as a real client, so the reader keeps up sometimes */
		for (volatile int j = 0; j < 40; j++)
			;
	}
	race_stop = 1;
	return NULL;
}

static void test_race(void)
{
	struct stamps_counts n = {};
	struct stamps_view v;
	struct lp_stamps_rec r;
	uint64_t tail = 0, bad = 0;
	pthread_t th;

	race_ring = ring(64);
	if (!CHECK(race_ring, "lp_stamps_open"))
		return;
	stamps_view_init(&v, race_ring->h, race_ring->size);
	pthread_create(&th, NULL, writer, NULL);
	/* until the writer is done, at most ~3 s; naps make it lap us */
	for (int i = 0; i < 30000000 && !race_stop; i++) {
		uint64_t head = stamps_head(&v);

		if (i % 4096 == 0)
			usleep(100);
		if (tail == head)
			continue;
		if (stamps_next(&v, &tail, head, &r, &n) &&
		    (r.frame_ns != r.offset * 4 ||
		     r.parsed_ns != r.offset * 4 + 1 ||
		     r.published_ns != r.offset * 4 + 2 ||
		     r.exch_ns != r.offset * 4 + 3 || r.seq != r.offset + 1))
			bad++;
	}
	race_stop = 1;
	pthread_join(th, NULL);
	CHECK_EQ(bad, 0);
	CHECK(n.records > 0, "records read while racing");
	printf("race: %llu intact, %llu torn, %llu overrun\n",
	       (unsigned long long)n.records, (unsigned long long)n.torn,
	       (unsigned long long)n.overrun);
	lp_stamps_close(race_ring);
}

int main(void)
{
	test_roundtrip_and_lap();
	test_bad_headers();
	test_conn();
	test_race();
	return check_done("test_stamps");
}
