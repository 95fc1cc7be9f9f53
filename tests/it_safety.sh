#!/usr/bin/env bash
# Privilege and file safety: --output refuses a symlink in a world-writable
# sticky directory, before attaching and again at write time (and leaves its
# target alone, keeping the measurement in a named fallback file), but replaces one, never following it, elsewhere; pins are
# root-only (maps 0600, directory 0700).
set -u
source "$(dirname "$0")/lib.sh"
need_root

# a sticky, world-writable directory of our own, like /tmp
STICKY=$TMP/sticky
mkdir -p "$STICKY" && chmod 1777 "$STICKY"
ln -s "$TMP/victim" "$STICKY/r.json"
"$LATPROBE" --duration 1 --quiet --output "$STICKY/r.json" 2>"$TMP/err"
rc=$?
[ $rc -eq 1 ] || fail "symlink in a sticky dir: exit $rc, want 1"
[ "$(grep -c . "$TMP/err")" -eq 1 ] || fail "not one line: $(cat "$TMP/err")"
grep -q 'symbolic link' "$TMP/err" || fail "cause not named: $(cat "$TMP/err")"
[ ! -e "$TMP/victim" ] || fail "the symlink's target was written"
[ -L "$STICKY/r.json" ] || fail "the symlink was touched"

# ... and again at write time: the link planted in /tmp after the start-up
# check, while latprobe traces, is refused too
[ -d /tmp ] && [ -k /tmp ] && [ "$(stat -c %a /tmp)" = 1777 ] ||
	fail "/tmp is not a sticky world-writable directory ($(stat -c %a /tmp))"
WOUT=/tmp/latprobe-safety.$$.$RANDOM.json
VICTIM=$TMP/victim-write-time
cleanup_add "rm -f '$WOUT' '$WOUT'.tmp.*"
[ ! -e "$WOUT" ] && [ ! -L "$WOUT" ] || fail "$WOUT exists already"
start_latprobe --port $((20000 + RANDOM % 20000)) --output "$WOUT"
ln -s "$VICTIM" "$WOUT" || fail "ln -s $WOUT"
kill -INT "$LP_PID"
for _ in $(seq 1 100); do
	kill -0 "$LP_PID" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$LP_PID" 2>/dev/null && fail "write-time symlink: still running 10 s after SIGINT"
wait "$LP_PID"
rc=$?
[ $rc -eq 1 ] || fail "write-time symlink: exit $rc, want 1: $(tail -3 "$LP_ERR")"
# the refused report is not lost: it lands in a named fallback file
ALT=$(sed -n "s|^latprobe: writing $WOUT: Too many levels of symbolic links; the report was written to \(.*\) instead\$|\1|p" "$LP_ERR")
[ -n "$ALT" ] || fail "write-time symlink: no ELOOP line naming a fallback: $(tail -3 "$LP_ERR")"
cleanup_add "rm -f '$ALT'"
[ -f "$ALT" ] && [ ! -L "$ALT" ] || fail "write-time symlink: fallback $ALT is not a regular file"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert "stages" in r' "$ALT" ||
	fail "write-time symlink: fallback $ALT is not a report"
[ "$(grep -c '^latprobe: writing' "$LP_ERR")" -eq 1 ] ||
	fail "write-time symlink: not one error line: $(cat "$LP_ERR")"
[ ! -e "$VICTIM" ] && [ ! -L "$VICTIM" ] || fail "write-time symlink: the target was created"
[ -L "$WOUT" ] && [ "$(readlink "$WOUT")" = "$VICTIM" ] ||
	fail "write-time symlink: the symlink was touched"
! ls "$WOUT".tmp.* >/dev/null 2>&1 || fail "write-time symlink: a temporary file was left"
rm -f "$WOUT"

# elsewhere a symlink is replaced by the report (rename), not followed
PLAIN=$TMP/plain
mkdir -p "$PLAIN" && chmod 755 "$PLAIN"
ln -s "$TMP/victim2" "$PLAIN/r.json"
"$LATPROBE" --duration 1 --quiet --output "$PLAIN/r.json" 2>"$TMP/err" ||
	fail "plain dir: $(cat "$TMP/err")"
[ ! -e "$TMP/victim2" ] || fail "a symlink was followed"
[ -f "$PLAIN/r.json" ] && [ ! -L "$PLAIN/r.json" ] || fail "report not a regular file"

# pins: maps 0600 in a 0700 directory, while running
PORT=$((20000 + RANDOM % 20000))
start_latprobe --pin --port "$PORT"
[ "$(stat -c %a /sys/fs/bpf/latprobe)" = 700 ] ||
	fail "pin directory mode $(stat -c %a /sys/fs/bpf/latprobe)"
for m in stats socks drops nic_ts; do
	[ "$(stat -c '%a %U' "/sys/fs/bpf/latprobe/$m")" = "600 root" ] ||
		fail "pin $m: $(stat -c '%a %U' "/sys/fs/bpf/latprobe/$m")"
done
stop_latprobe
pass "symlink refused in a sticky dir (before attaching and at write time), replaced elsewhere; pins 0600 in 0700"
