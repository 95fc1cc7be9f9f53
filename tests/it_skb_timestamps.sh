#!/usr/bin/env bash
# --nic-timestamps without DPDK: the kernel's RX stamp of each skb becomes
# the segment's NIC mark (source skb_sw on veth, which has no hardware
# clock), and nic_to_tcp is measured from it. Without the flag: dev_in.
source "$(dirname "$0")/lib.sh"
need_root

PORT=$(( 20000 + RANDOM % 20000 ))
COUNT=300
make_netns_pair
ip netns exec "$NS_B" "$BUILD/tcpflow" recv "$IP_B" $PORT -t 30 >"$TMP/rx" &
RX=$!
cleanup_add kill -9 $RX
start_latprobe --nic-timestamps --port $PORT --output "$TMP/r.json"
ip netns exec "$NS_A" "$BUILD/tcpflow" send "$IP_B" $PORT -n $COUNT -m 200 -i 1000 >/dev/null ||
	fail "sender"
wait $RX
stop_latprobe
python3 - "$TMP/r.json" "$IP_B:$PORT" $COUNT <<'PY' || fail "report check"
import json, sys
rep, local, n = json.load(open(sys.argv[1])), sys.argv[2], int(sys.argv[3])
c = [c for c in rep["connections"].values() if c["source"] == local]
assert len(c) == 1, list(rep["connections"])
c = c[0]
src = c["nic_sources"]
assert c["nic_stamped"] >= n, (c["nic_stamped"], src)
assert src["skb_sw"] + src["skb_hw"] == c["nic_stamped"], src
st = c["stages"]["nic_to_tcp"]
assert st["count"] == c["reads"] and st["min_us"] >= 0, (st, c["reads"])
print(f"  nic_stamped {c['nic_stamped']} {src}, nic_to_tcp p50 {st['p50']} us", file=sys.stderr)
PY
pass "skb RX timestamps used as NIC marks"
