// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "feature.h"
#include "feature.skel.h"

int feature_fentry(const char *kfunc, char *why, size_t len)
{
	struct feature_bpf *skel;
	struct bpf_link *link;
	int err;

	skel = feature_bpf__open();
	if (!skel) {
		err = -errno;
		snprintf(why, len, "fentry: open failed: %s", strerror(-err));
		return err;
	}
	bpf_program__set_autoload(skel->progs.probe_kprobe, false);
	err = bpf_program__set_attach_target(skel->progs.probe_fentry, 0,
					     kfunc);
	if (err) {
		snprintf(why, len, "fentry: no BTF for %s: %s", kfunc,
			 strerror(-err));
		/*
		 * libbpf (1.1) keeps the vmlinux and module BTF the lookup
		 * loaded until a load, which frees them: load no program.
		 */
		bpf_program__set_autoload(skel->progs.probe_fentry, false);
		feature_bpf__load(skel);
		goto out;
	}
	err = feature_bpf__load(skel);
	if (err) {
		snprintf(why, len, "fentry on %s refused at load: %s", kfunc,
			 strerror(-err));
		goto out;
	}
	link = bpf_program__attach(skel->progs.probe_fentry);
	if (!link) {
		err = -errno;
		snprintf(why, len, "fentry on %s refused at attach: %s", kfunc,
			 strerror(-err));
		goto out;
	}
	bpf_link__destroy(link);
out:
	feature_bpf__destroy(skel);
	return err;
}

int feature_kprobe(const char *kfunc, char *why, size_t len)
{
	struct feature_bpf *skel;
	struct bpf_link *link;
	int err;

	skel = feature_bpf__open();
	if (!skel) {
		err = -errno;
		snprintf(why, len, "kprobe: open failed: %s", strerror(-err));
		return err;
	}
	bpf_program__set_autoload(skel->progs.probe_fentry, false);
	err = feature_bpf__load(skel);
	if (err) {
		snprintf(why, len, "kprobe program refused at load: %s",
			 strerror(-err));
		goto out;
	}
	link = bpf_program__attach_kprobe(skel->progs.probe_kprobe, false,
					  kfunc);
	if (!link) {
		err = -errno;
		snprintf(why, len, "kprobe on %s failed: %s%s", kfunc,
			 strerror(-err),
			 err == -ENOENT || err == -EOPNOTSUPP ?
				 " (kernel without CONFIG_KPROBES?)" : "");
		goto out;
	}
	bpf_link__destroy(link);
out:
	feature_bpf__destroy(skel);
	return err;
}
