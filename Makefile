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
# src/ is one folder per job (docs/design.md, Layout); headers are named
# without their folder, so every folder is on the include path.
SRC_DIRS := $(sort $(dir $(wildcard src/*/*.c src/*/*.h)))
SRC_INC := -Isrc $(patsubst %/,-I%,$(SRC_DIRS))
CFLAGS += -I$(OUT) -Ibpf $(SRC_INC) -Ilib
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
	$(OUT)/tls.bpf.o $(OUT)/calib.bpf.o
SKELS := $(BPF_OBJS:.bpf.o=.skel.h)
LP_SRCS := $(wildcard src/*.c src/*/*.c)
# lib/out_file.c: the writer of reports and pictures, shared with wsclient
LP_OBJS := $(patsubst src/%.c,$(OUT)/%.o,$(LP_SRCS)) $(OUT)/lib/out_file.o
# Symbol lookup and probe placement for uprobes on foreign code (libelf,
# libstdc++'s demangler): unit tests that need it link it themselves.
US_OBJS := $(patsubst src/%.c,$(OUT)/%.o,$(wildcard src/uprobe/*.c))
# Objects of latprobe that unit tests link (everything but main, the kernel
# side and the HTTP server).
LP_CORE_OBJS := $(filter-out $(OUT)/run/% $(OUT)/kernel/% \
	$(OUT)/output/metrics.o $(US_OBJS), $(LP_OBJS))
# The probe calibration's target starts "endbr64; push %rbp" like the
# client functions latprobe probes (src/kernel/probe_calib_target.c).
$(OUT)/kernel/probe_calib_target.o: CFLAGS += -fcf-protection=full -fno-omit-frame-pointer

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

$(OUT)/%.o: src/%.c $(wildcard src/*.h src/*/*.h) lib/now.h bpf/latprobe.h $(SKELS) | $(OUT)
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
	$(Q)$(MAKE) --no-print-directory check-layers
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
	bench_probecost bench_sched
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
