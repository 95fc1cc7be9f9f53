// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <argp.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/types.h>
#include "latprobe.h" /* LP_PIN_DIR */
#include "cgroup.h"
#include "num.h"
#include "opts.h"
#include "term_safe.h"

const char *argp_program_version = "latprobe " LP_VERSION;
const char *argp_program_bug_address = NULL;

static const char doc[] =
	"Where did each microsecond go? Traces every TCP receive (and, with "
	"--client, every market-data message) from the NIC to user space and "
	"reports per-connection, per-stage latency.\v"
	"Examples:\n"
	"  latprobe --duration 10 --output x.json   # all TCP, 10 s\n"
	"  latprobe --port 9443 --verbose           # one service, until Ctrl-C\n"
	"  latprobe --client build/wsclient --duration 60 --output md.json\n"
	"  latprobe --client 4242 --callback 'md::Handler::on_message' \\\n"
	"           --payload-arg 2,3 --duration 30 --output mine.json\n"
	"  latprobe --attach tracepoint --pin       # force tracepoints, pin maps\n"
	"  latprobe report md.json                  # breakdown table of a report\n"
	"  latprobe --metrics 127.0.0.1:9464        # Prometheus /metrics while running\n"
	"  latprobe report a.json --svg a.svg       # picture of the breakdown\n"
	"  latprobe report a.json b.json            # compare two runs stage by stage\n";

enum {
	OPT_ATTACH = 0x100,
	OPT_CLIENT,
	OPT_PIN,
	OPT_PIN_DIR,
	OPT_NIC_TS,
	OPT_SAMPLE,
	OPT_RINGBUF,
	OPT_MAX_CONNS,
	OPT_METRICS,
	OPT_METRICS_MAX_CONNS,
	OPT_LIVE,
	OPT_POLL,
	OPT_NO_STATS,
	OPT_CALLBACK,
	OPT_CALLBACK_STYLE,
	OPT_PAYLOAD_ARG,
	OPT_CALLBACK_AT_ENTRY,
	OPT_NO_TLS,
	OPT_SCHED,
	OPT_SCHED_CSV,
	OPT_CGROUP,
};

static const struct argp_option options[] = {
	{ "duration", 'd', "SEC", 0, "Run for SEC seconds (0 = until Ctrl-C; default 0)", 0 },
	{ "output", 'o', "FILE", 0, "Write the JSON report (schema latprobe/1) to FILE (- for stdout); without it, the breakdown table at exit", 0 },
	{ "pid", 'p', "PID", 0, "Only sockets of process PID (a thread's id: its process)", 0 },
	{ "port", 'P', "PORT", 0, "Only connections with PORT on either side", 0 },
	{ "comm", 'c', "NAME", 0, "Only sockets of processes named NAME", 0 },
	{ "cgroup", OPT_CGROUP, "PATH", 0, "Only sockets of processes in the cgroup v2 directory PATH or below it (e.g. /sys/fs/cgroup/system.slice/docker-ID.scope)", 0 },
	{ "sample-rate", OPT_SAMPLE, "N", 0, "Trace 1 in N connections (by socket; default 1)", 0 },
	{ "attach", OPT_ATTACH, "MODE", 0, "auto|fentry|kprobe|tracepoint (default auto)", 0 },
	{ "client", OPT_CLIENT, "PATH|PID", 0, "Per-message stamps of the market-data client: its stamps ring (docs/client-stamps.md), else its USDT probe", 0 },
	{ "callback", OPT_CALLBACK, "[LIB:]SYMBOL", 0, "With --client: time every call of the client's per-message function SYMBOL (C or C++, mangled or not; LIB: in a shared library) with a uprobe + uretprobe; stages become per message", 0 },
	{ "callback-style", OPT_CALLBACK_STYLE, "plain|lws", 0, "lws: SYMBOL is a libwebsockets protocol callback (wsi, reason, user, in, len); only LWS_CALLBACK_CLIENT_RECEIVE calls count, their data gives \"E\"", 0 },
	{ "payload-arg", OPT_PAYLOAD_ARG, "N,M", 0, "SYMBOL's argument N (1-based, C++ this = 1) points to the message, argument M is its length: the first bytes give Binance's \"E\" (exchange_to_nic, total)", 0 },
	{ "callback-at-entry", OPT_CALLBACK_AT_ENTRY, NULL, OPTION_HIDDEN, "Put the --callback probes on the function's first byte (slow; for the benchmark)", 0 },
	{ "pin", OPT_PIN, NULL, 0, "Pin maps under /sys/fs/bpf/latprobe (removed on exit; refused while another run holds them there)", 0 },
	{ "pin-dir", OPT_PIN_DIR, "DIR", 0, "Pin maps in DIR (in a BPF filesystem) instead; implies --pin", 0 },
	{ "nic-timestamps", OPT_NIC_TS, NULL, 0, "Without DPDK: use the kernel's RX timestamps (skb hardware stamp, else software) as the NIC mark", 0 },
	{ "ringbuf-size", OPT_RINGBUF, "BYTES", 0, "Ring buffer size, power of 2 (default 8388608)", 0 },
	{ "max-connections", OPT_MAX_CONNS, "N", 0, "Connections kept in the report (default 4096)", 0 },
	{ "metrics", OPT_METRICS, "ADDR:PORT", 0, "Serve Prometheus metrics on http://ADDR:PORT/metrics while running", 0 },
	{ "metrics-max-connections", OPT_METRICS_MAX_CONNS, "N", 0, "Connections exported with their own label (default 20; the rest are summed as connection=\"other\")", 0 },
	{ "live", OPT_LIVE, NULL, 0, "Full-screen view refreshed every second instead of the status line", 0 },
	{ "poll-interval", OPT_POLL, "MS", 0, "Consumer timer: drain the ring at least every MS milliseconds (1-1000, default 10)", 0 },
	{ "no-bpf-stats", OPT_NO_STATS, NULL, 0, "Do not turn on BPF run-time statistics (they add ~35 ns to every BPF program run on the host); the report's overhead section then has no BPF run time", 0 },
	{ "no-tls-probes", OPT_NO_TLS, NULL, 0, "Do not probe SSL_read/SSL_read_ex of the traced process (on by default with --client, --pid or --comm: the tls_decrypt stage)", 0 },
	{ "sched", OPT_SCHED, NULL, 0, "Split wakeup_to_read into sched_delay, thread_busy and thread_blocked, and with --callback time each call off CPU (callback_off_cpu) (scheduler tracepoints, only for threads that read a traced socket or enter the callback)", 0 },
	{ "sched-csv", OPT_SCHED_CSV, "FILE", OPTION_HIDDEN, "With --sched: one line per split read (tid,wake_ns,read_end_ns,sched_delay,thread_busy,thread_blocked), for tests", 0 },
	{ "verbose", 'v', NULL, 0, "Say how each probe was attached and what the user-space probes' calibration measured; libbpf debug output", 0 },
	{ "quiet", 'q', NULL, 0, "No status line (and no table at exit)", 0 },
	{},
};

int lp_parse_ulong(const char *s, unsigned long min, unsigned long max,
		   unsigned long *out)
{
	uint64_t v;

	if (num_u64(s, min, max, &v))
		return -1;
	*out = v;
	return 0;
}

static char esc[LP_ESC_MAX]; /* an argument in an error line, escaped */

static int bad(struct argp_state *st, const char *what, const char *arg)
{
	fprintf(stderr, "latprobe: invalid %s '%s'\n", what,
		lp_esc(esc, sizeof(esc), arg));
	(void)st;
	return EINVAL;
}

/* "N,M": argument positions of a (pointer, length) pair, 1-6. */
static int parse_arg_pair(const char *s, uint8_t out[2])
{
	char a[8], *comma = strchr(s, ',');
	unsigned long n, m;

	if (!comma || (size_t)(comma - s) >= sizeof(a))
		return -1;
	memcpy(a, s, comma - s);
	a[comma - s] = '\0';
	if (lp_parse_ulong(a, 1, 6, &n) || lp_parse_ulong(comma + 1, 1, 6, &m) ||
	    n == m)
		return -1;
	out[0] = n;
	out[1] = m;
	return 0;
}

/* Flags that only make sense together. */
static int check_callback(const struct lp_opts *o)
{
	const char *e = NULL;

	if (o->callback && !o->client)
		e = "--callback needs --client PATH|PID (the process whose function is probed)";
	/* the flag given, by name: a hidden one only when it was used */
	else if (!o->callback && o->callback_lws)
		e = "--callback-style needs --callback";
	else if (!o->callback && o->payload_arg[0])
		e = "--payload-arg needs --callback";
	else if (!o->callback && o->callback_force_entry)
		e = "--callback-at-entry needs --callback";
	else if (o->callback_lws && o->payload_arg[0])
		e = "--payload-arg does not apply to --callback-style lws (the callback's in/len arguments are used)";
	if (!e)
		return 0;
	fprintf(stderr, "latprobe: %s\n", e);
	return EINVAL;
}

static error_t parse_opt(int key, char *arg, struct argp_state *st)
{
	struct lp_opts *o = st->input;
	const char *why;
	unsigned long v;
	char *end;
	double d;

	switch (key) {
	case 'd':
		errno = 0;
		d = strtod(arg, &end);
		if (errno || end == arg || *end || !isfinite(d) || d < 0 ||
		    d > 31536000)
			return bad(st, "--duration (seconds, 0-31536000)", arg);
		o->duration = d;
		break;
	case 'o':
		if (!*arg)
			return bad(st, "--output", arg);
		if (o->output) {
			char e2[LP_ESC_MAX];

			fprintf(stderr,
				"latprobe: --output given twice ('%s', then '%s'): one report, one file\n",
				lp_esc(esc, sizeof(esc), o->output),
				lp_esc(e2, sizeof(e2), arg));
			return EINVAL;
		}
		o->output = arg;
		break;
	case 'p':
		if (lp_parse_ulong(arg, 1, INT_MAX, &v))
			return bad(st, "--pid", arg);
		o->pid = v;
		break;
	case 'P':
		if (lp_parse_ulong(arg, 1, 65535, &v))
			return bad(st, "--port (1-65535)", arg);
		o->port = v;
		break;
	case 'c':
		if (!*arg || strlen(arg) >= sizeof(o->comm))
			return bad(st, "--comm (1-15 characters)", arg);
		strcpy(o->comm, arg);
		o->has_comm = true;
		break;
	case OPT_CGROUP:
		if (lp_cgroup_id(arg, &o->cgroup_id, &o->cgroup_level, &why)) {
			fprintf(stderr, "latprobe: invalid --cgroup '%s': %s\n",
				lp_esc(esc, sizeof(esc), arg), why);
			return EINVAL;
		}
		o->cgroup = arg;
		break;
	case OPT_SAMPLE:
		if (lp_parse_ulong(arg, 1, 1000000, &v))
			return bad(st, "--sample-rate (1-1000000)", arg);
		o->sample_rate = v;
		break;
	case OPT_ATTACH:
		if (lp_mech_parse(arg, &o->attach) ||
		    o->attach == MECH_USDT || o->attach == MECH_NONE)
			return bad(st, "--attach (auto|fentry|kprobe|tracepoint)",
				   arg);
		break;
	case OPT_CLIENT:
		if (!*arg)
			return bad(st, "--client", arg);
		o->client = arg;
		/* a number is a PID (the loader resolves it), else a PATH */
		o->client_pid = lp_parse_ulong(arg, 1, INT_MAX, &v) ? 0 : v;
		break;
	case OPT_NIC_TS:
		o->nic_timestamps = true;
		break;
	case OPT_CALLBACK:
		if (!*arg || strlen(arg) >= 1024)
			return bad(st, "--callback ([LIB:]SYMBOL)", arg);
		o->callback = arg;
		break;
	case OPT_CALLBACK_STYLE:
		if (strcmp(arg, "lws") && strcmp(arg, "plain"))
			return bad(st, "--callback-style (plain|lws)", arg);
		o->callback_lws = !strcmp(arg, "lws");
		break;
	case OPT_PAYLOAD_ARG:
		if (parse_arg_pair(arg, o->payload_arg))
			return bad(st, "--payload-arg (N,M: two different argument positions 1-6)",
				   arg);
		break;
	case OPT_CALLBACK_AT_ENTRY:
		o->callback_force_entry = true;
		break;
	case OPT_PIN:
		o->pin = true;
		break;
	case OPT_PIN_DIR:
		if (!*arg || strlen(arg) >= 200)
			return bad(st, "--pin-dir (1-199 characters)", arg);
		o->pin_dir = arg;
		o->pin = true;
		break;
	case OPT_RINGBUF:
		if (lp_parse_ulong(arg, 4096, 1UL << 30, &v) || (v & (v - 1)))
			return bad(st, "--ringbuf-size (power of 2, 4096-1073741824)",
				   arg);
		o->ringbuf_size = v;
		break;
	case OPT_MAX_CONNS:
		if (lp_parse_ulong(arg, 1, 1000000, &v))
			return bad(st, "--max-connections (1-1000000)", arg);
		o->max_conns = v;
		break;
	case OPT_METRICS:
		if (lp_parse_hostport(arg, o->metrics_host,
				      sizeof(o->metrics_host),
				      &o->metrics_port))
			return bad(st, "--metrics (ADDR:PORT)", arg);
		o->metrics = arg;
		break;
	case OPT_METRICS_MAX_CONNS:
		if (lp_parse_ulong(arg, 0, 1000, &v))
			return bad(st, "--metrics-max-connections (0-1000)", arg);
		o->metrics_max_conns = v;
		break;
	case OPT_LIVE:
		o->live = true;
		break;
	case OPT_NO_STATS:
		o->no_bpf_stats = true;
		break;
	case OPT_POLL:
		if (lp_parse_ulong(arg, 1, 1000, &v))
			return bad(st, "--poll-interval (milliseconds, 1-1000)",
				   arg);
		o->poll_ms = v;
		break;
	case OPT_NO_TLS:
		o->no_tls_probes = true;
		break;
	case OPT_SCHED:
		o->sched = true;
		break;
	case OPT_SCHED_CSV:
		o->sched_csv = arg;
		break;
	case 'v':
		o->verbose = true;
		break;
	case 'q':
		o->quiet = true;
		break;
	case ARGP_KEY_ARG:
		fprintf(stderr, "latprobe: unexpected argument '%s'\n",
			lp_esc(esc, sizeof(esc), arg));
		return EINVAL;
	case ARGP_KEY_INIT:
		st->child_inputs[0] = &o->every;
		break;
	case ARGP_KEY_END:
		return check_callback(o);
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int lp_parse_hostport(const char *s, char *host, size_t len, uint16_t *port)
{
	const char *colon, *h = s;
	size_t hlen;
	unsigned long v;

	if (*s == '[') {
		colon = strchr(s, ']');
		if (!colon || colon[1] != ':')
			return -1;
		h = s + 1;
		hlen = colon - h;
		colon++;
	} else {
		colon = strrchr(s, ':');
		if (!colon || memchr(s, ':', colon - s))
			return -1; /* IPv6 needs brackets */
		hlen = colon - s;
	}
	if (hlen >= len || lp_parse_ulong(colon + 1, 0, 65535, &v))
		return -1;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	*port = v;
	return 0;
}

int lp_parse_args(int argc, char **argv, struct lp_opts *o)
{
	static const struct argp_child children[] = {
		{ &report_every_argp, 0,
		  "Periodic reports (an always-on service):", 0 },
		{},
	};
	static const struct argp argp = { options, parse_opt, NULL, doc,
					  children, NULL, NULL };
	int err;

	memset(o, 0, sizeof(*o));
	o->sample_rate = 1;
	o->attach = MECH_AUTO;
	o->ringbuf_size = 8 << 20;
	o->max_conns = 4096;
	o->metrics_max_conns = 20;
	o->poll_ms = 10;
	o->pin_dir = LP_PIN_DIR;
	/* --help/--version exit 0 inside argp; unknown flags exit 2 there */
	argp_err_exit_status = 2;
	err = argp_parse(&argp, argc, argv, 0, NULL, o);
	if (err)
		return -1;
	return 0;
}
