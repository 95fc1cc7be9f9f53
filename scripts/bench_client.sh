#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# make bench, client side: what latprobe --client costs the client, per path.
#  1. Per-message cost: build/usdt_loop in a tight loop, untraced vs traced
#     through the USDT probe (-m usdt) vs traced through the stamps ring
#     (-m stamps), rotating order each round; medians over rounds.
#  2. Unpaced throughput: wsfeed (rate 0) -> wsclient over veth, untraced vs
#     latprobe --client with the stamps ring vs with LP_STAMPS=0 (USDT) vs
#     latprobe without --client (kernel programs only: what is left once the
#     client side costs nothing), rotating; msg/s from the client's first to
#     last message and the client's CPU time per message; medians.
# Every untraced run has a process beside it that wakes every 10 ms:
# latprobe's own 10 ms poll keeps the vCPUs out of deep idle states, which
# otherwise makes a plain untraced baseline look slow.
# Writes $RESULTS_DIR/bench_client.{json,md}.
#
# Environment: ROUNDS [7] HITS [300000] MSG_ROUNDS [7] MSG_COUNT [200000]
#   RESULTS_DIR [results]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
ROUNDS=${ROUNDS:-7}
HITS=${HITS:-300000}
MSG_ROUNDS=${MSG_ROUNDS:-7}
MSG_COUNT=${MSG_COUNT:-200000}
RESULTS_DIR=${RESULTS_DIR:-results}
PY=/usr/bin/python3

[ "$(id -u)" -eq 0 ] || { echo "bench_client: needs root" >&2; exit 1; }
for b in latprobe build/usdt_loop build/wsfeed build/wsclient; do
	[ -x "$b" ] || { echo "bench_client: $b not built (run: make)" >&2; exit 1; }
done

TMP=$(mktemp -d /tmp/lp-bench-client.XXXXXX)
RAW=$TMP/raw.jsonl
: >"$RAW"
ID=$(( ($$ % 200) + 20 ))
NS_A=lpcA$$ NS_B=lpcB$$ VA=lpca$$ VB=lpcb$$
IP_A=10.78.$ID.1 IP_B=10.78.$ID.2
LP="" WAKER=""
cleanup() {
	[ -n "$LP" ] && kill -INT "$LP" 2>/dev/null && wait "$LP" 2>/dev/null
	[ -n "$WAKER" ] && kill "$WAKER" 2>/dev/null
	ip netns del $NS_A 2>/dev/null || true
	ip netns del $NS_B 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
log() { echo "bench_client: $*" >&2; }
die() { log "FAILED: $*"; exit 1; }

ip netns add $NS_A
ip netns add $NS_B
ip link add $VA netns $NS_A type veth peer name $VB netns $NS_B
ip -n $NS_A addr add $IP_A/24 dev $VA
ip -n $NS_B addr add $IP_B/24 dev $VB
for ns in $NS_A $NS_B; do ip -n $ns link set lo up; done
ip -n $NS_A link set $VA up
ip -n $NS_B link set $VB up

waker_start() { # wakes every 10 ms for at most 120 s, does nothing else
	$PY -c 'import time
for _ in range(12000): time.sleep(0.01)' &
	WAKER=$!
}
waker_stop() { kill "$WAKER" 2>/dev/null || true; wait "$WAKER" 2>/dev/null || true; WAKER=""; }

start_latprobe() { # latprobe flags...; waits for "tracing"
	./latprobe "$@" --duration 0 2>"$TMP/lp.err" &
	LP=$!
	for _ in $(seq 1 200); do
		grep -q tracing "$TMP/lp.err" && return 0
		kill -0 $LP 2>/dev/null || die "latprobe exited: $(cat "$TMP/lp.err")"
		sleep 0.05
	done
	die "latprobe did not attach: $(cat "$TMP/lp.err")"
}
stop_latprobe() {
	kill -INT $LP
	wait $LP || die "latprobe exited $?: $(tail -3 "$TMP/lp.err")"
	LP=""
}
rec() { echo "$1" >>"$RAW"; }

# ---- 1. per-message cost in a tight loop ----
probe_run() { # mode round
	local mode=$1 r=$2 out
	case $mode in
	untraced) waker_start; out=$(build/usdt_loop -n "$HITS" -m stamps); waker_stop ;;
	usdt)
		start_latprobe --client build/usdt_loop
		out=$(LP_STAMPS=0 build/usdt_loop -n "$HITS" -m usdt)
		stop_latprobe ;;
	stamps)
		# PATH mode: the loop waits until latprobe's rescan maps its ring
		start_latprobe --client build/usdt_loop --output "$TMP/pl.json"
		out=$(USDT_LOOP_WAIT_READER=1 build/usdt_loop -n "$HITS" -m stamps)
		stop_latprobe
		$PY -c "import json; p=json.load(open('$TMP/pl.json'))['probes']['client_message']
assert p['used']=='stamps' and p['hits']==0, p" || die "stamps round used the USDT probe" ;;
	esac
	rec "{\"kind\":\"probe\",\"mode\":\"$mode\",\"round\":$r,\"ns_per_hit\":$(echo "$out" | sed -E 's/.*ns_per_hit=([0-9.]+).*/\1/')}"
	log "  probe round $r $mode: $out"
}
log "1/2 per-message cost: $ROUNDS rounds of usdt_loop -n $HITS, untraced / USDT / stamps ring"
for r in $(seq 1 "$ROUNDS"); do
	case $((r % 3)) in
	1) order="untraced usdt stamps" ;; 2) order="usdt stamps untraced" ;; *) order="stamps untraced usdt" ;;
	esac
	for m in $order; do probe_run $m $r; done
done

# ---- 2. unpaced client throughput ----
PORT=30000
msg_run() { # mode round
	local mode=$1 r=$2 cl feed env=()
	PORT=$((PORT + 1))
	[ "$mode" = usdt ] && env=(LP_STAMPS=0)
	# the client first, retrying until the feed listens: PID mode finds its ring
	env "${env[@]}" ip netns exec $NS_A build/wsclient --count "$MSG_COUNT" --duration 100 \
		--ping-interval 0 --backoff-ms 20 --backoff-max-ms 50 \
		--publish "ipc://$TMP/pub-$mode-$r" --json-summary "$TMP/cl-$mode-$r.json" \
		--url "ws://$IP_B:$PORT/stream?streams=btcusdt@trade&timeUnit=MICROSECOND" \
		>"$TMP/client.log" 2>&1 &
	cl=$!
	sleep 0.2
	case $mode in
	untraced) waker_start ;;
	kernel) start_latprobe --output "$TMP/lp-$mode-$r.json" ;;
	*) start_latprobe --client $cl --output "$TMP/lp-$mode-$r.json" ;;
	esac
	ip netns exec $NS_B build/wsfeed --bind $IP_B --port $PORT --rate 0 --count "$MSG_COUNT" \
		--max-conns 1 --ping-interval 0 --duration 100 >"$TMP/feed.log" 2>&1 &
	feed=$!
	wait $cl || die "wsclient failed: $(tail -3 "$TMP/client.log")"
	if [ "$mode" = untraced ]; then waker_stop; else stop_latprobe; fi
	wait $feed || true
	rec "{\"kind\":\"msg\",\"mode\":\"$mode\",\"round\":$r,\"client\":\"$TMP/cl-$mode-$r.json\",\"lp\":$([ "$mode" = untraced ] && echo null || echo "\"$TMP/lp-$mode-$r.json\"")}"
	$PY - "$TMP/cl-$mode-$r.json" "$mode" "$r" <<'PY' >&2
import json, sys
d = json.load(open(sys.argv[1]))
print(f"bench_client:   msg round {sys.argv[3]} {sys.argv[2]:8}: {(d['messages'] - 1) / d['message_seconds']:9.0f} msg/s"
      f"  client CPU {d['cpu_seconds'] * 1e9 / d['messages']:7.0f} ns/msg")
PY
}
log "2/2 unpaced throughput: $MSG_ROUNDS rounds of $MSG_COUNT messages, untraced / USDT / stamps ring / kernel only"
for r in $(seq 1 "$MSG_ROUNDS"); do
	case $((r % 4)) in
	1) order="untraced usdt stamps kernel" ;; 2) order="usdt stamps kernel untraced" ;;
	3) order="stamps kernel untraced usdt" ;; *) order="kernel untraced usdt stamps" ;;
	esac
	for m in $order; do msg_run $m $r; done
done

mkdir -p "$RESULTS_DIR"
$PY - "$RAW" "$RESULTS_DIR" "$ROUNDS" "$HITS" "$MSG_ROUNDS" "$MSG_COUNT" <<'PY'
import json, os, platform, statistics as S, subprocess, sys, time
raw, out = sys.argv[1], sys.argv[2]
rounds, hits, mrounds, mcount = map(int, sys.argv[3:7])
rows = [json.loads(l) for l in open(raw)]
for r in rows:  # msg rows name the client's summary and latprobe's report
    if r["kind"] == "msg":
        r["client"] = json.load(open(r["client"]))
        r["lp"] = r["lp"] and json.load(open(r["lp"]))
med = lambda xs: S.median(xs) if xs else None
probe = {m: [r["ns_per_hit"] for r in rows if r["kind"] == "probe" and r["mode"] == m]
         for m in ("untraced", "usdt", "stamps")}
pm = {m: med(v) for m, v in probe.items()}
cost = {m: round(pm[m] - pm["untraced"], 1) for m in ("usdt", "stamps")}
rate, cpu = {}, {}
lp = {}
for m in ("untraced", "usdt", "stamps", "kernel"):
    rs = [r for r in rows if r["kind"] == "msg" and r["mode"] == m]
    rate[m] = [(r["client"]["messages"] - 1) / r["client"]["message_seconds"] for r in rs]
    cpu[m] = [r["client"]["cpu_seconds"] * 1e9 / r["client"]["messages"] for r in rs]
    if m in ("usdt", "stamps"):
        lp[m] = [{"seen": r["lp"]["messages"]["seen"], "client": r["client"]["messages"],
                  "used": r["lp"]["probes"]["client_message"]["used"],
                  "usdt_hits": r["lp"]["probes"]["client_message"]["hits"],
                  "stamps": r["lp"]["probes"]["client_message"].get("stamps")} for r in rs]
rm = {m: med(v) for m, v in rate.items()}
cm = {m: med(v) for m, v in cpu.items()}
ratio = {m: round(rm[m] / rm["untraced"], 3) for m in ("usdt", "stamps", "kernel")}
cpu_delta = {m: round(cm[m] - cm["untraced"]) for m in ("usdt", "stamps", "kernel")}
commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
doc = {
    "script": "scripts/bench_client.sh", "commit": commit,
    "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    "kernel": platform.release(), "cpus": os.cpu_count(),
    "params": {"rounds": rounds, "hits": hits, "msg_rounds": mrounds, "msg_count": mcount},
    "baseline": "every untraced run beside a process that wakes every 10 ms",
    "probe_ns_per_hit": {"median": pm, "rounds": probe},
    "probe_cost_ns": cost,
    "unpaced_msgs_per_second": {"median": {m: round(v) for m, v in rm.items()},
                                "rounds": {m: [round(x) for x in v] for m, v in rate.items()}},
    "throughput_ratio": ratio,
    "client_cpu_ns_per_msg": {"median": {m: round(v) for m, v in cm.items()},
                              "over_untraced": cpu_delta,
                              "rounds": {m: [round(x) for x in v] for m, v in cpu.items()}},
    "latprobe_runs": lp,
    "targets": {"probe_cost_ns_max": 250, "throughput_ratio_min": 0.95},
}
json.dump(doc, open(os.path.join(out, "bench_client.json"), "w"), indent=2)
ok = lambda c: "met" if c else "MISSED"
md = f"""# Client-side cost of latprobe --client (scripts/bench_client.sh)

Commit {commit}, {doc['date']}, kernel {doc['kernel']}, {doc['cpus']} vCPUs. Raw rounds in
`bench_client.json`. Every untraced run had a process beside it waking every 10 ms:
latprobe's own 10 ms poll keeps the vCPUs out of deep idle states, which otherwise makes
a plain untraced baseline look slow (and the traced/untraced ratios look better than they are).

## Per-message cost (build/usdt_loop, {hits} messages per run, median of {rounds} rounds)

| path | ns per message (loop) | cost over untraced | target <= 250 ns |
|---|---|---|---|
| untraced (ring present, no reader: a flag check and a nop) | {pm['untraced']:.1f} | - | |
| USDT probe (int3 + BPF client_msg + ring-buffer record) | {pm['usdt']:.1f} | {cost['usdt']:.1f} | {ok(cost['usdt'] <= 250)} |
| stamps ring (one 64-byte record in shared memory) | {pm['stamps']:.1f} | {cost['stamps']:.1f} | {ok(cost['stamps'] <= 250)} |

## Unpaced client throughput (wsfeed --rate 0 -> wsclient over veth, {mcount} messages, median of {mrounds} rounds)

msg/s from the client's first to its last message (`message_seconds` in its summary);
client CPU = its user + system time (`cpu_seconds`) per message, which is where a probe
that traps shows up, whatever the other processes on the two vCPUs do.

| run | msg/s | ratio to untraced | target >= 0.95 | client CPU ns/msg | over untraced |
|---|---|---|---|---|---|
| untraced | {rm['untraced']:.0f} | 1 | | {cm['untraced']:.0f} | - |
| latprobe --client, USDT (LP_STAMPS=0) | {rm['usdt']:.0f} | {ratio['usdt']} | {ok(ratio['usdt'] >= 0.95)} | {cm['usdt']:.0f} | {cpu_delta['usdt']} |
| latprobe --client, stamps ring | {rm['stamps']:.0f} | {ratio['stamps']} | {ok(ratio['stamps'] >= 0.95)} | {cm['stamps']:.0f} | {cpu_delta['stamps']} |
| latprobe without --client (kernel programs only) | {rm['kernel']:.0f} | {ratio['kernel']} | (reference) | {cm['kernel']:.0f} | {cpu_delta['kernel']} |

The kernel-only row is latprobe's cost with no client-side path at all: the stamps ring
can at best bring the `--client` ratio to it. What is left between it and 1 is the kernel
programs on every segment, wake-up and read (in the client's system time) and latprobe's
consumer competing for the two vCPUs with the feed and the client.

Every traced run: messages seen by latprobe vs handled by the client, and the path used:
"""
for m, runs in lp.items():
    for x in runs:
        st = x["stamps"] or {}
        md += (f"\n- {m}: seen {x['seen']} of {x['client']}, used {x['used']}, USDT hits "
               f"{x['usdt_hits']}, ring records {st.get('records')}, overrun {st.get('overrun')}, torn {st.get('torn')}")
md += "\n"
open(os.path.join(out, "bench_client.md"), "w").write(md)
print(md)
PY
