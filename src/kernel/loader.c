// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Open the skeleton, set the filters, negotiate an attach mechanism per
 * probe (fentry -> kprobe -> tracepoint, by trying), load, pin
 * (loader_pin.c), attach.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <linux/net_tstamp.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "loader.h"
#include "term_safe.h"
#include "nic_slot.h"
#include "loader_pin.h"
#include "feature.h"
#include "log.h"
#include "now.h"

#define MAX_PROGS LP_PROBE_MAX_PROGS

/* A kernel hook's description (lp_probes) and its skeleton programs. */
struct probe_flavours {
	const struct lp_probe_desc *d;
	struct bpf_program *fentry[MAX_PROGS];
	struct bpf_program *kprobe[MAX_PROGS];
	struct bpf_program *tp[MAX_PROGS];
};

/* lp_probes[id]'s programs, found by name in the object. */
static int flavours_of(struct bpf_object *obj, enum lp_probe_id id,
		       struct probe_flavours *f)
{
	const struct lp_probe_desc *d = &lp_probes[id];
	const char *const *names[] = {d->fentry, d->kprobe, d->tp};
	struct bpf_program **progs[] = {f->fentry, f->kprobe, f->tp};

	memset(f, 0, sizeof(*f));
	f->d = d;
	for (int m = 0; m < 3; m++)
		for (int i = 0; i < MAX_PROGS && names[m][i]; i++) {
			progs[m][i] = bpf_object__find_program_by_name(
				obj, names[m][i]);
			if (!progs[m][i]) {
				lp_err("BPF program %s (%s) not in the object",
				       names[m][i], d->name);
				return -ENOENT;
			}
		}
	return 0;
}

static void set_autoload(struct bpf_program *const *p, bool on)
{
	for (int i = 0; i < MAX_PROGS && p[i]; i++)
		bpf_program__set_autoload(p[i], on);
}

static void appendf(char *buf, size_t len, const char *fmt, const char *a)
{
	size_t n = strlen(buf);

	if (n && n < len - 2) {
		buf[n++] = ';';
		buf[n++] = ' ';
		buf[n] = '\0';
	}
	snprintf(buf + n, len - n, fmt, a);
}

/* Does every tp_btf program of this flavour have its tracepoint here? */
static bool tracepoints_exist(struct bpf_program *const *p,
			      const struct btf *vmlinux, char *missing,
			      size_t len)
{
	char name[128];
	const char *sec;

	for (int i = 0; i < MAX_PROGS && p[i]; i++) {
		sec = bpf_program__section_name(p[i]);
		if (strncmp(sec, "tp_btf/", 7))
			continue;
		snprintf(name, sizeof(name), "btf_trace_%s", sec + 7);
		if (vmlinux &&
		    btf__find_by_name_kind(vmlinux, name, BTF_KIND_TYPEDEF) < 0) {
			snprintf(missing, len, "tracepoint %s not in this kernel",
				 sec + 7);
			return false;
		}
	}
	return true;
}

static int negotiate(struct probe_flavours *f, struct probe_info *pi,
		     enum lp_mech want, const struct btf *vmlinux)
{
	char why[256];

	pi->requested = want;
	/* a hook with no kernel-function variant has only its tracepoint */
	if (!f->d->kfunc)
		want = MECH_TRACEPOINT;
	if (want == MECH_AUTO || want == MECH_FENTRY) {
		if (!feature_fentry(f->d->kfunc, why, sizeof(why))) {
			pi->used = MECH_FENTRY;
			goto done;
		}
		if (want == MECH_FENTRY && !f->d->tp[0])
			goto absent;
		if (want == MECH_FENTRY) {
			lp_err("--attach fentry: %s", why);
			return -EOPNOTSUPP;
		}
		appendf(pi->why, sizeof(pi->why), "%s", why);
	}
	if (want == MECH_AUTO || want == MECH_KPROBE) {
		if (!feature_kprobe(f->d->kfunc, why, sizeof(why))) {
			pi->used = MECH_KPROBE;
			goto done;
		}
		if (want == MECH_KPROBE && !f->d->tp[0])
			goto absent;
		if (want == MECH_KPROBE) {
			lp_err("--attach kprobe: %s", why);
			return -EOPNOTSUPP;
		}
		appendf(pi->why, sizeof(pi->why), "%s", why);
	}
	if (!f->d->tp[0]) {
		snprintf(why, sizeof(why), "no tracepoint for %s", f->d->kfunc);
		goto absent;
	}
	pi->used = MECH_TRACEPOINT;
	if (!tracepoints_exist(f->tp, vmlinux, why, sizeof(why))) {
		if (pi->requested == MECH_TRACEPOINT || f->d->required) {
			lp_err("%s%s: %s",
			       pi->requested == MECH_TRACEPOINT ?
				       "--attach tracepoint: " : "",
			       pi->name, why);
			return -EOPNOTSUPP;
		}
		/* an optional hook: its marks are absent, never faked */
		appendf(pi->why, sizeof(pi->why), "%s", why);
		pi->used = MECH_NONE;
	}
	goto done;
absent: /* a kernel-function hook with no tracepoint: absent, in any mode */
	appendf(pi->why, sizeof(pi->why), "%s", why);
	pi->used = MECH_NONE;
done:
	set_autoload(f->fentry, pi->used == MECH_FENTRY);
	set_autoload(f->kprobe, pi->used == MECH_KPROBE);
	set_autoload(f->tp, pi->used == MECH_TRACEPOINT);
	snprintf(pi->attach_point, sizeof(pi->attach_point), "%s",
		 pi->used == MECH_FENTRY       ? f->d->fentry_point
		 : pi->used == MECH_KPROBE     ? f->d->kprobe_point
		 : pi->used == MECH_TRACEPOINT ? f->d->tp_point
					       : "");
	if (!f->d->kfunc)
		appendf(pi->why, sizeof(pi->why), "%s",
			"tracepoint is this hook's only mechanism");
	else if (pi->used == MECH_TRACEPOINT && pi->requested == MECH_AUTO)
		appendf(pi->why, sizeof(pi->why), "%s",
			"fell back to the tracepoint equivalent");
	return 0;
}

static int ensure_fs(const char *path, long magic, const char *type)
{
	struct statfs st;

	if (statfs(path, &st) == 0 && st.f_type == magic)
		return 0;
	if (mount(type, path, type, 0, NULL) == 0) {
		lp_info("mounted %s at %s", type, path);
		return 0;
	}
	lp_err("%s is not mounted at %s and mounting it failed (%s); run: mount -t %s %s %s",
	       type, path, strerror(errno), type, type, path);
	return -ENODEV;
}

static int resolve_client(struct lp_loader *L, const struct lp_opts *o)
{
	char link[64];
	ssize_t n;

	if (!o->client)
		return 0;
	if (o->client_pid) {
		snprintf(link, sizeof(link), "/proc/%u/exe", o->client_pid);
		n = readlink(link, L->client_path, sizeof(L->client_path) - 1);
		if (n < 0) {
			lp_err("--client %s: no such process (%s)", o->client,
			       strerror(errno));
			return -ESRCH;
		}
		L->client_path[n] = '\0';
		return 0;
	}
	if (!realpath(o->client, L->client_path)) {
		lp_err("--client %s: %s", o->client, strerror(errno));
		return -ENOENT;
	}
	return 0;
}

/*
 * Any socket asking for RX timestamps turns on the kernel's stamping of
 * every received skb (net_enable_timestamp); we hold one for the run.
 */
static int enable_rx_timestamps(struct lp_loader *L, bool required)
{
	int flags = SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE |
		    SOF_TIMESTAMPING_RX_HARDWARE | SOF_TIMESTAMPING_RAW_HARDWARE;

	L->tstamp_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (L->tstamp_fd < 0 ||
	    setsockopt(L->tstamp_fd, SOL_SOCKET, SO_TIMESTAMPING, &flags,
		       sizeof(flags))) {
		int err = -errno;

		if (required)
			lp_err("--nic-timestamps: enabling kernel RX timestamps: %s",
			       strerror(errno));
		else
			lp_info("kernel RX timestamps unavailable (%s): dev_in from tp_btf/netif_receive_skb",
				strerror(errno));
		return err;
	}
	return 0;
}

/* nic_ts is shared with latprobe-nic: reuse a pinned one, else create it. */
static int setup_nic_ts(struct lp_loader *L)
{
	char path[] = LP_PIN_DIR "/nic_ts", why[160];
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd, err;

	fd = bpf_obj_get(path);
	if (fd >= 0) {
		err = bpf_obj_get_info_by_fd(fd, &info, &len) ? -errno : 0;
		if (!err && lp_nic_ts_mismatch(&info, why, sizeof(why))) {
			lp_err("%s: %s: remove it once no latprobe or latprobe-nic of that version uses it",
			       path, why);
			close(fd);
			return -EINVAL;
		}
		if (!err)
			err = bpf_map__reuse_fd(L->skel->maps.nic_ts, fd);
		close(fd);
		if (err) {
			lp_err("%s: cannot reuse it (%s); remove it", path,
			       strerror(-err));
			return err;
		}
		lp_info("using NIC timestamps from %s", path);
		return 0;
	}
	L->own_nic_ts = true;
	return 0;
}

static bool btf_typed(enum lp_mech m)
{
	return m == MECH_FENTRY || m == MECH_TRACEPOINT;
}

/*
 * Programs that would run per message for nothing are not loaded: in
 * tracepoint mode tcp_rcv_space_adjust has no read in flight to stamp (no
 * entry hook), and netif_receive_skb's mark is the skb's own RX stamp.
 * Marks are joined in the kernel when both the read and the wake-up get the
 * socket as a BTF pointer (socket storage; kprobes get a plain number).
 */
static void skip_useless(struct lp_loader *L, struct latprobe_bpf *s)
{
	struct probe_info *cl = &L->probes[PR_TCP_CLEANUP_RBUF];
	struct probe_info *dv = &L->probes[PR_NETIF_RECEIVE_SKB];

	if (cl->used == MECH_TRACEPOINT) {
		bpf_program__set_autoload(s->progs.cleanup_tp, false);
		cl->used = MECH_NONE;
		cl->attach_point[0] = '\0';
		appendf(cl->why, sizeof(cl->why), "%s",
			"not attached: without a tcp_recvmsg entry hook it would only count calls");
	}
	if (s->rodata->dev_from_skb && dv->used == MECH_TRACEPOINT) {
		bpf_program__set_autoload(s->progs.dev_in, false);
		dv->used = MECH_NONE;
		dv->attach_point[0] = '\0';
		appendf(dv->why, sizeof(dv->why), "%s",
			"not attached: dev_in is the skb's software RX stamp (kernel RX timestamping is on)");
	}
	s->rodata->join_marks = btf_typed(L->probes[PR_TCP_RECVMSG].used) &&
				btf_typed(L->probes[PR_SK_DATA_READY].used);
}

int loader_open(struct lp_loader *L, const struct lp_opts *o,
		int64_t realtime_offset_ns)
{
	struct latprobe_bpf *s;
	struct stat nsst;
	int err;

	memset(L, 0, sizeof(*L));
	L->realtime_offset_ns = realtime_offset_ns;
	for (int i = 0; i < PR_MAX; i++)
		L->probes[i].name = lp_probes[i].name;
	err = ensure_fs("/sys/fs/bpf", BPF_FS_MAGIC, "bpf");
	if (err)
		return err;
	err = resolve_client(L, o);
	if (err)
		return err;

	s = L->skel = latprobe_bpf__open();
	if (!s) {
		err = -errno;
		lp_err("opening the BPF object: %s", strerror(-err));
		return err;
	}
	s->rodata->targ_tgid = o->pid;
	s->rodata->targ_port = o->port;
	s->rodata->sample_rate = o->sample_rate;
	s->rodata->filter_comm = o->has_comm;
	memcpy((char *)s->rodata->targ_comm, o->comm, sizeof(o->comm));
	s->rodata->targ_cgroup_id = o->cgroup_id;
	s->rodata->targ_cgroup_level = o->cgroup_level;
	/* force a wake-up only when a quarter of the ring is pending */
	s->rodata->wakeup_bytes = o->ringbuf_size / 4;
	s->rodata->nr_cpus = libbpf_num_possible_cpus();
	/* reads batch only in this netns: the flusher iterates no other */
	if (!stat("/proc/self/ns/net", &nsst))
		s->rodata->own_netns_ino = nsst.st_ino;
	s->rodata->skb_tstamps = o->nic_timestamps;
	s->rodata->realtime_offset_ns = L->realtime_offset_ns;
	/*
	 * RX stamping on: the skb's own stamp is the dev_in mark (and the NIC
	 * mark with --nic-timestamps), so no program runs per packet.
	 */
	err = enable_rx_timestamps(L, o->nic_timestamps);
	if (err && o->nic_timestamps)
		return err;
	s->rodata->dev_from_skb = !err;
	bpf_program__set_autoattach(s->progs.live_socks, false);
	bpf_program__set_autoattach(s->progs.flush_reads, false);
	bpf_program__set_autoattach(s->progs.flush_tls_calls, false);
	bpf_map__set_max_entries(s->maps.rb, o->ringbuf_size);

	struct probe_flavours fl;
	struct btf *vmlinux = btf__load_vmlinux_btf();

	if (!vmlinux)
		lp_info("cannot read vmlinux BTF to check tracepoints; trying anyway");
	for (int i = 0; i < PR_MAX; i++) {
		if (!lp_probes[i].tp[0] && !lp_probes[i].kfunc)
			continue; /* a user-space hook: attached elsewhere */
		err = flavours_of(s->obj, i, &fl);
		if (!err)
			err = negotiate(&fl, &L->probes[i], o->attach, vmlinux);
		if (err)
			break;
	}
	btf__free(vmlinux);
	if (err)
		return err;
	skip_useless(L, s);
	loader_sched_setup(L, o);
	if (L->probes[PR_TCP_RECVMSG].used == MECH_TRACEPOINT)
		/*
		 * No tracepoint marks tcp_recvmsg entry; the syscall
		 * tracepoints would put every syscall of every task on the
		 * slow path, so the read start is not measured here.
		 */
		appendf(L->probes[PR_TCP_RECVMSG].why,
			sizeof(L->probes[PR_TCP_RECVMSG].why), "%s",
			"no tracepoint at tcp_recvmsg entry: read range from copied_seq at return, read_duration absent");
	else
		s->rodata->read_entry_hooked = true;

	struct probe_info *cm = &L->probes[PR_CLIENT_MESSAGE];
	/* the stamps ring when the client has one, else USDT (client_stamps.c) */
	cm->requested = o->client && !o->callback ? MECH_STAMPS : MECH_NONE;
	cm->used = MECH_NONE;
	if (o->callback) /* a foreign client: its callback instead */
		snprintf(cm->why, sizeof(cm->why), "--callback given");
	else if (o->client)
		snprintf(cm->attach_point, sizeof(cm->attach_point),
			 "usdt:%s:%s:%s", L->client_path, LP_USDT_PROVIDER,
			 LP_USDT_MESSAGE);
	else
		snprintf(cm->why, sizeof(cm->why), "no --client given");
	bpf_program__set_autoload(s->progs.client_msg,
				  o->client && !o->callback);

	if (mkdir(LP_PIN_DIR, 0700) && errno != EEXIST) {
		err = -errno;
		lp_err("creating %s: %s", LP_PIN_DIR, strerror(errno));
		return err;
	}
	if (o->pin && (err = make_pin_dir(o->pin_dir)))
		return err;
	snprintf(L->pin_dir, sizeof(L->pin_dir), "%s", o->pin_dir);
	err = unpin_stale(o->pin_dir, o->pin, s->obj);
	if (err)
		return err;
	return setup_nic_ts(L);
}

int loader_load_attach(struct lp_loader *L, const struct lp_opts *o)
{
	static char esc[LP_ESC_MAX];
	struct latprobe_bpf *s = L->skel;
	struct bpf_link *link;
	int err;

	err = latprobe_bpf__load(s);
	if (err) {
		lp_err("loading BPF programs: %s (rerun with --verbose for the verifier log)",
		       strerror(-err));
		return err;
	}
	if (L->own_nic_ts) {
		err = pin_map(s->maps.nic_ts, LP_PIN_DIR, "nic_ts");
		if (err)
			return err;
		L->pinned_nic_ts = true;
	}
	if (o->pin) {
		if ((err = pin_map(s->maps.stats, o->pin_dir, "stats")) ||
		    (err = pin_map(s->maps.socks, o->pin_dir, "socks")) ||
		    (err = pin_map(s->maps.drops, o->pin_dir, "drops")) ||
		    (err = pin_map(s->maps.rb, o->pin_dir, "rb")))
			return err;
		L->pinned = true;
		if (!o->quiet) {
			lp_esc(esc, sizeof(esc), o->pin_dir);
			fprintf(stderr,
				"latprobe: maps pinned in %s (bpftool map dump pinned %s/socks)\n",
				esc, esc);
		}
	}
	err = latprobe_bpf__attach(s);
	if (err) {
		lp_err("attaching BPF programs: %s", strerror(-err));
		return err;
	}
	if (o->client && !o->callback) {
		link = bpf_program__attach_usdt(s->progs.client_msg,
						o->client_pid ? (int)o->client_pid : -1,
						L->client_path, LP_USDT_PROVIDER,
						LP_USDT_MESSAGE, NULL);
		if (!link) {
			err = -errno;
			/* libbpf says ENOENT for a binary without the note: the
			 * file exists (opts checked), the probe does not. */
			if (err == -ENOENT)
				lp_err("--client %s: %s has no %s:%s USDT probe "
				       "(not built with latprobe's probe; trace "
				       "any client with --callback SYMBOL)",
				       o->client, L->client_path,
				       LP_USDT_PROVIDER, LP_USDT_MESSAGE);
			else
				lp_err("--client %s: attaching USDT %s:%s in %s: %s",
				       o->client, LP_USDT_PROVIDER,
				       LP_USDT_MESSAGE, L->client_path,
				       strerror(-err));
			return err;
		}
		L->usdt_link = link;
		L->probes[PR_CLIENT_MESSAGE].used = MECH_USDT;
	}
	return tls_probes_attach(&L->tls, o, L->client_path, s->maps.rb,
				 s->maps.stats, s->maps.tls_calls,
				 &L->probes[PR_TLS_READ]);
}

void loader_detach(struct lp_loader *L)
{
	bpf_link__destroy(L->usdt_link);
	L->usdt_link = NULL;
	tls_probes_detach(&L->tls);
	latprobe_bpf__detach(L->skel);
}

void loader_destroy(struct lp_loader *L)
{
	if (!L->skel)
		return;
	if (L->pinned) {
		unpin(L->skel->maps.stats, L->pin_dir, "stats");
		unpin(L->skel->maps.socks, L->pin_dir, "socks");
		unpin(L->skel->maps.drops, L->pin_dir, "drops");
		unpin(L->skel->maps.rb, L->pin_dir, "rb");
		if (strcmp(L->pin_dir, LP_PIN_DIR))
			rmdir(L->pin_dir); /* only if empty */
	}
	if (L->nic_hdr)
		munmap((void *)L->nic_hdr, LP_NIC_TS_HDR_MAP_LEN);
	L->nic_hdr = NULL;
	if (L->pinned_nic_ts)
		unpin(L->skel->maps.nic_ts, LP_PIN_DIR, "nic_ts");
	rmdir(LP_PIN_DIR); /* only if empty: latprobe-nic may still use it */
	bpf_link__destroy(L->usdt_link);
	loader_batch_stop(L);
	tls_probes_destroy(&L->tls);
	latprobe_bpf__destroy(L->skel);
	if (L->tstamp_fd > 0)
		close(L->tstamp_fd);
	L->skel = NULL;
}
