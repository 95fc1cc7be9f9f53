# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# latprobe's own workload tool and unit tests.

TOOLS += $(OUT)/tcpflow
TESTS += $(OUT)/test_hist $(OUT)/test_correlator $(OUT)/test_report \
	$(OUT)/test_metrics $(OUT)/epoll_fail.so

# fault injection for it_faults (poll_fail): plain, even with SANITIZE=1
$(OUT)/epoll_fail.so: tests/epoll_fail.c | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) -O2 -Wall -Werror -shared -fPIC $< -o $@ -ldl

$(OUT)/tcpflow: tools/tcpflow.c | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $< -o $@

$(OUT)/test_%: tests/test_%.c tests/check.h $(LP_CORE_OBJS) | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests $(LDFLAGS) $< $(LP_CORE_OBJS) -o $@ -lcjson -lm

# are BPF run-time stats on right now (tests/it_overhead.sh)
TOOLS += $(OUT)/bpf_stats_probe

$(OUT)/bpf_stats_probe: tools/bpf_stats_probe.c tools/tool_num.h | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itools $(LDFLAGS) $< -o $@ $(LDLIBS_BPF)
