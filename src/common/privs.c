// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include "privs.h"

#define KEEP CAP_DAC_OVERRIDE

int lp_drop_privileges(bool keep_ptrace)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = {};

	/* the bounding set first: dropping it needs CAP_SETPCAP */
	for (int cap = 0; cap <= 63; cap++) {
		if (cap == KEEP || (keep_ptrace && cap == CAP_SYS_PTRACE))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno == EINVAL)
			break; /* past the last capability this kernel knows */
	}
	data[KEEP / 32].effective = 1u << (KEEP % 32);
	data[KEEP / 32].permitted = 1u << (KEEP % 32);
	if (keep_ptrace) {
		data[CAP_SYS_PTRACE / 32].effective |= 1u << (CAP_SYS_PTRACE % 32);
		data[CAP_SYS_PTRACE / 32].permitted |= 1u << (CAP_SYS_PTRACE % 32);
	}
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	return 0;
}
