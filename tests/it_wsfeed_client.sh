#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Integration test: wsfeed (tools/feed/) and wsclient (tools/client/) on 127.0.0.1 only.
#   exact message counts over ws:// and wss://, certificate checking,
#   combined streams, SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS, ZeroMQ
#   publishing, ping RTT, seeded determinism, every fault mode (the client
#   keeps running, counts what it skipped, exits 0) and bad flags.
# Exit 0 = PASS, 1 = FAIL, 77 = SKIPPED (reason printed).
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-${LP_BUILD:-$ROOT/build}}
FEED=$BIN/wsfeed
CLIENT=$BIN/wsclient
T=30 # hard cap in seconds for any single process

for b in "$FEED" "$CLIENT"; do
	if [ ! -x "$b" ]; then
		echo "SKIPPED: $b not built (run: make $(basename "$b" | sed 's|^|build/|'))"
		exit 77
	fi
done
command -v python3 >/dev/null || { echo "SKIPPED: python3 needed to read JSON"; exit 77; }

TMP=$(mktemp -d /tmp/it_wsfeed.XXXXXX)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

FAILS=0
NCHECK=0
pass() { NCHECK=$((NCHECK + 1)); echo "  ok   $*"; }
fail() { NCHECK=$((NCHECK + 1)); FAILS=$((FAILS + 1)); echo "  FAIL $*"; }
check() { # check "description" command...
	local d=$1
	shift
	if "$@"; then pass "$d"; else fail "$d"; fi
}

not_grep() { ! grep -q "$@"; }

# jget FILE path.to.key -> value on stdout
jget() {
	python3 - "$1" "$2" <<'EOF'
import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split('.'):
    v = v[k]
print(v if not isinstance(v, bool) else str(v).lower())
EOF
}

# start_feed NAME ARGS...: background feed on an ephemeral port; sets PORT.
start_feed() {
	local name=$1 i
	shift
	: >"$TMP/$name.feed"
	timeout -s TERM $T "$FEED" --port 0 "$@" >>"$TMP/$name.feed" 2>&1 &
	FEED_PID=$!
	PIDS+=("$FEED_PID")
	PORT=
	for i in $(seq 1 100); do
		PORT=$(sed -n 's|^wsfeed: listening on wss*://127.0.0.1:\([0-9]*\)$|\1|p' \
			"$TMP/$name.feed")
		[ -n "$PORT" ] && return 0
		kill -0 "$FEED_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "  wsfeed did not start: $(cat "$TMP/$name.feed")"
	return 1
}

stop_feed() {
	kill "$FEED_PID" 2>/dev/null
	wait "$FEED_PID" 2>/dev/null
}

# run_client NAME ARGS...: foreground, bounded; sets RC, output in NAME.out
run_client() {
	local name=$1
	shift
	timeout -s TERM $T "$CLIENT" --json-summary "$TMP/$name.json" "$@" \
		>"$TMP/$name.out" 2>"$TMP/$name.err"
	RC=$?
}

show() { sed 's/^/    | /' "$TMP/$1"; }

echo "wsfeed/wsclient integration (loopback)"

# 1. Exactly N messages, then a normal close, over ws and wss.
for scheme in ws wss; do
	tls=
	[ $scheme = wss ] && tls=--tls
	N=500
	start_feed exact_$scheme $tls --count $N --rate 5000 --max-conns 1 \
		--duration 20 || { fail "$scheme feed start"; continue; }
	run_client exact_$scheme --url "$scheme://127.0.0.1:$PORT/ws/btcusdt@trade" \
		--insecure --once --duration 20
	wait "$FEED_PID" 2>/dev/null
	check "$scheme: client exits 0" [ $RC -eq 0 ]
	m=$(jget "$TMP/exact_$scheme.json" messages 2>/dev/null)
	check "$scheme: client got exactly $N messages (got ${m:-none})" [ "${m:-}" = $N ]
	check "$scheme: feed sent exactly $N" grep -q " $N messages," "$TMP/exact_$scheme.feed"
	check "$scheme: no drops on a normal close" [ "$(jget "$TMP/exact_$scheme.json" drops)" = 0 ]
	check "$scheme: stage frame_to_parsed has $N samples" \
		[ "$(jget "$TMP/exact_$scheme.json" stages.frame_to_parsed.count)" = $N ]
	[ $RC -eq 0 ] || show exact_$scheme.err
done

# 2. A self-signed certificate is refused without --insecure.
start_feed cert --tls --duration 10 && {
	run_client cert --url "wss://127.0.0.1:$PORT/ws/btcusdt@trade" --once --duration 5
	check "wss: self-signed certificate refused without --insecure (rc $RC)" [ $RC -ne 0 ]
	check "wss: refusal explained in one line" grep -q "never connected" "$TMP/cert.err"
	# in words: OpenSSL's verification result, not the string for the
	# number 1 (error:00000001:lib(0)::reason(1))
	check "wss: the refusal names the verification error ($(grep 'never connected' "$TMP/cert.err"))" \
		grep -q "never connected.*: server certificate not verified: self-signed certificate (X509 error 18)" "$TMP/cert.err"
	check "wss: no OpenSSL error number in its place" not_grep 'lib(0)' "$TMP/cert.err"
	stop_feed
}

# 3. Combined streams, microsecond E.
start_feed combined --rate 2000 --depth-follows-rate --duration 20 && {
	run_client combined --once --count 40 --print --duration 10 \
		--url "ws://127.0.0.1:$PORT/stream?streams=btcusdt@trade/ethusdt@depth@100ms&timeUnit=MICROSECOND"
	check "combined: client exits 0" [ $RC -eq 0 ]
	lines=$(grep -c '^{"stream":' "$TMP/combined.out")
	check "combined: 40 wrapped messages (got $lines)" [ "$lines" = 40 ]
	check "combined: trade stream present" grep -q '^{"stream":"btcusdt@trade","data":{"e":"trade","E":[0-9]\{16\},' "$TMP/combined.out"
	check "combined: depth stream with b/a arrays" grep -q '^{"stream":"ethusdt@depth@100ms","data":{"e":"depthUpdate",.*"b":\[\[".*"a":\[' "$TMP/combined.out"
	check "combined: E in microseconds detected" [ "$(jget "$TMP/combined.json" exch_time_unit)" = us ]
	stop_feed
}

# 4. Live requests: SUBSCRIBE, LIST_SUBSCRIPTIONS, UNSUBSCRIBE, errors.
# Six requests at once: over Binance's 5 messages a second, so that limit
# is off here (it_wsfeed_protocol checks it).
start_feed subs --rate 500 --duration 20 --max-msg-rate 0 && {
	run_client subs --url "ws://127.0.0.1:$PORT/ws" --once --count 30 --duration 10 --print \
		--subscribe btcusdt@aggTrade,ethusdt@bookTicker,solusdt@trade \
		--list-subscriptions \
		--send '{"method":"UNSUBSCRIBE","params":["solusdt@trade"],"id":"u1"}' \
		--send '{"method":"LIST_SUBSCRIPTIONS","id":7}' \
		--send '{"method":"SUBSCRIBE","params":["nosuch@trade"],"id":8}' \
		--send 'not json'
	o=$TMP/subs.out
	check "requests: client exits 0" [ $RC -eq 0 ]
	check "requests: SUBSCRIBE -> result null" grep -qx 'wsclient: reply {"result":null,"id":1}' "$o"
	check "requests: LIST_SUBSCRIPTIONS lists all three" grep -qx 'wsclient: reply {"result":\["btcusdt@aggTrade","ethusdt@bookTicker","solusdt@trade"\],"id":2}' "$o"
	check "requests: UNSUBSCRIBE -> result null, string id" grep -qx 'wsclient: reply {"result":null,"id":"u1"}' "$o"
	check "requests: list after UNSUBSCRIBE" grep -qx 'wsclient: reply {"result":\["btcusdt@aggTrade","ethusdt@bookTicker"\],"id":7}' "$o"
	check "requests: unknown stream -> error" grep -q 'wsclient: reply {"error":{"code":2,.*"id":8}' "$o"
	check "requests: invalid JSON -> error" grep -q 'wsclient: reply {"error":{"code":3,' "$o"
	check "requests: aggTrade payloads arrive" grep -q '^{"e":"aggTrade","E":[0-9]*,"s":"BTCUSDT","a":[0-9]*,"p":"[0-9.]*","q":"[0-9.]*","f":[0-9]*,"l":[0-9]*,"T":[0-9]*,"m":' "$o"
	check "requests: bookTicker payloads arrive" grep -q '^{"u":[0-9]*,"s":"ETHUSDT","b":"[0-9.]*","B":"[0-9.]*","a":"[0-9.]*","A":"[0-9.]*"}$' "$o"
	check "requests: 6 replies counted" [ "$(jget "$TMP/subs.json" replies)" = 6 ]
	stop_feed
}

# 5. Publishing through ZeroMQ and client pings.
start_feed pub --rate 1000 --duration 20 && {
	zport=$((20000 + RANDOM % 20000))
	run_client pub --url "ws://127.0.0.1:$PORT/ws/btcusdt@trade" --duration 1.5 \
		--ping-interval 0.1 --publish "tcp://127.0.0.1:$zport"
	check "publish: client exits 0" [ $RC -eq 0 ]
	m=$(jget "$TMP/pub.json" messages)
	check "publish: every message published ($m)" \
		[ "$(jget "$TMP/pub.json" stages.parsed_to_published.count)" = "$m" ]
	check "publish: no publish errors" [ "$(jget "$TMP/pub.json" publish_errors)" = 0 ]
	check "ping: pongs measured" [ "$(jget "$TMP/pub.json" stages.ping_rtt.count)" -gt 3 ]
	stop_feed
}

# 5b. Server pings answered (by libwebsockets) and bursts keep the count.
start_feed ping --rate 200 --burst 20 --ping-interval 0.2 --count 100 \
	--max-conns 1 --duration 10 && {
	run_client ping --url "ws://127.0.0.1:$PORT/ws/btcusdt@trade" --once --duration 5
	wait "$FEED_PID" 2>/dev/null
	check "burst: 100 messages in bursts of 20" [ "$(jget "$TMP/ping.json" messages)" = 100 ]
	pongs=$(sed -n 's/.* \([0-9]*\) pongs.*/\1/p' "$TMP/ping.feed")
	check "server pings: client answered ${pongs:-no} pongs" [ "${pongs:-0}" -ge 1 ]
}

# 5c. Replay of a JSON-lines file: E rewritten, bad lines sent verbatim.
{
	echo '{"e":"trade","E":1600000000000,"s":"BTCUSDT","t":1,"p":"1.0","q":"2.0","T":1600000000000,"m":true,"M":true}'
	echo
	echo '{"u":5,"s":"BTCUSDT","b":"1.0","B":"1.0","a":"1.1","A":"1.0"}'
	echo '{"broken'
} >"$TMP/replay.jsonl"
start_feed replay --replay "$TMP/replay.jsonl" --count 9 --max-conns 1 \
	--rate 1000 --duration 10 && {
	run_client replay --url "ws://127.0.0.1:$PORT/ws" --once --print --duration 5
	wait "$FEED_PID" 2>/dev/null
	check "replay: 6 good messages, 3 bad lines skipped" \
		[ "$(jget "$TMP/replay.json" messages)/$(jget "$TMP/replay.json" skipped.bad_json)" = 6/3 ]
	check "replay: E rewritten to the send time" \
		bash -c "! grep -q '\"E\":1600000000000' '$TMP/replay.out' && grep -q '\"T\":1600000000000' '$TMP/replay.out'"
}

# 6. Same seed, same payloads (E and T aside).
for i in 1 2; do
	start_feed seed$i --seed 42 --count 50 --rate 0 --depth-follows-rate \
		--max-conns 1 --duration 10 || break
	run_client seed$i --url "ws://127.0.0.1:$PORT/ws/solusdt@depth" --once --print --duration 10
	wait "$FEED_PID" 2>/dev/null
	grep '^{' "$TMP/seed$i.out" | sed 's/"[ET]":[0-9]*//g' >"$TMP/seed$i.norm"
done
check "seed: 50 messages, identical across runs" \
	bash -c "[ \$(wc -l <'$TMP/seed1.norm') = 50 ] && cmp -s '$TMP/seed1.norm' '$TMP/seed2.norm'"

# 7. Faults: the client keeps going, counts what it skipped, exits 0.
declare -A expect=(
	["broken-frame"]=drops ["bad-utf8"]=skipped.bad_utf8
	["truncated"]=skipped.truncated ["oversized"]=skipped.oversized
	["bad-json"]=skipped.bad_json ["disconnect"]=drops
)
# faults that end the connection: each is a drop, then a reconnect
declare -A drops_conn=(["broken-frame"]=1 ["truncated"]=1 ["disconnect"]=1)
for scheme in ws wss; do
	tls=
	[ $scheme = wss ] && tls=--tls
	for f in broken-frame bad-utf8 truncated oversized bad-json disconnect; do
		key=${expect[$f]}
		N=100
		start_feed f_${scheme}_$f $tls --fault $f --fault-every 10 --rate 2000 \
			--duration 20 || { fail "$scheme $f: feed start"; continue; }
		run_client f_${scheme}_$f --url "$scheme://127.0.0.1:$PORT/ws/btcusdt@trade" \
			--insecure --count $N --duration 15 --backoff-ms 20
		stop_feed
		j=$TMP/f_${scheme}_$f.json
		got=$(jget "$j" messages 2>/dev/null)
		cnt=$(jget "$j" "$key" 2>/dev/null)
		if [ $RC -eq 0 ] && [ "${got:-}" = $N ] && [ "${cnt:-0}" -ge 5 ]; then
			pass "$scheme fault $f: $N messages, $key=$cnt, reconnects=$(jget "$j" reconnects)"
		else
			fail "$scheme fault $f: rc=$RC messages=${got:-none} $key=${cnt:-none}"
			show f_${scheme}_$f.out
			show f_${scheme}_$f.err
		fi
		[ -n "${drops_conn[$f]:-}" ] || continue
		d=$(jget "$j" drops 2>/dev/null)
		r=$(jget "$j" reconnects 2>/dev/null)
		check "$scheme fault $f: reconnects=${r:-none} >= drops=${d:-none} >= 1" \
			[ "${d:-0}" -ge 1 -a "${r:-0}" -ge "${d:-1}" ]
	done
done

# 8. Bad flags: one line, non-zero exit.
for args in "--count abc" "--url http://x/" "--bogus" "--duration -1"; do
	# shellcheck disable=SC2086
	timeout 5 "$CLIENT" $args >/dev/null 2>"$TMP/flag.err"
	rc=$?
	lines=$(wc -l <"$TMP/flag.err")
	check "wsclient $args: exit $rc, $lines line(s) on stderr" \
		[ $rc -eq 2 -a "$lines" -le 2 ]
done
for args in "--rate -5" "--fault nope" "--port 70000" "--cert /nonexistent"; do
	# shellcheck disable=SC2086
	timeout 5 "$FEED" $args >/dev/null 2>"$TMP/flag.err"
	rc=$?
	check "wsfeed $args: exit $rc" [ $rc -eq 2 ]
done

echo "$((NCHECK - FAILS))/$NCHECK checks passed"
if [ $FAILS -ne 0 ]; then
	echo "FAIL"
	exit 1
fi
echo "PASS"
exit 0
