// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * wsfeed's command line.
 */
#include <ctype.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>

#include "feed_fault.h"
#include "feed_server.h"
#include "ws_common.h"

/* the options, with their defaults */
struct feed_opts opt = {
	.bind = "127.0.0.1",
	.port = 9443,
	.seed = 1,
	.rate = 100,
	.burst = 1,
	.duration = 30,
	.ping_interval = 20,
	.pong_timeout = 60,
	.max_msg_rate = 5,
	.max_streams = 1024,
	.max_lifetime = 86400,
	.fault_every = 100,
	.oversize = FAULT_OVERSIZE_DEFAULT,
};

static bool bind_ok(const char *a)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, a, buf) == 1 ||
	       inet_pton(AF_INET6, a, buf) == 1 || if_nametoindex(a);
}

static int parse_symbols(char *list)
{
	char *save = NULL, *tok, *c;

	opt.nsyms = 0;
	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (opt.nsyms == MAX_SYMBOLS || !*tok ||
		    strlen(tok) >= FEED_SYM_LEN)
			return -1;
		for (c = tok; *c; c++) {
			if (!isalnum((unsigned char)*c))
				return -1;
			*c = (char)tolower((unsigned char)*c);
		}
		opt.symbols[opt.nsyms++] = tok;
	}
	return opt.nsyms ? 0 : -1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " [options]\n"
		"Binance-compatible market-data feed emulator (ws:// or wss://).\n"
		"  --port N            listen port (default 9443, 0 = any)\n"
		"  --bind ADDR         listen address or interface (default 127.0.0.1)\n"
		"  --tls               wss:// with a generated self-signed certificate\n"
		"  --cert F --key F    wss:// with this certificate and key (PEM)\n"
		"  --market M          spot (default: wss://stream.binance.com:9443) or futures\n"
		"                      (USD-M, wss://fstream.binance.com): its streams,\n"
		"                      payloads, update speeds and limit defaults\n"
		"  --symbols a,b,...   symbols served (default btcusdt,ethusdt,bnbusdt,solusdt,xrpusdt)\n"
		"  --seed N            generator seed (default 1)\n"
		"  --rate R            event streams (trade, aggTrade, bookTicker): messages/s\n"
		"                      per connection, 0 = unpaced (default 100); timed\n"
		"                      streams keep their documented speed: depth,\n"
		"                      depth5|10|20[@100ms], kline_<i>, miniTicker, ticker,\n"
		"                      avgPrice, !miniTicker@arr, !ticker@arr (spot);\n"
		"                      depth[@500ms|@100ms], depth5|10|20[@500ms|@100ms],\n"
		"                      kline_<i>, markPrice[@1s], !markPrice@arr[@1s],\n"
		"                      forceOrder (futures; no trade stream); a\n"
		"                      symbol's diff and partial depth streams describe\n"
		"                      one order book per connection\n"
		"  --depth-follows-rate  diff depth streams paced by --rate like trades\n"
		"  --burst N           send messages in bursts of N at the same average rate\n"
		"  --count N           per connection: N messages, then a normal close\n"
		"  --duration S        stop after S seconds (default 30)\n"
		"  --ping-interval S   server ping period, 0 = off (default 20, futures 180)\n"
		"Binance's connection limits (0 switches one off):\n"
		"  --pong-timeout S    close if the last ping is not answered in S\n"
		"                      (default 60, futures 600: any pong answers)\n"
		"  --max-msg-rate N    close at the N+1th client message within 1 s\n"
		"                      (default 5, futures 10)\n"
		"  --max-streams N     streams per connection (default 1024)\n"
		"  --max-lifetime S    close each connection after S seconds (default 86400)\n"
		"  --no-limits         all four off, for load tests\n"
		"  --replay FILE       send these JSON lines (E rewritten to now), looped\n"
		"  --scenario FILE     per connection, lines 'at SECONDS ACTION': burst N,\n"
		"                      slow F, pause S, shutdown, disconnect (man wsfeed)\n"
		"  --fault KIND        broken-frame|bad-utf8|truncated|oversized|bad-json|disconnect\n"
		"  --fault-every K     the fault replaces every Kth message (default 100)\n"
		"  --oversize BYTES    size of an oversized message (default 2 MiB)\n"
		"  --max-conns N       stop once N connections have closed\n"
		"  --verbose           libwebsockets notices and rejected requests\n");
}

enum {
	O_PORT = 256,
	O_BIND,
	O_TLS,
	O_CERT,
	O_KEY,
	O_SYMBOLS,
	O_SEED,
	O_MARKET,
	O_RATE,
	O_DEPTH_FOLLOWS_RATE,
	O_BURST,
	O_COUNT,
	O_DURATION,
	O_PING,
	O_PONG_TIMEOUT,
	O_MAX_MSG_RATE,
	O_MAX_STREAMS,
	O_MAX_LIFETIME,
	O_NO_LIMITS,
	O_REPLAY,
	O_SCENARIO,
	O_FAULT,
	O_FAULT_EVERY,
	O_OVERSIZE,
	O_MAX_CONNS,
	O_VERBOSE,
	O_HELP,
};

static const struct option long_opts[] = {
	{"port", required_argument, NULL, O_PORT},
	{"bind", required_argument, NULL, O_BIND},
	{"tls", no_argument, NULL, O_TLS},
	{"cert", required_argument, NULL, O_CERT},
	{"key", required_argument, NULL, O_KEY},
	{"symbols", required_argument, NULL, O_SYMBOLS},
	{"seed", required_argument, NULL, O_SEED},
	{"market", required_argument, NULL, O_MARKET},
	{"rate", required_argument, NULL, O_RATE},
	{"depth-follows-rate", no_argument, NULL, O_DEPTH_FOLLOWS_RATE},
	{"burst", required_argument, NULL, O_BURST},
	{"count", required_argument, NULL, O_COUNT},
	{"duration", required_argument, NULL, O_DURATION},
	{"ping-interval", required_argument, NULL, O_PING},
	{"pong-timeout", required_argument, NULL, O_PONG_TIMEOUT},
	{"max-msg-rate", required_argument, NULL, O_MAX_MSG_RATE},
	{"max-streams", required_argument, NULL, O_MAX_STREAMS},
	{"max-lifetime", required_argument, NULL, O_MAX_LIFETIME},
	{"no-limits", no_argument, NULL, O_NO_LIMITS},
	{"replay", required_argument, NULL, O_REPLAY},
	{"scenario", required_argument, NULL, O_SCENARIO},
	{"fault", required_argument, NULL, O_FAULT},
	{"fault-every", required_argument, NULL, O_FAULT_EVERY},
	{"oversize", required_argument, NULL, O_OVERSIZE},
	{"max-conns", required_argument, NULL, O_MAX_CONNS},
	{"verbose", no_argument, NULL, O_VERBOSE},
	{"help", no_argument, NULL, O_HELP},
	{NULL, 0, NULL, 0},
};

/*
 * The limits the USD-M futures "Websocket Market Streams" page documents
 * where they differ from spot's: a ping every 3 minutes, a pong within 10
 * minutes, 10 incoming messages a second. Options given keep their value.
 */
static void futures_defaults(const bool *given)
{
	if (!given[O_PING - O_PORT])
		opt.ping_interval = 180;
	if (!given[O_PONG_TIMEOUT - O_PORT])
		opt.pong_timeout = 600;
	if (!given[O_MAX_MSG_RATE - O_PORT])
		opt.max_msg_rate = 10;
}

int feed_parse_args(int argc, char **argv)
{
	static char default_symbols[] =
		"btcusdt,ethusdt,bnbusdt,solusdt,xrpusdt";
	bool given[O_HELP - O_PORT + 1] = {false};
	int c, err = 0;

	parse_symbols(default_symbols);
	while (!err &&
	       (c = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		if (c >= O_PORT && c <= O_HELP)
			given[c - O_PORT] = true;
		switch (c) {
		case O_PORT:
			err = parse_u64(PROG, "port", optarg, 0, 65535,
					&opt.port);
			break;
		case O_BIND:
			opt.bind = optarg;
			/*
			 * libwebsockets takes an address or an interface
			 * name and, given neither, says nothing and listens
			 * nowhere: refuse it here, in one line.
			 */
			if (!bind_ok(optarg)) {
				fprintf(stderr, PROG
					": bad value for --bind: want an IPv4 or IPv6 address or an interface name\n");
				err = -1;
			}
			break;
		case O_TLS:
			opt.tls = true;
			break;
		case O_CERT:
			opt.cert = optarg;
			opt.tls = true;
			break;
		case O_KEY:
			opt.key = optarg;
			break;
		case O_SYMBOLS:
			if (parse_symbols(optarg)) {
				fprintf(stderr, PROG
					": bad value for --symbols: want a comma-separated list of alphanumeric symbols\n");
				err = -1;
			}
			break;
		case O_SEED:
			err = parse_u64(PROG, "seed", optarg, 0, UINT64_MAX,
					&opt.seed);
			break;
		case O_MARKET:
			if (!strcmp(optarg, "spot")) {
				opt.market = FEED_SPOT;
			} else if (!strcmp(optarg, "futures")) {
				opt.market = FEED_FUTURES;
			} else {
				fprintf(stderr,
					PROG
					": bad value for --market: '%s' (want spot or futures)\n",
					optarg);
				err = -1;
			}
			break;
		case O_RATE:
			err = parse_double(PROG, "rate", optarg, 0, 1e7,
					   &opt.rate);
			break;
		case O_DEPTH_FOLLOWS_RATE:
			opt.depth_follows_rate = true;
			break;
		case O_BURST:
			err = parse_u64(PROG, "burst", optarg, 1, 1000000,
					&opt.burst);
			break;
		case O_COUNT:
			err = parse_u64(PROG, "count", optarg, 0, UINT64_MAX,
					&opt.count);
			break;
		case O_DURATION:
			err = parse_double(PROG, "duration", optarg, 0.001,
					   86400 * 7, &opt.duration);
			break;
		case O_PING:
			err = parse_double(PROG, "ping-interval", optarg, 0,
					   3600, &opt.ping_interval);
			break;
		case O_PONG_TIMEOUT:
			err = parse_double(PROG, "pong-timeout", optarg, 0,
					   86400, &opt.pong_timeout);
			break;
		case O_MAX_MSG_RATE:
			err = parse_u64(PROG, "max-msg-rate", optarg, 0, 100000,
					&opt.max_msg_rate);
			break;
		case O_MAX_STREAMS:
			err = parse_u64(PROG, "max-streams", optarg, 0, 1000000,
					&opt.max_streams);
			break;
		case O_MAX_LIFETIME:
			err = parse_double(PROG, "max-lifetime", optarg, 0,
					   86400 * 365, &opt.max_lifetime);
			break;
		case O_NO_LIMITS:
			given[O_PONG_TIMEOUT - O_PORT] = true;
			given[O_MAX_MSG_RATE - O_PORT] = true;
			opt.pong_timeout = 0;
			opt.max_msg_rate = 0;
			opt.max_streams = 0;
			opt.max_lifetime = 0;
			break;
		case O_REPLAY:
			opt.replay = optarg;
			break;
		case O_SCENARIO:
			opt.scenario = optarg;
			break;
		case O_FAULT:
			opt.fault = feed_fault_parse(optarg);
			if (opt.fault < 0) {
				fprintf(stderr,
					PROG
					": bad value for --fault: '%s' (want broken-frame|bad-utf8|truncated|oversized|bad-json|disconnect|none)\n",
					optarg);
				err = -1;
			}
			break;
		case O_FAULT_EVERY:
			err = parse_u64(PROG, "fault-every", optarg, 1,
					UINT64_MAX, &opt.fault_every);
			break;
		case O_OVERSIZE:
			err = parse_u64(PROG, "oversize", optarg, 1024,
					256u << 20, &opt.oversize);
			break;
		case O_MAX_CONNS:
			err = parse_u64(PROG, "max-conns", optarg, 1,
					UINT64_MAX, &opt.max_conns);
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
	if (opt.market == FEED_FUTURES)
		futures_defaults(given);
	if (!opt.cert != !opt.key) {
		fprintf(stderr, PROG ": --cert and --key go together\n");
		return -1;
	}
	if (opt.scenario && feed_load_scenario(opt.scenario))
		return -1;
	return 0;
}
