// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bpf_stats_probe: are BPF run-time statistics on right now, whoever holds
 * them (the sysctl or a BPF_ENABLE_STATS fd)? The sysctl alone cannot say:
 * it shows only its own setting. Loads a two-instruction socket filter,
 * runs it with BPF_PROG_TEST_RUN and prints "bpf_stats=1 run_cnt=N" when
 * the kernel counted the runs, "bpf_stats=0 run_cnt=0" otherwise, and the
 * kernel's mean time per run (BPF_PROG_TEST_RUN's duration): run once with
 * the stats off and once on, the difference is what the statistics add to
 * every program run. Needs CAP_BPF (root). Used by tests/it_overhead.sh.
 *
 *   bpf_stats_probe [REPEAT (100; 1-100000000)]
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "tool_num.h"
#include <bpf/bpf.h>
#include <linux/bpf.h>

int main(int argc, char **argv)
{
	struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	unsigned char pkt[64] = {};
	LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = pkt,
		    .data_size_in = sizeof(pkt), .repeat = 100);
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd;

	if (argc > 1)
		run.repeat = tool_num("bpf_stats_probe", argv[1], 1, 100000000,
				      "REPEAT");

	fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "lp_stats_probe", "GPL",
			   insns, 2, NULL);
	if (fd < 0) {
		fprintf(stderr, "bpf_stats_probe: loading: %s\n",
			strerror(errno));
		return 1;
	}
	if (bpf_prog_test_run_opts(fd, &run) ||
	    bpf_obj_get_info_by_fd(fd, &info, &len)) {
		fprintf(stderr, "bpf_stats_probe: running: %s\n",
			strerror(errno));
		close(fd);
		return 1;
	}
	printf("bpf_stats=%d run_cnt=%llu ns_per_run=%u\n", info.run_cnt > 0,
	       (unsigned long long)info.run_cnt, run.duration);
	close(fd);
	return 0;
}
