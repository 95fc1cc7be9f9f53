# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# TLS probes: the tls_decrypt stage's unit test (built by the generic
# test_% rule in core-tests.mk).
TESTS += $(OUT)/test_corr_tls

# The tight SSL_write -> SSL_read loop that scripts/bench_tls.sh probes
# (tools-ws.mk, included after this file, builds feed_tls.o).
TOOLS += $(OUT)/ssl_read_loop
$(OUT)/ssl_read_loop: tools/ssl_read_loop.c $(OUT)/tools-ws/feed_tls.o tools/feed_tls.h \
		tools/tool_num.h | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itools $(LDFLAGS) $< $(OUT)/tools-ws/feed_tls.o -o $@ \
		-lssl -lcrypto
