#!/usr/bin/env bash
# A known TCP flow across a veth pair between two fresh namespaces: the
# report's connection must have exactly the bytes and reads the receiver
# saw, ordered non-negative stages, no lost events, named mechanisms.
source "$(dirname "$0")/lib.sh"
need_root

COUNT=${COUNT:-400}
SIZE=200
PORT=$(( 20000 + RANDOM % 20000 ))
make_netns_pair

ip netns exec "$NS_B" "$BUILD/tcpflow" recv "$IP_B" "$PORT" -t 30 >"$TMP/recv.out" &
RX=$!
cleanup_add kill -9 $RX
start_latprobe --port "$PORT" --output "$TMP/r.json"
ip netns exec "$NS_A" "$BUILD/tcpflow" send "$IP_B" "$PORT" -n "$COUNT" -m $SIZE -i 1000 \
	>"$TMP/send.out" || fail "sender failed"
wait $RX || fail "receiver failed"
sleep 0.3
stop_latprobe
info "receiver: $(cat "$TMP/recv.out" | tail -1)"
check_report_keys kernel "$TMP/r.json"

python3 - "$TMP/r.json" "$TMP/recv.out" "$IP_B:$PORT" "$IP_A" $((COUNT * SIZE)) <<'PY' || fail "report check"
import json, sys
rep = json.load(open(sys.argv[1]))
rx = dict(kv.split("=") for kv in open(sys.argv[2]).read().split()[-2:])
local, peer, want_bytes = sys.argv[3], sys.argv[4], int(sys.argv[5])
errs = []
def check(cond, msg):
    if not cond: errs.append(msg)
conns = [c for c in rep["connections"].values()
         if c["source"] == local and c["destination"].startswith(peer + ":")]
check(len(conns) == 1, f"one connection {local} <- {peer}, got {len(conns)}")
if conns:
    c = conns[0]
    check(int(rx["bytes"]) == want_bytes, f"receiver got {rx['bytes']} of {want_bytes}")
    check(c["bytes_received"] == int(rx["bytes"]), f"bytes {c['bytes_received']} != receiver {rx['bytes']}")
    check(c["reads"] == int(rx["reads"]), f"reads {c['reads']} != receiver {rx['reads']}")
    check(c["segments_in"] >= 1, "segments_in")
    check(c["comm"] == "tcpflow", f"comm {c['comm']}")
    for name in ("nic_to_tcp", "tcp_to_wakeup", "wakeup_to_read", "total"):
        check(name in c["stages"], f"stage {name} present")
check(rep["lost_events"] == 0, f"lost_events {rep['lost_events']}")
check(rep["ring_buffer"]["marks_out_of_order"] == 0, "marks out of order")
keys = ["min_us", "p50", "p75", "p90", "p95", "p99", "p999", "max_us"]
for name, s in rep["stages"].items():
    vals = [s[k] for k in keys]
    check(vals[0] >= 0, f"{name} negative")
    check(all(a <= b + 1e-9 for a, b in zip(vals, vals[1:])), f"{name} percentiles not ordered {vals}")
for p in ("tcp_recvmsg", "tcp_sendmsg"):
    check(rep["probes"][p]["used"] in ("fentry", "kprobe", "tracepoint"), f"{p} mechanism")
# in tracepoint mode tcp_rcv_space_adjust is left out (it could only count)
cl, used = rep["probes"]["tcp_cleanup_rbuf"], rep["probes"]["tcp_recvmsg"]["used"]
check(cl["used"] == used or (used == "tracepoint" and cl["used"] == "none"
                             and "not attached" in cl["why"]), f"tcp_cleanup_rbuf {cl}")
st = rep["stages"]
check(st["total"]["p50"] >= st["wakeup_to_read"]["p50"] * 0.99, "total >= wakeup_to_read")
for e in errs: print("  " + e, file=sys.stderr)
sys.exit(1 if errs else 0)
PY
pass "$COUNT messages over veth, bytes/reads exact, mechanism $(python3 -c "import json;print(json.load(open('$TMP/r.json'))['probes']['tcp_recvmsg']['used'])")"
