# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# --callback: uprobes on clients latprobe did not build. The unit test of
# the symbol lookup / probe placement (src/uprobe/) and its fixture.

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
		src/uprobe/uprobe_site.h $(US_OBJS) | $(OUT)/uprobe_target.stripped
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests -DUS_FIXTURE_DIR='"$(OUT)"' $(LDFLAGS) $< \
		$(US_OBJS) -o $@ -lelf -lstdc++

# The --callback target of the bench and the edge-case test is
# tools/lab/cb_loop.c (mk/lab.mk).

# Clients nobody here wrote the stack of (Debian packages): the targets of
# tests/it_callback_clients.sh and make demo-anyclient. -fcf-protection:
# functions start with endbr64, as distribution builds do.
TESTS += $(OUT)/wspp_client $(OUT)/lws_client

$(OUT)/wspp_client: tests/clients/wspp_client.cpp | $(OUT)
	$(call msg,CXX,$@)
	$(Q)g++ -O2 -g -std=c++17 -fcf-protection=full $< -o $@ -lsimdjson \
		-lboost_system -lpthread

$(OUT)/lws_client: tests/clients/lws_client.c bpf/latprobe.h | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -fcf-protection=full $< -o $@ -lwebsockets -lcjson
