#!/usr/bin/env bash
# Runs that would lose their measurement or hide that they are useless:
# an --output that cannot be written is refused before attaching (a
# directory, an immutable file, a full filesystem); a write that still fails
# at the end lands in a fallback file the error names; --pid of a process
# that does not exist is refused; a traced PID that exits is in the report;
# over --max-connections the report counts connections and records apart,
# is degraded with the reason, and the cap is announced once on stderr.
set -u
source "$(dirname "$0")/lib.sh"
need_root

# one line on stderr, exit 1, quickly (nothing traced for --duration 30)
refused() {
	local want=$1 rc t0=$SECONDS
	shift
	"$LATPROBE" --duration 30 "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ $rc -eq 1 ] || fail "latprobe $*: exit $rc, expected 1 ($(cat "$TMP/err"))"
	[ "$(cat "$TMP/err")" = "$want" ] || fail "latprobe $*: got '$(cat "$TMP/err")', expected '$want'"
	[ $((SECONDS - t0)) -lt 10 ] || fail "latprobe $*: refused only after tracing"
}

refused "latprobe: --output $TMP: cannot write there: Is a directory" --output "$TMP"
touch "$TMP/imm.json"
chattr +i "$TMP/imm.json" || fail "chattr +i on $TMP (ext4/tmpfs support it)"
cleanup_add chattr -i "$TMP/imm.json"
refused "latprobe: --output $TMP/imm.json: cannot write there: Operation not permitted" \
	--output "$TMP/imm.json"
chattr -i "$TMP/imm.json"

# a tiny filesystem, full before the run: refused up front
mkdir "$TMP/small"
mount -t tmpfs -o size=64k lpguard "$TMP/small" || fail "mount tmpfs"
cleanup_add umount -l "$TMP/small"
dd if=/dev/zero of="$TMP/small/fill" bs=4k count=64 2>/dev/null
refused "latprobe: --output $TMP/small/r.json: cannot write there: No space left on device" \
	--output "$TMP/small/r.json"

# room at the start, none at the end: the report goes to the fallback path
rm -f "$TMP/small/fill"
PORT=$(( 20000 + RANDOM % 20000 ))
export TMPDIR=$TMP
"$LATPROBE" --port $PORT --duration 3 --output "$TMP/small/r.json" >"$TMP/out" 2>"$TMP/err" &
LP=$!
cleanup_add kill -9 $LP
for _ in $(seq 1 100); do grep -q tracing "$TMP/err" && break; sleep 0.1; done
"$BUILD/tcpflow" recv 127.0.0.1 $PORT -t 10 >/dev/null &
"$BUILD/tcpflow" send 127.0.0.1 $PORT -n 20 -m 100 -i 0 >/dev/null
wait %2 2>/dev/null
dd if=/dev/zero of="$TMP/small/fill" bs=4k count=64 2>/dev/null
wait $LP
rc=$?
unset TMPDIR
[ $rc -eq 1 ] || fail "late write failure: exit $rc, expected 1 ($(cat "$TMP/err"))"
alt=$(sed -n 's/.*the report was written to \(.*\) instead$/\1/p' "$TMP/err")
[ -n "$alt" ] && [ -s "$alt" ] || fail "no fallback report named: $(cat "$TMP/err")"
case $alt in "$TMP"/latprobe-report-*.json) ;; *) fail "fallback $alt not in \$TMPDIR" ;; esac
python3 - "$alt" <<'PY' || fail "fallback report incomplete"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["schema"] == "latprobe/1" and r["total_events"] > 0, r["total_events"]
PY

# --pid of a process that is gone: refused, like --client PID
sleep 0 & gone=$!
wait $gone
refused "latprobe: --pid $gone: no such process" --pid $gone

# a traced PID that exits mid-run: the run goes on, the report says when
sleep 1 & victim=$!
"$LATPROBE" --pid $victim --duration 3 --quiet --output "$TMP/exit.json" 2>"$TMP/err" ||
	fail "--pid run: $(cat "$TMP/err")"
grep -q -- "--pid $victim exited after" "$TMP/err" || fail "exit not announced: $(cat "$TMP/err")"
python3 - "$TMP/exit.json" $victim <<'PY' || fail "targets in report"
import json, sys
t = json.load(open(sys.argv[1]))["targets"]
pid = int(sys.argv[2])
x = [e for e in t if e["pid"] == pid][0]
assert x["flag"] == "--pid" and x["exited"] is True, x
assert 0 < x["exited_after_seconds"] < 3, x
PY

# over the connection cap: connections and records counted apart, degraded
PORT=$(( 20000 + RANDOM % 20000 ))
"$LATPROBE" --port $PORT --max-connections 2 --duration 0 --quiet \
	--output "$TMP/cap.json" 2>"$TMP/err" &
LP=$!
cleanup_add kill -9 $LP
sleep 1.5
for i in 1 2 3 4 5; do
	"$BUILD/tcpflow" recv 127.0.0.1 $PORT -t 10 >/dev/null &
	rx=$!
	sleep 0.1
	"$BUILD/tcpflow" send 127.0.0.1 $PORT -n 20 -m 100 -i 1000 >/dev/null
	wait $rx
done
sleep 1.5 # a status tick sees the cap
kill -INT $LP
wait $LP || fail "cap run: $(cat "$TMP/err")"
n=$(grep -c -- '--max-connections 2 reached' "$TMP/err")
[ "$n" = 1 ] || fail "cap announced $n times: $(cat "$TMP/err")"
python3 - "$TMP/cap.json" <<'PY' || fail "cap accounting"
import json, sys
r = json.load(open(sys.argv[1]))
rb = r["ring_buffer"]
# 5 connections, both ends traced: 10 sockets, 2 tracked. A socket whose
# records continue after its close record comes back as a new entry (the
# kernel side forgets it at TCP_CLOSE), so up to twice that many.
n = rb["connections_not_tracked"]
assert 8 <= n <= 16, rb
assert rb["records_of_untracked_connections"] > rb["connections_not_tracked"], rb
assert r["degraded"] is True and any("cap" in x for x in r["degraded_reasons"]), r["degraded_reasons"]
assert len(r["connections"]) == 2, len(r["connections"])
PY
pass "unwritable output refused up front, late failure kept in a fallback, dead/exiting PIDs, connection cap counted and announced"
