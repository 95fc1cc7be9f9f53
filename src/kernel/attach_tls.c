// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * TLS probes, automatic: which file holds SSL_read for the traced process,
 * where on it a probe is cheap, load tls.bpf.c on latprobe's ring buffer,
 * attach. Phases: choose the process, find the file, place, load, attach.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "attach_tls.h"
#include "log.h"
#include "tls.skel.h"
#include "uprobe_site.h"

/* Where the default libssl lives when no binary says which one. */
static const char *const system_libssl[] = {
	"/lib/x86_64-linux-gnu/libssl.so.3",
	"/usr/lib/x86_64-linux-gnu/libssl.so.3",
	"/usr/lib64/libssl.so.3",
	"/usr/lib/libssl.so.3",
};

/* SSL_read/SSL_read_ex larger than this are not thin wrappers (bytes) */
#define WRAPPER_MAX 256

struct tls_site {
	uint64_t off;  /* file offset of the probe */
	bool ex;       /* (s, buf, num, size_t *readbytes) form */
	bool emulated; /* the kernel emulates the probed instruction */
	char what[96]; /* the function probed */
	char insn[48]; /* the probed instruction */
};

struct tls_plan {
	int pid; /* > 0: only this process traps */
	bool filter_comm;
	char comm[16];
	char path[PATH_MAX]; /* the ELF file with SSL_read */
	char file_why[320];  /* why that file */
	struct tls_site sites[2];
	unsigned int nsites;
};

/* Append one clause to the probe's reason ("; " between clauses). */
__attribute__((format(printf, 2, 3))) static void why(struct probe_info *pi,
						      const char *fmt, ...)
{
	size_t n = strlen(pi->why);
	va_list ap;

	if (n && n < sizeof(pi->why) - 2)
		n += snprintf(pi->why + n, sizeof(pi->why) - n, "; ");
	if (n >= sizeof(pi->why))
		return;
	va_start(ap, fmt);
	vsnprintf(pi->why + n, sizeof(pi->why) - n, fmt, ap);
	va_end(ap);
}

/* Which processes the probes are for: pid, comm, and the binary if known. */
static int choose_process(const struct lp_opts *o, const char *client_path,
			  struct tls_plan *p, char *bin, size_t len,
			  struct probe_info *pi)
{
	char link[64];
	ssize_t n;

	p->pid = o->client_pid ? (int)o->client_pid : (int)o->pid;
	*bin = '\0';
	if (o->client) {
		snprintf(bin, len, "%s", client_path);
	} else if (p->pid) {
		snprintf(link, sizeof(link), "/proc/%d/exe", p->pid);
		n = readlink(link, bin, len - 1);
		bin[n > 0 ? n : 0] = '\0';
	}
	if (o->has_comm) {
		p->filter_comm = true;
		memcpy(p->comm, o->comm, sizeof(p->comm));
	} else if (o->client && !o->client_pid) {
		/* not started yet: its threads will carry its file name */
		const char *base = strrchr(client_path, '/');

		p->filter_comm = true;
		snprintf(p->comm, sizeof(p->comm), "%.15s",
			 base ? base + 1 : client_path);
	}
	if (!p->pid && !p->filter_comm) {
		pi->requested = MECH_NONE; /* nothing asked for: not a failure */
		why(pi,
		    "no process selected: TLS probes need --client, --pid or --comm");
		return -ENOENT;
	}
	return 0;
}

static bool has_ssl_read(const char *path)
{
	struct uprobe_site s;
	char err[US_ERR_LEN];

	return uprobe_site_lookup(path, "SSL_read", US_MODE_AUTO, true, &s, err,
				  sizeof(err)) == 0 ||
	       uprobe_site_lookup(path, "SSL_read_ex", US_MODE_AUTO, true, &s,
				  err, sizeof(err)) == 0;
}

/* The binary itself (node links OpenSSL in), else the libssl it uses. */
static int find_file(struct tls_plan *p, const char *bin, struct probe_info *pi)
{
	char err[US_ERR_LEN];

	if (*bin && has_ssl_read(bin)) {
		snprintf(p->path, sizeof(p->path), "%s", bin);
		snprintf(p->file_why, sizeof(p->file_why),
			 "the binary exports SSL_read itself");
		return 0;
	}
	if (p->pid) {
		if (!uprobe_site_find_lib("libssl", *bin ? bin : NULL, p->pid,
					  p->path, sizeof(p->path), err,
					  sizeof(err))) {
			snprintf(p->file_why, sizeof(p->file_why),
				 "the libssl process %d maps", p->pid);
			return 0;
		}
		why(pi,
		    "process %d (%s) maps no libssl and does not export SSL_read",
		    p->pid, *bin ? bin : "?");
		return -ENOENT;
	}
	if (*bin && !uprobe_site_find_lib("libssl", bin, 0, p->path,
					  sizeof(p->path), err, sizeof(err))) {
		snprintf(
			p->file_why, sizeof(p->file_why),
			"the libssl %s loads (DT_NEEDED), process not running yet",
			bin);
		return 0;
	}
	for (size_t i = 0; i < sizeof(system_libssl) / sizeof(*system_libssl);
	     i++) {
		if (access(system_libssl[i], R_OK))
			continue;
		if (!realpath(system_libssl[i], p->path))
			continue;
		snprintf(
			p->file_why, sizeof(p->file_why),
			"the system's libssl.so.3 (%s: no process to read maps from, no DT_NEEDED libssl)",
			*bin ? bin : "--comm");
		return 0;
	}
	why(pi, "no libssl.so.3 on this system");
	return -ENOENT;
}

static int read_at(const char *path, uint64_t off, uint8_t *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = pread(fd, buf, len, (off_t)off);
	close(fd);
	return n == (ssize_t)len ? 0 : -EIO;
}

static bool is_emulated(const char *insn)
{
	return !strncmp(insn, "push", 4) || !strncmp(insn, "nop", 3);
}

/* File offset of the first "call rel32" in a function's first bytes. */
static int first_call(const char *path, const struct uprobe_site *s,
		      uint64_t *target)
{
	uint8_t code[64];
	size_t len = s->size && s->size < sizeof(code) ? s->size : sizeof(code);

	if (read_at(path, s->entry_off, code, len))
		return -EIO;
	for (size_t i = 0; i + 5 <= len; i++) {
		int32_t rel;

		if (code[i] != 0xe8)
			continue;
		memcpy(&rel, code + i + 1, sizeof(rel));
		*target = s->entry_off + i + 5 + (int64_t)rel;
		return 0;
	}
	return -ENOENT;
}

/*
 * OpenSSL 3 builds without CET start SSL_read with "sub $N,%rsp" (single-
 * stepped: ~15 us a hit here), but SSL_read and SSL_read_ex are thin
 * wrappers that both call ssl_read_internal(s, buf, num, &readbytes), which
 * starts with "push %r13". When both wrappers' first call goes to the same
 * function and the kernel emulates its first instruction, probe that one
 * function: one site, one trap per call, both entry points covered.
 */
static bool place_shared(struct tls_plan *p, const struct uprobe_site *rd,
			 const struct uprobe_site *ex)
{
	struct uprobe_site callee = {};
	uint64_t t1, t2;
	uint8_t code[16];
	unsigned int at;

	if (first_call(p->path, rd, &t1) || first_call(p->path, ex, &t2) ||
	    t1 != t2 || read_at(p->path, t1, code, sizeof(code)))
		return false;
	at = uprobe_site_place(code, sizeof(code), US_MODE_AUTO, &callee);
	if (!is_emulated(callee.insn))
		return false;
	p->sites[0] =
		(struct tls_site){.off = t1 + at, .ex = true, .emulated = true};
	snprintf(p->sites[0].what, sizeof(p->sites[0].what),
		 "the function SSL_read and SSL_read_ex both call (0x%llx)",
		 (unsigned long long)t1);
	snprintf(p->sites[0].insn, sizeof(p->sites[0].insn), "%s", callee.insn);
	p->nsites = 1;
	return true;
}

static void place_one(struct tls_plan *p, const struct uprobe_site *s, bool ex)
{
	struct tls_site *t = &p->sites[p->nsites++];

	t->off = s->attach_off;
	t->ex = ex;
	t->emulated = is_emulated(s->insn);
	snprintf(t->what, sizeof(t->what), "%s",
		 ex ? "SSL_read_ex" : "SSL_read");
	snprintf(t->insn, sizeof(t->insn), "%s", s->insn);
}

static int place(struct tls_plan *p, struct probe_info *pi)
{
	struct uprobe_site rd, ex;
	char err[US_ERR_LEN];
	bool has_rd, has_ex;

	has_rd = !uprobe_site_lookup(p->path, "SSL_read", US_MODE_AUTO, true,
				     &rd, err, sizeof(err));
	has_ex = !uprobe_site_lookup(p->path, "SSL_read_ex", US_MODE_AUTO, true,
				     &ex, err, sizeof(err));
	if (!has_rd && !has_ex) {
		why(pi, "no SSL_read or SSL_read_ex in %s", p->path);
		return -ENOENT;
	}
	/* only when an entry is costly, and only for small wrappers */
	if (has_rd && has_ex &&
	    (!is_emulated(rd.insn) || !is_emulated(ex.insn)) &&
	    rd.size && rd.size <= WRAPPER_MAX && ex.size &&
	    ex.size <= WRAPPER_MAX && place_shared(p, &rd, &ex))
		return 0;
	if (has_rd)
		place_one(p, &rd, false);
	if (has_ex)
		place_one(p, &ex, true);
	return 0;
}

static void describe(const struct tls_plan *p, struct probe_info *pi)
{
	size_t n = 0;

	for (unsigned int i = 0; i < p->nsites; i++) {
		const struct tls_site *s = &p->sites[i];

		n += snprintf(pi->attach_point + n,
			      sizeof(pi->attach_point) - n,
			      "%suprobe+uretprobe:%s:0x%llx", i ? ", " : "",
			      p->path, (unsigned long long)s->off);
		if (n >= sizeof(pi->attach_point))
			break;
	}
	why(pi, "%s", p->file_why);
	for (unsigned int i = 0; i < p->nsites; i++) {
		const struct tls_site *s = &p->sites[i];
		char line[256];

		snprintf(line, sizeof(line), "%s at '%s'%s", s->what, s->insn,
			 s->emulated
				 ? " (emulated: one trap per call)"
				 : " (single-stepped: ~15 us per call here)");
		why(pi, "%s", line);
	}
	if (p->pid)
		why(pi, "only process %d", p->pid);
	else
		why(pi, "filtered in BPF on comm %s", p->comm);
}

static int load(struct lp_tls_probes *T, const struct lp_opts *o,
		const struct tls_plan *p, struct bpf_map *rb,
		struct bpf_map *stats, struct bpf_map *calls)
{
	struct tls_bpf *s = T->skel = tls_bpf__open();
	int err;

	if (!s)
		return -errno;
	s->rodata->targ_tgid = p->pid;
	s->rodata->filter_comm = p->filter_comm;
	memcpy((char *)s->rodata->targ_comm, p->comm, sizeof(p->comm));
	s->rodata->targ_cgroup_id = o->cgroup_id;
	s->rodata->targ_cgroup_level = o->cgroup_level;
	s->rodata->wakeup_bytes = o->ringbuf_size / 4;
	if ((err = bpf_map__reuse_fd(s->maps.rb, bpf_map__fd(rb))) ||
	    (err = bpf_map__reuse_fd(s->maps.stats, bpf_map__fd(stats))) ||
	    (err = bpf_map__reuse_fd(s->maps.tls_calls, bpf_map__fd(calls))))
		return err;
	return tls_bpf__load(s);
}

static int attach_site(struct lp_tls_probes *T, const struct tls_plan *p,
		       const struct tls_site *t)
{
	LIBBPF_OPTS(bpf_uprobe_opts, ret_opts, .retprobe = true);
	struct bpf_program *entry = t->ex ? T->skel->progs.ssl_read_ex_entry
					  : T->skel->progs.ssl_read_entry;
	struct bpf_link *l;

	if (T->nlinks + 2 > TLS_MAX_LINKS)
		return -E2BIG;
	/* return probe first: an entry without it would fill tls_calls */
	l = bpf_program__attach_uprobe_opts(T->skel->progs.ssl_read_return,
					    p->pid ? p->pid : -1, p->path,
					    t->off, &ret_opts);
	if (!l)
		return -errno;
	T->links[T->nlinks++] = l;
	l = bpf_program__attach_uprobe_opts(entry, p->pid ? p->pid : -1,
					    p->path, t->off, NULL);
	if (!l)
		return -errno;
	T->links[T->nlinks++] = l;
	return 0;
}

int tls_probes_attach(struct lp_tls_probes *T, const struct lp_opts *o,
		      const char *client_path, struct bpf_map *rb,
		      struct bpf_map *stats, struct bpf_map *calls,
		      struct probe_info *pi)
{
	struct tls_plan *p;
	char bin[PATH_MAX];
	int err;

	memset(T, 0, sizeof(*T));
	pi->requested = MECH_UPROBE;
	pi->used = MECH_NONE;
	if (o->no_tls_probes) {
		pi->requested = MECH_NONE;
		why(pi, "--no-tls-probes");
		return 0;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	if (choose_process(o, client_path, p, bin, sizeof(bin), pi) ||
	    find_file(p, bin, pi) || place(p, pi))
		goto out;
	describe(p, pi);
	err = load(T, o, p, rb, stats, calls);
	if (err) {
		why(pi, "loading the TLS programs failed: %s", strerror(-err));
		goto fail;
	}
	for (unsigned int i = 0; i < p->nsites; i++) {
		err = attach_site(T, p, &p->sites[i]);
		if (err) {
			why(pi, "attaching the uprobe failed: %s",
			    strerror(-err));
			goto fail;
		}
	}
	pi->used = MECH_UPROBE;
	goto out;
fail:
	lp_err("TLS probes not attached (the run goes on): %s", pi->why);
	tls_probes_destroy(T);
out:
	free(p);
	return 0;
}

void tls_probes_detach(struct lp_tls_probes *T)
{
	for (unsigned int i = 0; i < T->nlinks; i++)
		bpf_link__destroy(T->links[i]);
	T->nlinks = 0;
}

void tls_probes_destroy(struct lp_tls_probes *T)
{
	tls_probes_detach(T);
	tls_bpf__destroy(T->skel);
	T->skel = NULL;
}
