# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# make bench's helpers (usdt_loop, waker) are in tools/lab/ (mk/lab.mk).

# the consumer wake-up policy vs the traced client's tail (~3 minutes; not
# part of make bench): results/bench_wakeup.md
.PHONY: bench-wakeup
bench-wakeup: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/bench_wakeup.sh
