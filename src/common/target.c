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

/* The process (thread group) pid belongs to; 0 if it cannot be read. */
static uint32_t tgid_of(uint32_t pid)
{
	char path[32], line[64];
	unsigned int tgid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/status", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %u", &tgid) == 1)
			break;
	fclose(f);
	return tgid;
}

int target_check(struct lp_target *t)
{
	uint32_t tgid;

	if (!t->pid)
		return 0;
	if (!target_alive(t->pid)) {
		lp_err("%s %u: no such process", t->flag, t->pid);
		return -ESRCH;
	}
	/* a thread's id (ps -L, top -H): what is traced is its process */
	tgid = tgid_of(t->pid);
	if (tgid && tgid != t->pid) {
		lp_err("%s %u is a thread of process %u: tracing process %u",
		       t->flag, t->pid, tgid, tgid);
		t->pid = tgid;
	}
	return 0;
}

bool target_poll(struct lp_target *t, double elapsed_s)
{
	if (!t->pid || t->exited || target_alive(t->pid))
		return false;
	t->exited = true;
	t->exited_after_s = elapsed_s;
	return true;
}
