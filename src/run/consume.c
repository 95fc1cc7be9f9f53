// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The run once everything is attached: the consumer loop and its 1 s tick,
 * then the drain after the producers are stopped (run.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "attach_callback.h"
#include "client_stamps.h"
#include "live.h"
#include "log.h"
#include "metrics.h"
#include "now.h"
#include "run.h"

volatile sig_atomic_t lp_exiting;

static void status_line(struct corr *c, struct lp_loader *L, double dt,
			uint64_t *last_reads)
{
	const struct hist *h = &c->stages[ST_TOTAL];
	uint64_t st[LP_S_MAX];
	bool tty = isatty(STDERR_FILENO);

	loader_read_stats(L, st);
	fprintf(stderr,
		"%s%8.0f reads/s  lost %llu  sockets %llu  total p50 %.1f us  p99 %.1f us  (n=%llu)%s%s",
		tty ? "\r\033[K" : "", (corr_reads(c) - *last_reads) / dt,
		(unsigned long long)st[LP_S_LOST],
		(unsigned long long)c->t.conns_live,
		hist_quantile(h, 0.50) / 1e3, hist_quantile(h, 0.99) / 1e3,
		(unsigned long long)h->count,
		c->t.conns_not_tracked ? "  CONNECTION CAP REACHED" : "",
		tty ? "" : "\n");
	*last_reads = corr_reads(c);
}

/*
 * After detach, what the kernel still holds goes to the correlator: the
 * loader reads it, the correlator takes it (neither calls the other).
 */
static void drain_kernel_state(struct lp_loader *L, struct corr *c)
{
	struct lp_pending_seg *segs;
	struct lp_live_sock *socks;
	int n;

	n = loader_read_held_segs(L, &segs);
	for (int i = 0; i < n; i++)
		corr_held_seg(c, &segs[i]);
	free(segs);
	n = loader_read_live_socks(L, &socks);
	for (int i = 0; i < n; i++)
		corr_live_sock(c, &socks[i]);
	free(socks);
}

void run_consume(struct lp_run *r)
{
	const struct lp_opts *o = r->o;
	struct lp_loader *L = r->L;
	struct corr *c = r->c;
	struct cb_attach *cb = r->cb;
	struct client_stamps *stamps = r->stamps;
	struct metrics *metrics = r->metrics;
	struct ring_buffer *rb = r->rb;
	uint64_t t0 = r->t0, next_status = t0 + 1000000000ULL, last_reads = 0;
	uint64_t deadline =
		o->duration > 0 ? t0 + (uint64_t)(o->duration * 1e9) : 0;
	bool cap_warned = false, flushed;
	char every_path[PATH_MAX];
	int err;

	/* batched reads: a message may come before its read (corr_pending.c) */
	c->reads_late = L->flush_link != NULL;
	while (!lp_exiting) {
		uint64_t now;

		/*
		 * Wake-up policy: epoll on the ring fd with a 10 ms timeout
		 * (--poll-interval), at normal priority; the BPF side forces
		 * a wake-up only when a quarter of the ring is pending.
		 * Measured against the traced client's tail (paced feed at
		 * 100 and 20k msg/s, scripts/bench_wakeup.sh ->
		 * results/bench_wakeup.md): a 100 ms timer put the p99 at
		 * 20k msg/s above 8 ms in 2 of 3 rounds (each drain is ten
		 * times bigger and lands on a busy CPU); SCHED_IDLE and nice
		 * 19 gave no gain beyond the run-to-run spread and would
		 * starve the consumer behind a busy-polling client. So the
		 * 10 ms timer stays.
		 */
		err = ring_buffer__poll(rb, o->poll_ms);
		if (err == -EINTR) {
			/* a signal, or a stop and continue (Ctrl-Z, fg): not the end */
			err = 0;
			continue;
		}
		if (err < 0) {
			/* the report is still written; the exit says it is cut short */
			lp_err("polling the ring buffer: %s; stopping early",
			       strerror(-err));
			r->poll_failed = true;
			break;
		}
		/*
		 * records submitted without a wake-up are only seen here; a
		 * client's stamps after the kernel reads that precede them
		 */
		client_stamps_snapshot(stamps);
		/* reads still queued in the kernel, before the status tick */
		flushed = now_ns(CLOCK_MONOTONIC) >= next_status;
		if (flushed) {
			corr_msgs_flush_begin(c);
			loader_batch_flush(L);
		}
		ring_buffer__consume(rb);
		now = now_ns(CLOCK_MONOTONIC);
		client_stamps_process(stamps, now);
		/* messages waiting since before the flush have their reads */
		if (flushed)
			corr_msgs_settle(c);
		if (deadline && now >= deadline)
			break;
		if (now >= next_status) {
			if (callback_client_gone(cb, now)) {
				lp_err("--client %u exited after %.1f s; stopping (the report says so)",
				       cb->pid, (now - t0) / 1e9);
				break;
			}
			loader_poll_nic(L);
			for (unsigned int i = 0; i < r->ntargets; i++)
				if (target_poll(&r->targets[i],
						(now - t0) / 1e9))
					lp_err("%s %u exited after %.1f s; still tracing (the report's targets say so)",
					       r->targets[i].flag,
					       r->targets[i].pid,
					       r->targets[i].exited_after_s);
			if (c->t.conns_not_tracked && !cap_warned) {
				lp_err("--max-connections %u reached: further connections are counted, not tracked; the report will be degraded",
				       c->cfg.max_conns);
				cap_warned = true;
			}
			client_stamps_scan(stamps, now);
			if (metrics || o->live) {
				uint64_t st[LP_S_MAX];

				loader_read_stats(L, st);
				metrics_tick(metrics, c, st, L->probes);
				if (o->live)
					live_tick(stdout, c, st);
			}
			if (!o->quiet && !o->live)
				status_line(c, L, (now - next_status) / 1e9 + 1,
					    &last_reads);
			next_status = now + 1000000000ULL;
			if (r->every &&
			    report_every_due(r->every, now, every_path,
					     sizeof(every_path)))
				r->report_so_far(r, every_path);
		}
	}
}

void run_drain(struct lp_run *r, struct overhead *ov)
{
	struct lp_loader *L = r->L;
	struct client_stamps *stamps = r->stamps;

	callback_detach(r->cb);
	loader_detach(L);
	overhead_stop(ov); /* detached: no program runs any more */
	client_stamps_snapshot(stamps);
	loader_batch_flush(L);
	loader_tls_carry_flush(L);
	ring_buffer__consume(r->rb);
	client_stamps_process(stamps, now_ns(CLOCK_MONOTONIC));
	corr_msgs_settle_all(r->c); /* detached, flushed: no read to come */
	client_stamps_finish(stamps);
	drain_kernel_state(L, r->c);
	if (!r->o->quiet && isatty(STDERR_FILENO))
		fputc('\n', stderr); /* the status line ends */
	if (lp_exiting && lp_exiting != SIGINT && lp_exiting != SIGTERM)
		lp_err("stopped by SIG%s: writing the report as at Ctrl-C",
		       sigabbrev_np(lp_exiting) ? sigabbrev_np(lp_exiting) : "RT");
}
