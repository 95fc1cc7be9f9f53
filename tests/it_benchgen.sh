#!/usr/bin/env bash
# build/benchgen (make bench's consumer-capacity steps) writes synthetic
# records into a running latprobe's pinned ring: at a low rate, every record
# it submitted must be in latprobe's report and nothing lost. Join mode: the
# reads (with their marks), sockets and closes by type, each synthetic
# connection's reads and bytes, one stage record per read with all kernel
# stages, no mark out of order. Per-segment mode (-m seg): a segment per
# read, counted as segments_in. The pins (the ring among them) are gone
# after latprobe exits.
source "$(dirname "$0")/lib.sh"
need_root
[ -x "$BUILD/benchgen" ] || fail "$BUILD/benchgen not built (make)"

COUNT=${COUNT:-300000}
SOCKS=8
PIN=/sys/fs/bpf/lp-it-benchgen-$$
cleanup_add rm -rf "$PIN"
# a port nobody listens on: no real traffic is traced, only benchgen's
PORT=$(( 20000 + RANDOM % 20000 ))

for mode in join seg; do
	start_latprobe --pin-dir "$PIN" --port $PORT --duration 0 --output "$TMP/$mode.json"
	[ -e "$PIN/rb" ] || fail "$PIN/rb: latprobe did not pin its ring"
	"$BUILD/benchgen" -d "$PIN" -m $mode -r 200000 -n $COUNT -s 30 -k $SOCKS \
		>"$TMP/$mode.out" || fail "benchgen -m $mode: $(cat "$TMP/$mode.out")"
	stop_latprobe
	[ ! -e "$PIN" ] || fail "$PIN left behind after latprobe exited"
	info "$mode: $(cat "$TMP/$mode.out")"
	python3 - "$TMP/$mode.out" "$TMP/$mode.json" $mode $COUNT $SOCKS <<'PY' || fail "-m $mode: report and benchgen disagree"
import json, sys
g = dict(kv.split("=") for kv in open(sys.argv[1]).read().split())
d = json.load(open(sys.argv[2]))
mode, count, socks = sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
rec, msgs, nbytes = int(g["records"]), int(g["messages"]), int(g["bytes"])
rb = d["ring_buffer"]
by = rb["records_by_type"]
errs = []
def check(what, got, want):
    if got != want:
        errs.append(f"{what}: {got}, want {want}")
check("benchgen lost", int(g["lost"]), 0)
check("benchgen records", rec, count + 2 * socks)
check("lost_events", d["lost_events"], 0)
check("total_events", d["total_events"], rec)
check("ring_buffer.received", rb["received"], rec)
check("malformed", rb["malformed"], 0)
check("marks_out_of_order", rb["marks_out_of_order"], 0)
check("records sock", by["sock"], socks)
check("records close", by["close"], socks)
check("records tcp_recvmsg", by["tcp_recvmsg"], msgs)
check("records tcp_probe", by["tcp_probe"], msgs if mode == "seg" else 0)
check("messages", msgs, count // 2 if mode == "seg" else count)
check("stage_records", d["messages"]["stage_records"], msgs)
for st in ("nic_to_tcp", "tcp_to_wakeup", "wakeup_to_read", "read_duration", "total"):
    check(f"stage {st} count", (d["stages"].get(st) or {}).get("count"), msgs)
conns = [c for c in d["connections"].values() if c["comm"] == "benchgen"]
check("benchgen connections", len(conns), socks)
check("connections closed", sum(c["state"] == "closed" for c in conns), socks)
check("reads", sum(c["reads"] for c in conns), msgs)
check("bytes_received", sum(c["bytes_received"] for c in conns), nbytes)
check("segments_in", sum(c["segments_in"] for c in conns), msgs)
check("segments_evicted", sum(c["segments_evicted"] for c in conns), 0)
check("other connections", len(d["connections"]) - len(conns), 0)
if errs:
    print("\n".join(errs), file=sys.stderr)
    sys.exit(1)
PY
done
# without latprobe's pins: one line, exit 1
"$BUILD/benchgen" -d "$PIN" -n 10 >"$TMP/none.out" 2>"$TMP/none.err"
rc=$?
[ $rc -eq 1 ] && grep -q "is latprobe running with --pin-dir $PIN" "$TMP/none.err" ||
	fail "benchgen without a latprobe: exit $rc, $(cat "$TMP/none.err")"
pass "$COUNT records per mode in, the same out, none lost; pins removed"
