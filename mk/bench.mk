# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# make bench helpers (issue 6): a tight loop over the client's USDT probe.

TOOLS += $(OUT)/usdt_loop

$(OUT)/usdt_loop: tools/usdt_loop.c | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $< -o $@ -lpthread
