# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Client stamps ring (lib/lp_stamps.[ch]): latprobe's reader includes the
# contract header; its unit test and fuzzer drive the reader on crafted maps.

$(OUT)/stamps/client_stamps.o $(OUT)/stamps/stamps_read.o: lib/lp_stamps.h

TESTS += $(OUT)/test_stamps

$(OUT)/test_stamps: tests/test_stamps.c tests/check.h lib/lp_stamps.c \
		lib/lp_stamps.h src/stamps/stamps_read.c src/stamps/stamps_read.h | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests $(LDFLAGS) $(filter %.c,$^) -o $@

# in FUZZ_NAMES (mk/fuzz.mk): built with the other fuzzers
$(OUT)/fuzz_stamps: tests/fuzz_stamps.c src/stamps/stamps_read.c src/stamps/stamps_read.h \
		lib/lp_stamps.h | $(OUT)
	$(call msg,FUZZ-CC,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $(filter %.c,$^) -o $@
