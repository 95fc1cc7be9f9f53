// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Pinned maps of latprobe-nic; see nic_map.h. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "nic_map.h"
#include "nic_slot.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

static const char *const stat_names[NS_PARSE] = {
	[NS_PACKETS] = "packets",
	[NS_TCP] = "tcp_segments",
	[NS_STAMPED] = "stamped",
	[NS_MAP_UPDATES] = "map_updates",
	[NS_EVICT_EST] = "evictions_est",
	[NS_SRC_HW] = "src_dpdk_hw",
	[NS_SRC_TSC_CAPTURE] = "src_tsc_capture",
	[NS_SRC_TSC_RX] = "src_tsc_rx",
	[NS_HW_UNCONV] = "hw_unconvertible",
	[NS_CAPTURE_BAD_TS] = "capture_ts_bad",
	[NS_OVERSIZE] = "oversize",
	[NS_PDUMP_RINGFULL] = "pdump_ringfull",
	[NS_PDUMP_NOMBUF] = "pdump_nombuf",
	[NS_TSC_ERR_NS] = "tsc_err_ns",
	[NS_HW_ERR_NS] = "hw_err_ns",
	[NS_PROBES_SENT] = "probes_sent",
	[NS_PROBES_SEEN] = "probes_seen",
	[NS_PROBES_KSTAMP] = "probes_kernel_stamped",
	[NS_CAPTURE_EARLY_NS] = "capture_early_ns",
	[NS_CAPTURE_LATE_NS] = "capture_late_ns",
};

const char *nic_stat_name(int idx, char *buf, size_t len)
{
	if (idx < 0 || idx >= NS_MAX)
		return "?";
	if (idx < NS_PARSE)
		return stat_names[idx];
	snprintf(buf, len, "parse_%s", nic_parse_name(-(idx - NS_PARSE)));
	return buf;
}

/* bpffs at /sys/fs/bpf and the directory of path (0700). */
static int prepare_dir(const char *path, const char **why)
{
	char dir[PATH_MAX];
	struct statfs sfs;
	char *slash;

	if (statfs("/sys/fs/bpf", &sfs) == 0 && sfs.f_type != BPF_FS_MAGIC) {
		if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700")) {
			*why = "mount -t bpf bpf /sys/fs/bpf";
			return -errno;
		}
		fprintf(stderr, "latprobe-nic: mounted bpffs at /sys/fs/bpf\n");
	}
	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir)) {
		*why = "map path too long";
		return -ENAMETOOLONG;
	}
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0700) && errno != EEXIST) {
		*why = "mkdir of the pin directory";
		return -errno;
	}
	return 0;
}

static int pin(int fd, const char *path, const char **why)
{
	if (bpf_obj_pin(fd, path)) {
		*why = "bpf_obj_pin";
		return -errno;
	}
	if (chmod(path, 0600)) {
		*why = "chmod 0600 of the pin";
		unlink(path);
		return -errno;
	}
	return 0;
}

/*
 * BTF of nic_ts as latprobe's BPF object describes it (bpf/latprobe.h), so
 * that bpftool prints the same field names whichever side created the map.
 */
static struct btf *slot_btf(__u32 *key_id, __u32 *val_id)
{
	int u8, u16, u32, u64, a16, a3, key, slot;
	struct btf *btf;

	btf = btf__new_empty();
	if (!btf)
		return NULL;
	u8 = btf__add_int(btf, "unsigned char", 1, 0);
	u16 = btf__add_int(btf, "short unsigned int", 2, 0);
	u32 = btf__add_int(btf, "unsigned int", 4, 0);
	u64 = btf__add_int(btf, "long long unsigned int", 8, 0);
	a16 = btf__add_array(btf, u32, u8, LP_ADDR_LEN);
	a3 = btf__add_array(btf, u32, u8, 3);
	key = btf__add_struct(btf, "lp_nic_key", sizeof(struct lp_nic_key));
	if (u8 < 0 || u16 < 0 || u32 < 0 || u64 < 0 || a16 < 0 || a3 < 0 ||
	    key < 0 || btf__add_field(btf, "saddr", a16, 0, 0) ||
	    btf__add_field(btf, "daddr", a16, 128, 0) ||
	    btf__add_field(btf, "sport", u16, 256, 0) ||
	    btf__add_field(btf, "dport", u16, 272, 0) ||
	    btf__add_field(btf, "seq", u32, 288, 0))
		goto fail;
	slot = btf__add_struct(btf, "lp_nic_slot", sizeof(struct lp_nic_slot));
	if (slot < 0 || btf__add_field(btf, "cnt", u32, 0, 0) ||
	    btf__add_field(btf, "src", u8, 32, 0) ||
	    btf__add_field(btf, "pad", a3, 40, 0) ||
	    btf__add_field(btf, "ns", u64, 64, 0) ||
	    btf__add_field(btf, "key", key, 128, 0) ||
	    btf__add_field(btf, "pad2", u64, 448, 0) ||
	    btf__load_into_kernel(btf))
		goto fail;
	*key_id = u32;
	*val_id = slot;
	return btf;
fail:
	btf__free(btf);
	return NULL;
}

int nic_ts_open(const char *path, bool *created, const char **why)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE);
	static char mismatch[192];
	struct bpf_map_info info = {};
	__u32 ilen = sizeof(info);
	struct btf *btf;
	int fd, err;

	*created = false;
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		if (bpf_obj_get_info_by_fd(fd, &info, &ilen)) {
			*why = "bpf_obj_get_info_by_fd";
			err = -errno;
			close(fd);
			return err;
		}
		if (lp_nic_ts_mismatch(&info, mismatch, sizeof(mismatch))) {
			/* one line: what it is, then what to do */
			strncat(mismatch, "; remove it",
				sizeof(mismatch) - strlen(mismatch) - 1);
			*why = mismatch;
			close(fd);
			return -EINVAL;
		}
		return fd;
	}
	if (errno != ENOENT) {
		*why = "bpf_obj_get";
		return -errno;
	}

	err = prepare_dir(path, why);
	if (err)
		return err;
	btf = slot_btf(&opts.btf_key_type_id, &opts.btf_value_type_id);
	if (btf)
		opts.btf_fd = btf__fd(btf);
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "nic_ts", sizeof(__u32),
			    sizeof(struct lp_nic_slot), LP_NIC_TS_ENTRIES,
			    &opts);
	if (fd < 0 && btf) {
		/* BTF refused: raw bytes in bpftool, layout in latprobe.h */
		opts.btf_fd = opts.btf_key_type_id = opts.btf_value_type_id = 0;
		fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "nic_ts", sizeof(__u32),
				    sizeof(struct lp_nic_slot),
				    LP_NIC_TS_ENTRIES, &opts);
	}
	btf__free(btf);
	if (fd < 0) {
		*why = "bpf_map_create(nic_ts)";
		return -errno;
	}
	err = pin(fd, path, why);
	if (err) {
		/* latprobe may have pinned it meanwhile: use that one */
		close(fd);
		if (err == -EEXIST)
			return nic_ts_open(path, created, why);
		return err;
	}
	*created = true;
	return fd;
}

struct lp_nic_slot *nic_ts_mmap(int fd, const char **why)
{
	void *p;

	p = mmap(NULL, LP_NIC_TS_MMAP_LEN, PROT_READ | PROT_WRITE, MAP_SHARED,
		 fd, 0);
	if (p == MAP_FAILED) {
		*why = "mmap of nic_ts";
		return NULL;
	}
	return p;
}

void nic_ts_munmap(struct lp_nic_slot *slots)
{
	if (slots)
		munmap(slots, LP_NIC_TS_MMAP_LEN);
}

/* BTF: u32 key, struct latprobe_nic_stats { u64 <name>; ... } value. */
static struct btf *stats_btf(__u32 *key_id, __u32 *val_id)
{
	char name[64];
	struct btf *btf;
	int u32_id, u64_id, st, i;

	btf = btf__new_empty();
	if (!btf)
		return NULL;
	u32_id = btf__add_int(btf, "unsigned int", 4, 0);
	u64_id = btf__add_int(btf, "long long unsigned int", 8, 0);
	st = btf__add_struct(btf, "latprobe_nic_stats",
			     sizeof(struct nic_stats));
	if (u32_id < 0 || u64_id < 0 || st < 0)
		goto fail;
	for (i = 0; i < NS_MAX; i++) {
		if (btf__add_field(btf, nic_stat_name(i, name, sizeof(name)),
				   u64_id, i * 64, 0))
			goto fail;
	}
	if (btf__load_into_kernel(btf))
		goto fail;
	*key_id = u32_id;
	*val_id = st;
	return btf;
fail:
	btf__free(btf);
	return NULL;
}

int nic_stats_create(const char *path, bool *with_btf, const char **why)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts);
	struct btf *btf;
	int fd, err;

	err = prepare_dir(path, why);
	if (err)
		return err;
	/* a stale pin of an earlier run that was killed */
	unlink(path);

	btf = stats_btf(&opts.btf_key_type_id, &opts.btf_value_type_id);
	if (btf)
		opts.btf_fd = btf__fd(btf);
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "nic_stats", sizeof(__u32),
			    sizeof(struct nic_stats), 1, btf ? &opts : NULL);
	if (fd < 0 && btf) {
		/* BTF refused: raw bytes in bpftool, layout in nic_map.h */
		btf__free(btf);
		btf = NULL;
		fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "nic_stats",
				    sizeof(__u32), sizeof(struct nic_stats), 1,
				    NULL);
	}
	if (fd < 0) {
		*why = "bpf_map_create(nic_stats)";
		return -errno;
	}
	*with_btf = btf != NULL;
	btf__free(btf);
	err = pin(fd, path, why);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

int nic_stats_write(int fd, const struct nic_stats *s)
{
	__u32 zero = 0;

	return bpf_map_update_elem(fd, &zero, s, BPF_ANY) ? -errno : 0;
}
