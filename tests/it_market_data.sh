#!/usr/bin/env bash
# The market-data path end to end, plaintext and TLS: the feed in its own
# namespace sends N messages at a fixed rate over veth, the client receives
# and publishes them, latprobe follows kernel and client. Then a run with
# malformed input: client and latprobe keep going and the report is valid.
source "$(dirname "$0")/lib.sh"
need_root
for b in wsfeed wsclient; do [ -x "$BUILD/$b" ] || fail "build/$b not built"; done

N=${N:-2000}
RATE=1000
make_netns_pair

run_case() { # name scheme feed-flags...
	local name=$1 scheme=$2; shift 2
	local port=$(( 20000 + RANDOM % 20000 )) zport=$(( 40000 + RANDOM % 20000 ))
	ip netns exec "$NS_B" "$BUILD/wsfeed" --bind "$IP_B" --port $port --rate $RATE \
		--count "$N" --max-conns 1 --duration 60 "$@" >"$TMP/$name.feed" 2>&1 &
	local feed=$!
	cleanup_add kill -9 $feed
	start_latprobe --client "$BUILD/wsclient" --port $port --output "$TMP/$name.json"
	ip netns exec "$NS_A" timeout 60 "$BUILD/wsclient" --insecure --once \
		--url "$scheme://$IP_B:$port/ws/btcusdt@trade?timeUnit=MICROSECOND" \
		--publish tcp://127.0.0.1:$zport --json-summary "$TMP/$name.client.json" \
		>"$TMP/$name.client" 2>&1 || true
	sleep 0.3
	stop_latprobe
	wait $feed 2>/dev/null
}

check_exact() { # name
	python3 - "$TMP/$1.json" "$TMP/$1.client.json" "$N" "$1" <<'PY'
import json, sys
rep, cl, n, name = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), int(sys.argv[3]), sys.argv[4]
errs = []
def check(c, m):
    if not c: errs.append(m)
m = rep["messages"]
check(cl["messages"] == n, f"client got {cl['messages']} of {n}")
check(m["unit"] == "message", "unit")
check(m["seen"] == n, f"seen {m['seen']} != {n}")
check(m["correlated"] >= 0.99 * n, f"correlated {m['correlated']} < 99% of {n}")
check(rep["lost_events"] == 0, f"lost {rep['lost_events']}")
st = rep["stages"]
for s in ("exchange_to_nic", "nic_to_tcp", "tcp_to_wakeup", "wakeup_to_read", "read_to_frame",
          "frame_to_parsed", "parsed_to_published", "nic_to_user", "total"):
    check(s in st and st[s]["count"] >= m["correlated"], f"stage {s} missing or short")
# marks in order: E <= dev_in <= tcp_in <= wakeup <= read <= frame <= parsed <= published
check(rep["ring_buffer"]["marks_out_of_order"] == 0,
      f"{rep['ring_buffer']['marks_out_of_order']} marks out of order")
for s in st.values():
    check(s["min_us"] >= 0, "negative stage")
# the feed closes first (--count): every event stays with its real socket,
# none is booked to a tuple read after close (local port 0)
conns = rep["connections"]
phantom = [k for k, c in conns.items()
           if c["source"].endswith(":0") or c["destination"].endswith(":0")]
check(not phantom, f"connections with port 0 (read after close): {phantom}")
check(len(conns) == 2, f"{len(conns)} connections, expected 2 (client and feed side): {list(conns)}")
ours = st["total"]["p50"]
theirs = cl["stages"]["exchange_to_published"]["p50_us"]
check(abs(ours - theirs) <= 0.10 * theirs, f"total p50 {ours} vs client E->published p50 {theirs}")
print(f"  {name}: seen {m['seen']} correlated {m['correlated']} total p50 {ours} us (client {theirs} us)", file=sys.stderr)
for e in errs: print("  " + e, file=sys.stderr)
sys.exit(1 if errs else 0)
PY
}

run_case plain ws
check_exact plain || fail "plaintext"
run_case tls wss --tls
check_exact tls || fail "TLS"

# malformed input: the client skips, latprobe and its report carry on
run_case faults ws --fault bad-json --fault-every 10
python3 - "$TMP/faults.json" "$TMP/faults.client.json" <<'PY' || fail "malformed input run"
import json, sys
rep, cl = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert cl["skipped"]["bad_json"] > 0, cl["skipped"]
assert rep["messages"]["seen"] == cl["messages"], (rep["messages"], cl["messages"])
assert rep["lost_events"] == 0
PY
pass "plaintext and TLS: every message seen and correlated; malformed input survived"
