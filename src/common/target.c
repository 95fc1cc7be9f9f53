// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "log.h"
#include "target.h"

bool target_alive(uint32_t pid)
{
	char path[32], buf[256], *rp;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* "pid (comm) S ...": comm may hold ')' and spaces; the last ')' ends it */
	rp = strrchr(buf, ')');
	return rp && rp[1] == ' ' && rp[2] != 'Z' && rp[2] != 'X';
}

int target_check(const struct lp_target *t)
{
	if (!t->pid || target_alive(t->pid))
		return 0;
	lp_err("%s %u: no such process", t->flag, t->pid);
	return -ESRCH;
}

bool target_poll(struct lp_target *t, double elapsed_s)
{
	if (!t->pid || t->exited || target_alive(t->pid))
		return false;
	t->exited = true;
	t->exited_after_s = elapsed_s;
	return true;
}
