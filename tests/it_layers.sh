#!/usr/bin/env bash
# The layer rule of src/ (src/layers.txt, scripts/layers.py, make
# check-layers): the tree as committed passes, and each kind of forbidden
# include in a copy of it, or a struct lp_opts written outside the parser,
# fails the check with one line naming the file.
set -u
source "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || skip "no python3 (scripts/layers.py)"
CHECK="python3 $ROOT/scripts/layers.py check"

$CHECK --root "$ROOT" 2>"$TMP/err" ||
	fail "the committed tree breaks the rule: $(cat "$TMP/err")"

# expect_refused WHAT FILE LINE: LINE added to FILE of a fresh copy fails
# the check, with a line that names FILE
expect_refused() {
	local what=$1 file=$2 line=$3 copy=$TMP/copy
	rm -rf "$copy" && mkdir -p "$copy"
	cp -r "$ROOT/src" "$ROOT/lib" "$ROOT/bpf" "$copy/" || fail "copy"
	mkdir -p "$(dirname "$copy/$file")"
	printf '%s\n' "$line" >>"$copy/$file"
	if $CHECK --root "$copy" 2>"$TMP/err"; then
		fail "$what: $file with '$line' passed the check"
	fi
	grep -q "^check-layers: $file:" "$TMP/err" ||
		fail "$what: no line naming $file: $(cat "$TMP/err")"
}

expect_refused "engine -> outputs" src/engine/hist.c '#include "report_json.h"'
expect_refused "engine -> libbpf" src/engine/hist.c '#include <bpf/libbpf.h>'
expect_refused "engine -> cJSON" src/engine/correlator.h '#include <cjson/cJSON.h>'
expect_refused "kernel -> cJSON" src/kernel/attach_callback.h '#include <cjson/cJSON.h>'
expect_refused "stamps -> cJSON" src/stamps/client_stamps.c '#include <cjson/cJSON.h>'
expect_refused "kernel -> engine" src/kernel/loader.h '#include "correlator.h"'
expect_refused "kernel -> outputs" src/kernel/loader.c '#include "metrics.h"'
expect_refused "report -> engine internals" src/report/report_view.h '#include "correlator.h"'
expect_refused "outputs -> report" src/output/live.c '#include "report/report_view.h"'
expect_refused "common -> kernel" src/common/opts.c '#include "loader.h"'
expect_refused "unknown header" src/engine/hist.c '#include "nowhere.h"'
expect_refused "file outside the folders" src/stray.c '#include "log.h"'
expect_refused "folder without a rule" src/newroom/x.c '#include "log.h"'
expect_refused "options written outside the parser" src/kernel/loader.h \
	'int loader_resolve(struct lp_opts *o);'

pass "committed tree passes; 14 kinds of violation refused"
