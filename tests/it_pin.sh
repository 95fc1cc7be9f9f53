#!/usr/bin/env bash
# --pin: the maps are pinned root-only with BTF, so bpftool prints named
# fields; they are gone after a normal exit. After attaching only
# CAP_DAC_OVERRIDE is left, also in the bounding set, with no_new_privs.
set -u
source "$(dirname "$0")/lib.sh"
need_root
PIN=/sys/fs/bpf/latprobe
PORT=$(( 20000 + RANDOM % 20000 ))
# nic_ts is shared with latprobe-nic and other latprobe runs: only the one
# that created it removes it
OURS="stats socks drops rb"
[ -e $PIN/nic_ts ] || OURS="$OURS nic_ts"
start_latprobe --pin --port $PORT --duration 0
"$BUILD/tcpflow" recv 127.0.0.1 $PORT -t 10 >/dev/null &
RX=$!
"$BUILD/tcpflow" send 127.0.0.1 $PORT -n 50 -m 100 -i 0 >/dev/null
wait $RX
# after attaching, only CAP_DAC_OVERRIDE (bit 1) is left (for --output):
# effective, permitted and the bounding set (src/common/privs.c), with no_new_privs
for c in CapEff CapPrm CapBnd; do
	grep -q "^$c:[[:space:]]*0000000000000002\$" /proc/$LP_PID/status ||
		fail "$c not CAP_DAC_OVERRIDE only: $(grep "^$c:" /proc/$LP_PID/status)"
done
grep -q '^NoNewPrivs:[[:space:]]*1$' /proc/$LP_PID/status || fail "no_new_privs not set"
for m in stats socks drops rb nic_ts; do
	[ -e $PIN/$m ] || fail "$PIN/$m not pinned"
	[ "$(stat -c %a $PIN/$m)" = 600 ] || fail "$PIN/$m mode $(stat -c %a $PIN/$m), want 600"
done
# a socket that is still open is in "socks", with BTF field names
"$BUILD/tcpflow" recv 127.0.0.1 $((PORT)) -t 10 >/dev/null &
RX=$!
"$BUILD/tcpflow" send 127.0.0.1 $PORT -n 200 -m 100 -i 5000 >/dev/null &
TX=$!
sleep 0.5
bpftool -j map dump pinned $PIN/socks >"$TMP/socks.json" || fail "bpftool dump socks"
bpftool -j map dump pinned $PIN/stats >"$TMP/stats.json" || fail "bpftool dump stats"
# nic_ts (2^18 slots: looked up, not dumped): its header with field names
bpftool -j map lookup pinned $PIN/nic_ts key 0 0 0 0 >"$TMP/nic_ts.json" ||
	fail "bpftool lookup nic_ts"
wait $TX $RX
python3 - "$TMP/socks.json" "$TMP/stats.json" "$TMP/nic_ts.json" <<'PY' || fail "named fields"
import json, sys
socks, stats = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
hdr = json.load(open(sys.argv[3]))["formatted"]["value"]
assert "cnt" in hdr and "ns" in hdr and "seq" in hdr["key"], hdr
assert socks, "socks map empty while a traced connection is open"
f = socks[0]["formatted"]["value"]
assert "traced" in f and "tgid" in f, f
assert stats and "formatted" in stats[0], stats[:1]
PY
# a second --pin while this run holds the pins: refused, naming the holder
"$LATPROBE" --pin --port $PORT --duration 1 >"$TMP/o2" 2>"$TMP/e2"
rc=$?
[ $rc -eq 1 ] || fail "second --pin: exit $rc, expected 1 ($(cat "$TMP/e2"))"
[ "$(cat "$TMP/e2")" = "latprobe: --pin: $PIN/stats is in use by PID $LP_PID (another latprobe?); give this run its own --pin-dir DIR" ] ||
	fail "second --pin: $(cat "$TMP/e2")"
# ... and runs beside it with its own directory, leaving the first's pins
PIN2=/sys/fs/bpf/latprobe-it-pin-$$
cleanup_add rm -rf "$PIN2"
"$LATPROBE" --pin-dir "$PIN2" --port $PORT --duration 1 >"$TMP/o2" 2>"$TMP/e2" ||
	fail "--pin-dir run: $(cat "$TMP/e2")"
grep -q "maps pinned in $PIN2 " "$TMP/e2" || fail "--pin-dir: where the pins are not said: $(cat "$TMP/e2")"
[ ! -e "$PIN2" ] || fail "$PIN2 left behind"
for m in stats socks drops nic_ts; do
	[ -e $PIN/$m ] || fail "$PIN/$m gone after a second run with --pin-dir"
done
"$LATPROBE" --pin-dir /tmp --duration 1 >"$TMP/o2" 2>"$TMP/e2"
[ $? -eq 1 ] && grep -q "^latprobe: --pin-dir /tmp: not in a BPF filesystem" "$TMP/e2" ||
	fail "--pin-dir outside bpffs: $(cat "$TMP/e2")"
stop_latprobe
for m in $OURS; do
	[ -e $PIN/$m ] && fail "$PIN/$m left behind after exit"
done
# an old-format nic_ts (an older latprobe-nic's LRU hash) that a process
# holds (unheld it would be removed as stale): one line, exit 1
if [ ! -e $PIN/nic_ts ]; then
	mkdir -p $PIN
	bpftool map create $PIN/nic_ts type lru_hash key 40 value 16 entries 1024 \
		name nic_ts || fail "bpftool map create"
	python3 - $PIN/nic_ts "$TMP/held" <<'PY' &
import ctypes, struct, sys, time
libc = ctypes.CDLL(None, use_errno=True)
path = ctypes.create_string_buffer(sys.argv[1].encode())
attr = struct.pack("=QII", ctypes.addressof(path), 0, 0) + bytes(104)
fd = libc.syscall(321, 7, ctypes.c_char_p(attr), len(attr)) # BPF_OBJ_GET
open(sys.argv[2], "w").write(str(fd))
time.sleep(20)
PY
	HOLDER=$!
	cleanup_add kill $HOLDER
	for _ in $(seq 50); do [ -s "$TMP/held" ] && break; sleep 0.1; done
	"$LATPROBE" --port $PORT --duration 1 >"$TMP/o3" 2>"$TMP/e3"
	rc=$?
	kill $HOLDER
	rm -f $PIN/nic_ts
	rmdir $PIN 2>/dev/null
	[ $rc -eq 1 ] || fail "old nic_ts: exit $rc, expected 1"
	[ "$(wc -l <"$TMP/e3")" = 1 ] &&
		grep -q "^latprobe: $PIN/nic_ts: old-format nic_ts (map type 9, flags 0x0, value 16 B, 1024 entries; this version needs an mmapable array, value 64 B, 262145 entries): remove it" "$TMP/e3" ||
		fail "old nic_ts (held by fd $(cat "$TMP/held")): $(cat "$TMP/e3")"
fi
pass "maps pinned 0600 with BTF names, removed on exit; capabilities dropped after attach; an old-format nic_ts refused"
