#!/usr/bin/env bash
# make socket-load: N concurrent short-lived clients against a
# thread-per-connection and an epoll feed server (issue 5). For each server
# mode, one build/tcp_feed is started on loopback and build/conn_load
# --parallel runs every client count in LOAD_COUNTS LOAD_TRIALS times: N
# threads wait on a barrier, then each connects, subscribes, reads
# LOAD_MESSAGES messages until the server closes, and closes. Reports best and
# median wall time, connections/s and errors per cell, and checks the server's
# accepted/completed counts against the clients'. Writes
# $RESULTS_DIR/socket_load.{txt,json}.
set -euo pipefail
. "$(dirname "$0")/socketlab-lib.sh"
sl_init socket_load
sl_require_linux python3 ss timeout

sl_log "parameters:"
sl_param LOAD_COUNTS "50 200 500 1000" "concurrent client counts (each <= 5000)"
sl_param LOAD_TRIALS 5 "trials per count"
sl_param LOAD_MESSAGES 1 "messages per connection"
sl_param LOAD_SIZE 200 "message bytes"
sl_param LOAD_PORT 18600 "thread server port (epoll: +1)"
sl_param LOAD_TIMEOUT_MS 5000 "per-client connect/read timeout"
sl_param LOAD_MODES "thread epoll" "server modes"
for t in tcp_feed conn_load; do
	[ -x "$BUILD/$t" ] || sl_die "$BUILD/$t missing (make $BUILD/$t)"
done
ntrial=0
for n in $LOAD_COUNTS; do
	[ "$n" -ge 1 ] && [ "$n" -le 5000 ] || sl_die "LOAD_COUNTS entries must be 1..5000"
	ntrial=$((ntrial + LOAD_TRIALS))
done

: >"$WORK/runs.tsv"
port=$LOAD_PORT
for mode in $LOAD_MODES; do
	"$BUILD/tcp_feed" --port "$port" --mode "$mode" --messages "$LOAD_MESSAGES" \
		--size "$LOAD_SIZE" --max-seconds 600 \
		>"$WORK/$mode.server.json" 2>"$WORK/$mode.server.err" &
	srv=$!
	sl_track "$srv"
	sl_wait_line "$WORK/$mode.server.err" ready 5 "$srv" || sl_die "$mode server did not start"
	for n in $LOAD_COUNTS; do
		for trial in $(seq 1 "$LOAD_TRIALS"); do
			out=$WORK/$mode.$n.$trial.json
			timeout 120 "$BUILD/conn_load" --port "$port" --connections "$n" \
				--parallel --expect-messages "$LOAD_MESSAGES" \
				--timeout-ms "$LOAD_TIMEOUT_MS" >"$out" ||
				sl_log "$mode n=$n trial $trial: client exit status $?"
			printf '%s\t%s\t%s\t%s\n' "$mode" "$n" "$trial" "$out" >>"$WORK/runs.tsv"
		done
		sl_log "$mode n=$n: wall_us of $LOAD_TRIALS trials: $(python3 -c '
import json, sys
print(" ".join(str(json.load(open(f)).get("wall_us")) for f in sys.argv[1:]))' "$WORK/$mode.$n".*.json)"
	done
	# let the last connections finish before counting them
	sleep 0.5
	sl_stop "$srv" TERM
	wait "$srv" 2>/dev/null || true
	port=$((port + 1))
done
sl_report socket-load
