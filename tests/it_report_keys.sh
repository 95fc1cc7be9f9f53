#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The schema test's comparison (tests/report_keys.py, check_report_keys in
# lib.sh; the integration tests run it on real reports of each
# configuration against tests/fixtures/report-keys.txt): a report with the
# listed keys passes, and a key added, removed or retyped fails with one
# line naming it. Every configuration the list holds must be checked by a test.
set -u
source "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip "no python3"
RK="python3 $ROOT/tests/report_keys.py"
F=$ROOT/tests/fixtures/report-a.json
$RK write self "$F" "$TMP/list" || fail "write"
$RK check self "$F" "$TMP/list" 2>"$TMP/err" || fail "the same report fails: $(cat "$TMP/err")"

# expect_diff WHAT PYTHON-EDIT LINE-PATTERN
expect_diff() {
	python3 - "$F" "$TMP/m.json" "$2" <<'PY' || fail "$1: edit"
import json, sys
r = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(r, open(sys.argv[2], "w"))
PY
	$RK check self "$TMP/m.json" "$TMP/list" 2>"$TMP/err" && fail "$1: passed"
	grep -q "$3" "$TMP/err" || fail "$1: no line '$3': $(cat "$TMP/err")"
}
expect_diff added "r['ring_buffer']['new_key'] = 1" 'key added: .ring_buffer.new_key'
expect_diff removed "del r['messages']['by_attribution']['no_read']" \
	'key removed: .messages.by_attribution.no_read'
expect_diff retyped "r['lost_events'] = '0'" 'key retyped: .lost_events: number -> string'
expect_diff "added in a connection" \
	"next(iter(r['connections'].values()))['x'] = True" 'key added: .connections.\*.x'

# every configuration of the list is checked by some test
for c in $(cut -d' ' -f1 "$ROOT/tests/fixtures/report-keys.txt" | sort -u); do
	grep -q "check_report_keys $c " "$ROOT"/tests/it_*.sh ||
		fail "configuration $c of report-keys.txt is checked by no test"
done
pass "added, removed, retyped keys fail; $(cut -d' ' -f1 "$ROOT/tests/fixtures/report-keys.txt" | sort -u | wc -l) configurations listed, each checked"
