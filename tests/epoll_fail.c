// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * LD_PRELOAD fault injection for tests: epoll_wait fails with EIO from the
 * EPOLL_FAIL_AFTER-th call on (default 50), as a broken ring-buffer poll
 * would. Only epoll_wait: everything else is the real libc.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>

int epoll_wait(int epfd, struct epoll_event *ev, int n, int timeout)
{
	static int (*real)(int, struct epoll_event *, int, int);
	static long calls, after = -1;

	if (!real)
		real = (int (*)(int, struct epoll_event *, int, int))dlsym(
			RTLD_NEXT, "epoll_wait");
	if (after < 0)
		after = getenv("EPOLL_FAIL_AFTER") ?
				strtol(getenv("EPOLL_FAIL_AFTER"), NULL, 10) :
				50;
	if (++calls >= after) {
		errno = EIO;
		return -1;
	}
	return real(epfd, ev, n, timeout);
}
