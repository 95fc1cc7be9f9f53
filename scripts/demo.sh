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

source scripts/feed-netns-lib.sh
PORT=9443
trap feed_netns_down EXIT
trap 'exit 1' INT TERM
feed_netns_up lpdemo lpd 10.77
echo "demo: feed emulator (wss) in namespace $NS at $FEED_IP:$PORT, $RATE msg/s for ${SECS}s"

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
