#!/usr/bin/env bash
# make socket-stress: UDP burst loss vs the subscriber's SO_RCVBUF (issue 5).
#
# A publisher (build/udp_burst pub) sends STRESS_COUNT sequenced datagrams
# back-to-back over loopback to a subscriber (udp_burst sub) that drains and
# counts, for a small, the default and a large requested SO_RCVBUF, over
# STRESS_TRIALS trials each. Loss = published - received is the authoritative
# figure; interior sequence gaps are reported separately. Each trial's loss is
# compared with the kernel's own counts: the subscriber socket's drop counter
# (SO_MEMINFO), the namespace's Udp RcvbufErrors, and latprobe's kernel_drops
# for the subscriber's port when latprobe is built. By default publisher and
# subscriber run on the loopback of a network namespace created for this run
# (so the namespace's UDP counters see only this traffic); STRESS_NETNS=0 uses
# the host's loopback. Writes $RESULTS_DIR/socket_stress.{txt,json}; exits 1
# if an available kernel count disagrees with published - received.
set -euo pipefail
. "$(dirname "$0")/socketlab-lib.sh"
sl_init socket_stress
sl_require_linux python3 ip

sl_log "parameters:"
sl_param STRESS_COUNT 50000 "datagrams per burst"
sl_param STRESS_SIZE 64 "datagram bytes (>= 8; first 8 = sequence number)"
sl_param STRESS_TRIALS 5 "trials per buffer size"
sl_param STRESS_SMALL_BUF 4096 "small SO_RCVBUF request (bytes)"
sl_param STRESS_LARGE_BUF 4194304 "large SO_RCVBUF request (bytes; capped by net.core.rmem_max)"
sl_param STRESS_PORT 19400 "first subscriber UDP port (one per trial)"
sl_param STRESS_IDLE_MS 300 "subscriber stops after this long without data"
sl_param STRESS_NETNS 1 "1 = run in a fresh netns loopback, 0 = host loopback"
sl_param STRESS_CPU "" "pin publisher and subscriber to this CPU (empty = no pinning)"
sl_param LATPROBE "$ROOT/latprobe" "latprobe binary, or none"
sl_param LATPROBE_WARMUP 3 "seconds to let latprobe attach before a trial"
sl_param LATPROBE_STOP_TIMEOUT 60 "seconds latprobe may take to write its report after SIGINT"
LATPROBE_BIN=$(sl_find_latprobe)
UDP_BURST=$BUILD/udp_burst
[ -x "$UDP_BURST" ] || sl_die "$UDP_BURST missing (make $UDP_BURST)"
printf '%s\t%s\n' LATPROBE_USED "$LATPROBE_BIN" >>"$WORK/params.tsv"

NSX=()
if [ "$STRESS_NETNS" = 1 ]; then
	SL_NETNS=lpsl-stress-$$
	ip netns add "$SL_NETNS" || sl_die "ip netns add failed (set STRESS_NETNS=0)"
	ip -n "$SL_NETNS" link set lo up
	NSX=(ip netns exec "$SL_NETNS")
	sl_log "netns $SL_NETNS created (loopback only; deleted on exit)"
fi
CPUARG=()
[ -n "$STRESS_CPU" ] && CPUARG=(--cpu "$STRESS_CPU")
[ "$LATPROBE_BIN" = none ] && sl_log "latprobe not built: kernel_drops column will read n/a"

snmp_udp()
{
	"${NSX[@]}" cat /proc/net/snmp | grep '^Udp:'
}

idx=0
: >"$WORK/trials.tsv"
for label in small default large; do
	case $label in
	small) req=$STRESS_SMALL_BUF ;;
	default) req=0 ;;
	large) req=$STRESS_LARGE_BUF ;;
	esac
	for trial in $(seq 1 "$STRESS_TRIALS"); do
		idx=$((idx + 1))
		port=$((STRESS_PORT + idx - 1))
		d=$WORK/t$idx
		mkdir -p "$d"
		printf '%s\t%s\t%s\t%s\t%s\n' "$idx" "$label" "$trial" "$req" "$port" >>"$WORK/trials.tsv"

		LP_PID=
		if [ "$LATPROBE_BIN" != none ]; then
			sl_start_latprobe "$d/latprobe.json" "$port" \
				$((LATPROBE_WARMUP + 60)) "$d/latprobe.err"
			[ -n "$LP_PID" ] || sl_log "latprobe exited during warm-up: $(head -c 200 "$d/latprobe.err")"
		fi
		snmp_udp >"$d/snmp.before"
		cp /proc/net/softnet_stat "$d/softnet.before"

		"${NSX[@]}" "$UDP_BURST" sub --port "$port" --rcvbuf "$req" \
			--idle-ms "$STRESS_IDLE_MS" --timeout-ms 30000 \
			--expect "$STRESS_COUNT" "${CPUARG[@]}" \
			>"$d/sub.json" 2>"$d/sub.err" &
		sub=$!
		sl_track "$sub"
		sl_wait_line "$d/sub.err" 'ready' 5 "$sub" || sl_die "subscriber did not start: $(cat "$d/sub.err")"
		timeout 60 "${NSX[@]}" "$UDP_BURST" pub --port "$port" \
			--count "$STRESS_COUNT" --size "$STRESS_SIZE" "${CPUARG[@]}" \
			>"$d/pub.json" || sl_die "publisher failed"
		wait "$sub" || sl_die "subscriber failed: $(cat "$d/sub.err")"

		snmp_udp >"$d/snmp.after"
		cp /proc/net/softnet_stat "$d/softnet.after"
		[ -n "$LP_PID" ] && sl_stop_latprobe "$LP_PID" "$d/latprobe.err"
		sl_log "$label rcvbuf trial $trial/$STRESS_TRIALS: $(python3 -c '
import json, sys
p = json.load(open(sys.argv[1])); s = json.load(open(sys.argv[2]))
print("granted=%d published=%d received=%d loss=%d sk_drops=%d" % (
    s["granted_rcvbuf"], p["published"], s["received"],
    p["published"] - s["received"], s["sk_drops"]))' "$d/pub.json" "$d/sub.json")"
	done
done

sl_report socket-stress
