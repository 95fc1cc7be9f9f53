// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * latprobe report: one file prints its breakdown table (breakdown.c), two
 * or more compare each run with the first; --svg/--html draw all of them.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"
#include "report_view.h"
#include "term_safe.h"

#define MAX_RUNS 16

static char e[LP_ESC_MAX]; /* an untrusted path or option, escaped */

static const char usage[] =
	"usage: latprobe report [--svg OUT.svg] [--html OUT.html] FILE.json [FILE.json...]\n"
	"  one file: the per-stage breakdown table\n"
	"  several:  each run compared with the first (p50/p99, delta, ratio)\n"
	"  --svg, --html: a self-contained picture of the run(s)\n";

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
		err = report_write_bytes(path, buf, len);
out:
	free(buf);
	if (err)
		fprintf(stderr,
			"latprobe: writing %s: %s (no partial file left)\n",
			lp_esc(e, sizeof(e), path), strerror(-err));
	return err ? 1 : 0;
}

int report_cmd_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"svg", required_argument, NULL, 's'},
		{"html", required_argument, NULL, 'H'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	const char *svg = NULL, *html = NULL;
	struct report_view *v;
	int opt, n, err = 0;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			svg = optarg;
			break;
		case 'H':
			html = optarg;
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
	if (n == 1)
		breakdown_print(stdout, &v[0]);
	for (int i = 1; i < n; i++) {
		if (i > 1)
			fputc('\n', stdout);
		compare_print(stdout, &v[0], &v[i]);
	}
	if (svg)
		err |= write_picture(svg, false, v, n);
	if (html)
		err |= write_picture(html, true, v, n);
out:
	free(v);
	return err;
}
