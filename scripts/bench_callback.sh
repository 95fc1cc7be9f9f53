#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# make bench (--callback part): what latprobe --callback costs per call of
# the probed function, side by side with the USDT probe, in one run.
#
#   untraced   build/cb_loop: a tight loop calling cb_handler(msg, len, 0),
#              noinline, "endbr64; push %rbp" prologue (-fcf-protection)
#   naive      latprobe --client build/cb_loop --callback cb_handler
#              --callback-at-entry: uprobe + uretprobe on endbr64, which
#              the kernel single-steps out of line
#   emulated   the same without --callback-at-entry: both probes on the
#              push after endbr64, which the kernel emulates (the default)
#   usdt       build/usdt_loop untraced and with latprobe --client
#              build/usdt_loop (the USDT probe of our own client)
# All traced runs copy the payload (--payload-arg 1,2) and send one ring
# record per call, as in real use. cost = traced - untraced ns per call,
# median over alternating rounds.
#
# Writes $RESULTS_DIR/bench_callback.json and bench_callback.md.
# Environment: CB_ROUNDS [5] CB_CALLS [200000] CB_NAIVE_CALLS [50000]
#              RESULTS_DIR [results] BENCH_QUICK=1 (2 rounds, fewer calls)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	: "${CB_ROUNDS:=2}" "${CB_CALLS:=50000}" "${CB_NAIVE_CALLS:=10000}"
fi
ROUNDS=${CB_ROUNDS:-5}
CALLS=${CB_CALLS:-200000}
NAIVE_CALLS=${CB_NAIVE_CALLS:-50000}
RESULTS_DIR=${RESULTS_DIR:-results}
B=${LP_BUILD:-$ROOT/build}
START=$(date +%s)

log() { printf '[%4ss] bench-callback: %s\n' $(($(date +%s) - START)) "$*" >&2; }
die() { echo "bench-callback: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (try: sudo make bench)"
for b in latprobe "$B/cb_loop" "$B/usdt_loop"; do
	[ -x "$b" ] || die "$b not built (run: make)"
done

TMP=$(mktemp -d /tmp/lp-bench-cb.XXXXXX)
LP=""
cleanup() {
	[ -n "$LP" ] && kill -INT "$LP" 2>/dev/null && wait "$LP" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

start_latprobe() { # FLAGS...
	./latprobe --duration 0 "$@" 2>"$TMP/lp.err" &
	LP=$!
	for _ in $(seq 1 300); do
		grep -q '^latprobe: tracing' "$TMP/lp.err" && return 0
		kill -0 "$LP" 2>/dev/null || die "latprobe exited: $(cat "$TMP/lp.err")"
		sleep 0.05
	done
	die "latprobe did not attach: $(cat "$TMP/lp.err")"
}

stop_latprobe() {
	kill -INT "$LP"
	wait "$LP" || die "latprobe exited with $?: $(cat "$TMP/lp.err")"
	LP=""
}

# run VARIANT ROUND: one measurement, appended to $TMP/runs as JSON
run() {
	local v=$1 r=$2 out ns
	case $v in
	untraced) out=$("$B/cb_loop" -n "$CALLS") ;;
	naive)
		start_latprobe --client "$B/cb_loop" --callback cb_handler \
			--payload-arg 1,2 --callback-at-entry
		out=$("$B/cb_loop" -n "$NAIVE_CALLS")
		stop_latprobe ;;
	emulated)
		start_latprobe --client "$B/cb_loop" --callback cb_handler \
			--payload-arg 1,2
		out=$("$B/cb_loop" -n "$CALLS")
		stop_latprobe ;;
	usdt_untraced) out=$("$B/usdt_loop" -n "$CALLS") ;;
	usdt)
		start_latprobe --client "$B/usdt_loop"
		out=$("$B/usdt_loop" -n "$CALLS")
		stop_latprobe ;;
	esac
	ns=$(sed -nE 's/.*ns_per_(call|hit)=([0-9.]+).*/\2/p' <<<"$out")
	[ -n "$ns" ] || die "$v: no ns_per_call in: $out"
	printf '{"variant":"%s","round":%d,"ns_per_call":%s}\n' "$v" "$r" "$ns" >>"$TMP/runs"
	log "round $r $v: $ns ns per call"
}

VARIANTS=(untraced naive emulated usdt_untraced usdt)
log "$ROUNDS rounds of ${VARIANTS[*]}; $CALLS calls ($NAIVE_CALLS naive)"
for r in $(seq 1 "$ROUNDS"); do
	order=("${VARIANTS[@]}")
	# alternate the order so drift does not favour one variant
	[ $((r % 2)) = 0 ] && order=(usdt usdt_untraced emulated naive untraced)
	for v in "${order[@]}"; do run "$v" "$r"; done
done

mkdir -p "$RESULTS_DIR"
python3 - "$TMP/runs" "$RESULTS_DIR" "$ROUNDS" "$CALLS" "$NAIVE_CALLS" \
	"$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" <<'PY'
import json, os, platform, statistics, sys, time
runs_f, out, rounds, calls, naive_calls, commit = sys.argv[1:7]
runs = [json.loads(l) for l in open(runs_f)]
def q(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(p * len(v)))]
med = {}
for v in ("untraced", "naive", "emulated", "usdt_untraced", "usdt"):
    xs = [r["ns_per_call"] for r in runs if r["variant"] == v]
    med[v] = {"median": statistics.median(xs), "p25": q(xs, 0.25), "p75": q(xs, 0.75), "runs": xs}
cost = {
    "naive_entry_plus_return": med["naive"]["median"] - med["untraced"]["median"],
    "emulated_entry_plus_return": med["emulated"]["median"] - med["untraced"]["median"],
    "usdt": med["usdt"]["median"] - med["usdt_untraced"]["median"],
}
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
meta = {"script": "scripts/bench_callback.sh", "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "kernel": platform.release(), "cpu": cpu, "cpus": os.cpu_count(), "commit": commit,
        "rounds": int(rounds), "calls": int(calls), "naive_calls": int(naive_calls)}
json.dump({"meta": meta, "ns_per_call": med, "cost_ns_per_call": cost, "runs": runs},
          open(os.path.join(out, "bench_callback.json"), "w"), indent=1)
def us(x): return f"{x / 1000:.2f}"
def spread(v): return f"{us(med[v]['median'])} [{us(med[v]['p25'])}-{us(med[v]['p75'])}]"
md = f"""# --callback probe cost per call

Written by `scripts/bench_callback.sh` ({meta['date']}, kernel {meta['kernel']}, {cpu}, {meta['cpus']} CPUs,
commit {commit}); every run is in `bench_callback.json`. Median [p25-p75] over {rounds} alternating rounds,
microseconds per call of a noinline function (`endbr64; push %rbp` prologue, build/cb_loop) or per USDT hit
(build/usdt_loop). Traced runs copy the first payload bytes and send one ring record per call.

| variant | us per call | cost vs untraced (us) |
|---|---|---|
| untraced cb_loop | {spread('untraced')} | |
| `--callback` naive: uprobe + uretprobe on endbr64 (single-stepped) | {spread('naive')} | **{us(cost['naive_entry_plus_return'])}** |
| `--callback` default: uprobe + uretprobe on the emulated push after endbr64 | {spread('emulated')} | **{us(cost['emulated_entry_plus_return'])}** |
| untraced usdt_loop | {spread('usdt_untraced')} | |
| USDT probe (`latprobe --client build/usdt_loop`) | {spread('usdt')} | **{us(cost['usdt'])}** |
"""
open(os.path.join(out, "bench_callback.md"), "w").write(md)
print(md)
PY
log "done: $RESULTS_DIR/bench_callback.md"
