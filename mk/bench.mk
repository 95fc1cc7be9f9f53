# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# make bench helpers (issue 6): a tight loop over the client's USDT probe.

TOOLS += $(OUT)/usdt_loop

$(OUT)/usdt_loop: tools/usdt_loop.c tools/lp_stamps.c tools/lp_stamps.h | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itools $(LDFLAGS) $(filter %.c,$^) -o $@ -lpthread

# a process that only wakes every 10 ms: the bench's fair baseline (issue 14)
TOOLS += $(OUT)/waker

$(OUT)/waker: tools/waker.c src/now.h tools/tool_num.h | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itools $(LDFLAGS) $< -o $@

# the consumer wake-up policy vs the traced client's tail (~3 minutes; not
# part of make bench): results/bench_wakeup.md
.PHONY: bench-wakeup
bench-wakeup: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/bench_wakeup.sh
