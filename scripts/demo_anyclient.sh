#!/usr/bin/env bash
# make demo-anyclient: a client latprobe did not build (websocketpp +
# simdjson, tests/clients/wspp_client.cpp) against the local feed emulator
# in its own namespace behind a veth pair, traced by its handler's symbol
# alone: latprobe --client build/wspp_client --callback
# md::Handler::on_message --payload-arg 2,3. Prints the per-message
# breakdown. Tunables: DEMO_COUNT=5000 DEMO_RATE=500 (msg/s).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
COUNT=${DEMO_COUNT:-5000}
RATE=${DEMO_RATE:-500}
OUT=${DEMO_OUTPUT:-$ROOT/build/demo-anyclient.json}
[ "$(id -u)" -eq 0 ] || { echo "demo: needs root (try: sudo make demo-anyclient)" >&2; exit 1; }
for b in latprobe build/wsfeed build/wspp_client; do
	[ -x "$b" ] || { echo "demo: $b not built (run: make)" >&2; exit 1; }
done

source scripts/feed-netns-lib.sh
PORT=9443
trap feed_netns_down EXIT
trap 'exit 1' INT TERM
feed_netns_up lpany lpa 10.78
echo "demo: feed emulator (ws) in namespace $NS at $FEED_IP:$PORT, $COUNT messages at $RATE msg/s"
ip netns exec $NS build/wsfeed --bind $FEED_IP --port $PORT --rate "$RATE" \
	--count "$COUNT" --max-conns 1 --duration 120 >build/demo-anyclient-feed.log 2>&1 &
PIDS+=($!)

echo "demo: latprobe --client build/wspp_client --callback md::Handler::on_message --payload-arg 2,3"
./latprobe --client build/wspp_client --callback md::Handler::on_message \
	--payload-arg 2,3 --port $PORT --output "$OUT" --verbose \
	2>build/demo-anyclient-latprobe.log &
LP=$!
PIDS+=($LP)
for _ in $(seq 1 100); do
	grep -q '^latprobe: tracing' build/demo-anyclient-latprobe.log && break
	kill -0 $LP 2>/dev/null || { cat build/demo-anyclient-latprobe.log >&2; exit 1; }
	sleep 0.1
done
grep '^latprobe: callback' build/demo-anyclient-latprobe.log | sed 's/^/  /'
build/wspp_client "ws://$FEED_IP:$PORT/ws/btcusdt@trade?timeUnit=MICROSECOND" \
	"$COUNT" build/demo-anyclient-client.json | sed 's/^/  /'
sleep 0.3
kill -INT $LP
wait $LP || { echo "demo: latprobe failed:" >&2; tail -3 build/demo-anyclient-latprobe.log >&2; exit 1; }
echo "  the client's own view: $(cat build/demo-anyclient-client.json)"
echo
echo "latprobe: where the microseconds went (per message, wire to the client's handler):"
./latprobe report "$OUT"
echo
echo "JSON report: $OUT"
