// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The container id a cgroup path names (lp_container_id), and what it
 * refuses; ids to paths on this host's cgroup v2 mount, and --live's
 * cgroup column.
 */
#include <stdlib.h>
#include <string.h>
#include "cgroup.h"
#include "check.h"
#include "live.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ID2 "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static void want(const char *path, const char *id)
{
	char out[LP_CONTAINER_ID_LEN + 1] = "";
	bool got = lp_container_id(path, out);

	if (id)
		CHECK(got && !strcmp(out, id), "%s: got %s, want %s", path,
		      got ? out : "none", id);
	else
		CHECK(!got, "%s: got %s, want none", path, out);
}

/* The v2 root is "/", both ways; --live shows it on the connection's line. */
static void resolve(void)
{
	const char *mnt = lp_cgroup_mount(), *why = NULL;
	struct corr_cfg cfg = {};
	struct corr *c;
	struct lp_event e = {};
	uint64_t id = 0, stats[LP_S_MAX] = {};
	uint32_t level = 9;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	CHECK(!lp_cgroup_path(0), "id 0 (no owner) has no path");
	if (!mnt) {
		printf("test_cgroup: no cgroup2 mount here, resolution not run\n");
		return;
	}
	if (!CHECK(!lp_cgroup_id(mnt, &id, &level, &why), "%s: %s", mnt, why))
		return;
	CHECK_EQ(level, 0);
	CHECK(lp_cgroup_path(id) && !strcmp(lp_cgroup_path(id), "/"),
	      "root id %llu: %s", (unsigned long long)id,
	      lp_cgroup_path(id) ?: "(null)");
	CHECK(!lp_cgroup_path(~0ULL), "an id nobody has");
	CHECK(lp_cgroup_id("/proc", &id, &level, &why) && why, "not cgroup2");

	c = corr_new(&cfg);
	f = open_memstream(&text, &len);
	if (!CHECK(c && f, "corr, memstream"))
		return;
	lp_cgroup_id(mnt, &id, &level, &why);
	e.sock.cgroup_id = id;
	e.h.type = LP_EV_SOCK;
	e.h.sk = 1;
	e.h.tgid = 7;
	e.sock.family = 2;
	strcpy(e.sock.comm, "rx");
	corr_event(c, &e, lp_event_size(LP_EV_SOCK));
	live_render(f, c, stats, 0, 1, 24, 200);
	fclose(f);
	CHECK(strstr(text, "cgroup\033[K\n"), "header: %s", text);
	CHECK(strstr(text, " /\033[K\n"), "the root on the line: %s", text);
	free(text);
	corr_free(c);
	lp_cgroup_forget();
}

int main(void)
{
	/* the forms the engines use */
	want("/system.slice/docker-" ID ".scope", ID);
	want("/docker/" ID, ID);
	want("/docker/" ID "/", ID);
	want("/kubepods.slice/kubepods-besteffort.slice/"
	     "cri-containerd-" ID ".scope",
	     ID);
	want("/kubepods.slice/crio-" ID ".scope", ID);
	want("/machine.slice/libpod-" ID ".scope", ID);
	/* nested cgroups inside a container: the container's scope */
	want("/machine.slice/libpod-" ID ".scope/container", ID);
	want("/system.slice/docker-" ID ".scope/init.scope", ID);
	/* innermost wins: docker in docker */
	want("/docker/" ID2 "/docker/" ID, ID);
	/* not a container */
	want(NULL, NULL);
	want("", NULL);
	want("/", NULL);
	want("/user.slice/user-1000.slice/session-2.scope", NULL);
	want("/system.slice/docker.service", NULL);
	want("/" ID, NULL); /* bare hex, not under docker/ */
	want("/notdocker/" ID, NULL);
	want("/system.slice/docker-" ID, NULL); /* no .scope */
	want("/system.slice/docker-" ID ".scopex", NULL);
	want("/system.slice/docker-" ID "0.scope", NULL); /* 65 hex */
	want("/system.slice/docker-0123.scope", NULL);	  /* short */
	want("/docker/0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
	     NULL); /* upper case: not what the engines write */
	want("/docker/0123456789abcdeg0123456789abcdef0123456789abcdef0123456789abcdef",
	     NULL);
	want("/system.slice/podman-" ID ".scope", NULL);
	resolve();
	return check_done("test_cgroup");
}
