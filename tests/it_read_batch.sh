#!/usr/bin/env bash
# Batched reads (docs/design.md "Batched reads"): in a kernel-only run a
# socket's reads leave the kernel eight per record. A connection that goes
# quiet with fewer than eight reads queued must still show them within the
# once-a-second flush (seen here in /metrics while it stays open), close and
# exit must send what is left, and nothing is counted twice: the report's
# reads equal the reads the receiver made, all of them batched. A socket in
# another network namespace is not batched (the flusher cannot see it).
set -u
source "$(dirname "$0")/lib.sh"
need_root
for t in curl python3; do
	command -v $t >/dev/null || skip "$t not installed (scripts/install-deps.sh)"
done

PORT=$((20000 + RANDOM % 20000))
start_latprobe --port "$PORT" --metrics 127.0.0.1:0 --output "$TMP/r.json"
MADDR=$(sed -n 's|^latprobe: metrics on http://\([^/]*\)/metrics$|\1|p' "$LP_ERR")
[ -n "$MADDR" ] || fail "no 'metrics on' line: $(cat "$LP_ERR")"

reads_now() {
	curl -sf "http://$MADDR/metrics" |
		awk '/^latprobe_connection_reads_total\{/ { s += $NF } END { print s + 0 }'
}

# server: reads each 100-byte message alone (the sender waits for an ack
# byte), then holds the connection open until told to close
python3 - "$PORT" "$TMP" <<'PY' &
import os, socket, sys, time
port, tmp = int(sys.argv[1]), sys.argv[2]
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port)); srv.listen(1)
cli = socket.create_connection(("127.0.0.1", port))
con, _ = srv.accept()
def burst(n):
    for _ in range(n):
        cli.sendall(b"x" * 100)
        got = 0
        while got < 100:
            got += len(con.recv(100 - got))
        con.sendall(b"k")
        cli.recv(1)
    open(f"{tmp}/sent", "a").write(f"{n}\n")
burst(3)           # fewer than a batch on each side
deadline = time.time() + 20
while not os.path.exists(f"{tmp}/go") and time.time() < deadline:
    time.sleep(0.05)
burst(20)          # two full batches and a rest
while not os.path.exists(f"{tmp}/close") and time.time() < deadline:
    time.sleep(0.05)
cli.close(); con.close(); srv.close()
PY
PY_PID=$!
cleanup_add kill -9 $PY_PID

wait_reads() { # want, seconds
	local r=0
	for _ in $(seq 1 $(($2 * 10))); do
		r=$(reads_now)
		[ "$r" -ge "$1" ] && break
		sleep 0.1
	done
	echo "$r"
}
for _ in $(seq 1 100); do [ -s "$TMP/sent" ] && break; sleep 0.1; done
[ -s "$TMP/sent" ] || fail "the first burst did not run"
# 3 messages read by the server + 3 acks read by the client: 6 reads, all
# still queued in the kernel until the flush (at most a second later)
r=$(wait_reads 6 3)
[ "$r" = 6 ] || fail "idle connection: $r reads seen in /metrics after 3 s, want 6"
touch "$TMP/go"
for _ in $(seq 1 100); do [ "$(wc -l <"$TMP/sent")" = 2 ] && break; sleep 0.1; done
r=$(wait_reads 46 3)
[ "$r" = 46 ] || fail "after 20 more: $r reads in /metrics, want 46"
touch "$TMP/close"
wait $PY_PID || fail "the flow failed"
sleep 0.3
stop_latprobe

python3 - "$TMP/r.json" <<'PY' || fail "report check"
import json, sys
rep = json.load(open(sys.argv[1]))
rb = rep["ring_buffer"]
conns = rep["connections"].values()
reads = sum(c["reads"] for c in conns)
ok = True
def check(c, m):
    global ok
    if not c:
        print("  " + m, file=sys.stderr); ok = False
check(rb["read_batch"] == 8, f"read_batch {rb['read_batch']}: a kernel-only run batches reads")
check(reads == 46, f"report reads {reads}, want 46 (each read once)")
check(rb["reads_batched"] + rb["records_by_type"]["tcp_recvmsg"] == reads,
      f"batched {rb['reads_batched']} + single {rb['records_by_type']['tcp_recvmsg']} != {reads}")
check(rb["reads_batched"] == reads, f"only {rb['reads_batched']} of {reads} reads batched")
# per side: 3 (one flush), then 23 -> two full batches and a rest
check(4 <= rb["records_by_type"]["tcp_recvmsg_batch"] <= 12,
      f"{rb['records_by_type']['tcp_recvmsg_batch']} batch records for 46 reads")
check(sum(c["bytes_received"] for c in conns) == 23 * 100 + 23,
      f"bytes {sum(c['bytes_received'] for c in conns)}")
check(rb["reads_lost"] == 0 and rep["lost_events"] == 0, "losses")
print(f"  {reads} reads in {rb['records_by_type']['tcp_recvmsg_batch']} batch records", file=sys.stderr)
sys.exit(0 if ok else 1)
PY
# A connection in another network namespace (a container's), open when
# latprobe stops: the flusher's iter/tcp pass sees latprobe's own netns
# only, so its reads must not wait in the kernel; every one is in the report
# (before: the three reads were left queued and silently missing).
NS=lprb$$_$RANDOM
ip netns add "$NS" || fail "ip netns add"
cleanup_add ip netns del "$NS"
ip -n "$NS" link set lo up
PORT2=$((20000 + RANDOM % 20000))
start_latprobe --port "$PORT2" --output "$TMP/ns.json"
ip netns exec "$NS" python3 - "$PORT2" "$TMP" <<'PY' &
import os, socket, sys, time
port, tmp = int(sys.argv[1]), sys.argv[2]
srv = socket.socket()
srv.bind(("127.0.0.1", port)); srv.listen(1)
cli = socket.create_connection(("127.0.0.1", port))
con, _ = srv.accept()
for _ in range(3):
    cli.sendall(b"x" * 100)
    got = 0
    while got < 100:
        got += len(con.recv(100 - got))
open(f"{tmp}/ns_sent", "w").write("3\n")
deadline = time.time() + 20
while not os.path.exists(f"{tmp}/ns_close") and time.time() < deadline:
    time.sleep(0.05)
PY
NS_PY=$!
cleanup_add kill -9 $NS_PY
for _ in $(seq 1 100); do [ -s "$TMP/ns_sent" ] && break; sleep 0.1; done
[ -s "$TMP/ns_sent" ] || fail "the namespace flow did not run"
stop_latprobe # the connection is still open
touch "$TMP/ns_close"
wait $NS_PY
python3 - "$TMP/ns.json" <<'PY' || fail "a connection in another netns lost its reads at exit"
import json, sys
rep = json.load(open(sys.argv[1]))
reads = sum(c["reads"] for c in rep["connections"].values())
rb = rep["ring_buffer"]
print(f"  other netns, open at exit: {reads} reads ({rb['reads_batched']} batched)", file=sys.stderr)
assert reads == 3, f"{reads} reads in the report, the receiver made 3"
assert rb["reads_batched"] == 0, "reads of another netns batched: the flusher cannot reach them"
PY
pass "idle reads seen within the flush, 46 reads once each, all batched; another netns's reads not held"
