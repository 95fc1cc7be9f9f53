/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The process filter (--pid, --comm, --cgroup) of every BPF object that
 * runs in a task's context: read-only globals set by user space before load
 * (libbpf-tools style), one definition of the test.
 */
#ifndef __LP_TASK_FILTER_BPF_H
#define __LP_TASK_FILTER_BPF_H

const volatile __u32 targ_tgid = 0;
const volatile bool filter_comm = false;
const volatile char targ_comm[LP_COMM_LEN] = {};
/* --cgroup: the cgroup v2 id of PATH and its depth below the root (0) */
const volatile __u64 targ_cgroup_id = 0;
const volatile __u32 targ_cgroup_level = 0;

static __always_inline bool comm_matches(void)
{
	char comm[LP_COMM_LEN];

	if (!filter_comm)
		return true;
	bpf_get_current_comm(comm, sizeof(comm));
	for (int i = 0; i < LP_COMM_LEN; i++) {
		if (comm[i] != targ_comm[i])
			return false;
		if (!comm[i])
			break;
	}
	return true;
}

/*
 * --cgroup PATH: the task is in PATH or below it. Its ancestor at PATH's
 * depth is PATH itself exactly then: one helper, no map (docs/cgroups.md).
 */
static __always_inline bool cgroup_matches(void)
{
	if (!targ_cgroup_id)
		return true;
	return bpf_get_current_ancestor_cgroup_id(targ_cgroup_level) ==
	       targ_cgroup_id;
}

/* Filters that depend only on the current task (process context). */
static __always_inline bool task_passes_id(__u64 pid_tgid)
{
	if (targ_tgid && (pid_tgid >> 32) != targ_tgid)
		return false;
	return comm_matches() && cgroup_matches();
}

static __always_inline bool task_passes(void)
{
	return task_passes_id(bpf_get_current_pid_tgid());
}

#endif /* __LP_TASK_FILTER_BPF_H */
