# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# latprobe's unit tests (its workload tool, tcpflow: mk/lab.mk).

TESTS += $(OUT)/test_hist $(OUT)/test_correlator $(OUT)/test_report \
	$(OUT)/test_names $(OUT)/test_cgroup \
	$(OUT)/test_metrics $(OUT)/test_probe_cost $(OUT)/epoll_fail.so $(OUT)/sched_reader \
	$(OUT)/test_corr_sched $(OUT)/test_findings

# fault injection for it_faults (poll_fail): plain, even with SANITIZE=1
$(OUT)/epoll_fail.so: tests/epoll_fail.c | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) -O2 -Wall -Werror -shared -fPIC $< -o $@ -ldl

# a reader made to wait in a known way, for it_sched_split
$(OUT)/sched_reader: tests/sched_reader.c | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) -O2 -Wall -Werror $< -o $@

$(OUT)/test_%: tests/test_%.c tests/check.h $(LP_CORE_OBJS) | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests $(LDFLAGS) $< $(LP_CORE_OBJS) -o $@ -lcjson -lm
