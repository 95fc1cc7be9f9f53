// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * latprobe report: one file prints its breakdown table (breakdown.c), two
 * or more compare each run with the first; --svg/--html draw all of them.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "out_file.h"
#include "report_view.h"
#include "term_safe.h"

#define MAX_RUNS 16

static char e[LP_ESC_MAX]; /* an untrusted path or option, escaped */

static const char usage[] =
	"usage: latprobe report [--svg OUT.svg] [--html OUT.html] FILE.json [FILE.json...]\n"
	"  one file: the per-stage breakdown table\n"
	"  several:  each run compared with the first (p50/p99, delta, ratio)\n"
	"  --svg, --html: a self-contained picture of the run(s); OUT may be\n"
	"                 - (stdout: then no table), a pipe or a terminal\n";

/*
 * An output that is one of the inputs (or the other output) would replace
 * the report it is drawn from: refused, as is a path out_write() refuses.
 */
static int check_outputs(const char *out[2], char **in, int n)
{
	static const char *const flag[2] = {"--svg", "--html"};
	struct stat so, si;

	for (int k = 0; k < 2; k++) {
		const char *clash = NULL;
		int err;

		if (!out[k])
			continue;
		if ((err = out_check(out[k]))) {
			/* the line a failed write would give, before drawing */
			fprintf(stderr,
				"latprobe: writing %s: %s (no partial file left)\n",
				lp_esc(e, sizeof(e), out[k]), out_strerror(err));
			return 1;
		}
		if (k == 1 && out[0] && !strcmp(out[0], out[1])) {
			fprintf(stderr,
				"latprobe: report: --svg and --html are both %s\n",
				lp_esc(e, sizeof(e), out[1]));
			return 1;
		}
		if (stat(out[k], &so) || !S_ISREG(so.st_mode))
			continue; /* not there yet, or written through */
		for (int i = 0; i < n && !clash; i++)
			if (!stat(in[i], &si) && si.st_dev == so.st_dev &&
			    si.st_ino == so.st_ino)
				clash = in[i];
		if (!clash && k == 1 && out[0] && !stat(out[0], &si) &&
		    si.st_dev == so.st_dev && si.st_ino == so.st_ino)
			clash = "--svg's file";
		if (clash) {
			static char e2[LP_ESC_MAX];

			fprintf(stderr,
				"latprobe: report: %s %s is %s: refusing to overwrite an input\n",
				flag[k], lp_esc(e, sizeof(e), out[k]),
				lp_esc(e2, sizeof(e2), clash));
			return 1;
		}
	}
	return 0;
}

/*
 * Whole or not at all, through the JSON report's writer (temp file, fsync,
 * rename, symlink check): drawn in memory first, then written. No fallback
 * path: a picture can be drawn again from the report.
 */
static int write_picture(const char *path, bool html,
			 const struct report_view *v, unsigned int n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int err;

	f = open_memstream(&buf, &len);
	if (!f) {
		err = -errno;
		goto out;
	}
	if (html)
		render_html(f, v, n);
	else
		render_svg(f, v, n);
	err = ferror(f) ? -ENOMEM : 0;
	if (fclose(f) && !err)
		err = -errno;
	if (!err)
		err = out_write(path, buf, len);
out:
	free(buf);
	if (err)
		fprintf(stderr,
			"latprobe: writing %s: %s (no partial file left)\n",
			lp_esc(e, sizeof(e), path), out_strerror(err));
	return err ? 1 : 0;
}

/* A picture flag given twice kept the last in silence: refuse it. */
static int once(const char **slot, const char *flag, const char *arg)
{
	char e2[LP_ESC_MAX];

	if (*slot) {
		fprintf(stderr,
			"latprobe: report: %s given twice ('%s', then '%s'): one picture per flag\n",
			flag, lp_esc(e, sizeof(e), *slot),
			lp_esc(e2, sizeof(e2), arg));
		return -1;
	}
	*slot = arg;
	return 0;
}

int report_cmd_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"svg", required_argument, NULL, 's'},
		{"html", required_argument, NULL, 'H'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	const char *out[2] = {}; /* --svg, --html */
	struct report_view *v;
	int opt, n, n_text, err = 0;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
		case 'H':
			if (once(&out[opt == 'H'],
				 opt == 'H' ? "--html" : "--svg", optarg))
				return 2;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fprintf(stderr, "latprobe: report: bad option '%s'\n%s",
				lp_esc(e, sizeof(e), argv[optind - 1]), usage);
			return 2;
		}
	}
	n = argc - optind;
	if (n < 1 || n > MAX_RUNS) {
		fprintf(stderr, "latprobe: report: %s\n%s",
			n < 1 ? "no report file given"
			      : "at most 16 reports at once",
			usage);
		return 2;
	}

	n_text = n;
	if (check_outputs(out, argv + optind, n))
		return 1;
	v = calloc(n, sizeof(*v));
	if (!v) {
		fprintf(stderr, "latprobe: report: out of memory\n");
		return 1;
	}
	for (int i = 0; i < n; i++)
		if (report_view_load(&v[i], argv[optind + i])) {
			err = 1;
			goto out;
		}
	/* a picture on stdout is all that goes there */
	if ((out[0] && out_is_stdout(out[0])) ||
	    (out[1] && out_is_stdout(out[1])))
		n_text = 0;
	if (n_text == 1)
		breakdown_print(stdout, &v[0]);
	for (int i = 1; i < n_text; i++) {
		if (i > 1)
			fputc('\n', stdout);
		compare_print(stdout, &v[0], &v[i]);
	}
	fflush(stdout);
	if (out[0])
		err |= write_picture(out[0], false, v, n);
	if (out[1])
		err |= write_picture(out[1], true, v, n);
out:
	free(v);
	return err;
}
