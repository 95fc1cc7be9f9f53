# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Static binaries for the QEMU kernel matrix (scripts/kernel-matrix.sh):
# latprobe linked against libbpf/libelf/libz archives so the guest (a bare
# busybox initramfs) needs no shared library, and the known test flow.
#
# Debian ships no libcjson.a. When it is missing, latprobe-static still links
# libbpf, libelf and libz statically but glibc and libcjson dynamically; the
# kernel-matrix script then copies the shared objects that ldd lists into the
# initramfs. Point CJSON_A at a libcjson.a to get a fully static binary.

.PHONY: kernel-matrix latprobe-static

CJSON_A ?= $(firstword $(wildcard /usr/lib/x86_64-linux-gnu/libcjson.a \
	/usr/local/lib/libcjson.a /usr/lib/libcjson.a))
LDLIBS_BPF_STATIC := -l:libbpf.a -l:libelf.a -l:libz.a
ifneq ($(CJSON_A),)
LP_STATIC_LDFLAGS := -static
LP_STATIC_LDLIBS := $(LDLIBS_BPF_STATIC) $(CJSON_A) -lstdc++ -lm
else
LP_STATIC_LDFLAGS :=
LP_STATIC_LDLIBS := -Wl,-Bstatic $(LDLIBS_BPF_STATIC) -l:libstdc++.a \
	-Wl,-Bdynamic -lcjson -lm
endif

latprobe-static: $(OUT)/latprobe-static

# --metrics needs libmicrohttpd (and GnuTLS behind it, no archives in
# Debian): the static binary gets a metrics.o without the HTTP server.
LP_STATIC_OBJS := $(filter-out $(OUT)/output/metrics.o,$(LP_OBJS)) \
	$(OUT)/static/metrics.o

$(OUT)/static/metrics.o: src/output/metrics.c src/*/*.h bpf/latprobe.h $(SKELS) | $(OUT)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -DLP_NO_HTTP -c $< -o $@

$(OUT)/latprobe-static: $(LP_STATIC_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LP_STATIC_LDFLAGS) $^ -o $@ $(LP_STATIC_LDLIBS)

$(OUT)/kmatrix_flow: tests/kmatrix_flow.c | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -static $< -o $@

# Boots Debian's 6.1 cloud kernel under QEMU TCG and checks every attach
# mode there and on this host; the script builds what it needs itself.
kernel-matrix:
	$(Q)scripts/kernel-matrix.sh
