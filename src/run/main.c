// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * latprobe: per-stage latency of every TCP receive (and market-data message)
 * from the NIC to user space. Phases: parse, preflight, open + negotiate,
 * load + attach, ring buffer, the run (consume.c: poll loop, drain), report,
 * cleanup.
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
#include "term_safe.h"
#include "now.h"
#include "out_file.h"
#include "metrics.h"
#include "opts.h"
#include "overhead.h"
#include "probe_calib.h"
#include "privs.h"
#include "report_json.h"
#include "report/findings.h"
#include "report/report_view.h"
#include "run.h"
#include "target.h"

static struct client_stamps *stamps; /* --client: rings of stamps */
static char esc[LP_ESC_MAX]; /* an untrusted path, escaped for a line */

static void on_signal(int sig)
{
	lp_exiting = sig;
}

/*
 * Every signal whose default would end the run ends it the way Ctrl-C does:
 * detach, drain, write the report (an ssh drop is SIGHUP, a `kill -USR1` a
 * typo away). SIGPIPE and SIGXFSZ are ignored: a closed stderr or stdout
 * (`2>&1 | head -1`) is no reason to stop, and a failed write of the report
 * gets its error (EPIPE, EFBIG) and the fallback file.
 */
static void catch_stop_signals(void)
{
	static const int stop[] = {SIGINT,  SIGTERM, SIGHUP,  SIGQUIT,
				   SIGUSR1, SIGUSR2, SIGALRM, SIGVTALRM,
				   SIGPROF, SIGXCPU, SIGPWR,  SIGSTKFLT,
				   SIGIO};
	struct sigaction sa = {.sa_handler = on_signal};

	for (size_t i = 0; i < sizeof(stop) / sizeof(stop[0]); i++)
		sigaction(stop[i], &sa, NULL);
	for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		sigaction(sig, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
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
 * No --output: the run still ends with something to keep, the table
 * `latprobe report FILE` would print for this report (breakdown.c).
 */
static int print_breakdown(const cJSON *root)
{
	struct report_view v;

	if (report_view_json(&v, root, "(this run)"))
		return -EINVAL;
	fputc('\n', stdout);
	breakdown_print(stdout, &v);
	fflush(stdout);
	return 0;
}

/* With --output the table is the file's: its findings still end the run. */
static void print_findings(const cJSON *root)
{
	struct report_view v;

	if (!report_view_json(&v, root, "(this run)"))
		findings_print(stderr, &v);
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
	struct stamps_totals st;
	bool has_stamps;
	cJSON *root;
	int err;

	loader_read_stats(L, in.stats);
	loader_probe_hits(L, in.stats);
	in.ndrops = loader_read_drops(L, drops, LP_DROPS_MAX_ENTRIES);
	if (!o->output && o->quiet)
		return 0;
	has_stamps = client_stamps_totals(stamps, &L->probes[PR_CLIENT_MESSAGE],
					  &st);
	root = report_build(&in);
	if (!root)
		return -ENOMEM;
	if (has_stamps)
		report_stamps_json(root, &st);
	if (client_stamps_lost(stamps)) {
		char why[160];

		snprintf(why, sizeof(why),
			 "%llu client stamps records overwritten or torn before they were read: those messages are missing",
			 (unsigned long long)client_stamps_lost(stamps));
		report_degrade(root, why, false);
	}
	if (!o->quiet)
		overhead_summary_print(stderr, cJSON_GetObjectItemCaseSensitive(
						       root, "overhead"));
	report_callback_json(root, cb, o, in.stats, c->t.msgs_seen,
			     c->t.msgs_exch_time);
	if (!o->output) {
		err = print_breakdown(root);
		cJSON_Delete(root);
		return err;
	}
	if (!o->quiet)
		print_findings(root);
	err = report_write_file(o->output, root);
	if (err) {
		char alt[PATH_MAX];
		int err2 = report_write_fallback(root, alt, sizeof(alt));

		/* the run's measurement survives a late failure of --output */
		if (!err2)
			lp_err("writing %s: %s; the report was written to %s instead",
			       o->output, out_strerror(err), alt);
		else
			lp_err("writing %s: %s, and to a fallback in $TMPDIR, /var/tmp and /tmp: %s",
			       o->output, out_strerror(err),
			       out_strerror(err2));
	}
	cJSON_Delete(root);
	return err;
}

/* What --report-every's writer needs beside the run (struct lp_run). */
struct so_far_ctx {
	const struct timespec *start;
	const uint64_t *clk_err;
	struct overhead *ov;
};

/* --report-every: the run so far, while it goes on; the oldest rotated out */
static void report_so_far(struct lp_run *r, const char *path)
{
	const struct so_far_ctx *x = r->report_ctx;
	struct lp_opts po = *r->o;
	struct overhead so_far = *x->ov;

	po.output = path;
	overhead_stop(&so_far); /* the cost until now; ov itself runs on */
	if (write_report(&po, r->L, r->cb, r->c, x->start, r->t0, *x->clk_err,
			 r->targets, r->ntargets, &so_far))
		return;
	lp_info("report written to %s", path);
	report_every_rotate(r->every);
}

/* The run's last line: where its report went. */
static void say_written(const struct lp_opts *o, const struct corr *c)
{
	fprintf(stderr, "latprobe: %llu events, report written to %s\n",
		(unsigned long long)c->t.events,
		strcmp(o->output, "-") ? lp_esc(esc, sizeof(esc), o->output)
				       : "stdout");
}

/*
 * User-space probes attached: time their mechanism before tracing, report
 * it, and take the part of the traps their stamps carry out of the stages.
 */
static void calibrate(struct probe_calib *pc, const struct lp_loader *L,
		      const struct cb_attach *cb, struct overhead *ov,
		      struct corr *c)
{
	const struct lp_calib_kind *k = &pc->k[CAL_UPROBE_RETURN];

	if (!cb->on && !L->tls.nlinks &&
	    L->probes[PR_CLIENT_MESSAGE].used == MECH_NONE)
		return;
	probe_calib_run(pc);
	if (lp_verbose)
		probe_calib_print(pc);
	ov->calib = pc;
	if (pc->ran && k->done)
		corr_set_probe_bias(c, &(struct corr_trap_bias){
			.gap_ns = k->gap_ns,
			.front_ns = k->front_ns,
			.ret_front_ns = k->ret_front_ns,
		}, cb->on);
}

/* Checks that need no kernel objects, before attaching anything. */
static int preflight(const struct lp_opts *o, struct lp_target *pid_target)
{
	int err;

	if (check_privileges())
		return -EPERM;
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		lp_err("kernel BTF missing (/sys/kernel/btf/vmlinux): a kernel built with CONFIG_DEBUG_INFO_BTF=y is required");
		return -ENOENT;
	}
	if (o->output && (err = out_check(o->output))) {
		lp_err("--output %s: cannot write there: %s", o->output,
		       out_strerror(err));
		return err;
	}
	if (o->output && o->live && out_is_stdout(o->output)) {
		lp_err("--output %s and --live both write to stdout: choose one",
		       o->output);
		return -EINVAL;
	}
	if ((err = report_every_check(&o->every))) {
		lp_err("--report-dir %s: cannot write there: %s", o->every.dir,
		       strerror(-err));
		return err;
	}
	/* a PID that is not there would be traced for nothing, all run long */
	return target_check(pid_target) ? -ESRCH : 0;
}

/* The correlator, with the clock offset measured now (its error: *clk_err). */
static struct corr *new_corr(const struct lp_opts *o, struct nic_source *ns,
			     uint64_t *clk_err)
{
	struct corr_cfg cfg = {
		.per_message = o->client != NULL,
		.max_conns = o->max_conns,
		.realtime_offset_ns = realtime_offset(clk_err),
		.nic_lookup = nic_lookup, /* ns is filled once loaded */
		.nic_ctx = ns,
	};
	struct corr *c;

	if (o->sched_csv && !(cfg.sched_csv = fopen(o->sched_csv, "w"))) {
		lp_err("--sched-csv %s: %s", o->sched_csv, strerror(errno));
		return NULL;
	}
	c = corr_new(&cfg);
	if (!c) {
		lp_err("out of memory");
		if (cfg.sched_csv)
			fclose(cfg.sched_csv);
	}
	return c;
}

static void count_overhead(struct overhead *ov, const struct lp_opts *o,
			   const struct lp_loader *L,
			   const struct cb_attach *cb)
{
	int err;

	/*
	 * Our own cost, measured for every run: BPF run-time stats on now,
	 * while we still have CAP_SYS_ADMIN; reading them back later needs
	 * only the program fds.
	 */
	overhead_init(ov, !o->no_bpf_stats);
	if (ov->stats_fd < 0 && !ov->disabled)
		lp_info("BPF run-time stats unavailable (%s): the report's overhead section has no BPF run time",
			strerror(-ov->stats_fd));
	if ((err = overhead_add_object(ov, L->skel->obj)) ||
	    (cb->skel && (err = overhead_add_object(ov, cb->skel->obj))) ||
	    (L->tls.skel && (err = overhead_add_object(ov, L->tls.skel->obj))))
		lp_info("overhead: not every program is counted: %s",
			strerror(-err));
}

int main(int argc, char **argv)
{
	struct lp_loader L = {};
	struct nic_source nic_src = {};
	struct overhead ov = { .stats_fd = -EBADF };
	static struct probe_calib calib;
	struct cb_attach cb = {};
	struct ring_buffer *rb = NULL;
	struct metrics *metrics = NULL;
	struct corr *c = NULL;
	struct lp_opts o;
	struct timespec start;
	struct lp_target targets[2] = { { .flag = "--pid" },
					{ .flag = "--client" } };
	struct report_every every;
	uint64_t t0, clk_err;
	struct so_far_ctx so_far = {
		.start = &start, .clk_err = &clk_err, .ov = &ov};
	struct lp_run r = {
		.o = &o, .L = &L, .cb = &cb, .targets = targets, .ntargets = 2,
		.report_so_far = report_so_far, .report_ctx = &so_far};
	int err;

	if (argc > 1 && !strcmp(argv[1], "report"))
		return report_cmd_main(argc - 1, argv + 1);
	if (lp_parse_args(argc, argv, &o))
		return 2;
	/* before anything slow: a signal during load still ends cleanly */
	catch_stop_signals();
	lp_verbose = o.verbose;
	libbpf_set_print(libbpf_print);

	targets[0].pid = o.pid;
	if (preflight(&o, &targets[0]))
		return 1;
	o.pid = targets[0].pid; /* a thread's id: its process */
	c = new_corr(&o, &nic_src, &clk_err);
	if (!c)
		return 1;

	/* --metrics: listen before attaching, so a busy port fails fast */
	if (o.metrics && (err = metrics_start(&metrics, &o)))
		goto cleanup;

	err = loader_open(&L, &o, c->cfg.realtime_offset_ns);
	/* a wrong symbol fails here, before anything is loaded */
	if (!err)
		err = callback_resolve(&cb, &o, L.client_path,
				       &L.probes[PR_CALLBACK]);
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
	count_overhead(&ov, &o, &L, &cb);
	err = 0;
	calibrate(&calib, &L, &cb, &ov, c);
	/* loading parsed vmlinux BTF (megabytes, freed): give the heap back */
	malloc_trim(0);
	/* before dropping privileges: opening /proc/PID/fd needs them */
	stamps = client_stamps_new(&o, L.client_path, c,
				   &L.probes[PR_CLIENT_MESSAGE]);
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
	every = o.every; /* its schedule is the run's, not an option */
	report_every_start(&every, t0);
	cb.t0_ns = t0;
	if (!o.quiet)
		fprintf(stderr, "latprobe: tracing%s... Ctrl-C to stop\n",
			o.client ? " (with client probes)" : "");

	r.c = c;
	r.stamps = stamps;
	r.metrics = metrics;
	r.rb = rb;
	r.t0 = t0;
	r.every = every.every_s ? &every : NULL;
	run_consume(&r);
	run_drain(&r, &ov);
	err = write_report(&o, &L, &cb, c, &start, t0, clk_err, targets, 2, &ov);
	if (!err && !o.quiet && o.output)
		say_written(&o, c);

cleanup:
	overhead_close(&ov); /* the host's BPF stats off again */
	ring_buffer__free(rb);
	client_stamps_free(stamps);
	metrics_stop(metrics);
	callback_destroy(&cb);
	nic_source_close(&nic_src);
	loader_destroy(&L);
	if (c && c->cfg.sched_csv && fclose(c->cfg.sched_csv))
		err = err ? err : -EIO;
	corr_free(c);
	return err || r.poll_failed ? 1 : 0;
}
