#!/usr/bin/env bash
# In-kernel filters: --pid keeps only that process's sockets, --comm only
# that name's, --sample-rate N keeps a deterministic subset of sockets.
source "$(dirname "$0")/lib.sh"
need_root
PORT=$(( 20000 + RANDOM % 20000 ))

conns() { # report port -> "local->remote pid comm" lines for the flow
	python3 - "$1" "$2" <<'PY'
import json, sys
rep, port = json.load(open(sys.argv[1])), sys.argv[2]
for k, c in rep["connections"].items():
    if c["source"].endswith(":" + port) or c["destination"].endswith(":" + port):
        print(k, c["pid"], c["comm"], c["bytes_received"], c["bytes_sent"])
PY
}

# --pid: the receiver only (its accepted socket), not the sender's socket
"$BUILD/tcpflow" recv 127.0.0.1 $PORT -t 20 >"$TMP/rx" &
RX=$!
cleanup_add kill -9 $RX
start_latprobe --pid $RX --output "$TMP/pid.json"
"$BUILD/tcpflow" send 127.0.0.1 $PORT -n 50 -m 100 -i 1000 >/dev/null
wait $RX
stop_latprobe
conns "$TMP/pid.json" $PORT >"$TMP/pid.txt"
[ "$(wc -l <"$TMP/pid.txt")" -eq 1 ] || fail "--pid: want 1 connection: $(cat "$TMP/pid.txt")"
read -r _ _ _ pid _ rx _ <"$TMP/pid.txt"
[ "$pid" = "$RX" ] && [ "$rx" = 5000 ] || fail "--pid: $(cat "$TMP/pid.txt")"

# --comm: a name nobody has -> nothing of the flow; tcpflow -> both sides
PORT=$((PORT + 1))
for comm in nosuchcomm tcpflow; do
	"$BUILD/tcpflow" recv 127.0.0.1 $PORT -t 20 >/dev/null &
	RX=$!
	start_latprobe --comm $comm --output "$TMP/$comm.json"
	"$BUILD/tcpflow" send 127.0.0.1 $PORT -n 50 -m 100 -i 1000 >/dev/null
	wait $RX
	stop_latprobe
	n=$(conns "$TMP/$comm.json" $PORT | wc -l)
	want=$([ $comm = tcpflow ] && echo 2 || echo 0)
	[ "$n" -eq "$want" ] || fail "--comm $comm: $n connections, want $want"
	PORT=$((PORT + 1))
done

# --sample-rate 3 over 30 connections: some, not all, traced
BASE=$PORT
start_latprobe --sample-rate 3 --output "$TMP/sample.json"
for i in $(seq 0 29); do
	"$BUILD/tcpflow" recv 127.0.0.1 $((BASE + i)) -t 10 >/dev/null &
	RX=$!
	"$BUILD/tcpflow" send 127.0.0.1 $((BASE + i)) -n 2 -m 100 -i 0 >/dev/null
	wait $RX
done
stop_latprobe
traced=$(python3 -c "
import json
r = json.load(open('$TMP/sample.json'))
ports = range($BASE, $BASE + 30)
print(sum(1 for c in r['connections'].values()
          if int(c['source'].rsplit(':', 1)[1]) in ports))")
[ "$traced" -gt 0 ] && [ "$traced" -lt 30 ] ||
	fail "--sample-rate 3: $traced of 30 server sockets traced"
filtered=$(python3 -c "import json;print(json.load(open('$TMP/sample.json'))['ring_buffer']['filtered_in_kernel'])")
[ "$filtered" -gt 0 ] || fail "--sample-rate: nothing filtered in the kernel"
pass "--pid, --comm, --sample-rate ($traced of 30 sampled)"
