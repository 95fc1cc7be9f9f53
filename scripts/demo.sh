#!/usr/bin/env bash
# make demo: the local Binance-compatible feed (TLS) in its own network
# namespace behind a veth pair, the market-data client in the root
# namespace, latprobe attached to both kernel and client; prints the
# per-stage breakdown. Tunables: DEMO_SECONDS=10 DEMO_RATE=500 (msg/s).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SECS=${DEMO_SECONDS:-10}
RATE=${DEMO_RATE:-500}
OUT=${DEMO_OUTPUT:-$ROOT/build/demo.json}
[ "$(id -u)" -eq 0 ] || { echo "demo: needs root (try: sudo make demo)" >&2; exit 1; }
for b in latprobe build/wsfeed build/wsclient; do
	[ -x "$b" ] || { echo "demo: $b not built (run: make)" >&2; exit 1; }
done

NS=lpdemo$$
VH=lpd$$h
ID=$(( $$ % 200 + 20 ))
HOST_IP=10.77.$ID.1 FEED_IP=10.77.$ID.2 PORT=9443
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	sleep 0.2
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	ip link del $VH 2>/dev/null || true
	ip netns del $NS 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 1' INT TERM

echo "demo: feed emulator (wss) in namespace $NS at $FEED_IP:$PORT, $RATE msg/s for ${SECS}s"
ip netns add $NS
ip link add $VH type veth peer name eth0 netns $NS
ip addr add $HOST_IP/24 dev $VH
ip link set $VH up
ip -n $NS addr add $FEED_IP/24 dev eth0
ip -n $NS link set eth0 up
ip -n $NS link set lo up

ip netns exec $NS build/wsfeed --tls --bind $FEED_IP --port $PORT --rate "$RATE" \
	--depth-follows-rate --duration $((SECS + 15)) >build/demo-feed.log 2>&1 &
PIDS+=($!)
./latprobe --client build/wsclient --duration $((SECS + 3)) --output "$OUT" \
	--quiet 2>build/demo-latprobe.log &
LP=$!
PIDS+=($LP)
sleep 1.5 # attach (the client's USDT probe is attached by binary path)
kill -0 $LP 2>/dev/null || { cat build/demo-latprobe.log >&2; exit 1; }

echo "demo: client: wss://$FEED_IP:$PORT/stream?streams=btcusdt@trade/ethusdt@depth@100ms, publishing on ZeroMQ"
build/wsclient --insecure --duration "$SECS" \
	--url "wss://$FEED_IP:$PORT/stream?streams=btcusdt@trade/ethusdt@depth@100ms&timeUnit=MICROSECOND" \
	--publish tcp://127.0.0.1:$((20000 + ID)) --json-summary build/demo-client.json \
	2>&1 | sed 's/^/  /'
wait $LP || { echo "demo: latprobe failed:" >&2; cat build/demo-latprobe.log >&2; exit 1; }
echo
echo "latprobe: where the microseconds went (per message, wire to application):"
./latprobe report "$OUT"
echo
echo "JSON report: $OUT   (picture: latprobe report $OUT --svg demo.svg, or --html demo.html)"
