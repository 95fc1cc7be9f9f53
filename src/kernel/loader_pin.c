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
#include <bpf/libbpf.h>
#include "latprobe.h"
#include "loader_pin.h"
#include "log.h"

int pin_map(struct bpf_map *map, const char *dir, const char *name)
{
	char path[PATH_MAX];
	int err;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path); /* stale pin of a run that was killed */
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

/*
 * Remove pins of our maps that a killed run left and nobody uses. A pin that
 * a live latprobe holds in the directory we were asked to pin into is that
 * run's: replacing it (and removing it on exit) would take bpftool's view
 * away from a run still going, so --pin refuses, naming the holder.
 */
int unpin_stale(const char *pin_dir, bool pin)
{
	static const char *const names[] = {"stats", "socks", "drops", "rb",
					    "nic_ts"};
	char path[PATH_MAX];
	pid_t holder;
	int fd;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s",
			 strcmp(names[i], "nic_ts") ? pin_dir : LP_PIN_DIR,
			 names[i]);
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		holder = map_holder(fd);
		close(fd);
		if (!holder) {
			lp_info("removing stale pin %s (its run was killed)",
				path);
			unlink(path);
		} else if (pin && strcmp(names[i], "nic_ts")) {
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
