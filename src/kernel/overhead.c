// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Collecting latprobe's own cost over a run (see overhead.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "now.h"
#include "overhead.h"

static bool sysctl_stats_on(void)
{
	FILE *f = fopen("/proc/sys/kernel/bpf_stats_enabled", "r");
	int v = 0;

	if (!f)
		return false;
	if (fscanf(f, "%d", &v) != 1)
		v = 0;
	fclose(f);
	return v != 0;
}

void overhead_init(struct overhead *ov, bool enable)
{
	memset(ov, 0, sizeof(*ov));
	ov->sysctl_on = sysctl_stats_on();
	ov->disabled = !enable;
	if (!enable) {
		ov->stats_fd = -ECANCELED;
		return;
	}
	/*
	 * The fd-scoped switch rather than the sysctl: it cannot be left on
	 * by a crash, and it does not undo another holder's setting.
	 */
	ov->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (ov->stats_fd < 0)
		ov->stats_fd = -errno;
}

static int prog_counters(int fd, uint64_t *ns, uint64_t *cnt)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	*ns = info.run_time_ns;
	*cnt = info.run_cnt;
	return 0;
}

int overhead_add_prog(struct overhead *ov, const char *name, int fd,
		      enum ov_side side)
{
	struct ov_prog *p;

	if (fd < 0)
		return -EBADF;
	if (ov->nprogs >= OV_MAX_PROGS)
		return -E2BIG;
	p = &ov->progs[ov->nprogs];
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->fd = fd;
	p->side = side;
	/* added while tracing (a late-loaded object): counted from now */
	if (ov->started)
		prog_counters(fd, &p->ns0, &p->cnt0);
	ov->nprogs++;
	return 0;
}

int overhead_prog_counters(int fd, uint64_t *ns, uint64_t *cnt)
{
	return prog_counters(fd, ns, cnt);
}

static enum ov_hook hook_of(const char *sec)
{
	if (!sec)
		return OV_H_KERNEL;
	if (!strncmp(sec, "usdt", 4))
		return OV_H_USDT;
	if (!strncmp(sec, "uprobe", 6))
		return OV_H_UPROBE;
	if (!strncmp(sec, "uretprobe", 9))
		return OV_H_URETPROBE;
	return OV_H_KERNEL;
}

int overhead_add_object(struct overhead *ov, struct bpf_object *obj)
{
	struct bpf_program *prog;
	int err;

	bpf_object__for_each_program(prog, obj)
	{
		int fd = bpf_program__fd(prog);
		enum ov_hook h = hook_of(bpf_program__section_name(prog));

		if (fd < 0) /* not loaded: the mechanism not chosen */
			continue;
		err = overhead_add_prog(ov, bpf_program__name(prog), fd,
					h == OV_H_KERNEL ? OV_KERNEL
							 : OV_CLIENT);
		if (err)
			return err;
		ov->progs[ov->nprogs - 1].hook = h;
	}
	return 0;
}

static uint64_t cpu_ns(struct rusage *ru)
{
	getrusage(RUSAGE_SELF, ru);
	return (ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) * 1000000000ULL +
	       (ru->ru_utime.tv_usec + ru->ru_stime.tv_usec) * 1000ULL;
}

void overhead_start(struct overhead *ov)
{
	struct rusage ru;

	for (unsigned int i = 0; i < ov->nprogs; i++)
		prog_counters(ov->progs[i].fd, &ov->progs[i].ns0,
			      &ov->progs[i].cnt0);
	ov->cpu0_ns = cpu_ns(&ru);
	ov->wall0_ns = now_ns(CLOCK_MONOTONIC);
	ov->started = true;
}

void overhead_stop(struct overhead *ov)
{
	struct rusage ru;
	uint64_t ns = 0, cnt = 0;

	if (!ov->started || ov->stopped)
		return;
	for (unsigned int i = 0; i < ov->nprogs; i++) {
		struct ov_prog *p = &ov->progs[i];

		if (prog_counters(p->fd, &ns, &cnt))
			continue;
		/* counters only grow; a wrap would need centuries */
		p->run_ns = ns - p->ns0;
		p->run_cnt = cnt - p->cnt0;
	}
	ov->cpu_s = (cpu_ns(&ru) - ov->cpu0_ns) / 1e9;
	ov->peak_rss_kb = ru.ru_maxrss;
	ov->wall_s = (now_ns(CLOCK_MONOTONIC) - ov->wall0_ns) / 1e9;
	ov->stopped = true;
}

void overhead_close(struct overhead *ov)
{
	if (ov->stats_fd >= 0)
		close(ov->stats_fd);
	ov->stats_fd = -EBADF;
}
