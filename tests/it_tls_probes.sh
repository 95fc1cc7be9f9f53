#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# TLS probes on clients nobody here changed, on 127.0.0.1 only:
#   Python websockets over wss (--pid): tls_decrypt count and bytes equal the
#     client's own count of SSL reads that returned data;
#   the same with --no-tls-probes: no TLS probe, no tls_decrypt;
#   the same with --comm: the system's libssl, filtered in BPF on comm;
#   node's built-in WebSocket over wss: SSL_read exported by node itself;
#   build/wsclient over wss (--client PATH, not started yet): tls_decrypt per
#     SSL read, per-message stages intact;
#   build/wsclient over plain ws: probe attached, zero hits, no tls_decrypt;
#   a process without libssl: not attached, the report says why, run works.
# Exit 0 = PASS, 1 = FAIL, 77 = SKIPPED (reason printed).
set -u
source "$(dirname "$0")/lib.sh"
need_root

PY=/usr/bin/python3
CLIENT_PY=$ROOT/tests/clients/py_ws_client.py
for b in "$BUILD/wsfeed" "$BUILD/wsclient" "$LATPROBE"; do
	[ -x "$b" ] || skip "$b not built (run: make)"
done
[ -x "$PY" ] || skip "$PY missing (Debian's python3)"
"$PY" -c 'import websockets' 2>/dev/null ||
	skip "python3-websockets missing (scripts/install-deps.sh)"

N=300
FAILS=0
ok() { echo "  ok   $*"; }
bad() { echo "  FAIL $*"; FAILS=$((FAILS + 1)); }
check() { # check "description" command...
	local d=$1
	shift
	if "$@"; then ok "$d"; else bad "$d"; fi
}
# jq-like: jget FILE 'python expression on r' (r = the JSON document)
jget() {
	python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print($2)" "$1" 2>/dev/null
}

# start_feed SCHEME: wsfeed on an ephemeral port; sets FEED_PID and PORT
start_feed() {
	local tls= i
	[ "$1" = wss ] && tls=--tls
	: >"$TMP/feed.log"
	timeout -s TERM 30 "$BUILD/wsfeed" $tls --port 0 --rate 2000 \
		--duration 25 >"$TMP/feed.log" 2>&1 &
	FEED_PID=$!
	cleanup_add kill "$FEED_PID"
	for i in $(seq 1 100); do
		PORT=$(sed -n 's|^wsfeed: listening on wss*://127.0.0.1:\([0-9]*\)$|\1|p' \
			"$TMP/feed.log")
		[ -n "$PORT" ] && return 0
		sleep 0.05
	done
	fail "wsfeed did not start: $(cat "$TMP/feed.log")"
}
stop_feed() {
	kill "$FEED_PID" 2>/dev/null
	wait "$FEED_PID" 2>/dev/null
}

# py_run NAME SCHEME LATPROBE-FLAGS...: the Python client, traced from
# before it connects; its ground truth in NAME.py.json, report NAME.json
py_run() {
	local name=$1 scheme=$2 i
	shift 2
	rm -f "$TMP/go"
	"$PY" "$CLIENT_PY" --url "$scheme://127.0.0.1:$PORT/ws/btcusdt@trade" \
		--count $N --duration 20 --json "$TMP/$name.py.json" \
		--wait-file "$TMP/go" >"$TMP/$name.py.out" 2>&1 &
	PY_PID=$!
	cleanup_add kill "$PY_PID"
	for i in $(seq 1 100); do
		grep -q ready "$TMP/$name.py.out" && break
		sleep 0.1
	done
	grep -q ready "$TMP/$name.py.out" || fail "python client: $(cat "$TMP/$name.py.out")"
	# shellcheck disable=SC2046
	start_latprobe --port "$PORT" --output "$TMP/$name.json" \
		$(echo "$@" | sed "s/PYPID/$PY_PID/")
	touch "$TMP/go"
	wait "$PY_PID" || bad "$name: python client exit $?: $(cat "$TMP/$name.py.out")"
	sleep 0.3 # the last records reach the ring before the stop
	stop_latprobe
	cp "$LP_ERR" "$TMP/$name.err"
}

echo "TLS probes (loopback)"
start_feed wss

# 1. Python websockets over wss, by PID: exact ground truth.
py_run py_pid wss --pid PYPID --verbose
r=$TMP/py_pid.json
g=$TMP/py_pid.py.json
check_report_keys tls "$r"
reads=$(jget "$g" "r['ssl_reads']")
check "python --pid: probe attached via uprobe ($(jget "$r" "r['probes']['ssl_read']['why']"))" \
	[ "$(jget "$r" "r['probes']['ssl_read']['used']")" = uprobe ]
check "python --pid: no lost events" [ "$(jget "$r" "r['lost_events']")" = 0 ]
check "python --pid: tls_decrypt count $(jget "$r" "r['stages'].get('tls_decrypt',{}).get('count')") = client's SSL reads with data $reads" \
	[ "$(jget "$r" "r['stages']['tls_decrypt']['count']")" = "$reads" ]
check "python --pid: tls.bytes $(jget "$r" "r['tls']['bytes']") = client's $(jget "$g" "r['ssl_read_bytes']")" \
	[ "$(jget "$r" "r['tls']['bytes']")" = "$(jget "$g" "r['ssl_read_bytes']")" ]
check "python --pid: asyncio's memory BIO: every call from_user_buffer" \
	[ "$(jget "$r" "r['tls']['from_user_buffer']")" = "$reads" ]
check "python --pid: verbose names the probe site" \
	grep -q "probe ssl_read .*uprobe+uretprobe:.*libssl" "$TMP/py_pid.err"

# 2. The same with --no-tls-probes.
py_run py_off wss --pid PYPID --no-tls-probes
r=$TMP/py_off.json
check "--no-tls-probes: probe not attached, says why" \
	[ "$(jget "$r" "r['probes']['ssl_read']['used'] + '|' + r['probes']['ssl_read']['why']")" = "none|--no-tls-probes" ]
check "--no-tls-probes: no tls_decrypt stage" \
	[ "$(jget "$r" "'tls_decrypt' in r['stages']")" = False ]
check "--no-tls-probes: the kernel stages are still there" \
	[ "$(jget "$r" "r['stages']['wakeup_to_read']['count'] > 0")" = True ]

# 3. --comm: not tied to a PID, the system's libssl filtered in BPF.
py_run py_comm wss --comm python3
r=$TMP/py_comm.json
g=$TMP/py_comm.py.json
check "python --comm: comm filter in BPF ($(jget "$r" "r['probes']['ssl_read']['why']"))" \
	[ "$(jget "$r" "r['probes']['ssl_read']['used'] == 'uprobe' and 'comm python3' in r['probes']['ssl_read']['why']")" = True ]
# other python3 processes on the machine may add reads, never remove any
check "python --comm: tls_decrypt count >= client's SSL reads $(jget "$g" "r['ssl_reads']")" \
	[ "$(jget "$r" "r['stages']['tls_decrypt']['count'] >= $(jget "$g" "r['ssl_reads']")")" = True ]

# 3b. node (OpenSSL linked into the binary, SSL_read exported by node itself).
NODE=$(command -v node || true)
if [ -n "$NODE" ]; then
	rm -f "$TMP/go"
	NODE_TLS_REJECT_UNAUTHORIZED=0 "$NODE" --experimental-websocket --no-warnings \
		"$ROOT/tests/clients/node_ws_client.js" \
		"wss://127.0.0.1:$PORT/ws/btcusdt@trade" $N "$TMP/node.c.json" "$TMP/go" \
		>"$TMP/node.out" 2>&1 &
	NODE_PID=$!
	cleanup_add kill "$NODE_PID"
	for _ in $(seq 1 100); do
		grep -q ready "$TMP/node.out" && break
		sleep 0.1
	done
	start_latprobe --port "$PORT" --output "$TMP/node.json" --pid $NODE_PID
	touch "$TMP/go"
	wait "$NODE_PID" || bad "node client exit: $(cat "$TMP/node.out")"
	sleep 0.3
	stop_latprobe
	r=$TMP/node.json
	check "node: SSL_read probed in the node binary itself ($(jget "$r" "r['probes']['ssl_read']['why']"))" \
		[ "$(jget "$r" "r['probes']['ssl_read']['used'] == 'uprobe' and 'exports SSL_read itself' in r['probes']['ssl_read']['why']")" = True ]
	check "node: tls_decrypt count $(jget "$r" "r['stages'].get('tls_decrypt',{}).get('count')") >= $(jget "$TMP/node.c.json" "r['messages']") messages" \
		[ "$(jget "$r" "r['stages']['tls_decrypt']['count'] >= $(jget "$TMP/node.c.json" "r['messages']") > 0")" = True ]
else
	bad "node not found (Node.js 20 is part of this machine's set-up)"
fi
stop_feed

# 4. Our wsclient (libwebsockets + OpenSSL) over wss, before it starts.
for scheme in wss ws; do
	start_feed $scheme
	start_latprobe --client "$BUILD/wsclient" --port "$PORT" \
		--output "$TMP/wsc_$scheme.json"
	timeout -s TERM 20 "$BUILD/wsclient" --insecure --once --count $N \
		--duration 15 --url "$scheme://127.0.0.1:$PORT/ws/btcusdt@trade" \
		--json-summary "$TMP/wsc_$scheme.c.json" >/dev/null 2>"$TMP/wsc_$scheme.c.err" ||
		bad "wsclient $scheme: $(tail -2 "$TMP/wsc_$scheme.c.err")"
	sleep 0.3
	stop_latprobe
	stop_feed
	r=$TMP/wsc_$scheme.json
	msgs=$(jget "$TMP/wsc_$scheme.c.json" "r['messages']")
	check "wsclient $scheme: probe attached on the libssl it loads" \
		[ "$(jget "$r" "r['probes']['ssl_read']['used']")" = uprobe ]
	check "wsclient $scheme: per-message stages intact (read_to_frame $(jget "$r" "r['stages']['read_to_frame']['count']") = $msgs messages)" \
		[ "$(jget "$r" "r['stages']['read_to_frame']['count']")" = "$msgs" ]
	if [ $scheme = wss ]; then
		check "wsclient wss: tls_decrypt count = SSL reads with data ($(jget "$r" "r['tls']['reads']")) >= $msgs messages" \
			[ "$(jget "$r" "r['stages']['tls_decrypt']['count'] == r['tls']['reads'] >= $msgs")" = True ]
		check "wsclient wss: OpenSSL reads the socket itself (after_kernel_read > 0)" \
			[ "$(jget "$r" "r['tls']['after_kernel_read'] > 0")" = True ]
		# the reads inside SSL_read travel in its record: one record a
		# message, not three (bpf/tls_carry.bpf.h); the reads outside
		# SSL_read (the handshake's, here about 20) come one a record
		check "wsclient wss: reads carried by SSL_read records ($(jget "$r" "r['ring_buffer']['reads_in_tls_records']") in them, $(jget "$r" "r['ring_buffer']['records_by_type']['tcp_recvmsg']") on their own)" \
			[ "$(jget "$r" "r['ring_buffer']['reads_in_tls_records'] >= $msgs and r['ring_buffer']['records_by_type']['tcp_recvmsg'] <= $msgs / 10")" = True ]
	else
		check "wsclient ws: zero TLS probe hits, no tls_decrypt" \
			[ "$(jget "$r" "r['probes']['ssl_read']['hits'] == 0 and 'tls_decrypt' not in r['stages']")" = True ]
	fi
done

# 5. Bad input: a process that maps no libssl. Probe not attached, the run
#    and its report go on.
sleep 30 &
NOSSL=$!
cleanup_add kill "$NOSSL"
"$LATPROBE" --pid $NOSSL --duration 1 --quiet --output "$TMP/nossl.json" \
	2>"$TMP/nossl.err"
rc=$?
kill "$NOSSL"
check "no libssl: latprobe exits 0 (rc $rc)" [ $rc -eq 0 ]
check "no libssl: report says why ($(jget "$TMP/nossl.json" "r['probes']['ssl_read']['why']"))" \
	[ "$(jget "$TMP/nossl.json" "r['probes']['ssl_read']['used'] == 'none' and 'maps no libssl' in r['probes']['ssl_read']['why']")" = True ]

[ $FAILS -eq 0 ] || fail "$FAILS check(s) failed"
pass
