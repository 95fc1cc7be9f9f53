#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# --pin-dir removes only pins that are provably latprobe's (name, map type,
# flags, key/value sizes, max_entries, BTF value type): another tool's maps
# named stats, socks or rb stay, with a one-line refusal and exit 1; a stale
# pin of a latprobe that was killed is removed, in one line each.
set -u
source "$(dirname "$0")/lib.sh"
need_root
command -v bpftool >/dev/null || skip "bpftool not installed"
DIR=/sys/fs/bpf/lp-foreign-$$
cleanup_add rm -rf "$DIR"
mkdir -p "$DIR" || skip "cannot create $DIR (no bpffs?)"

# refused ARGS...: latprobe --pin-dir DIR exits 1 with one line naming PIN
refused() { # PIN WHAT
	"$LATPROBE" --pin-dir "$DIR" --duration 1 >"$TMP/o" 2>"$TMP/e"
	local rc=$?
	[ $rc -eq 1 ] || fail "$2: exit $rc, want 1: $(cat "$TMP/e")"
	[ "$(wc -l <"$TMP/e")" = 1 ] || fail "$2: not one line: $(cat "$TMP/e")"
	grep -q "^latprobe: $DIR/$1 is not latprobe's (map '$1', .*): left in place; give --pin-dir a directory of its own\$" "$TMP/e" ||
		fail "$2: $(cat "$TMP/e")"
	[ -e "$DIR/$1" ] || fail "$2: $DIR/$1 was removed"
}
# another tool's hash named stats
bpftool map create "$DIR/stats" type hash key 4 value 8 entries 4 name stats ||
	fail "bpftool map create"
refused stats "foreign hash 'stats'"
bpftool -j map show pinned "$DIR/stats" | grep -q '"type":"hash"' ||
	fail "foreign stats changed: $(bpftool map show pinned "$DIR/stats")"
rm -f "$DIR/stats"
# same name and type as latprobe's (a per-CPU array), other sizes
bpftool map create "$DIR/stats" type percpu_array key 4 value 8 entries 4 name stats ||
	fail "bpftool map create"
refused stats "foreign percpu_array 'stats' of other sizes"
rm -f "$DIR/stats"
# a ring buffer named rb (libbpf examples' name) of another size
bpftool map create "$DIR/rb" type ringbuf key 0 value 0 entries 4096 name rb ||
	fail "bpftool map create"
refused rb "foreign ringbuf 'rb'"
rm -f "$DIR/rb"
# the same hash under a name that is no map of ours stays without a word
bpftool map create "$DIR/other" type hash key 4 value 8 entries 4 name stats ||
	fail "bpftool map create"

# a latprobe killed with its maps pinned: the next run removes them, saying so
PORT=$(( 20000 + RANDOM % 20000 ))
start_latprobe --pin-dir "$DIR" --port $PORT --duration 0
kill -9 "$LP_PID"
wait "$LP_PID" 2>/dev/null
for m in stats socks drops rb; do
	[ -e "$DIR/$m" ] || fail "killed run left no $DIR/$m"
done
"$LATPROBE" --pin-dir "$DIR" --port $PORT --duration 1 >"$TMP/o" 2>"$TMP/e" ||
	fail "run after a killed one: exit $?: $(cat "$TMP/e")"
for m in stats socks drops rb; do
	grep -q "^latprobe: removing $DIR/$m: latprobe's, left by a run that was killed\$" "$TMP/e" ||
		fail "stale $m: not said: $(cat "$TMP/e")"
	[ -e "$DIR/$m" ] && fail "$DIR/$m left after the run"
done
[ -e "$DIR/other" ] || fail "$DIR/other removed"
pass "foreign stats (hash; percpu_array of other sizes) and rb refused in one line and kept; a killed run's pins removed, said"
