# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# tools/bench/: benchgen, synthetic records straight into a running
# latprobe's pinned ring (bpf/bench_gen.bpf.c, run by BPF_PROG_TEST_RUN):
# the consumer-capacity steps of make bench (section 4) and
# tests/it_benchgen.sh. Its skeleton is not among latprobe's SKELS: nothing
# of it is in latprobe.

TOOLS += $(OUT)/benchgen

$(OUT)/benchgen: tools/bench/benchgen.c $(OUT)/bench_gen.skel.h \
		bpf/bench_gen.h bpf/latprobe.h lib/now.h lib/tool_num.h | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $< -o $@ $(LDLIBS_BPF)
