// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * "LIB:SYMBOL": which file is LIB (API in uprobe_site.h)?
 *
 * A running process: the file it maps (/proc/PID/maps), so the probe lands
 * on the very library the process uses. A binary not started yet: the one
 * the dynamic loader would pick, found the way ld.so does it without
 * running anything (no ldd, which executes the binary): the DT_NEEDED
 * entries breadth-first over the dependency tree, each searched in the
 * needing object's DT_RPATH/DT_RUNPATH ($ORIGIN expanded), LD_LIBRARY_PATH,
 * the directories of /etc/ld.so.conf (ldconfig's list) and the defaults.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <glob.h>
#include <libelf.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "uprobe_site.h"

#define LIB_MAX_OBJS 96 /* objects visited in the dependency tree */
#define LIB_MAX_DIRS 64 /* search directories */

/* "ssl", "libssl", "libssl.so.3" all name libssl.so.3. */
static bool lib_matches(const char *lib, const char *path)
{
	const char *b = strrchr(path, '/');
	size_t n = strlen(lib);

	b = b ? b + 1 : path;
	if (!strcmp(b, lib))
		return true;
	if (!strncmp(b, lib, n) && !strncmp(b + n, ".so", 3))
		return true;
	return !strncmp(b, "lib", 3) && !strncmp(b + 3, lib, n) &&
	       !strncmp(b + 3 + n, ".so", 3);
}

static void append(char *out, size_t len, const char *s)
{
	size_t o = strlen(out);

	if (o + 2 < len)
		snprintf(out + o, len - o, "%s%s", o ? ", " : "", s);
}

static int find_in_maps(const char *lib, int pid, char *out, size_t outlen,
			char *err, size_t errlen)
{
	char line[PATH_MAX + 128], seen[512] = "", *path;
	FILE *f;

	snprintf(line, sizeof(line), "/proc/%d/maps", pid);
	f = fopen(line, "re");
	if (!f) {
		snprintf(err, errlen, "%s: %s", line, strerror(errno));
		return -ESRCH;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		path = strchr(line, '/');
		if (!path || !strstr(path, ".so"))
			continue;
		if (lib_matches(lib, path)) {
			snprintf(out, outlen, "%s", path);
			fclose(f);
			return 0;
		}
		if (!strstr(seen, basename(path)))
			append(seen, sizeof(seen), basename(path));
	}
	fclose(f);
	snprintf(err, errlen,
		 "library %s is not mapped by pid %d (it maps: %s)", lib, pid,
		 seen[0] ? seen : "no shared libraries");
	return -ENOENT;
}

struct dirs {
	char d[LIB_MAX_DIRS][PATH_MAX];
	unsigned int n;
};

static void add_dir(struct dirs *ds, const char *d, size_t len)
{
	unsigned int i;

	if (!len || len >= PATH_MAX || ds->n == LIB_MAX_DIRS)
		return;
	for (i = 0; i < ds->n; i++)
		if (!strncmp(ds->d[i], d, len) && !ds->d[i][len])
			return;
	memcpy(ds->d[ds->n], d, len);
	ds->d[ds->n++][len] = '\0';
}

/* "a:b:$ORIGIN/../lib" into ds; $ORIGIN is the needing object's directory. */
static void add_path_list(struct dirs *ds, const char *list, const char *origin)
{
	char buf[PATH_MAX];
	const char *p = list, *e;

	while (p && *p) {
		e = strchrnul(p, ':');
		if (!strncmp(p, "$ORIGIN", 7) || !strncmp(p, "${ORIGIN}", 9)) {
			int skip = p[1] == '{' ? 9 : 7;

			snprintf(buf, sizeof(buf), "%s%.*s", origin,
				 (int)(e - p - skip), p + skip);
			add_dir(ds, buf, strlen(buf));
		} else {
			add_dir(ds, p, e - p);
		}
		p = *e ? e + 1 : NULL;
	}
}

/* ldconfig's directories: /etc/ld.so.conf and its "include" globs. */
static void add_ld_so_conf(struct dirs *ds, const char *file, int depth)
{
	char line[PATH_MAX], *s;
	glob_t g;
	size_t i;
	FILE *f;

	if (depth > 2 || !(f = fopen(file, "re")))
		return;
	while (fgets(line, sizeof(line), f)) {
		s = line + strspn(line, " \t");
		s[strcspn(s, "#\n")] = '\0';
		if (!strncmp(s, "include", 7) &&
		    (s[7] == ' ' || s[7] == '\t')) {
			s += 8 + strspn(s + 8, " \t");
			if (glob(s, 0, NULL, &g))
				continue;
			for (i = 0; i < g.gl_pathc; i++)
				add_ld_so_conf(ds, g.gl_pathv[i], depth + 1);
			globfree(&g);
		} else if (*s == '/') {
			add_dir(ds, s, strcspn(s, " \t"));
		}
	}
	fclose(f);
}

/* DT_NEEDED names (NUL-separated into needed) and the RPATH/RUNPATH. */
static int read_dynamic(const char *path, char *needed, size_t nlen,
			char *rpath, size_t rlen)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	GElf_Dyn dyn;
	Elf_Data *data;
	size_t i, o = 0;
	const char *s;
	Elf *elf;
	int fd;

	needed[0] = rpath[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	while (elf && (scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC)
			continue;
		data = elf_getdata(scn, NULL);
		for (i = 0; data && gelf_getdyn(data, i, &dyn); i++) {
			if (dyn.d_tag == DT_NULL)
				break;
			s = elf_strptr(elf, sh.sh_link, dyn.d_un.d_val);
			if (!s)
				continue;
			if (dyn.d_tag == DT_NEEDED &&
			    o + strlen(s) + 2 < nlen) {
				strcpy(needed + o, s);
				o += strlen(s) + 1;
			} else if (dyn.d_tag == DT_RUNPATH ||
				   dyn.d_tag == DT_RPATH) {
				snprintf(rpath, rlen, "%s", s);
			}
		}
	}
	needed[o] = '\0';
	if (elf)
		elf_end(elf);
	close(fd);
	return 0;
}

static bool locate(const struct dirs *ds, const char *name, char *out,
		   size_t outlen)
{
	unsigned int i;

	for (i = 0; i < ds->n; i++) {
		snprintf(out, outlen, "%s/%s", ds->d[i], name);
		if (!access(out, R_OK))
			return true;
	}
	return false;
}

static int find_needed(const char *lib, const char *bin, char *out,
		       size_t outlen, char *err, size_t errlen)
{
	static const char *const defaults[] = {
		"/lib/x86_64-linux-gnu",
		"/usr/lib/x86_64-linux-gnu",
		"/lib64",
		"/usr/lib64",
		"/lib",
		"/usr/lib",
	};
	char(*objs)[PATH_MAX] = calloc(LIB_MAX_OBJS, PATH_MAX);
	struct dirs *ds = calloc(1, sizeof(*ds));
	char needed[4096], rpath[PATH_MAX], origin[PATH_MAX], seen[512] = "";
	char cand[PATH_MAX];
	unsigned int head = 0, n = 1, i;
	const char *nm, *env = getenv("LD_LIBRARY_PATH");
	int ret = -ENOENT;

	if (!objs || !ds) {
		ret = -ENOMEM;
		goto out;
	}
	snprintf(objs[0], PATH_MAX, "%s", bin);
	while (head < n) {
		if (read_dynamic(objs[head], needed, sizeof(needed), rpath,
				 sizeof(rpath)))
			goto next;
		snprintf(origin, sizeof(origin), "%s", objs[head]);
		ds->n = 0;
		add_path_list(ds, rpath, dirname(origin));
		add_path_list(ds, env, "");
		add_ld_so_conf(ds, "/etc/ld.so.conf", 0);
		for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
			add_dir(ds, defaults[i], strlen(defaults[i]));
		for (nm = needed; *nm; nm += strlen(nm) + 1) {
			if (!locate(ds, nm, cand, sizeof(cand)))
				continue;
			if (lib_matches(lib, cand)) {
				snprintf(out, outlen, "%s", cand);
				ret = 0;
				goto out;
			}
			for (i = 0; i < n; i++)
				if (!strcmp(objs[i], cand))
					break;
			if (i == n && n < LIB_MAX_OBJS) {
				snprintf(objs[n++], PATH_MAX, "%s", cand);
				append(seen, sizeof(seen), nm);
			}
		}
	next:
		head++;
	}
	snprintf(err, errlen,
		 "library %s is not among the libraries %s loads (%s)", lib,
		 bin, seen[0] ? seen : "none: statically linked?");
out:
	free(objs);
	free(ds);
	return ret;
}

int uprobe_site_find_lib(const char *lib, const char *bin, int pid, char *out,
			 size_t outlen, char *err, size_t errlen)
{
	err[0] = '\0';
	if (strchr(lib, '/')) {
		if (access(lib, R_OK)) {
			snprintf(err, errlen, "library %s: %s", lib,
				 strerror(errno));
			return -ENOENT;
		}
		snprintf(out, outlen, "%s", lib);
		return 0;
	}
	if (pid > 0)
		return find_in_maps(lib, pid, out, outlen, err, errlen);
	return find_needed(lib, bin, out, outlen, err, errlen);
}
