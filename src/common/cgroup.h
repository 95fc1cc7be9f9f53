/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * cgroup v2 attribution: the mount of the v2 hierarchy (/sys/fs/cgroup on
 * a v2-only host, /sys/fs/cgroup/unified on a hybrid one), a cgroup's id
 * (what bpf_get_current_cgroup_id returns) from its directory and back, and
 * the container id a path names. docs/cgroups.md.
 */
#ifndef __LP_CGROUP_H
#define __LP_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LP_CONTAINER_ID_LEN 64

/* The cgroup2 mount point from /proc/self/mountinfo, NULL if none. */
const char *lp_cgroup_mount(void);

/*
 * PATH (a directory of the cgroup2 mount) to its id and its depth below
 * the root (root 0). 0, or -1 with a reason in *why.
 */
int lp_cgroup_id(const char *path, uint64_t *id, uint32_t *level,
		 const char **why);

/*
 * A cgroup id to its path below the v2 root ("/" for the root), cached;
 * NULL if no directory has it (removed, or no cgroup2 mount).
 */
const char *lp_cgroup_path(uint64_t id);

/*
 * The container id (64 lowercase hex) in a cgroup path, innermost first:
 * docker-<id>.scope, /docker/<id>, cri-containerd-<id>.scope,
 * crio-<id>.scope, libpod-<id>.scope. Writes it and a NUL to out.
 */
bool lp_container_id(const char *path, char out[LP_CONTAINER_ID_LEN + 1]);

/* Free the path cache (tests, exit). */
void lp_cgroup_forget(void);

#endif /* __LP_CGROUP_H */
