# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# --callback: uprobes on clients latprobe did not build. The unit test of
# the symbol lookup / probe placement (src/uprobe_*.c) and its fixture.

TESTS += $(OUT)/test_uprobe_site $(OUT)/uprobe_target \
	$(OUT)/uprobe_target.stripped

# -O0 -fcf-protection: every function starts "endbr64; push %rbp", the
# prologue the placement test expects; -rdynamic puts us_exported in .dynsym.
$(OUT)/uprobe_target: tests/fixtures/uprobe_target.cc | $(OUT)
	$(call msg,CXX,$@)
	$(Q)g++ -O0 -g -fcf-protection=full -rdynamic $< -o $@

$(OUT)/uprobe_target.stripped: $(OUT)/uprobe_target
	$(call msg,STRIP,$@)
	$(Q)strip --strip-all $< -o $@

$(OUT)/test_uprobe_site: tests/test_uprobe_site.c tests/check.h \
		src/uprobe_site.h $(US_OBJS) | $(OUT)/uprobe_target.stripped
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests -DUS_FIXTURE_DIR='"$(OUT)"' $(LDFLAGS) $< \
		$(US_OBJS) -o $@ -lelf -lstdc++
