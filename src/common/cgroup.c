// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* cgroup v2 mount, ids and paths, container ids: cgroup.h. */
#include <ctype.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include "cgroup.h"

#define CGROUP2_MAGIC 0x63677270
/* directories one walk of the tree visits at most */
#define WALK_MAX 65536

static char mnt[PATH_MAX];
static bool mnt_done;

const char *lp_cgroup_mount(void)
{
	char line[4096], *sep, f[5][PATH_MAX];
	FILE *f_in;

	if (mnt_done)
		return *mnt ? mnt : NULL;
	mnt_done = true;
	f_in = fopen("/proc/self/mountinfo", "re");
	if (!f_in)
		return NULL;
	/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS... - FSTYPE SOURCE ... */
	while (fgets(line, sizeof(line), f_in)) {
		sep = strstr(line, " - ");
		if (!sep || strncmp(sep + 3, "cgroup2 ", 8))
			continue;
		if (sscanf(line, "%4095s %4095s %4095s %4095s %4095s", f[0],
			   f[1], f[2], f[3], f[4]) == 5 &&
		    strlen(f[4]) < sizeof(mnt)) {
			strcpy(mnt, f[4]); /* no octal escapes in sane mounts */
			break;
		}
	}
	fclose(f_in);
	return *mnt ? mnt : NULL;
}

/* The id in a kernfs file handle (the cgroup id), -1 if none. */
static int handle_id(const char *path, uint64_t *id)
{
	union {
		struct file_handle fh;
		char buf[sizeof(struct file_handle) + 64];
	} h;
	int mount_id;

	h.fh.handle_bytes = 64;
	if (name_to_handle_at(AT_FDCWD, path, &h.fh, &mount_id, 0) ||
	    h.fh.handle_bytes < sizeof(*id))
		return -1;
	memcpy(id, h.fh.f_handle, sizeof(*id));
	return 0;
}

/* PATH's part below the mount ("/" for the mount itself), NULL if outside. */
static const char *below_mount(const char *path)
{
	size_t n;

	if (!lp_cgroup_mount())
		return NULL;
	n = strlen(mnt);
	if (strncmp(path, mnt, n) || (path[n] && path[n] != '/'))
		return NULL;
	return path[n] ? path + n : "/";
}

int lp_cgroup_id(const char *path, uint64_t *id, uint32_t *level,
		 const char **why)
{
	static char reason[PATH_MAX + 64];
	char real[PATH_MAX];
	const char *rel;
	struct statfs sf;
	struct stat st;

	*level = 0;
	if (!lp_cgroup_mount()) {
		*why = "no cgroup v2 hierarchy is mounted";
		return -1;
	}
	if (!realpath(path, real) || stat(real, &st) || !S_ISDIR(st.st_mode) ||
	    statfs(real, &sf) || sf.f_type != CGROUP2_MAGIC ||
	    !(rel = below_mount(real))) {
		snprintf(
			reason, sizeof(reason),
			"not a directory of the cgroup v2 hierarchy (mounted at %s)",
			mnt);
		*why = reason;
		return -1;
	}
	if (handle_id(real, id)) {
		*why = "its cgroup id cannot be read";
		return -1;
	}
	for (; *rel; rel++)
		*level += rel[0] == '/' && rel[1];
	return 0;
}

struct cg_ent {
	uint64_t id;
	char *path; /* NULL: no directory had it at the last walk */
};

static void *cache;
static unsigned int walk_seen;

static int ent_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct cg_ent *)a)->id;
	uint64_t y = ((const struct cg_ent *)b)->id;

	return x < y ? -1 : x > y;
}

static struct cg_ent *remember(uint64_t id, const char *path)
{
	struct cg_ent key = {.id = id}, *e, **slot;

	slot = tfind(&key, &cache, ent_cmp);
	if (slot) {
		e = *slot;
	} else {
		e = calloc(1, sizeof(*e));
		if (!e)
			return NULL;
		e->id = id;
		if (!tsearch(e, &cache, ent_cmp)) {
			free(e);
			return NULL;
		}
	}
	if (path && (!e->path || strcmp(e->path, path))) {
		free(e->path);
		e->path = strdup(path);
	}
	return e;
}

static int walk_one(const char *path, const struct stat *sb, int type,
		    struct FTW *ftw)
{
	uint64_t id;

	(void)sb;
	(void)ftw;
	if (type != FTW_D)
		return 0;
	if (++walk_seen > WALK_MAX)
		return 1;
	if (!handle_id(path, &id))
		remember(id, below_mount(path));
	return 0;
}

const char *lp_cgroup_path(uint64_t id)
{
	struct cg_ent key = {.id = id}, **slot, *e;

	if (!id)
		return NULL;
	slot = tfind(&key, &cache, ent_cmp);
	if (slot)
		return (*slot)->path;
	if (!lp_cgroup_mount())
		return NULL;
	/* unknown: walk the tree once, remembering every directory */
	walk_seen = 0;
	nftw(mnt, walk_one, 16, FTW_PHYS | FTW_MOUNT);
	e = remember(id, NULL);
	return e ? e->path : NULL;
}

static void ent_free(void *p)
{
	struct cg_ent *e = p;

	free(e->path);
	free(e);
}

void lp_cgroup_forget(void)
{
	tdestroy(cache, ent_free);
	cache = NULL;
}

static bool hex64(const char *s)
{
	for (int i = 0; i < LP_CONTAINER_ID_LEN; i++)
		if (!isxdigit((unsigned char)s[i]) ||
		    isupper((unsigned char)s[i]))
			return false;
	return true;
}

/* One path component [c, c + n) names a container: its id, else NULL. */
static const char *component_id(const char *c, size_t n, const char *prev,
				size_t prev_n)
{
	static const char *const prefixes[] = {"docker-", "cri-containerd-",
					       "crio-", "libpod-"};
	const size_t idn = LP_CONTAINER_ID_LEN, sn = strlen(".scope");

	if (n == idn && hex64(c) && prev_n == strlen("docker") &&
	    !strncmp(prev, "docker", prev_n))
		return c;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(*prefixes); i++) {
		size_t pn = strlen(prefixes[i]);

		if (n == pn + idn + sn && !strncmp(c, prefixes[i], pn) &&
		    hex64(c + pn) && !strncmp(c + pn + idn, ".scope", sn))
			return c + pn;
	}
	return NULL;
}

bool lp_container_id(const char *path, char out[LP_CONTAINER_ID_LEN + 1])
{
	const char *end, *c, *prev, *prev_end, *id;

	if (!path)
		return false;
	end = path + strlen(path);
	while (end > path) {
		while (end > path && end[-1] == '/')
			end--;
		c = end;
		while (c > path && c[-1] != '/')
			c--;
		if (c == end)
			break;
		prev_end = c;
		while (prev_end > path && prev_end[-1] == '/')
			prev_end--;
		prev = prev_end;
		while (prev > path && prev[-1] != '/')
			prev--;
		id = component_id(c, end - c, prev, prev_end - prev);
		if (id) {
			memcpy(out, id, LP_CONTAINER_ID_LEN);
			out[LP_CONTAINER_ID_LEN] = '\0';
			return true;
		}
		end = c;
	}
	return false;
}
