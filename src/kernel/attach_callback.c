// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --callback loader: resolve [LIB:]SYMBOL in the client (uprobe_site), load
 * bpf/client.bpf.c on latprobe's own ring buffer and counters (one ring,
 * one consumer), attach the uprobe and the uretprobe at the chosen site,
 * and say in the report where they went and why.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "attach_callback.h"
#include "client.h"
#include "client.skel.h"
#include "latprobe.skel.h"
#include "log.h"

int callback_resolve(struct cb_attach *cb, const struct lp_opts *o,
		     const char *client_path, struct probe_info *pi)
{
	char err[US_ERR_LEN];
	int ret;

	memset(cb, 0, sizeof(*cb));
	pi->requested = o->callback ? MECH_UPROBE : MECH_NONE;
	pi->used = MECH_NONE;
	if (!o->callback) {
		snprintf(pi->why, sizeof(pi->why), "no --callback given");
		return 0;
	}
	cb->pid = o->client_pid;
	cb->client_path = client_path;
	ret = uprobe_site_resolve(o->callback, client_path, cb->pid,
				  o->callback_force_entry ? US_MODE_ENTRY
							  : US_MODE_AUTO,
				  &cb->site, err, sizeof(err));
	if (ret) {
		lp_err("--callback %s: %s", o->callback, err);
		return ret;
	}
	snprintf(pi->attach_point, sizeof(pi->attach_point),
		 "uprobe+uretprobe:%s:%s+%#llx (file offset %#llx)",
		 cb->site.path, cb->site.pretty,
		 (unsigned long long)(cb->site.attach_off - cb->site.entry_off),
		 (unsigned long long)cb->site.attach_off);
	snprintf(pi->why, sizeof(pi->why), "%s", cb->site.why);
	lp_info("callback %s in %s at %s: %s", cb->site.pretty, cb->site.path,
		cb->site.placement == US_AFTER_ENDBR64 ? "entry+4" : "entry",
		cb->site.why);
	cb->on = true;
	return 0;
}

/*
 * The client object writes into latprobe's "rb" and "stats", by fd, and
 * reads the followed threads' scheduler state ("sched_task") the
 * scheduler programs keep with --sched.
 */
static int share_maps(struct client_bpf *s, struct latprobe_bpf *m,
		      const struct lp_opts *o)
{
	int err;

	bpf_map__set_max_entries(s->maps.rb, o->ringbuf_size);
	err = bpf_map__reuse_fd(s->maps.rb, bpf_map__fd(m->maps.rb));
	if (!err)
		err = bpf_map__reuse_fd(s->maps.stats,
					bpf_map__fd(m->maps.stats));
	if (!err)
		err = bpf_map__reuse_fd(s->maps.sched_task,
					bpf_map__fd(m->maps.sched_task));
	return err;
}

static struct bpf_link *attach_one(struct bpf_program *prog,
				   const struct cb_attach *cb, bool ret)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .retprobe = ret);

	return bpf_program__attach_uprobe_opts(prog, cb->pid ? (int)cb->pid : -1,
					       cb->site.path,
					       cb->site.attach_off, &uo);
}

int callback_attach(struct cb_attach *cb, const struct lp_opts *o,
		    struct latprobe_bpf *main_skel, struct probe_info *pi)
{
	struct client_bpf *s;
	int err;

	if (!cb->on)
		return 0;
	s = cb->skel = client_bpf__open();
	if (!s) {
		err = -errno;
		lp_err("--callback: opening the BPF object: %s", strerror(-err));
		return err;
	}
	s->rodata->targ_tgid = cb->pid;
	s->rodata->style = o->callback_lws ? LP_CB_LWS : LP_CB_PLAIN;
	s->rodata->ptr_arg = o->payload_arg[0];
	s->rodata->len_arg = o->payload_arg[1];
	s->rodata->wakeup_bytes = o->ringbuf_size / 4;
	/* callback_off_cpu: only where the scheduler programs run */
	s->rodata->off_cpu = main_skel->rodata->sched_split;
	err = share_maps(s, main_skel, o);
	if (!err)
		err = client_bpf__load(s);
	if (err) {
		lp_err("--callback: loading the BPF programs: %s (rerun with --verbose)",
		       strerror(-err));
		return err;
	}
	/* the return probe first: an entry without its return would leak a frame */
	cb->ret = attach_one(s->progs.cb_return, cb, true);
	if (cb->ret)
		cb->entry = attach_one(s->progs.cb_entry, cb, false);
	if (!cb->ret || !cb->entry) {
		err = -errno;
		lp_err("--callback %s: attaching to %s at offset %#llx: %s",
		       o->callback, cb->site.path,
		       (unsigned long long)cb->site.attach_off, strerror(-err));
		return err;
	}
	pi->used = MECH_UPROBE;
	return 0;
}

bool callback_client_gone(struct cb_attach *cb, uint64_t now_ns)
{
	if (!cb->on || !cb->pid)
		return false;
	if (!cb->exited_ns && kill(cb->pid, 0) && errno == ESRCH)
		cb->exited_ns = now_ns;
	return cb->exited_ns != 0;
}

/* Calls entered and not returned: still running, or left by a dead thread. */
static void count_open(struct cb_attach *cb)
{
	int fd = bpf_map__fd(cb->skel->maps.cb_threads);
	__u32 key, *prev = NULL;
	struct lp_cb_state st;

	while (bpf_map_get_next_key(fd, prev, &key) == 0) {
		if (bpf_map_lookup_elem(fd, &key, &st) == 0 &&
		    (st.depth || st.overflow)) {
			cb->open_at_exit += st.depth + st.overflow;
			cb->threads_at_exit++;
		}
		prev = &key;
	}
}

void callback_detach(struct cb_attach *cb)
{
	bool attached = cb->entry || cb->ret;

	bpf_link__destroy(cb->entry);
	bpf_link__destroy(cb->ret);
	cb->entry = cb->ret = NULL;
	if (attached)
		count_open(cb); /* once: the probes cannot change it any more */
}

void callback_destroy(struct cb_attach *cb)
{
	callback_detach(cb);
	client_bpf__destroy(cb->skel);
	cb->skel = NULL;
}
