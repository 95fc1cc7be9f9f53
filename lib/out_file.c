// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Where a report goes: through, or whole by rename (out_file.h). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <linux/fs.h>
#include <linux/magic.h>

#include "out_file.h"

/* A FIFO's reader, a stalled pipe: waited for this long, then an error. */
#define OUT_WAIT_MS 10000

enum out_kind {
	OUT_FILE, /* temp file, fsync, rename */
	OUT_FD,	  /* our stdout or stderr, written through */
	OUT_OPEN, /* a character device or a FIFO, opened and written through */
};

const char *out_strerror(int err)
{
	switch (-err) {
	case OUT_EBLOCK:
		return "a block device (latprobe writes files, pipes and terminals, never over a disk)";
	case OUT_ESOCKET:
		return "a socket (only latprobe's own stdout may be one)";
	case OUT_EPSEUDO:
		return "on a kernel pseudo-filesystem (/proc, /sys, debugfs...), which holds no files";
	}
	return strerror(-err);
}

static bool same_file(int fd, const struct stat *st)
{
	struct stat f;

	return fstat(fd, &f) == 0 && f.st_dev == st->st_dev &&
	       f.st_ino == st->st_ino;
}

/* Files written there go nowhere or to the kernel, not to storage. */
static bool pseudo_fs(const char *dir)
{
	static const int64_t magic[] = {
		PROC_SUPER_MAGIC,   SYSFS_MAGIC,	 DEBUGFS_MAGIC,
		TRACEFS_MAGIC,	    SECURITYFS_MAGIC,	 SELINUX_MAGIC,
		SMACK_MAGIC,	    PSTOREFS_MAGIC,	 EFIVARFS_MAGIC,
		CGROUP_SUPER_MAGIC, CGROUP2_SUPER_MAGIC, BPF_FS_MAGIC,
		DEVPTS_SUPER_MAGIC,
	};
	struct statfs fs;

	if (statfs(dir, &fs))
		return false; /* the caller's own checks name it */
	for (size_t i = 0; i < sizeof(magic) / sizeof(magic[0]); i++)
		if ((int64_t)(uint32_t)fs.f_type == magic[i])
			return true;
	return false;
}

/* What writing to path means: OUT_* (the fd for OUT_FD) or -errno. */
static int classify(const char *path, int *fd)
{
	char dir[PATH_MAX];
	struct stat st;

	*fd = -1;
	if (!strcmp(path, "-")) {
		*fd = STDOUT_FILENO;
		return OUT_FD;
	}
	if (stat(path, &st) == 0) {
		/* /dev/stdout, /proc/self/fd/2, or the file the shell opened */
		for (int i = STDOUT_FILENO; i <= STDERR_FILENO; i++)
			if (same_file(i, &st)) {
				*fd = i;
				return OUT_FD;
			}
		if (S_ISDIR(st.st_mode))
			return -EISDIR;
		if (S_ISBLK(st.st_mode))
			return -OUT_EBLOCK;
		if (S_ISSOCK(st.st_mode))
			return -OUT_ESOCKET;
		if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))
			return OUT_OPEN;
	} else if (errno != ENOENT) {
		return -errno;
	}
	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	if (pseudo_fs(dirname(dir)))
		return -OUT_EPSEUDO;
	return OUT_FILE;
}

bool out_is_stdout(const char *path)
{
	int fd;

	return classify(path, &fd) == OUT_FD && fd == STDOUT_FILENO;
}

/*
 * A symlink in a world-writable sticky directory (/tmp) is how another
 * user gets root to write where they cannot: refuse it, as the kernel's
 * protected_symlinks would refuse to follow it. ELOOP or 0.
 */
static int check_symlink(const char *path)
{
	char dir[PATH_MAX];
	struct stat st;

	if (lstat(path, &st) || !S_ISLNK(st.st_mode))
		return 0;
	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	if (stat(dirname(dir), &st))
		return -errno;
	if ((st.st_mode & S_IWOTH) && (st.st_mode & S_ISVTX))
		return -ELOOP;
	return 0;
}

/*
 * What rename() over path would meet at the end of the run: an immutable
 * or append-only file, a read-only or full filesystem, no right to create
 * a file in its directory.
 */
static int check_file(const char *path)
{
	char tmp[PATH_MAX], buf[PATH_MAX];
	const char *dir;
	struct statvfs vfs;
	int fd, flags = 0;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		if (ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 &&
		    (flags & (FS_IMMUTABLE_FL | FS_APPEND_FL))) {
			close(fd);
			return -EPERM;
		}
		close(fd);
	}
	snprintf(buf, sizeof(buf), "%s", path); /* classify() measured it */
	dir = dirname(buf);
	if (statvfs(dir, &vfs) == 0) {
		if (vfs.f_flag & ST_RDONLY)
			return -EROFS;
		/* root may use the reserved blocks; others only f_bavail */
		if ((geteuid() == 0 ? vfs.f_bfree : vfs.f_bavail) == 0)
			return -ENOSPC;
	}
	if (snprintf(tmp, sizeof(tmp), "%s/.latprobe-check.XXXXXX", dir) >=
	    (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	close(fd);
	unlink(tmp);
	return 0;
}

int out_check(const char *path)
{
	int fd, kind, fl;

	if ((fd = check_symlink(path)))
		return fd;
	kind = classify(path, &fd);
	if (kind == OUT_FD) {
		fl = fcntl(fd, F_GETFL);
		if (fl < 0)
			return -errno;
		return (fl & O_ACCMODE) == O_RDONLY ? -EBADF : 0;
	}
	if (kind == OUT_OPEN)
		return access(path, W_OK) ? -errno : 0;
	return kind < 0 ? kind : check_file(path);
}

static int64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* All of buf to fd; a pipe that takes nothing for OUT_WAIT_MS fails. */
static int write_all(int fd, const char *buf, size_t len)
{
	struct pollfd p = {.fd = fd, .events = POLLOUT};

	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			n = poll(&p, 1, OUT_WAIT_MS);
			if (n == 0)
				return -ETIMEDOUT;
			if (n < 0 && errno != EINTR)
				return -errno;
			continue;
		}
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf += n;
		len -= n;
	}
	return 0;
}

/* A FIFO without a reader is waited for, a bounded time (ENXIO). */
static int open_through(const char *path)
{
	int64_t end = ms_now() + OUT_WAIT_MS;
	int fd;

	for (;;) {
		fd = open(path, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0 || errno != ENXIO || ms_now() >= end)
			break;
		usleep(50 * 1000);
	}
	if (fd < 0)
		return -errno;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

static int write_renamed(const char *path, const void *buf, size_t len)
{
	char tmp[PATH_MAX];
	int fd, err;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >=
	    (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	fchmod(fd, 0644);
	err = write_all(fd, buf, len);
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

int out_write(const char *path, const void *buf, size_t len)
{
	int fd, kind, err;

	/* planted after the check at start-up? still refused */
	if ((err = check_symlink(path)))
		return err;
	kind = classify(path, &fd);
	if (kind < 0)
		return kind;
	if (kind == OUT_FILE)
		return write_renamed(path, buf, len);
	if (kind == OUT_FD)
		return write_all(fd, buf, len);
	fd = open_through(path);
	if (fd < 0)
		return fd;
	err = write_all(fd, buf, len);
	if (close(fd) && !err)
		err = -errno;
	return err;
}
