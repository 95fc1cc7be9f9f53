// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "client_stamps.h"
#include "log.h"
#include "now.h"
#include "stamps_read.h"

#define MAX_RINGS 64
#define MAX_CLOSES 256
#define MAX_RING_BYTES (1ULL << 30)
#define SCAN_NS 1000000000ULL
#define SCAN_PROCS 100000 /* /proc entries looked at per scan */
#define SCAN_FDS 65536	  /* fds looked at per process */
#define CACHE 256

struct ring {
	struct stamps_view v;
	uint64_t size, ino, tail, snap;
	uint32_t pid;
	bool used, dead;
	bool have_peek;		   /* peek: read from the ring, not fed yet */
	struct lp_stamps_rec peek; /* the next record of the snapshot */
	struct {
		uint64_t id, sk;
	} cache[CACHE]; /* connection id -> struct sock, by id % CACHE */
};

struct client_stamps {
	struct corr *c;
	uint32_t pid;	  /* --client PID, or 0: every process of path */
	const char *path; /* the client binary */
	uint64_t next_scan, gen;
	struct ring rings[MAX_RINGS];
	struct stamps_counts n;
	uint64_t rings_mapped, rings_refused, rings_full, no_conn;
	uint64_t closes_early;
	/* kernel close records held until the stamps before them are read */
	struct {
		struct lp_event e;
		uint64_t gen;
	} closes[MAX_CLOSES];
	unsigned int nclose;
	unsigned int nused;  /* rings mapped now */
	bool exact_pid_ring; /* --client PID: a ring was found */
};

static bool ring_known(const struct client_stamps *cs, uint32_t pid,
		       uint64_t ino)
{
	for (int i = 0; i < MAX_RINGS; i++)
		if (cs->rings[i].used && cs->rings[i].pid == pid &&
		    cs->rings[i].ino == ino)
			return true;
	return false;
}

/* Map one ring found at /proc/PID/fd/N. */
static void ring_attach(struct client_stamps *cs, uint32_t pid,
			const char *fdpath, const struct stat *st,
			uint64_t now_ns)
{
	struct ring *r = NULL;
	void *map;
	int fd, seals, err;

	for (int i = 0; i < MAX_RINGS && !r; i++)
		if (!cs->rings[i].used)
			r = &cs->rings[i];
	if (!r) {
		cs->rings_full++;
		return;
	}
	fd = open(fdpath, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return;
	seals = fcntl(fd, F_GET_SEALS);
	/*
	 * Only a ring whose size is sealed: a client that could shrink it
	 * under our mapping could kill latprobe with SIGBUS.
	 */
	if (seals < 0 || !(seals & F_SEAL_SHRINK) || st->st_size <= 0 ||
	    (uint64_t)st->st_size > MAX_RING_BYTES) {
		close(fd);
		cs->rings_refused++;
		lp_info("client stamps: pid %u: ring refused (not sealed or bad size)",
			pid);
		return;
	}
	map = mmap(NULL, st->st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   0);
	close(fd);
	if (map == MAP_FAILED)
		return;
	err = stamps_view_init(&r->v, map, st->st_size);
	if (err) {
		munmap(map, st->st_size);
		/* -EAGAIN: not initialised yet, tried again next scan */
		if (err != -EAGAIN)
			cs->rings_refused++;
		return;
	}
	memset(r->cache, 0, sizeof(r->cache));
	r->used = true;
	r->dead = false;
	r->pid = pid;
	r->ino = st->st_ino;
	r->size = st->st_size;
	/*
	 * Start at the head: older records were written for an earlier
	 * reader. From the moment we are counted the client writes here
	 * instead of firing its USDT probe.
	 */
	r->tail = r->snap = stamps_head(&r->v);
	stamps_reader_attach(&r->v, now_ns);
	cs->rings_mapped++;
	cs->nused++;
	lp_info("client stamps: mapped the ring of pid %u (%u records)", pid,
		r->v.nrecs);
}

static void scan_pid(struct client_stamps *cs, uint32_t pid, uint64_t now_ns)
{
	char dir[64], path[384], link[128];
	struct dirent *d;
	struct stat st;
	size_t nlen = strlen("/memfd:" LP_STAMPS_MEMFD_NAME);
	int k = 0;
	ssize_t n;
	DIR *dp;

	snprintf(dir, sizeof(dir), "/proc/%u/fd", pid);
	dp = opendir(dir);
	if (!dp)
		return;
	while ((d = readdir(dp)) && k++ < SCAN_FDS) {
		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n < (ssize_t)nlen)
			continue;
		link[n] = '\0';
		/* "/memfd:lp_stamps (deleted)" */
		if (strncmp(link, "/memfd:" LP_STAMPS_MEMFD_NAME, nlen) ||
		    (link[nlen] && link[nlen] != ' '))
			continue;
		if (stat(path, &st) || ring_known(cs, pid, st.st_ino))
			continue;
		ring_attach(cs, pid, path, &st, now_ns);
		if (cs->pid)
			cs->exact_pid_ring = true;
	}
	closedir(dp);
}

static void scan_all(struct client_stamps *cs, uint64_t now_ns)
{
	char exe[64], link[PATH_MAX];
	struct dirent *d;
	unsigned long pid;
	int k = 0;
	ssize_t n;
	DIR *dp;

	if (cs->pid) {
		scan_pid(cs, cs->pid, now_ns);
		return;
	}
	dp = opendir("/proc");
	if (!dp)
		return;
	while ((d = readdir(dp)) && k++ < SCAN_PROCS) {
		char *end;

		pid = strtoul(d->d_name, &end, 10);
		if (!isdigit((unsigned char)d->d_name[0]) || *end ||
		    pid > UINT32_MAX)
			continue;
		snprintf(exe, sizeof(exe), "/proc/%lu/exe", pid);
		n = readlink(exe, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (!strcmp(link, cs->path))
			scan_pid(cs, (uint32_t)pid, now_ns);
	}
	closedir(dp);
}

static void ring_release(struct client_stamps *cs, struct ring *r)
{
	stamps_reader_detach(&r->v);
	munmap(r->v.base, r->size);
	r->used = false;
	cs->nused--;
}

struct client_stamps *client_stamps_new(const struct lp_opts *o,
					const char *client_path, struct corr *c,
					struct probe_info *pi)
{
	struct client_stamps *cs;

	if (!o->client)
		return NULL;
	cs = calloc(1, sizeof(*cs));
	if (!cs)
		return NULL;
	cs->c = c;
	cs->pid = o->client_pid;
	cs->path = client_path;
	scan_all(cs, now_ns(CLOCK_MONOTONIC));
	cs->next_scan = now_ns(CLOCK_MONOTONIC) + SCAN_NS;
	if (cs->rings_mapped) {
		pi->used = MECH_STAMPS;
		snprintf(
			pi->why, sizeof(pi->why),
			"stamps ring (memfd " LP_STAMPS_MEMFD_NAME
			") found in %llu process(es); the USDT probe stays attached for clients without one",
			(unsigned long long)cs->rings_mapped);
	} else if (cs->pid) {
		snprintf(
			pi->why, sizeof(pi->why),
			"no stamps ring in pid %u (client without lp_stamps, or LP_STAMPS=0): using the USDT probe",
			cs->pid);
	} else {
		snprintf(
			pi->why, sizeof(pi->why),
			"no running %s has a stamps ring yet: USDT until one does (/proc rescanned every second)",
			cs->path);
	}
	return cs;
}

void client_stamps_scan(struct client_stamps *cs, uint64_t now_ns)
{
	if (!cs || now_ns < cs->next_scan)
		return;
	cs->next_scan = now_ns + SCAN_NS;
	/* PID mode keeps looking until the client has made its ring */
	for (int i = 0; i < MAX_RINGS; i++)
		if (cs->rings[i].used && kill(cs->rings[i].pid, 0) &&
		    errno == ESRCH)
			cs->rings[i].dead = true;
	if (cs->pid && cs->exact_pid_ring)
		return;
	scan_all(cs, now_ns);
}

void client_stamps_snapshot(struct client_stamps *cs)
{
	if (!cs)
		return;
	for (int i = 0; i < MAX_RINGS; i++)
		if (cs->rings[i].used)
			cs->rings[i].snap = stamps_head(&cs->rings[i].v);
}

/* The struct sock of connection @id, 0 if the kernel has not shown it. */
static uint64_t conn_sk(struct client_stamps *cs, struct ring *r, uint64_t id,
			int32_t *fd)
{
	struct lp_stamps_conn sc;
	struct lp_sock_info t = {};
	unsigned int slot = id % CACHE;
	uint64_t sk;

	*fd = -1;
	if (!id)
		return 0;
	if (r->cache[slot].id == id && corr_lookup(cs->c, r->cache[slot].sk))
		return r->cache[slot].sk;
	if (stamps_conn(&r->v, id, &sc)) {
		cs->no_conn++; /* the slot was reused: too many connections */
		return 0;
	}
	*fd = sc.fd;
	t.family = sc.family;
	t.sport = sc.lport;
	t.dport = sc.rport;
	memcpy(t.saddr, sc.laddr, sizeof(t.saddr));
	memcpy(t.daddr, sc.raddr, sizeof(t.daddr));
	sk = corr_sk_by_tuple(cs->c, &t);
	if (sk) {
		r->cache[slot].id = id;
		r->cache[slot].sk = sk;
	}
	return sk;
}

static void feed(struct client_stamps *cs, struct ring *r,
		 const struct lp_stamps_rec *rec)
{
	struct lp_event e;

	memset(&e, 0, sizeof(e));
	e.h.type = LP_EV_MSG;
	e.h.ts_ns = rec->published_ns ? rec->published_ns : rec->parsed_ns;
	e.h.sk = conn_sk(cs, r, rec->conn, &e.msg.fd);
	e.h.tgid = r->pid;
	e.h.tid = rec->tid;
	e.msg.frame_ns = rec->frame_ns;
	e.msg.parsed_ns = rec->parsed_ns;
	e.msg.published_ns = rec->published_ns;
	e.msg.exch_ns = rec->exch_ns;
	e.msg.offset = rec->offset;
	e.msg.len = rec->len;
	corr_event(cs->c, &e, lp_event_size(LP_EV_MSG));
}

static void apply_closes(struct client_stamps *cs, uint64_t before_gen)
{
	unsigned int k = 0;

	for (unsigned int i = 0; i < cs->nclose; i++) {
		if (cs->closes[i].gen < before_gen)
			corr_event(cs->c, &cs->closes[i].e,
				   lp_event_size(LP_EV_CLOSE));
		else
			cs->closes[k++] = cs->closes[i];
	}
	cs->nclose = k;
}

/*
 * Feed the snapshot's records whose frame came before t (0: all of them).
 * Called before each kernel record of the drain with that record's time,
 * so a message meets the reads of its moment: its own read is in (it
 * returned before the frame), and no more than the reads since then, which
 * a consumer that fell behind would otherwise have pushed out of the
 * connection's read history before the message came.
 */
static void feed_before(struct client_stamps *cs, uint64_t t)
{
	for (int i = 0, seen = 0; i < MAX_RINGS && seen < (int)cs->nused;
	     i++) {
		struct ring *r = &cs->rings[i];
		/* bounded: each step moves tail toward snap, a lap skips */
		unsigned int budget = r->v.nrecs + 2;

		if (!r->used)
			continue;
		seen++;
		while (budget--) {
			if (!r->have_peek) {
				if (r->tail == r->snap)
					break;
				if (!stamps_next(&r->v, &r->tail, r->snap,
						 &r->peek, &cs->n))
					continue;
				r->have_peek = true;
			}
			if (t && r->peek.frame_ns >= t)
				break;
			r->have_peek = false;
			feed(cs, r, &r->peek);
		}
	}
}

void client_stamps_process(struct client_stamps *cs, uint64_t now_ns)
{
	if (!cs)
		return;
	feed_before(cs, 0);
	for (int i = 0; i < MAX_RINGS; i++) {
		struct ring *r = &cs->rings[i];

		if (!r->used)
			continue;
		stamps_reader_beat(&r->v, now_ns);
		/* a client that exited: its last records are read, let go */
		if (r->dead && !r->have_peek && r->tail == stamps_head(&r->v))
			ring_release(cs, r);
	}
	/*
	 * A close waits one more poll: the client may have stamped its last
	 * messages after our snapshot but closed before the drain.
	 */
	apply_closes(cs, cs->gen++);
}

void client_stamps_event(struct client_stamps *cs, const void *data,
			 size_t size)
{
	const struct lp_event *e = data;

	if (!cs->nused && !cs->nclose) {
		corr_event(cs->c, data, size);
		return;
	}
	if (size >= sizeof(e->h)) {
		/* the client's messages framed before this record first */
		if (cs->nused)
			feed_before(cs, e->h.ts_ns);
		/* a recycled struct sock: its old connection ends first */
		for (unsigned int i = 0; i < cs->nclose; i++)
			if (cs->closes[i].e.h.sk == e->h.sk) {
				cs->closes_early++;
				apply_closes(cs, UINT64_MAX);
				break;
			}
		if (e->h.type == LP_EV_CLOSE &&
		    size == lp_event_size(LP_EV_CLOSE)) {
			if (cs->nclose == MAX_CLOSES) {
				cs->closes_early++;
				apply_closes(cs, UINT64_MAX);
			}
			/* the record's size, not the union's: it ends there */
			memcpy(&cs->closes[cs->nclose].e, e, size);
			cs->closes[cs->nclose++].gen = cs->gen;
			return;
		}
	}
	corr_event(cs->c, data, size);
}

bool client_stamps_totals(struct client_stamps *cs, struct probe_info *pi,
			  struct stamps_totals *t)
{
	if (!cs)
		return false;
	if (cs->rings_mapped && pi->used != MECH_STAMPS) {
		pi->used = MECH_STAMPS;
		snprintf(
			pi->why, sizeof(pi->why),
			"stamps ring found in %llu process(es) started after attach; USDT for the others (%llu hits)",
			(unsigned long long)cs->rings_mapped,
			(unsigned long long)pi->hits);
	}
	*t = (struct stamps_totals){
		.rings = cs->rings_mapped,
		.rings_refused = cs->rings_refused,
		.records = cs->n.records,
		.torn = cs->n.torn,
		.overrun = cs->n.overrun,
		.bad_head = cs->n.bad_head,
		.unknown_connection = cs->no_conn,
	};
	return true;
}

uint64_t client_stamps_lost(const struct client_stamps *cs)
{
	return cs ? cs->n.overrun + cs->n.torn : 0;
}

void client_stamps_finish(struct client_stamps *cs)
{
	if (!cs)
		return;
	apply_closes(cs, UINT64_MAX);
	for (int i = 0; i < MAX_RINGS; i++)
		if (cs->rings[i].used)
			ring_release(cs, &cs->rings[i]);
}

void client_stamps_free(struct client_stamps *cs)
{
	client_stamps_finish(cs);
	free(cs);
}
