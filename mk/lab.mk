# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# tools/lab/: the small single-file programs the tests, benches and the
# socket lab drive (each one's users: its header comment). The targets
# that run them stay with their users: mk/socketlab.mk, mk/bench.mk.

# Socket lab (issue 5, docs/socket-profiling.md): sequenced UDP
# publisher/subscriber, TCP feed server, client load generator.
SOCKETLAB_TOOLS := $(OUT)/udp_burst $(OUT)/tcp_feed $(OUT)/conn_load
TOOLS += $(SOCKETLAB_TOOLS)

$(SOCKETLAB_TOOLS): $(OUT)/%: tools/lab/%.c | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $< -o $@ -lpthread

# latprobe's own workload tool
TOOLS += $(OUT)/tcpflow

$(OUT)/tcpflow: tools/lab/tcpflow.c lib/now.h lib/tool_num.h | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $< -o $@

# are BPF run-time stats on right now (tests/it_overhead.sh)
TOOLS += $(OUT)/bpf_stats_probe

$(OUT)/bpf_stats_probe: tools/lab/bpf_stats_probe.c lib/tool_num.h | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $< -o $@ $(LDLIBS_BPF)

# make bench helpers (issue 6): a tight loop over the client's USDT probe
TOOLS += $(OUT)/usdt_loop

$(OUT)/usdt_loop: tools/lab/usdt_loop.c lib/lp_stamps.c lib/lp_stamps.h \
		lib/now.h lib/tool_num.h | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $(filter %.c,$^) -o $@ -lpthread

# a process that only wakes every 10 ms: the bench's fair baseline (issue 14)
TOOLS += $(OUT)/waker

$(OUT)/waker: tools/lab/waker.c lib/now.h lib/tool_num.h | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $< -o $@

# The --callback target of the bench and the edge-case test (mk/anyclient.mk)
TOOLS += $(OUT)/cb_loop

$(OUT)/cb_loop: tools/lab/cb_loop.c lib/now.h lib/tool_num.h | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -fcf-protection=full -fno-omit-frame-pointer \
		$(LDFLAGS) $< -o $@ -lpthread

# The tight SSL_write -> SSL_read loop that scripts/bench_tls.sh probes
TOOLS += $(OUT)/ssl_read_loop

$(OUT)/ssl_read_loop: tools/lab/ssl_read_loop.c $(LIB_OUT)/feed_tls.o \
		lib/feed_tls.h lib/tool_num.h | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $< $(LIB_OUT)/feed_tls.o -o $@ \
		-lssl -lcrypto

# ... with an SSL_read of its own that times itself from inside (the truth
# of tests/it_probe_bias.sh's tls_decrypt check); a frame pointer, so the
# probe site after endbr64 is a push the kernel emulates
TOOLS += $(OUT)/ssl_read_inner

$(OUT)/ssl_read_inner: tools/lab/ssl_read_loop.c $(LIB_OUT)/feed_tls.o \
		lib/feed_tls.h lib/tool_num.h | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -DSSL_READ_INNER -fno-omit-frame-pointer $(LDFLAGS) \
		-Wl,--export-dynamic-symbol=SSL_read $< $(LIB_OUT)/feed_tls.o \
		-o $@ -lssl -lcrypto -ldl
