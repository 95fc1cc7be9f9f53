// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Files written whole or not at all (file_write.h). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <linux/fs.h>
#include "file_write.h"

/*
 * A symlink as --output in a world-writable sticky directory (/tmp) is how
 * another user gets root to write where they cannot: refuse it, as the
 * kernel's protected_symlinks would refuse to follow it. ELOOP or 0.
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
 * What rename() over path would meet at the end of the run, checked now so
 * a run is not traced for its whole duration and then lost: a directory,
 * something that is not a regular file (rename would replace a device node),
 * an immutable or append-only file, a read-only or full filesystem.
 */
static int check_target(const char *path, const char *dir)
{
	struct statvfs vfs;
	struct stat st;
	int fd, flags = 0;

	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return -EISDIR;
		if (!S_ISREG(st.st_mode))
			return -EINVAL;
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0) {
			if (ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 &&
			    (flags & (FS_IMMUTABLE_FL | FS_APPEND_FL))) {
				close(fd);
				return -EPERM;
			}
			close(fd);
		}
	} else if (errno != ENOENT) {
		return -errno;
	}
	if (statvfs(dir, &vfs) == 0) {
		if (vfs.f_flag & ST_RDONLY)
			return -EROFS;
		/* root may use the reserved blocks; others only f_bavail */
		if ((geteuid() == 0 ? vfs.f_bfree : vfs.f_bavail) == 0)
			return -ENOSPC;
	}
	return 0;
}

int file_check_writable(const char *path)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	int fd;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	if ((fd = check_symlink(path)))
		return fd;
	if ((fd = check_target(path, dirname(dir))))
		return fd;
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

int file_write_whole(const char *path, const void *buf, size_t len)
{
	char tmp[PATH_MAX];
	struct stat st;
	size_t off = 0;
	int fd, err = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >=
	    (int)sizeof(tmp))
		return -ENAMETOOLONG;
	/* planted after the check at start-up? still refused */
	if ((err = check_symlink(path)))
		return err;
	/* rename() would replace a directory entry of any kind: not these */
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode) &&
	    !S_ISLNK(st.st_mode))
		return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	fchmod(fd, 0644);
	while (off < len) {
		ssize_t n = write(fd, (const char *)buf + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			break;
		}
		off += n;
	}
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
