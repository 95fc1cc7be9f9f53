# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# tools/nic/: latprobe-nic (DPDK 22.11 + libbpf) and its unit tests (packet
# parser, capture clock, nic_ts slots). The targets below that run DPDK (nic-demo, bench-nic) always pass
# --no-pci. The parser is plain C; only NIC_DPDK_OBJS see DPDK headers, and
# rte_pdump and rte_pcapng_mbuf_size are still experimental in 22.11.

NIC_DPDK_CFLAGS := $(shell pkg-config --cflags libdpdk 2>/dev/null) \
	-DALLOW_EXPERIMENTAL_API
NIC_DPDK_LIBS := $(shell pkg-config --libs libdpdk 2>/dev/null)
NIC_OBJDIR := $(OUT)/nic
# The objects that see DPDK headers, then the plain C ones.
NIC_DPDK_OBJS := $(addprefix $(NIC_OBJDIR)/,latprobe_nic.o nic_opts.o \
	nic_eal.o nic_port.o nic_rx.o)
NIC_OBJS := $(NIC_DPDK_OBJS) $(addprefix $(NIC_OBJDIR)/,nic_capclock.o \
	nic_clock.o nic_map.o nic_parse.o nic_probe.o)
NIC_HDRS := $(wildcard tools/nic/*.h) bpf/latprobe.h lib/nic_slot.h

TOOLS += $(OUT)/latprobe-nic
TESTS += $(OUT)/test_nic_parse $(OUT)/test_nic_capclock $(OUT)/test_nic_slot

$(NIC_OBJDIR):
	$(Q)mkdir -p $@

$(NIC_DPDK_OBJS): $(NIC_OBJDIR)/%.o: tools/nic/%.c $(NIC_HDRS) | $(NIC_OBJDIR)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itools/nic $(NIC_DPDK_CFLAGS) -c $< -o $@

$(NIC_OBJDIR)/%.o: tools/nic/%.c $(NIC_HDRS) | $(NIC_OBJDIR)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itools/nic -c $< -o $@

$(OUT)/latprobe-nic: $(NIC_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(NIC_DPDK_LIBS) $(LDLIBS_BPF) -lm

$(OUT)/test_nic_parse: tests/test_nic_parse.c $(NIC_OBJDIR)/nic_parse.o \
		$(NIC_HDRS) | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itools/nic $(LDFLAGS) $< $(NIC_OBJDIR)/nic_parse.o -o $@

$(OUT)/test_nic_capclock: tests/test_nic_capclock.c \
		$(NIC_OBJDIR)/nic_capclock.o $(NIC_HDRS) | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itools/nic -Itests $(LDFLAGS) $< \
		$(NIC_OBJDIR)/nic_capclock.o -o $@

$(OUT)/test_nic_slot: tests/test_nic_slot.c $(NIC_HDRS) | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests -pthread $(LDFLAGS) $< -o $@ -lm

# libFuzzer target for the parser (clang with compiler-rt; not part of all):
#   make build/fuzz_nic_parse && build/fuzz_nic_parse -max_total_time=60
$(OUT)/fuzz_nic_parse: tests/fuzz_nic_parse.c tools/nic/nic_parse.c \
		$(NIC_HDRS) | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined -Ibpf -Itools/nic \
		$< tools/nic/nic_parse.c -o $@

# DPDK in front of the kernel (dpdk-testpmd: net_af_packet <-> net_tap),
# latprobe-nic as its secondary, latprobe on the client: see the script.
.PHONY: nic-demo bench-nic
nic-demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/nic_demo.sh

# latprobe-nic's stamping rate and cost per packet (also part of make bench)
bench-nic: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/bench_nic.sh
