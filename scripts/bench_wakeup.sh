#!/usr/bin/env bash
# The consumer's wake-up policy and the client's tail (issue 14): what
# latprobe's consumer does to the latency of the client it traces, under
# each policy, against an untraced run beside a process that wakes every
# 10 ms (build/waker, the fair baseline) and a plain untraced run.
#
# Feed: wsfeed in a netns -> wsclient over veth (plain ws), paced at
# WU_SLOW msg/s (WU_SLOW_COUNT messages) and WU_FAST msg/s (WU_FAST_COUNT);
# the client's exchange_to_published p50/p99/p999 from its --json-summary.
# Policies (latprobe --client build/wsclient):
#   timer10     the consumer's 10 ms timer (epoll on the ring fd + timeout)
#   timer100    --poll-interval 100: relies on the BPF side's forced wake-ups
#   idle10      10 ms timer, consumer under SCHED_IDLE (chrt -i 0)
#   nice10      10 ms timer, consumer at nice 19
# Variants rotate every round. Writes $RESULTS_DIR/bench_wakeup.json and .md.
# Environment: WU_ROUNDS [3] WU_SLOW [100] WU_SLOW_COUNT [1000] WU_FAST [20000]
#   WU_FAST_COUNT [60000] WU_VARIANTS ["waker plain timer10 timer100 idle10 nice10"]
#   RESULTS_DIR [results]; BENCH_QUICK=1: 1 round, fewer messages.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
START=$(date +%s)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	: "${WU_ROUNDS:=1}" "${WU_SLOW_COUNT:=300}" "${WU_FAST_COUNT:=20000}"
fi
WU_ROUNDS=${WU_ROUNDS:-3}
WU_SLOW=${WU_SLOW:-100}
WU_SLOW_COUNT=${WU_SLOW_COUNT:-1000}
WU_FAST=${WU_FAST:-20000}
WU_FAST_COUNT=${WU_FAST_COUNT:-60000}
WU_VARIANTS=${WU_VARIANTS:-waker plain timer10 timer100 idle10 nice10}
RESULTS_DIR=${RESULTS_DIR:-results}

[ "$(id -u)" -eq 0 ] || { echo "bench_wakeup: needs root" >&2; exit 1; }
for b in latprobe build/wsfeed build/wsclient build/waker; do
	[ -e "$b" ] || { echo "bench_wakeup: $b not built (run: make)" >&2; exit 1; }
done
for t in chrt nice ip ss python3; do
	command -v $t >/dev/null || { echo "bench_wakeup: $t missing" >&2; exit 1; }
done

TMP=$(mktemp -d /tmp/lp-wakeup.XXXXXX)
RAW=$TMP/raw.jsonl
: >"$RAW"
ID=$(( ($$ % 200) + 20 ))
for _ in $(seq 1 200); do
	[ -z "$(ip -o addr show to 10.75.$ID.0/24)" ] && break
	ID=$(( (ID + 1) % 200 + 20 ))
done
NS_F=lpwF$$ VH=lpwf$$ HOST_IP=10.75.$ID.1 FEED_IP=10.75.$ID.2
LP="" WK="" FEED=""
cleanup() {
	local rc=$? p
	for p in $LP $WK $FEED; do kill "$p" 2>/dev/null || true; done
	sleep 0.2
	for p in $LP $WK $FEED; do kill -9 "$p" 2>/dev/null || true; done
	ip link del $VH 2>/dev/null || true
	ip netns del $NS_F 2>/dev/null || true
	rm -rf "$TMP"
	[ $rc -eq 0 ] || echo "bench_wakeup: FAILED (exit $rc); cleaned up" >&2
}
trap cleanup EXIT
trap 'exit 130' INT TERM
log() { printf '[%4ss] bench_wakeup: %s\n' $(( $(date +%s) - START )) "$*" >&2; }
die() { echo "bench_wakeup: FAILED: $*" >&2; exit 1; }

ip netns add $NS_F
ip link add $VH type veth peer name eth0 netns $NS_F
ip addr add $HOST_IP/24 dev $VH
ip -n $NS_F addr add $FEED_IP/24 dev eth0
ip -n $NS_F link set lo up
ip -n $NS_F link set eth0 up
ip link set $VH up

PORT=9500
one_run() { # VARIANT RATE COUNT ROUND
	local v=$1 rate=$2 count=$3 r=$4 tag=$1-$2-$4 lpcmd=()
	PORT=$((PORT + 1))
	ip netns exec $NS_F build/wsfeed --bind $FEED_IP --port $PORT --rate "$rate" \
		--count "$count" --max-conns 1 --ping-interval 0 --duration 120 >"$TMP/feed.log" 2>&1 &
	FEED=$!
	for _ in $(seq 1 100); do
		[ -n "$(ip netns exec $NS_F ss -Hltn "sport = :$PORT")" ] && break
		kill -0 $FEED 2>/dev/null || die "wsfeed exited: $(cat "$TMP/feed.log")"
		sleep 0.05
	done
	case $v in
	waker) build/waker -i 10 -t 300 & WK=$! ;;
	plain) ;;
	timer10) lpcmd=(./latprobe) ;;
	timer100) lpcmd=(./latprobe --poll-interval 100) ;;
	idle10) lpcmd=(chrt -i 0 ./latprobe) ;;
	nice10) lpcmd=(nice -n 19 ./latprobe) ;;
	*) die "unknown variant $v" ;;
	esac
	if [ ${#lpcmd[@]} -gt 0 ]; then
		"${lpcmd[@]}" --client build/wsclient --duration 0 --output "$TMP/lp-$tag.json" \
			2>"$TMP/lp.err" &
		LP=$!
		for _ in $(seq 1 300); do
			grep -q tracing "$TMP/lp.err" 2>/dev/null && break
			kill -0 $LP 2>/dev/null || die "latprobe exited: $(cat "$TMP/lp.err")"
			sleep 0.05
		done
	fi
	build/wsclient --once --count "$count" --ping-interval 0 --duration 100 \
		--json-summary "$TMP/cl-$tag.json" \
		--url "ws://$FEED_IP:$PORT/stream?streams=btcusdt@trade&timeUnit=MICROSECOND" \
		>"$TMP/client.log" 2>&1 || die "wsclient failed: $(tail -3 "$TMP/client.log")"
	if [ -n "$LP" ]; then
		kill -INT $LP
		wait $LP || die "latprobe exited with $?: $(tail -3 "$TMP/lp.err")"
		LP=""
	fi
	if [ -n "$WK" ]; then kill $WK; wait $WK || true; WK=""; fi
	wait $FEED || true
	FEED=""
	python3 - "$TMP/cl-$tag.json" "$TMP/lp-$tag.json" "$v" "$rate" "$r" >>"$RAW" <<'PY'
import json, os, sys
cl = json.load(open(sys.argv[1])); e = cl["stages"]["exchange_to_published"]
f = cl["stages"]["frame_to_parsed"]
row = {"variant": sys.argv[3], "rate": int(sys.argv[4]), "round": int(sys.argv[5]),
       "messages": cl["messages"], "e2p_p50": e["p50_us"], "e2p_p99": e["p99_us"],
       "e2p_p999": e.get("p999_us"), "e2p_max": e["max_us"], "f2p_p99": f["p99_us"]}
if os.path.exists(sys.argv[2]):
    lp = json.load(open(sys.argv[2])); ov = lp.get("overhead", {})
    row.update(lost=lp["lost_events"], forced_wakeups=lp["ring_buffer"]["forced_wakeups"],
               lp_cpu_pct=ov.get("consumer_cpu_percent"))
print(json.dumps(row))
PY
	tail -1 "$RAW" | python3 -c "import json,sys; d=json.load(sys.stdin); print(f\"         {d['variant']:9} {d['rate']:6} msg/s round {d['round']}: e2p p50 {d['e2p_p50']:.1f} p99 {d['e2p_p99']:.1f} p999 {d['e2p_p999']:.1f} max {d['e2p_max']:.1f} us\")" >&2
}

read -r -a VARS <<<"$WU_VARIANTS"
log "variants: ${VARS[*]}; $WU_ROUNDS rounds at $WU_SLOW msg/s ($WU_SLOW_COUNT) and $WU_FAST msg/s ($WU_FAST_COUNT)"
for r in $(seq 1 "$WU_ROUNDS"); do
	for j in $(seq 0 $(( ${#VARS[@]} - 1 ))); do
		v=${VARS[$(( (j + r) % ${#VARS[@]} ))]}
		one_run "$v" "$WU_SLOW" "$WU_SLOW_COUNT" "$r"
		one_run "$v" "$WU_FAST" "$WU_FAST_COUNT" "$r"
	done
done

mkdir -p "$RESULTS_DIR"
python3 - "$RAW" "$RESULTS_DIR" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(git rev-parse --short HEAD)" \
	"$(( $(date +%s) - START ))" "${BENCH_QUICK:-0}" "$LOAD_BEFORE" <<'PY'
import json, os, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
out = {"schema": "latprobe-bench-wakeup/1", "date": sys.argv[3], "commit": sys.argv[4],
       "elapsed_s": int(sys.argv[5]), "quick": sys.argv[6] == "1", "loadavg_before": sys.argv[7],
       "runs": rows, "summary": {}}
med = lambda v: round(statistics.median(v), 2) if v else None
for rate in sorted({r["rate"] for r in rows}):
    base = {r["round"]: r for r in rows if r["rate"] == rate and r["variant"] == "waker"}
    s = out["summary"].setdefault(str(rate), {})
    for v in dict.fromkeys(r["variant"] for r in rows):
        rs = [r for r in rows if r["rate"] == rate and r["variant"] == v]
        d = {k: med([r[k] for r in rs if r.get(k) is not None])
             for k in ("e2p_p50", "e2p_p99", "e2p_p999", "e2p_max", "f2p_p99", "lp_cpu_pct")}
        infl = [100 * (r["e2p_p99"] / base[r["round"]]["e2p_p99"] - 1) for r in rs
                if r["round"] in base and base[r["round"]]["e2p_p99"]]
        d["p99_inflation_pct_vs_waker"] = med(infl)
        d["lost"] = [r.get("lost") for r in rs if "lost" in r]
        d["rounds"] = len(rs)
        s[v] = d
with open(os.path.join(sys.argv[2], "bench_wakeup.json"), "w") as f:
    json.dump(out, f, indent=1)
L = [f"# Consumer wake-up policy vs the client's tail ({out['date']}, commit {out['commit']})", "",
     "Produced by `scripts/bench_wakeup.sh`" + (" with BENCH_QUICK=1" if out["quick"] else "") +
     f" in {out['elapsed_s']} s (load average before: {out['loadavg_before']}). wsfeed (netns) -> wsclient over veth, paced; the client's "
     "exchange_to_published in us, median over rounds (variants rotate each round). `waker`: "
     "untraced beside a process waking every 10 ms (the fair baseline); `plain`: untraced alone; "
     "the others: latprobe --client with that consumer policy. Inflation: per-round p99 over the "
     "same round's waker run.", ""]
for rate, s in out["summary"].items():
    L += [f"## {rate} msg/s", "", "| variant | p50 | p99 | p999 | max | p99 inflation vs waker % | latprobe CPU % | lost |",
          "|---|---:|---:|---:|---:|---:|---:|---|"]
    for v, d in s.items():
        L.append(f"| {v} | {d['e2p_p50']} | {d['e2p_p99']} | {d['e2p_p999']} | {d['e2p_max']} | "
                 f"{d['p99_inflation_pct_vs_waker']} | {d['lp_cpu_pct']} | {d['lost']} |")
    L.append("")
open(os.path.join(sys.argv[2], "bench_wakeup.md"), "w").write("\n".join(L))
print("\n".join(L))
PY
