// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* latprobe-nic's command line: its own options after "--", and EAL's argv. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>

#include <rte_config.h>

#include "latprobe_nic.h"
#include "num.h"

void usage(FILE *f)
{
	fprintf(f,
		"usage: latprobe-nic [EAL options] -- [options]\n"
		"  EAL: default --proc-type=secondary (attach to the primary\n"
		"       of the same --file-prefix through rte_pdump); pass\n"
		"       --proc-type=primary to own the port (e.g. --vdev=...).\n"
		"       Always give --no-pci or an allow-list in tests.\n"
		"  --port N        DPDK port id (default 0)\n"
		"  --map PATH      pinned nic_ts map (default %s)\n"
		"  --stats-map P   pinned statistics map (default %s)\n"
		"  --stats         print counters every second\n"
		"  --duration S    stop after S seconds (default: at a signal)\n"
		"  --idle-us U     sleep U us when no packet arrived (0: spin)\n"
		"  --snaplen N     bytes copied per packet by pdump "
		"(default 2048)\n"
		"  --keep          leave the pinned maps in place on exit\n"
		"  --verbose       print EAL's whole log (else one line if it\n"
		"                  fails, nothing if it starts)\n"
		"  --probe-iface IF  secondary: send a 60-byte probe frame on\n"
		"                  IF (the interface the port reads) every\n"
		"                  100 ms to bound the capture clock's offset\n",
		NIC_TS_DEFAULT_PATH, NIC_STATS_DEFAULT_PATH);
}

static int parse_ulong(const char *s, unsigned long max, unsigned long *v)
{
	uint64_t u;
	int err = num_u64(s, 0, max, &u);

	if (err)
		return -EINVAL;
	*v = u;
	return 0;
}

int parse_opts(int argc, char **argv, struct nic_opts *o)
{
	static const struct option lopts[] = {
		{"port", required_argument, NULL, 'p'},
		{"map", required_argument, NULL, 'm'},
		{"stats-map", required_argument, NULL, 'S'},
		{"stats", no_argument, NULL, 's'},
		{"duration", required_argument, NULL, 'd'},
		{"idle-us", required_argument, NULL, 'i'},
		{"snaplen", required_argument, NULL, 'n'},
		{"keep", no_argument, NULL, 'k'},
		{"verbose", no_argument, NULL, 'v'},
		{"probe-iface", required_argument, NULL, 'P'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	unsigned long v;
	char *end;
	int c, li = 0;

	*o = (struct nic_opts){
		.map = NIC_TS_DEFAULT_PATH,
		.stats_map = NIC_STATS_DEFAULT_PATH,
		.snaplen = 2048,
	};
	optind = 1;
	opterr = 0; /* one line of our own instead */
	while ((c = getopt_long(argc, argv, "h", lopts, &li)) != -1) {
		switch (c) {
		case 'p':
			if (parse_ulong(optarg, RTE_MAX_ETHPORTS - 1, &v))
				goto bad;
			o->port = v;
			break;
		case 'm':
			o->map = optarg;
			break;
		case 'S':
			o->stats_map = optarg;
			break;
		case 's':
			o->stats = true;
			break;
		case 'd':
			errno = 0;
			o->duration = strtod(optarg, &end);
			/* finite, at most a year (also refuses NaN) */
			if (errno || end == optarg || *end ||
			    !(o->duration >= 0 && o->duration <= 31536000))
				goto bad;
			break;
		case 'i':
			if (parse_ulong(optarg, 1000000, &v))
				goto bad;
			o->idle_us = v;
			break;
		case 'n':
			if (parse_ulong(optarg, 65535, &v) || v < 64)
				goto bad;
			o->snaplen = v;
			break;
		case 'k':
			o->keep = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'P':
			if (!*optarg || strlen(optarg) >= IFNAMSIZ)
				goto bad;
			o->probe_iface = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr,
				"latprobe-nic: unknown option or missing value "
				"'%s' (see --help)\n",
				argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "latprobe-nic: unexpected argument '%s'\n",
			argv[optind]);
		return -EINVAL;
	}
	return 0;
bad:
	fprintf(stderr, "latprobe-nic: bad value '%s' for --%s\n", optarg,
		lopts[li].name);
	return -EINVAL;
}

/*
 * EAL argv with --proc-type=secondary added when the user gave none, in buf
 * (argc + 2 slots, main's: no allocation to leak). Only the part before
 * "--" is EAL's.
 */
char **eal_argv(int argc, char **argv, char **buf, int *out_argc)
{
	int i, j;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strncmp(argv[i], "--proc-type", 11))
			break;
	if (i < argc && strcmp(argv[i], "--")) {
		*out_argc = argc;
		return argv;
	}
	buf[0] = argv[0];
	buf[1] = "--proc-type=secondary";
	for (i = 1, j = 2; i < argc; i++)
		buf[j++] = argv[i];
	buf[j] = NULL;
	*out_argc = j;
	return buf;
}
