#!/usr/bin/env bash
# Privilege and file safety: --output refuses a symlink in a world-writable
# sticky directory (and leaves its target alone) but replaces one, never
# following it, elsewhere; pins are root-only (maps 0600, directory 0700).
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
pass "symlink refused in a sticky dir, replaced elsewhere; pins 0600 in 0700"
