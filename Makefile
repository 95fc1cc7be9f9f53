# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# latprobe: .bpf.c -> .bpf.o -> .skel.h -> latprobe (libbpf-tools layout).
# Quiet by default; V=1 prints the full commands. SANITIZE=1 builds user
# space with ASan+UBSan.

OUT := $(if $(filter 1,$(SANITIZE)),build-san,build)
CLANG ?= clang
BPFTOOL ?= bpftool
CC ?= gcc
ARCH := x86

CFLAGS ?= -O2 -g
CFLAGS += -Wall -Wextra -Wno-unused-parameter -Werror -std=gnu11 -D_GNU_SOURCE
CFLAGS += -I$(OUT) -Ibpf -Isrc -Ilib
LDLIBS_BPF := -lbpf -lelf -lz
ifeq ($(SANITIZE),1)
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	-I. -Ibpf -I/usr/include/x86_64-linux-gnu

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all clean test unit-test integration-test demo demo-anyclient bench deps \
	fmt tools tests

$(OUT)/latprobe.bpf.o: BPF_CFLAGS += -mcpu=v3
BPF_OBJS := $(OUT)/latprobe.bpf.o $(OUT)/feature.bpf.o $(OUT)/client.bpf.o \
	$(OUT)/tls.bpf.o
SKELS := $(BPF_OBJS:.bpf.o=.skel.h)
# src/report/: `latprobe report`, the reader and views of a saved report.
LP_SRCS := $(wildcard src/*.c src/report/*.c)
LP_OBJS := $(patsubst src/%.c,$(OUT)/%.o,$(LP_SRCS))
# Symbol lookup and probe placement for uprobes on foreign code (libelf,
# libstdc++'s demangler): unit tests that need it link it themselves.
US_OBJS := $(OUT)/uprobe_site.o $(OUT)/uprobe_lib.o $(OUT)/uprobe_place.o
# Objects of latprobe that unit tests link (everything but main and loader).
LP_CORE_OBJS := $(filter-out $(OUT)/main.o $(OUT)/loader.o $(OUT)/loader_kstate.o $(OUT)/feature.o \
	$(OUT)/nic_lookup.o $(OUT)/loader_pin.o $(OUT)/loader_batch.o $(OUT)/loader_sched.o \
	$(OUT)/metrics.o $(OUT)/overhead.o $(US_OBJS) \
	$(OUT)/attach_callback.o \
	$(OUT)/attach_tls.o, $(LP_OBJS))

TOOLS :=
TESTS :=
# Helpers the programs in tools/ share (lib/, built by mk/lib.mk).
LIB_OUT := $(OUT)/lib
LIB_HDRS := $(wildcard lib/*.h)
all: latprobe tools tests

# Fragments for tools/, lib/ and tests/ add to TOOLS and TESTS.
include $(wildcard mk/*.mk)

$(OUT):
	$(Q)mkdir -p $@

$(OUT)/%.bpf.o: bpf/%.bpf.c bpf/*.h vmlinux.h | $(OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/%.skel.h: $(OUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst .,_,$*)_bpf > $@

$(OUT)/%.o: src/%.c src/*.h src/report/*.h lib/now.h bpf/latprobe.h $(SKELS) | $(OUT)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

latprobe: $(LP_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS_BPF) -lcjson -lmicrohttpd -lpthread -lm \
		-lstdc++

tools: $(TOOLS)
tests: $(TESTS)

# The README's two commands do all the set-up on a fresh machine.
test: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/run.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/demo.sh

demo-anyclient: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/demo_anyclient.sh

# The other bench scripts first (those present), bench.sh last: its
# report quotes their results/*.json written since BENCH_EPOCH.
BENCH_FIRST := bench_nic bench_kernel_cost bench_client bench_callback bench_tls \
	bench_sched
bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)export BENCH_EPOCH=$$(date +%s); \
	for s in $(BENCH_FIRST); do \
		[ ! -x scripts/$$s.sh ] || scripts/$$s.sh || exit 1; \
	done; \
	scripts/bench.sh

deps:
	$(Q)scripts/install-deps.sh

fmt:
	$(Q)clang-format -i $$(git ls-files '*.c' '*.h' | grep -v '^vmlinux.h$$')

clean:
	$(call msg,CLEAN)
	$(Q)rm -rf $(OUT) latprobe
