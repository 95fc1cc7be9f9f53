#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# --callback on bad input and odd callbacks: an unknown symbol (close
# matches listed), a stripped binary, an ambiguous C++ name, --callback
# without --client, a client PID that exits mid-run (report still written,
# says so), a callback that recurses deeper than the per-thread state, one
# that leaves by longjmp and one that never returns (bounded, counted).
source "$(dirname "$0")/lib.sh"
need_root
for b in cb_loop uprobe_target wspp_client; do
	[ -x "$BUILD/$b" ] || fail "build/$b not built (make tests)"
done

# expect_err RC PATTERN LATPROBE-ARGS...: exit code and one-line message
expect_err() {
	local rc=$1 pat=$2 out got
	shift 2
	out=$(timeout 20 "$LATPROBE" --duration 1 "$@" 2>&1 >/dev/null)
	got=$?
	[ $got -eq "$rc" ] || fail "latprobe $*: exit $got, expected $rc: $out"
	grep -Eq "$pat" <<<"$out" || fail "latprobe $*: message '$out' lacks /$pat/"
	[ "$(wc -l <<<"$out")" -eq 1 ] || fail "latprobe $*: not one line: $out"
	info "ok: $out"
}

expect_err 2 'needs --client' --callback cb_handler
expect_err 2 '^latprobe: --payload-arg needs --callback$' --client "$BUILD/cb_loop" --payload-arg 1,2
expect_err 2 '^latprobe: --callback-style needs --callback$' --client "$BUILD/cb_loop" --callback-style lws
expect_err 1 'no function md::Handler::on_mesage .*close matches: .*md::Handler::on_message' \
	--client "$BUILD/wspp_client" --callback md::Handler::on_mesage
strip --strip-all "$BUILD/cb_loop" -o "$TMP/cb_loop.stripped"
expect_err 1 'stripped \(no .symtab\)' --client "$TMP/cb_loop.stripped" --callback cb_handler
expect_err 1 'ambiguous .*overloaded\(int\).*overloaded\(double\)' \
	--client "$BUILD/uprobe_target" --callback md::Handler::overloaded
expect_err 1 'not among the libraries' --client "$BUILD/cb_loop" --callback libssl:SSL_read

# Recursion deeper than the state (8 frames) and escapes by longjmp: every
# call recurses 10 more, every 100th leaves by longjmp, one thread never
# returns; the process then exits.
start_latprobe --client "$BUILD/cb_loop" --callback cb_handler --payload-arg 1,2 \
	--output "$TMP/rec.json"
timeout 30 "$BUILD/cb_loop" -n 1001 -d 10 -e 100 -H >"$TMP/rec.out" || fail "cb_loop failed"
sleep 0.3
stop_latprobe
python3 - "$TMP/rec.json" "$TMP/rec.out" <<'PY' || fail "recursion / never-returning counts"
import json, sys
rep = json.load(open(sys.argv[1]))
out = dict(kv.split("=") for kv in open(sys.argv[2]).read().split())
calls, esc, depth = int(out["calls"]), int(out["escapes"]), 10
cb, errs = rep["callback"], []
def check(c, m):
    if not c: errs.append(m)
check(esc == 10, f"cb_loop escapes {esc}")
# outermost calls that returned are the messages; nested ones are part of them
check(rep["messages"]["seen"] == calls - esc, f"messages {rep['messages']['seen']} != {calls} - {esc}")
check(cb["nested_calls"] == calls * depth, f"nested {cb['nested_calls']} != {calls * depth}")
check(cb["too_deep_untimed"] == calls * (depth + 1 - 8), f"too deep {cb['too_deep_untimed']}")
check(cb["never_returned"] == esc * (depth + 1), f"never returned {cb['never_returned']} != {esc * (depth + 1)}")
check(cb["open_at_exit"] == 1, f"open at exit {cb['open_at_exit']} (the -H thread)")
check(cb["calls"] == calls * (depth + 1) + 1, f"calls {cb['calls']}")
check(rep["stages"]["callback"]["count"] == calls - esc, "callback stage count")
check(rep["messages"]["unit"] == "message", "unit")
for e in errs: print("  " + e, file=sys.stderr)
print(f"  recursion: {cb}", file=sys.stderr)
sys.exit(1 if errs else 0)
PY

# A client PID that exits mid-run: latprobe stops, the report says so.
"$BUILD/cb_loop" -w 1500 -n 50000 >"$TMP/pid.out" &
CL=$!
cleanup_add kill -9 $CL
start_latprobe --client $CL --callback cb_handler --payload-arg 1,2 \
	--duration 30 --output "$TMP/pid.json"
SECONDS=0
for _ in $(seq 1 100); do kill -0 "$LP_PID" 2>/dev/null || break; sleep 0.1; done
wait "$LP_PID" || fail "latprobe exited $? after the client: $(cat "$LP_ERR")"
[ $SECONDS -lt 10 ] || fail "latprobe kept running ${SECONDS}s after its client exited"
grep -q "exited" "$LP_ERR" || fail "no word on the exit: $(cat "$LP_ERR")"
python3 - "$TMP/pid.json" "$TMP/pid.out" <<'PY' || fail "PID exit report"
import json, sys
rep = json.load(open(sys.argv[1]))
calls = int(dict(kv.split("=") for kv in open(sys.argv[2]).read().split())["calls"])
c = rep["callback"]["client"]
assert c["exited"] is True and c["exited_after_seconds"] > 1, c
assert rep["messages"]["seen"] == calls, (rep["messages"], calls)
# E from the payload (--payload-arg): exchange time known for every call
assert rep["callback"]["messages_with_exchange_time"] == calls, rep["callback"]
PY
check_report_keys callback-pid-exit "$TMP/pid.json"
pass "bad symbols, stripped, ambiguous, recursion, longjmp, never-returning, PID exit"
