#!/usr/bin/env bash
# Terminal escape injection (issue 21.9): untrusted strings shown on a
# terminal or in a one-line error are escaped (\xNN) by one helper
# (src/term_safe.c): a process name with ESC and a newline in --live, a
# path with them in `latprobe report`'s error, strings read from a report
# in its table, an argument in latprobe's own error line.
set -u
source "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip "python3 not installed"
ESC=$'\033'

# no_raw FILE WHAT: FILE has no ESC byte and no more lines than wanted
no_raw() {
	! grep -q "$ESC" "$1" || fail "$2: a raw ESC reached the terminal: $(od -c "$1" | head -3)"
}

# 1. a report path with ESC and newline: one line, escaped
bad=$TMP/$'x\033[2J\nspoof.json'
"$LATPROBE" report "$bad" >"$TMP/out" 2>"$TMP/err" && fail "report of a missing file exited 0"
no_raw "$TMP/err" "report PATH"
[ "$(grep -c '' "$TMP/err")" -eq 1 ] || fail "report PATH: not one line: $(cat "$TMP/err")"
grep -qF 'x\x1b[2J\x0aspoof.json: No such file or directory' "$TMP/err" ||
	fail "report PATH: not escaped: $(cat "$TMP/err")"

# 2. strings read from a report (NIC source names, a bad key)
python3 - "$ROOT/tests/fixtures/report-a.json" "$TMP/evil.json" "$TMP/evilkey.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["stages"]["nic_to_tcp"]["nic_stamped"] = 5
r["stages"]["nic_to_tcp"]["nic_sources"] = {"dpdk\x1b[31m\nX": 5}
json.dump(r, open(sys.argv[2], "w"))
r["stages"]["total"]["p50\x1b[2J"] = 1
del r["stages"]["total"]["p50"]
json.dump(r, open(sys.argv[3], "w"))
PY
"$LATPROBE" report "$TMP/evil.json" >"$TMP/out" 2>"$TMP/err" || fail "report evil.json: $(cat "$TMP/err")"
no_raw "$TMP/out" "report table"
grep -qF 'dpdk\x1b[31m\x0aX 5' "$TMP/out" || fail "NIC source name not escaped: $(grep nic "$TMP/out")"
"$LATPROBE" report "$TMP/evilkey.json" >"$TMP/out" 2>"$TMP/err" && fail "a report missing p50 read"
no_raw "$TMP/err" "report key error"

# 3. latprobe's own error line with an argument holding ESC and newline
"$LATPROBE" --duration $'1\033[2J\n' >"$TMP/out" 2>"$TMP/err" && fail "bad --duration exited 0"
no_raw "$TMP/err" "--duration error"
[ "$(grep -c '' "$TMP/err")" -eq 1 ] || fail "--duration error: not one line: $(cat "$TMP/err")"

# 4. --live: a receiver whose process name has ESC and a newline
[ "$(id -u)" -eq 0 ] || skip "parts 1-3 passed; --live part needs root (BPF)"
command -v tmux >/dev/null || skip "parts 1-3 passed; tmux not installed (scripts/install-deps.sh)"
EVIL=$TMP/$'ev\033[7m\nil'
ln -s "$BUILD/tcpflow" "$EVIL" || fail "symlink"
PORT=$((20000 + RANDOM % 20000))
S=lpesc$$
"$EVIL" recv 127.0.0.1 "$PORT" -t 20 >/dev/null &
RX=$!
cleanup_add kill -9 $RX
[ "$(cat /proc/$RX/comm)" = $'ev\033[7m\nil' ] || fail "comm is '$(cat /proc/$RX/comm)', not the hostile name"
tmux new-session -d -s "$S" -x 120 -y 24 \
	"'$LATPROBE' --port $PORT --live 2>'$TMP/lerr' | tee '$TMP/raw' >/dev/tty; sleep 30" ||
	fail "tmux new-session"
cleanup_add tmux kill-session -t "$S"
for _ in $(seq 1 100); do
	grep -q 'latprobe --live' "$TMP/raw" 2>/dev/null && break
	sleep 0.1
done
"$BUILD/tcpflow" send 127.0.0.1 "$PORT" -n 100 -m 200 -i 1000 >/dev/null || fail "sender"
sleep 2.3
tmux capture-pane -p -t "$S" >"$TMP/pane"
grep -qF 'ev\x1b[7m' "$TMP/pane" || fail "--live: comm not shown escaped: $(cat "$TMP/pane")"
# the view's own sequences (home, erase) are ESC [ H/K/J/2J only
python3 - "$TMP/raw" <<'PY' || fail "--live: an escape sequence not latprobe's own reached the terminal"
import re, sys
raw = open(sys.argv[1], "rb").read()
rest = re.sub(rb"\x1b\[(H|K|J|2J)", b"", raw)
sys.exit(1 if b"\x1b" in rest else 0)
PY
pass "paths, report strings, arguments and a hostile comm are escaped"
