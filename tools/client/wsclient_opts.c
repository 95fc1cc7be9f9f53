// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* wsclient's command line: the options, their defaults and --help. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ws_common.h"
#include "wsclient.h"

struct wsc_opts opt = {
	.url = DEFAULT_URL,
	.ping_interval = 1,
	.max_msg = 1 << 20,
	.backoff_ms = 100,
	.backoff_max_ms = 30000,
};

static int parse_url(void)
{
	const char *prot, *path;

	snprintf(wsc.url, sizeof(wsc.url), "%s", opt.url);
	if (strlen(opt.url) >= sizeof(wsc.url) - 1 ||
	    lws_parse_uri(wsc.url, &prot, &wsc.host, &wsc.port, &path) ||
	    (strcmp(prot, "ws") && strcmp(prot, "wss")) || !*wsc.host) {
		fprintf(stderr,
			PROG
			": bad --url '%s' (want ws://HOST[:PORT]/PATH or wss://...)\n",
			opt.url);
		return -1;
	}
	wsc.tls = !strcmp(prot, "wss");
	snprintf(wsc.path, sizeof(wsc.path), "/%s", path);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " [options]\n"
		"Market-data WebSocket client that hands latprobe each message's stamps\n"
		"(shared-memory ring, or the latprobe:message USDT probe; LP_STAMPS=0: USDT only).\n"
		"  --url URL            feed (default " DEFAULT_URL ")\n"
		"  --subscribe S[,S]    send SUBSCRIBE for these streams on every connect\n"
		"  --list-subscriptions send LIST_SUBSCRIPTIONS after subscribing\n"
		"  --send JSON          send this request text on every connect (repeatable)\n"
		"  --insecure           accept self-signed / mismatching certificates\n"
		"  --count N            stop after N market-data messages\n"
		"  --duration S         stop after S seconds (default: no limit)\n"
		"  --once               do not reconnect: stop when the connection ends\n"
		"  --publish ENDPOINT   ZeroMQ PUB each normalized message (tcp://127.0.0.1:5555)\n"
		"  --ping-interval S    client ping period for RTT, 0 = off (default 1)\n"
		"  --max-message BYTES  larger messages are skipped (default 1 MiB)\n"
		"  --backoff-ms MS      first reconnect delay, doubled per failure (default 100)\n"
		"  --backoff-max-ms MS  reconnect delay cap (default 30000)\n"
		"  --json-summary FILE  write the stage summary as JSON (- for stdout)\n"
		"  --print              print every market-data message\n"
		"  --verbose            connection events and libwebsockets notices\n");
}

enum {
	O_URL = 256,
	O_SUB,
	O_LIST,
	O_SEND,
	O_INSECURE,
	O_COUNT,
	O_DURATION,
	O_ONCE,
	O_PUBLISH,
	O_PING,
	O_MAXMSG,
	O_BACKOFF,
	O_BACKOFF_MAX,
	O_JSON,
	O_PRINT,
	O_VERBOSE,
	O_HELP,
};

static const struct option long_opts[] = {
	{"url", required_argument, NULL, O_URL},
	{"subscribe", required_argument, NULL, O_SUB},
	{"list-subscriptions", no_argument, NULL, O_LIST},
	{"send", required_argument, NULL, O_SEND},
	{"insecure", no_argument, NULL, O_INSECURE},
	{"count", required_argument, NULL, O_COUNT},
	{"duration", required_argument, NULL, O_DURATION},
	{"once", no_argument, NULL, O_ONCE},
	{"publish", required_argument, NULL, O_PUBLISH},
	{"ping-interval", required_argument, NULL, O_PING},
	{"max-message", required_argument, NULL, O_MAXMSG},
	{"backoff-ms", required_argument, NULL, O_BACKOFF},
	{"backoff-max-ms", required_argument, NULL, O_BACKOFF_MAX},
	{"json-summary", required_argument, NULL, O_JSON},
	{"print", no_argument, NULL, O_PRINT},
	{"verbose", no_argument, NULL, O_VERBOSE},
	{"help", no_argument, NULL, O_HELP},
	{NULL, 0, NULL, 0},
};

static int add_subs(char *list)
{
	char *save = NULL, *s;

	for (s = strtok_r(list, ",", &save); s;
	     s = strtok_r(NULL, ",", &save)) {
		if (opt.nsubs == MAX_ARGS || strpbrk(s, "\"\\") || !*s) {
			fprintf(stderr,
				PROG ": bad value for --subscribe: '%s'\n", s);
			return -1;
		}
		opt.subs[opt.nsubs++] = s;
	}
	return 0;
}

int parse_args(int argc, char **argv)
{
	int ch, err = 0;

	while (!err &&
	       (ch = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		switch (ch) {
		case O_URL:
			opt.url = optarg;
			break;
		case O_SUB:
			err = add_subs(optarg);
			break;
		case O_LIST:
			opt.list_subs = true;
			break;
		case O_SEND:
			if (opt.nsends == MAX_ARGS) {
				fprintf(stderr, PROG ": too many --send\n");
				return -1;
			}
			opt.sends[opt.nsends++] = optarg;
			break;
		case O_INSECURE:
			opt.insecure = true;
			break;
		case O_COUNT:
			err = parse_u64(PROG, "count", optarg, 1, UINT64_MAX,
					&opt.count);
			break;
		case O_DURATION:
			err = parse_double(PROG, "duration", optarg, 0,
					   86400.0 * 365, &opt.duration);
			break;
		case O_ONCE:
			opt.once = true;
			break;
		case O_PUBLISH:
			opt.publish = optarg;
			break;
		case O_PING:
			err = parse_double(PROG, "ping-interval", optarg, 0,
					   3600, &opt.ping_interval);
			break;
		case O_MAXMSG:
			err = parse_u64(PROG, "max-message", optarg, 64,
					1ULL << 30, &opt.max_msg);
			break;
		case O_BACKOFF:
			err = parse_u64(PROG, "backoff-ms", optarg, 1, 3600000,
					&opt.backoff_ms);
			break;
		case O_BACKOFF_MAX:
			err = parse_u64(PROG, "backoff-max-ms", optarg, 1,
					86400000, &opt.backoff_max_ms);
			break;
		case O_JSON:
			opt.json_summary = optarg;
			break;
		case O_PRINT:
			opt.print = true;
			break;
		case O_VERBOSE:
			opt.verbose = true;
			break;
		case O_HELP:
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr, PROG ": unknown option (see --help)\n");
			return -1;
		}
	}
	if (err)
		return -1;
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n",
			argv[optind]);
		return -1;
	}
	return parse_url();
}
