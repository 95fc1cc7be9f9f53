// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The container id a cgroup path names (lp_container_id), and what it refuses. */
#include <string.h>
#include "cgroup.h"
#include "check.h"

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
	return check_done("test_cgroup");
}
