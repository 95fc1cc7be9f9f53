# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# make bench helpers (issue 6): a tight loop over the client's USDT probe.

TOOLS += $(OUT)/usdt_loop

$(OUT)/usdt_loop: tools/usdt_loop.c tools/lp_stamps.c tools/lp_stamps.h | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itools $(LDFLAGS) $(filter %.c,$^) -o $@ -lpthread
