// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * latprobe: per-stage latency of every TCP receive (and market-data message)
 * from the NIC to user space. Phases: parse, check, open + negotiate, load +
 * attach, ring buffer, poll loop, report, cleanup.
 */
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <bpf/libbpf.h>
#include "attach_callback.h"
#include "client_stamps.h"
#include "client.skel.h"
#include "tls.skel.h"
#include "correlator.h"
#include "live.h"
#include "loader.h"
#include "log.h"
#include "now.h"
#include "metrics.h"
#include "opts.h"
#include "overhead.h"
#include "privs.h"
#include "report.h"
#include "report/report_view.h"
#include "target.h"


static volatile sig_atomic_t exiting;
static struct client_stamps *stamps; /* --client: rings of stamps */

static void on_signal(int sig)
{
	exiting = 1;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list args)
{
	if (level == LIBBPF_DEBUG && !lp_verbose)
		return 0;
	if (!lp_verbose)
		return 0; /* failures are reported by latprobe in one line */
	return vfprintf(stderr, fmt, args);
}

static int check_privileges(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = {};

	if (geteuid() == 0)
		return 0;
	if (syscall(SYS_capget, &hdr, data) == 0 &&
	    (data[CAP_BPF / 32].effective & (1u << (CAP_BPF % 32))) &&
	    (data[CAP_PERFMON / 32].effective & (1u << (CAP_PERFMON % 32))))
		return 0;
	lp_err("needs root or CAP_BPF+CAP_PERFMON (try: sudo latprobe ...)");
	return -EPERM;
}

static int handle_event(void *ctx, void *data, size_t size)
{
	if (stamps)
		client_stamps_event(stamps, data, size);
	else
		corr_event(ctx, data, size);
	return 0;
}

static void status_line(struct corr *c, struct lp_loader *L, double dt,
			uint64_t *last_events)
{
	const struct hist *h = &c->stages[ST_TOTAL];
	uint64_t st[LP_S_MAX];
	bool tty = isatty(STDERR_FILENO);

	loader_read_stats(L, st);
	fprintf(stderr,
		"%s%8.0f events/s  lost %llu  sockets %llu  total p50 %.1f us  p99 %.1f us  (n=%llu)%s%s",
		tty ? "\r\033[K" : "", (c->t.events - *last_events) / dt,
		(unsigned long long)st[LP_S_LOST],
		(unsigned long long)c->t.conns_live,
		hist_quantile(h, 0.50) / 1e3, hist_quantile(h, 0.99) / 1e3,
		(unsigned long long)h->count,
		c->t.conns_not_tracked ? "  CONNECTION CAP REACHED" : "",
		tty ? "" : "\n");
	*last_events = c->t.events;
}

static void print_probes(const struct lp_loader *L)
{
	for (int i = 0; i < PR_MAX; i++) {
		const struct probe_info *p = &L->probes[i];

		lp_info("probe %-20s %-10s via %s%s%s", p->name,
			lp_mech_names[p->used], p->attach_point,
			*p->why ? " | " : "", p->why);
	}
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

static int write_report(const struct lp_opts *o, struct lp_loader *L,
			const struct cb_attach *cb, struct corr *c,
			const struct timespec *start, uint64_t t0,
			uint64_t clk_err,
			const struct lp_target *targets, unsigned int ntargets,
			const struct overhead *ov)
{
	struct port_drops drops[LP_DROPS_MAX_ENTRIES];
	struct report_in in = {
		.corr = c,
		.probes = L->probes,
		.start = *start,
		.duration = (now_ns(CLOCK_MONOTONIC) - t0) / 1e9,
		.drops = drops,
		.ringbuf_bytes = o->ringbuf_size,
		.read_batch = L->flush_link ? LP_READS_BATCH : 0,
		.clock_err_ns = clk_err,
		.version = LP_VERSION,
		.targets = targets,
		.ntargets = ntargets,
		.ov = ov,
	};
	cJSON *root;
	int err;

	loader_read_stats(L, in.stats);
	loader_probe_hits(L, in.stats);
	in.ndrops = loader_read_drops(L, drops, LP_DROPS_MAX_ENTRIES);
	if (!o->output)
		return 0;
	client_stamps_report(stamps, &L->probes[PR_CLIENT_MESSAGE], NULL);
	root = report_build(&in);
	if (!root)
		return -ENOMEM;
	client_stamps_report(stamps, &L->probes[PR_CLIENT_MESSAGE], root);
	callback_report(cb, o, in.stats, c->t.msgs_seen, c->t.msgs_exch_time,
			root);
	err = report_write_file(o->output, root);
	if (err) {
		char alt[PATH_MAX];
		int err2 = report_write_fallback(root, alt, sizeof(alt));

		/* the run's measurement survives a late failure of --output */
		if (!err2)
			lp_err("writing %s: %s; the report was written to %s instead",
			       o->output, strerror(-err), alt);
		else
			lp_err("writing %s: %s, and to a fallback in $TMPDIR, /var/tmp and /tmp: %s",
			       o->output, strerror(-err), strerror(-err2));
	}
	cJSON_Delete(root);
	return err;
}

int main(int argc, char **argv)
{
	struct corr_cfg cfg = {};
	struct lp_loader L = {};
	struct nic_source nic_src = {};
	struct overhead ov = { .stats_fd = -EBADF };
	struct cb_attach cb = {};
	struct ring_buffer *rb = NULL;
	struct metrics *metrics = NULL;
	struct corr *c = NULL;
	struct lp_opts o;
	struct sigaction sa = { .sa_handler = on_signal };
	struct timespec start;
	struct lp_target targets[2] = { { .flag = "--pid" },
					{ .flag = "--client" } };
	bool cap_warned = false, poll_failed = false;
	uint64_t t0, next_status, deadline, clk_err, last_events = 0;
	int err;

	if (argc > 1 && !strcmp(argv[1], "report"))
		return report_cmd_main(argc - 1, argv + 1);
	if (lp_parse_args(argc, argv, &o))
		return 2;
	/* before anything slow: a signal during load still ends cleanly */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	lp_verbose = o.verbose;
	libbpf_set_print(libbpf_print);

	/* checks that need no kernel objects, before attaching anything */
	if (check_privileges())
		return 1;
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		lp_err("kernel BTF missing (/sys/kernel/btf/vmlinux): a kernel built with CONFIG_DEBUG_INFO_BTF=y is required");
		return 1;
	}
	if (o.output && (err = report_check_writable(o.output))) {
		lp_err("--output %s: cannot write there: %s", o.output,
		       strerror(-err));
		return 1;
	}

	/* a PID that is not there would be traced for nothing, all run long */
	targets[0].pid = o.pid;
	if (target_check(&targets[0]))
		return 1;

	cfg.per_message = o.client != NULL;
	cfg.max_conns = o.max_conns;
	cfg.realtime_offset_ns = realtime_offset(&clk_err);
	o.realtime_offset_ns = cfg.realtime_offset_ns;
	cfg.nic_lookup = nic_lookup; /* nic_src is filled once loaded */
	cfg.nic_ctx = &nic_src;
	if (o.sched_csv && !(cfg.sched_csv = fopen(o.sched_csv, "w"))) {
		lp_err("--sched-csv %s: %s", o.sched_csv, strerror(errno));
		return 1;
	}
	c = corr_new(&cfg);
	if (!c) {
		lp_err("out of memory");
		return 1;
	}

	/* --metrics: listen before attaching, so a busy port fails fast */
	if (o.metrics && (err = metrics_start(&metrics, &o)))
		goto cleanup;

	err = loader_open(&L, &o);
	/* a wrong symbol fails here, before anything is loaded */
	if (!err)
		err = callback_resolve(&cb, &o, &L.probes[PR_CALLBACK]);
	if (!err)
		err = loader_load_attach(&L, &o);
	if (!err)
		loader_nic_source(&L, &nic_src);
	if (!err)
		err = callback_attach(&cb, &o, L.skel, &L.probes[PR_CALLBACK]);
	if (err)
		goto cleanup;
	loader_batch_start(&L, &o);
	targets[1].pid = o.client_pid;
	/*
	 * Our own cost, measured for every run: BPF run-time stats on now,
	 * while we still have CAP_SYS_ADMIN; reading them back later needs
	 * only the program fds.
	 */
	overhead_init(&ov, !o.no_bpf_stats);
	if (ov.stats_fd < 0 && !ov.disabled)
		lp_info("BPF run-time stats unavailable (%s): the report's overhead section has no BPF run time",
			strerror(-ov.stats_fd));
	if ((err = overhead_add_object(&ov, L.skel->obj)) ||
	    (cb.skel && (err = overhead_add_object(&ov, cb.skel->obj))) ||
	    (L.tls.skel && (err = overhead_add_object(&ov, L.tls.skel->obj))))
		lp_info("overhead: not every program is counted: %s",
			strerror(-err));
	err = 0;
	/* loading parsed vmlinux BTF (megabytes, freed): give the heap back */
	malloc_trim(0);
	/* before dropping privileges: opening /proc/PID/fd needs them */
	stamps = client_stamps_new(&o, c, &L.probes[PR_CLIENT_MESSAGE]);
	print_probes(&L);

	rb = ring_buffer__new(bpf_map__fd(L.skel->maps.rb), handle_event, c,
			      NULL);
	if (!rb) {
		err = -errno;
		lp_err("creating the ring buffer consumer: %s", strerror(-err));
		goto cleanup;
	}
	/* everything privileged is done: keep only what the exit path needs */
	if (geteuid() == 0 && (err = lp_drop_privileges(o.client != NULL)))
		lp_info("could not drop capabilities: %s", strerror(-err));
	/* the HTTP thread starts now, with the dropped credentials */
	err = metrics_serve(metrics);
	if (err)
		goto cleanup;

	metrics_tick(metrics, c, NULL, L.probes); /* first scrape: probes */
	clock_gettime(CLOCK_REALTIME, &start);
	t0 = now_ns(CLOCK_MONOTONIC);
	overhead_start(&ov);
	cb.t0_ns = t0;
	next_status = t0 + 1000000000ULL;
	deadline = o.duration > 0 ? t0 + (uint64_t)(o.duration * 1e9) : 0;
	if (!o.quiet)
		fprintf(stderr, "latprobe: tracing%s... Ctrl-C to stop\n",
			o.client ? " (with client probes)" : "");

	while (!exiting) {
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
		err = ring_buffer__poll(rb, o.poll_ms);
		if (err == -EINTR) {
			/* a signal, or a stop and continue (Ctrl-Z, fg): not the end */
			err = 0;
			continue;
		}
		if (err < 0) {
			/* the report is still written; the exit says it is cut short */
			lp_err("polling the ring buffer: %s; stopping early",
			       strerror(-err));
			poll_failed = true;
			break;
		}
		/*
		 * records submitted without a wake-up are only seen here; a
		 * client's stamps after the kernel reads that precede them
		 */
		client_stamps_snapshot(stamps);
		/* reads still queued in the kernel, before the status tick */
		if (now_ns(CLOCK_MONOTONIC) >= next_status)
			loader_batch_flush(&L);
		ring_buffer__consume(rb);
		now = now_ns(CLOCK_MONOTONIC);
		client_stamps_process(stamps, now);
		if (deadline && now >= deadline)
			break;
		if (now >= next_status) {
			if (callback_client_gone(&cb, now)) {
				lp_err("--client %u exited after %.1f s; stopping (the report says so)",
				       cb.pid, (now - t0) / 1e9);
				break;
			}
			loader_poll_nic(&L);
			for (int i = 0; i < 2; i++)
				if (target_poll(&targets[i], (now - t0) / 1e9))
					lp_err("%s %u exited after %.1f s; still tracing (the report's targets say so)",
					       targets[i].flag, targets[i].pid,
					       targets[i].exited_after_s);
			if (c->t.conns_not_tracked && !cap_warned) {
				lp_err("--max-connections %u reached: further connections are counted, not tracked; the report will be degraded",
				       c->cfg.max_conns);
				cap_warned = true;
			}
			client_stamps_scan(stamps, now);
			if (metrics || o.live) {
				uint64_t st[LP_S_MAX];

				loader_read_stats(&L, st);
				metrics_tick(metrics, c, st, L.probes);
				if (o.live)
					live_tick(stdout, c, st);
			}
			if (!o.quiet && !o.live)
				status_line(c, &L, (now - next_status) / 1e9 + 1,
					    &last_events);
			next_status = now + 1000000000ULL;
		}
	}
	/*
	 * Stop the producers first, then drain: under sustained load a drain
	 * with live producers might never end. Nothing measured is lost.
	 */
	callback_detach(&cb);
	loader_detach(&L);
	overhead_stop(&ov); /* detached: no program runs any more */
	client_stamps_snapshot(stamps);
	loader_batch_flush(&L);
	ring_buffer__consume(rb);
	client_stamps_process(stamps, now_ns(CLOCK_MONOTONIC));
	client_stamps_finish(stamps);
	drain_kernel_state(&L, c);
	if (!o.quiet && isatty(STDERR_FILENO))
		fputc('\n', stderr);
	err = write_report(&o, &L, &cb, c, &start, t0, clk_err, targets, 2, &ov);
	if (!err && !o.quiet && o.output)
		fprintf(stderr, "latprobe: %llu events, report written to %s\n",
			(unsigned long long)c->t.events, o.output);

cleanup:
	overhead_close(&ov); /* the host's BPF stats off again */
	ring_buffer__free(rb);
	client_stamps_free(stamps);
	metrics_stop(metrics);
	callback_destroy(&cb);
	nic_source_close(&nic_src);
	loader_destroy(&L);
	corr_free(c);
	if (cfg.sched_csv && fclose(cfg.sched_csv))
		err = err ? err : -EIO;
	return err || poll_failed ? 1 : 0;
}
