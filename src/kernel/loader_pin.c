// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * latprobe's pins under bpffs: --pin's maps in their directory, the shared
 * nic_ts in LP_PIN_DIR, and the stale pins a killed run left behind.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "latprobe.h"
#include "loader_pin.h"
#include "log.h"

int pin_map(struct bpf_map *map, const char *dir, const char *name)
{
	char path[PATH_MAX];
	int err;

	/* stale pins were removed by unpin_stale; anything here is not ours */
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	err = bpf_map__pin(map, path);
	if (err) {
		lp_err("pinning %s: %s", path, strerror(-err));
		return err;
	}
	chmod(path, 0600);
	return 0;
}

/*
 * Which process other than this one holds the map open (0: none, -1: cannot
 * tell)? Nobody does for a pin left by a latprobe (or latprobe-nic) that was
 * killed: it is stale.
 */
static pid_t map_holder(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX], link[32], line[64], want[32];
	struct dirent *p, *f;
	pid_t held = 0;
	DIR *proc, *fds;
	FILE *fi;
	ssize_t n;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -1; /* cannot tell: leave it alone */
	snprintf(want, sizeof(want), "map_id:\t%u\n", info.id);
	proc = opendir("/proc");
	if (!proc)
		return -1;
	while (!held && (p = readdir(proc))) {
		if (!isdigit((unsigned char)p->d_name[0]) ||
		    atoi(p->d_name) == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", p->d_name);
		fds = opendir(path);
		if (!fds)
			continue;
		while (!held && (f = readdir(fds))) {
			snprintf(path, sizeof(path), "/proc/%s/fd/%s",
				 p->d_name, f->d_name);
			n = readlink(path, link, sizeof(link) - 1);
			if (n < 0 || (link[n] = '\0',
				      strcmp(link, "anon_inode:bpf-map")))
				continue;
			snprintf(path, sizeof(path), "/proc/%s/fdinfo/%s",
				 p->d_name, f->d_name);
			fi = fopen(path, "r");
			if (!fi)
				continue;
			while (!held && fgets(line, sizeof(line), fi))
				if (!strcmp(line, want))
					held = atoi(p->d_name);
			fclose(fi);
		}
		closedir(fds);
	}
	closedir(proc);
	return held;
}

/* The name of a map's BTF value type ("" without BTF), from btf. */
static void value_type_name(const struct btf *btf, __u32 id, char *buf,
			    size_t n)
{
	const struct btf_type *t = btf && id ? btf__type_by_id(btf, id) : NULL;

	snprintf(buf, n, "%s", t ? btf__name_by_offset(btf, t->name_off) : "");
}

static void describe(char *buf, size_t n, __u32 type, __u32 key, __u32 value,
		     __u32 entries, const char *vtype)
{
	snprintf(buf, n, "map type %u, key %u B, value %u B, %u entries%s%s",
		 type, key, value, entries, *vtype ? ", value " : "", vtype);
}

/*
 * Is the map behind fd one that latprobe's skeleton creates as m: a map (not
 * a program or link), same name, type, flags, key and value sizes,
 * max_entries and BTF value type name? Else why says what it is and what
 * ours would be.
 */
static bool map_is_ours(int fd, const struct bpf_object *obj,
			const struct bpf_map *m, char *why, size_t n)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char link[32], self[64], have[96], want[96], hv[32] = "", wv[32];
	struct btf *btf;
	ssize_t l;

	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	l = readlink(self, link, sizeof(link) - 1);
	if (l < 0 || (link[l] = '\0', strcmp(link, "anon_inode:bpf-map"))) {
		snprintf(why, n, "not a BPF map");
		return false;
	}
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		snprintf(why, n, "cannot read its map info: %s",
			 strerror(errno));
		return false;
	}
	if (info.btf_id && info.btf_value_type_id) {
		btf = btf__load_from_kernel_by_id(info.btf_id);
		value_type_name(btf, info.btf_value_type_id, hv, sizeof(hv));
		btf__free(btf);
	}
	value_type_name(bpf_object__btf(obj), bpf_map__btf_value_type_id(m), wv,
			sizeof(wv));
	if (!strcmp(info.name, bpf_map__name(m)) &&
	    info.type == bpf_map__type(m) &&
	    info.map_flags == bpf_map__map_flags(m) &&
	    info.key_size == bpf_map__key_size(m) &&
	    info.value_size == bpf_map__value_size(m) &&
	    info.max_entries == bpf_map__max_entries(m) && !strcmp(hv, wv))
		return true;
	describe(have, sizeof(have), info.type, info.key_size, info.value_size,
		 info.max_entries, hv);
	describe(want, sizeof(want), bpf_map__type(m), bpf_map__key_size(m),
		 bpf_map__value_size(m), bpf_map__max_entries(m), wv);
	snprintf(why, n,
		 "map '%s', %s, flags 0x%x; latprobe's %s: %s, flags 0x%x",
		 info.name, have, info.map_flags, bpf_map__name(m), want,
		 bpf_map__map_flags(m));
	return false;
}

/*
 * Remove pins of our maps that a killed run left and nobody uses: only a map
 * that is provably latprobe's (map_is_ours), each said in one line. Anything
 * else under those names is left in place, in one line; with pin the run
 * cannot pin there and refuses. A pin that a live latprobe holds in the
 * directory we were asked to pin into is that run's: replacing it (and
 * removing it on exit) would take bpftool's view away from a run still
 * going, so --pin refuses, naming the holder. A nic_ts that is not ours is
 * left to setup_nic_ts, which checks its format.
 */
int unpin_stale(const char *pin_dir, bool pin, struct bpf_object *obj)
{
	static const char *const names[] = {"stats", "socks", "drops", "rb",
					    "nic_ts"};
	char path[PATH_MAX], why[320];
	struct bpf_map *ours;
	bool nic_ts;
	pid_t holder;
	int fd;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		nic_ts = !strcmp(names[i], "nic_ts");
		snprintf(path, sizeof(path), "%s/%s",
			 nic_ts ? LP_PIN_DIR : pin_dir, names[i]);
		ours = bpf_object__find_map_by_name(obj, names[i]);
		fd = bpf_obj_get(path);
		if (fd < 0 && errno == ENOENT)
			continue;
		if (fd < 0) {
			snprintf(why, sizeof(why), "%s", strerror(errno));
		} else if (!map_is_ours(fd, obj, ours, why, sizeof(why))) {
			close(fd);
			fd = -1;
		}
		if (fd < 0) {
			if (nic_ts)
				continue;
			lp_err("%s is not latprobe's (%s): left in place%s",
			       path, why,
			       pin ? "; give --pin-dir a directory of its own"
				   : "");
			if (pin)
				return -EEXIST;
			continue;
		}
		holder = map_holder(fd);
		close(fd);
		if (!holder) {
			lp_err("removing %s: latprobe's, left by a run that was killed",
			       path);
			unlink(path);
		} else if (pin && !nic_ts) {
			if (holder > 0)
				lp_err("--pin: %s is in use by PID %d (another latprobe?); give this run its own --pin-dir DIR",
				       path, (int)holder);
			else
				lp_err("--pin: %s exists and its holder cannot be told; give this run its own --pin-dir DIR",
				       path);
			return -EBUSY;
		}
	}
	return 0;
}

/*
 * --pin-dir: created if missing, and it must be in a BPF filesystem; a
 * refused directory this run created is removed again.
 */
int make_pin_dir(const char *dir)
{
	struct statfs st;
	bool created = mkdir(dir, 0700) == 0;

	if (!created && errno != EEXIST) {
		lp_err("--pin-dir %s: %s", dir, strerror(errno));
		return -errno;
	}
	if (statfs(dir, &st) || st.f_type != BPF_FS_MAGIC) {
		lp_err("--pin-dir %s: not in a BPF filesystem (mount -t bpf bpf DIR, or use a directory under /sys/fs/bpf)",
		       dir);
		if (created)
			rmdir(dir);
		return -EINVAL;
	}
	return 0;
}

void unpin(struct bpf_map *map, const char *dir, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	bpf_map__unpin(map, path);
}
