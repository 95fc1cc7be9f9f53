#!/usr/bin/env bash
# make profile-io: where a feed server spends its time at the socket boundary
# (issue 5). One fixed workload, PROFILE_CONNECTIONS sequential short-lived
# client connections (subscribe, receive PROFILE_MESSAGES messages, close),
# run three times against a freshly started server on loopback:
#   (a) no tracer: the server's /proc/<pid>/{stat,status,schedstat} sampled
#       once it listens and again after the workload, before it is stopped
#       (the delta excludes start-up and shutdown); the server's own
#       getrusage() at exit is kept as a cross-check;
#   (b) the server started under strace -f -c: the syscall mix (counts only);
#   (c) as (a) with latprobe --port <server port> attached: latprobe's own
#       CPU from /proc/<latprobe pid>/stat over the workload, the server's CPU
#       delta vs (a), and the in-kernel run time of latprobe's BPF programs
#       (kernel.bpf_stats_enabled, restored on exit).
# Peers: PROFILE_PEER=auto uses build/wsfeed (the Binance-compatible ws://
# emulator) with conn_load's minimal WebSocket client when wsfeed exists,
# else build/tcp_feed (plain TCP, epoll) with conn_load; ws or tcp forces one.
# Writes $RESULTS_DIR/profile_io.{txt,json}.
set -euo pipefail
. "$(dirname "$0")/socketlab-lib.sh"
sl_init profile_io
sl_require_linux python3 strace ss timeout

sl_log "parameters:"
sl_param PROFILE_CONNECTIONS 2000 "sequential client connections per pass"
sl_param PROFILE_MESSAGES 200 "messages the server sends per connection"
sl_param PROFILE_SIZE 200 "message bytes (tcp peer only; wsfeed sizes its own)"
sl_param PROFILE_PEER auto "auto | ws (build/wsfeed) | tcp (build/tcp_feed)"
sl_param PROFILE_PORT 18400 "server port of pass a (b: +1, c: +2)"
sl_param PROFILE_PASS_TIMEOUT 180 "seconds a pass's client may run"
sl_param PROFILE_PASSES "a b c" "which passes to run"
sl_param LATPROBE "$ROOT/latprobe" "latprobe binary, or none"
sl_param LATPROBE_WARMUP 3 "seconds to let latprobe attach before the workload"
sl_param LATPROBE_STOP_TIMEOUT 60 "seconds latprobe may take to write its report after SIGINT"
LATPROBE_BIN=$(sl_find_latprobe)
CONN_LOAD=$BUILD/conn_load
[ -x "$CONN_LOAD" ] || sl_die "$CONN_LOAD missing (make $CONN_LOAD)"

peer=$PROFILE_PEER
if [ "$peer" = auto ]; then
	peer=tcp
	if [ -x "$BUILD/wsfeed" ] &&
		"$BUILD/wsfeed" --help 2>&1 | grep -q -- '--count' ; then
		peer=ws
	fi
fi
case $peer in
ws)
	[ -x "$BUILD/wsfeed" ] || sl_die "PROFILE_PEER=ws but $BUILD/wsfeed is missing"
	PEER_USED="build/wsfeed (ws://, --rate 0 --count M) + build/conn_load --ws-path (minimal WebSocket client)"
	CLIENT_EXTRA=(--ws-path /ws/btcusdt@trade)
	;;
tcp)
	[ -x "$BUILD/tcp_feed" ] || sl_die "$BUILD/tcp_feed missing (make $BUILD/tcp_feed)"
	PEER_USED="build/tcp_feed --mode epoll (plain TCP) + build/conn_load"
	CLIENT_EXTRA=()
	;;
*) sl_die "PROFILE_PEER must be auto, ws or tcp" ;;
esac
sl_log "peers: $PEER_USED"
sl_log "latprobe: $LATPROBE_BIN"
printf '%s\t%s\n' PEER_USED "$PEER_USED" LATPROBE_USED "$LATPROBE_BIN" >>"$WORK/params.tsv"
# Other processes holding BPF programs (e.g. another latprobe) trace this
# workload too: then pass (a) is not tracer-free. Recorded, not stopped.
others=$(for f in /proc/[0-9]*/fdinfo/*; do
	grep -q '^prog_id:' "$f" 2>/dev/null && p=${f#/proc/} && p=${p%%/*} &&
		echo "$p:$(cat "/proc/$p/comm" 2>/dev/null)"
done 2>/dev/null | sort -u | tr '\n' ' ' || true)
printf '%s\t%s\n' OTHER_BPF_HOLDERS_AT_START "${others:-none}" >>"$WORK/params.tsv"
[ -z "$others" ] || sl_log "warning: other processes hold BPF programs (not tracer-free): $others"

server_cmd()
{
	local port=$1 bound=$((PROFILE_PASS_TIMEOUT + 120))
	if [ "$peer" = ws ]; then
		echo "$BUILD/wsfeed --port $port --rate 0 --count $PROFILE_MESSAGES --duration $bound --ping-interval 0"
	else
		echo "$BUILD/tcp_feed --port $port --mode epoll --messages $PROFILE_MESSAGES --size $PROFILE_SIZE --max-seconds $bound"
	fi
}

wait_listen()
{
	local port=$1 pid=$2 i
	for i in $(seq 1 200); do
		[ -n "$(ss -Hltn "sport = :$port")" ] && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

run_client()
{
	timeout "$PROFILE_PASS_TIMEOUT" "$CONN_LOAD" --port "$1" \
		--connections "$PROFILE_CONNECTIONS" \
		--expect-messages "$PROFILE_MESSAGES" --timeout-ms 10000 \
		"${CLIENT_EXTRA[@]}"
}

# Sum run_time_ns / run_cnt of the BPF programs a process holds open (their
# ids from /proc/PID/fdinfo; this bpftool does not list owner pids).
bpf_prog_totals()
{
	local ids
	ids=$(cat /proc/"$1"/fdinfo/* 2>/dev/null | awk '/^prog_id:/ {print $2}' | sort -un | tr '\n' ' ')
	bpftool prog show -j 2>/dev/null | python3 -c '
import json, sys
ids = {int(x) for x in sys.argv[1].split()}; t = n = c = 0
for p in json.load(sys.stdin):
    if p.get("id") in ids:
        t += p.get("run_time_ns", 0); c += p.get("run_cnt", 0); n += 1
print(json.dumps({"run_time_ns": t, "run_cnt": c, "programs": n}))' "$ids"
}

# pass NAME PORT: one run of the workload.
pass()
{
	local name=$1 port=$2 d=$WORK/$1 srv wrap lpid
	mkdir -p "$d"
	sl_log "pass ($name): starting server on port $port"
	[ -z "$(ss -Hltn "sport = :$port")" ] || sl_die "port $port already in use (set PROFILE_PORT)"
	# shellcheck disable=SC2046
	if [ "$name" = b ]; then
		strace -f -c -o "$d/strace.txt" $(server_cmd "$port") \
			>"$d/server.out" 2>"$d/server.err" &
		wrap=$!
		sl_track "$wrap"
		srv=$wrap # until the listener is known, below
	else
		$(server_cmd "$port") >"$d/server.out" 2>"$d/server.err" &
		srv=$!
		wrap=$srv
	fi
	sl_track "$srv"
	wait_listen "$port" "$srv" || sl_die "pass $name: server not listening: $(cat "$d/server.err")"
	# the process that listens is the one measured; under strace, strace's child
	lpid=$(ss -Hltnp "sport = :$port" | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -n 1)
	if [ "$name" = b ] && [ -n "$lpid" ] &&
		[ "$(awk '{print $4}' "/proc/$lpid/stat" 2>/dev/null)" = "$wrap" ]; then
		srv=$lpid
		sl_track "$srv"
	fi
	[ "$lpid" = "$srv" ] || sl_die "pass $name: port $port is held by pid $lpid, not our server $srv"

	LP_PID=
	if [ "$name" = c ]; then
		if [ "$LATPROBE_BIN" = none ]; then
			echo "skipped: no latprobe binary (build it, or set LATPROBE)" >"$d/status"
		else
			if sysctl -n kernel.bpf_stats_enabled >/dev/null 2>&1; then
				SL_SYSCTL_RESTORE+=("kernel.bpf_stats_enabled=$(sysctl -n kernel.bpf_stats_enabled)")
				sysctl -q -w kernel.bpf_stats_enabled=1 >/dev/null
			fi
			sl_start_latprobe "$d/latprobe.json" "$port" \
				$((PROFILE_PASS_TIMEOUT + 60)) "$d/latprobe.err"
			if [ -z "$LP_PID" ]; then
				echo "latprobe exited during warm-up: $(tail -n 1 "$d/latprobe.err")" >"$d/status"
				sl_log "pass c: $(cat "$d/status")"
			else
				sl_proc_sample "$LP_PID" >"$d/latprobe.before"
				bpf_prog_totals "$LP_PID" >"$d/bpf.before"
			fi
		fi
	fi

	[ "$name" = b ] || sl_proc_sample "$srv" >"$d/server.before"
	run_client "$port" >"$d/client.json" || sl_log "pass $name: client exit status $?"
	[ "$name" = b ] || sl_proc_sample "$srv" >"$d/server.after"
	if [ -n "$LP_PID" ]; then
		sl_proc_sample "$LP_PID" >"$d/latprobe.after"
		bpf_prog_totals "$LP_PID" >"$d/bpf.after"
		sl_stop_latprobe "$LP_PID" "$d/latprobe.err"
		python3 -c '
import json, sys
b, a = (json.load(open(f)) for f in sys.argv[1:3])
print(json.dumps({"run_time_ns": a["run_time_ns"] - b["run_time_ns"],
                  "run_cnt": a["run_cnt"] - b["run_cnt"],
                  "programs": a["programs"]}))' "$d/bpf.before" "$d/bpf.after" >"$d/bpf_stats.json"
	fi
	sl_stop "$srv" TERM
	[ "$wrap" != "$srv" ] && sl_stop "$wrap" TERM
	wait "$wrap" 2>/dev/null || true
	# tcp_feed's exit record is JSON; wsfeed's is a one-line summary
	if python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$d/server.out" 2>/dev/null; then
		cp "$d/server.out" "$d/server.json"
	fi
	sl_log "pass ($name) done: $(cat "$d/client.json")"
}

port=$PROFILE_PORT
for p in a b c; do
	case " $PROFILE_PASSES " in *" $p "*) pass "$p" "$port" ;; esac
	port=$((port + 1))
done
sl_report profile-io
