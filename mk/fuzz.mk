# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# libFuzzer targets (issue 7): every parser that reads bytes from outside.
#   make fuzz        each target ~25 s (FUZZ_TIME=SEC to change)
#   make fuzz-long   each target 5 min, summary in results/fuzz-long.txt
# Seeds and regression inputs: tests/fuzz-corpus/<target>/. Built with clang
# straight from the sources (not the gcc objects); part of `make tests` when
# clang's libFuzzer runtime is installed, so tests/it_fuzz_short.sh has them.

.PHONY: fuzz fuzz-long fuzz-build

FUZZ_NAMES := correlator opts breakdown ws_msg feed_replay nic_parse \
	nic_capclock stamps
FUZZ_BINS := $(addprefix $(OUT)/fuzz_,$(FUZZ_NAMES))
FUZZ_CFLAGS := -g -O1 -std=gnu11 -D_GNU_SOURCE -Wall -Wextra \
	-Wno-unused-parameter -Werror \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-Ibpf $(SRC_INC) -Ilib
FUZZ_RT := $(wildcard $(shell $(CLANG) -print-file-name=libclang_rt.fuzzer-x86_64.a 2>/dev/null))

ifneq ($(FUZZ_RT),)
TESTS += $(FUZZ_BINS)
endif

$(OUT)/fuzz_correlator: tests/fuzz_correlator.c src/engine/correlator.c \
		src/engine/corr_segs.c src/engine/corr_msg.c src/engine/corr_pending.c \
		src/engine/corr_sched.c src/engine/hist.c \
		src/engine/corr_tls.c src/engine/corr_conns.c src/engine/stages.c src/engine/stage_bias.c \
		src/output/report_json.c \
		src/output/report_json_tls.c src/output/overhead_report.c src/output/probe_calib_report.c \
		src/output/stage_bias_json.c \
		src/common/probes.c src/common/cgroup.c lib/out_file.c lib/out_file.h \
		src/*/*.h bpf/latprobe.h | $(OUT)
	$(call msg,FUZZ-CC,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $(filter %.c,$^) -o $@ -lcjson -lm

# argp must return, not exit, inside the fuzzer: ARGP_NO_EXIT forced in
$(OUT)/fuzz_opts: tests/fuzz_opts.c src/common/opts.c src/common/probes.c src/common/cgroup.c \
		src/common/report_every.c src/common/term_safe.c \
		src/*/*.h \
		tests/fuzz_argp_noexit.h | $(OUT)
	$(call msg,FUZZ-CC,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -include tests/fuzz_argp_noexit.h \
		$(filter %.c,$^) -o $@ -lm

$(OUT)/fuzz_breakdown: tests/fuzz_breakdown.c src/report/breakdown.c \
		src/report/findings.c src/report/report_view.c src/report/report_read.c src/report/compare.c \
		src/report/render_svg.c src/engine/stages.c src/common/term_safe.c lib/out_file.c \
		src/*/*.h bpf/latprobe.h | $(OUT)
	$(call msg,FUZZ-CC,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $(filter %.c,$^) -o $@ -lcjson -lm

$(OUT)/fuzz_ws_msg: tests/fuzz_ws_msg.c tools/client/ws_msg.c \
		tools/client/ws_msg.h | $(OUT)
	$(call msg,FUZZ-CC,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -Itools/client $(filter %.c,$^) -o $@ \
		-lcjson

$(OUT)/fuzz_feed_replay: tests/fuzz_feed_replay.c tools/feed/feed_gen.c \
		tools/feed/feed_stream.c \
		tools/feed/feed_market.c tools/feed/feed_book.c \
		tools/feed/feed_gen.h | $(OUT)
	$(call msg,FUZZ-CC,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -Itools/feed $(filter %.c,$^) -o $@

# $(OUT)/fuzz_nic_parse: built by mk/nic.mk

$(OUT)/fuzz_nic_capclock: tests/fuzz_nic_capclock.c \
		tools/nic/nic_capclock.c tools/nic/nic_probe.c \
		tools/nic/nic_capclock.h tools/nic/nic_probe.h | $(OUT)
	$(call msg,FUZZ-CC,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -Itools/nic $(filter %.c,$^) -o $@

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	$(Q)FUZZ_OUT=$(OUT) scripts/fuzz.sh $(or $(FUZZ_TIME),25) $(FUZZ_NAMES)

fuzz-long: fuzz-build
	$(Q)FUZZ_OUT=$(OUT) FUZZ_SUMMARY=results/fuzz-long.txt \
		FUZZ_LOGS=$(OUT)/fuzz-long-logs \
		scripts/fuzz.sh $(or $(FUZZ_TIME),300) $(FUZZ_NAMES)
