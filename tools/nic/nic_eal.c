// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Starting DPDK's EAL in one line: its log (and what it prints on stdout and
 * stderr, e.g. its usage) is captured while rte_eal_init runs; a failed start
 * prints one line naming the cause (all of it with --verbose) and leaves no
 * runtime directory (/var/run/dpdk/PREFIX) that this start created.
 */
#include <errno.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>

#include "latprobe_nic.h"

static char runtime_dir[4096];
static bool runtime_ours; /* a prefix of one name, not there before */

/* DPDK's runtime directory for the --file-prefix in EAL's argv. */
static void find_runtime_dir(int argc, char **argv)
{
	const char *prefix = "rte", *base = "/var/run";
	struct stat st;

	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strncmp(argv[i], "--file-prefix=", 14))
			prefix = argv[i] + 14;
		else if (!strcmp(argv[i], "--file-prefix") && i + 1 < argc)
			prefix = argv[++i];
	if (getuid() != 0)
		base = getenv("XDG_RUNTIME_DIR") ?: "/tmp";
	snprintf(runtime_dir, sizeof(runtime_dir), "%s/dpdk/%s", base, prefix);
	runtime_ours = *prefix && !strchr(prefix, '/') && strcmp(prefix, ".") &&
		       strcmp(prefix, "..") && stat(runtime_dir, &st) &&
		       errno == ENOENT;
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	return remove(path);
}

/* After a failed start: remove the runtime directory this start created. */
void nic_eal_forget(void)
{
	if (runtime_ours)
		nftw(runtime_dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* A line of the EAL log that says something (not the start-up chatter). */
static bool meaningful(const char *l)
{
	if (!strncmp(l, "EAL: ", 5))
		l += 5;
	return *l && strncmp(l, "Detected ", 9) && strncmp(l, "FATAL: ", 7) &&
	       strncmp(l, "TELEMETRY: ", 11);
}

/* The first and the last meaningful lines of log, as "first; last". */
static void cause(char *log, char *buf, size_t n)
{
	const char *first = NULL, *last = NULL;

	for (char *l = strtok(log, "\n"); l; l = strtok(NULL, "\n"))
		if (meaningful(l)) {
			if (!strncmp(l, "EAL: ", 5))
				l += 5;
			first = first ?: l;
			last = l;
		}
	if (!first)
		snprintf(buf, n, "%s",
			 rte_errno ? rte_strerror(rte_errno)
				   : "no reason given");
	else if (first == last || !strcmp(first, last))
		snprintf(buf, n, "%s", first);
	else
		snprintf(buf, n, "%s; %s", first, last);
}

int nic_eal_start(int argc, char **argv, bool verbose)
{
	char *log = NULL, why[512];
	size_t len = 0;
	int out, err, saved[2], ret;
	FILE *ls;

	find_runtime_dir(argc, argv);
	ls = open_memstream(&log, &len);
	out = memfd_create("eal-out", MFD_CLOEXEC);
	if (!ls || out < 0) {
		fprintf(stderr, "latprobe-nic: capturing EAL's log: %s\n",
			strerror(errno));
		return -1;
	}
	rte_openlog_stream(ls);
	fflush(stdout);
	fflush(stderr);
	saved[0] = dup(1);
	saved[1] = dup(2);
	dup2(out, 1);
	dup2(out, 2);
	ret = rte_eal_init(argc, argv);
	err = rte_errno;
	fflush(stdout);
	fflush(stderr);
	dup2(saved[0], 1);
	dup2(saved[1], 2);
	close(saved[0]);
	close(saved[1]);
	fflush(ls);
	if (verbose) {
		fputs(log ?: "", stderr);
		lseek(out, 0, SEEK_SET);
		for (ssize_t r; (r = read(out, why, sizeof(why))) > 0;)
			fwrite(why, 1, r, stderr);
	}
	close(out);
	if (ret < 0) {
		rte_errno = err;
		cause(log ?: "", why, sizeof(why));
		fprintf(stderr, "latprobe-nic: EAL init failed: %s%s\n", why,
			strstr(why, "init config")
				? " (a secondary needs a running primary with the same --file-prefix)"
				: "");
		rte_eal_cleanup(); /* its complaints stay in the capture */
		nic_eal_forget();
	}
	rte_openlog_stream(NULL);
	fclose(ls);
	free(log);
	return ret;
}
