#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# make bench: what latprobe's TLS probes cost per SSL_read call.
#
# build/ssl_read_loop runs a tight SSL_write -> SSL_read loop between two SSL
# objects joined by an in-memory BIO pair (no socket: a network round trip,
# 50-75 us and noisy here, would drown a ~1 us difference). Modes, in
# rotating order every round:
#   untraced        the loop alone
#   latprobe_off    latprobe --comm ssl_read_loop --no-tls-probes (latprobe
#                   running, no TLS probe: its own presence)
#   latprobe        latprobe --comm ssl_read_loop: the TLS probes as placed
#                   automatically (entry + return on one emulated instruction)
#   bpftrace_entry  bpftrace uprobe + uretprobe on SSL_read itself, the naive
#                   placement (Debian's SSL_read starts with a single-stepped
#                   "sub"): for comparison
# Per-call cost = median ns per iteration of a mode - untraced (each
# iteration is one SSL_read, i.e. one probed call). The latprobe runs also
# check that every call was recorded (tls.reads = iterations).
# Writes results/bench_tls.json and results/bench_tls.md.
# Environment: ROUNDS [5] ITER [50000] MSG [128] RESULTS_DIR [results]
# Run alone, under the machine lock: flock /tmp/lp-machine.lock scripts/bench_tls.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
ROUNDS=${ROUNDS:-5}
ITER=${ITER:-50000}
MSG=${MSG:-128}
RESULTS_DIR=${RESULTS_DIR:-results}
LOOP=$ROOT/build/ssl_read_loop
LIBSSL=$(readlink -f /lib/x86_64-linux-gnu/libssl.so.3)

[ "$(id -u)" -eq 0 ] || { echo "bench_tls: needs root" >&2; exit 1; }
for b in "$LOOP" "$ROOT/latprobe"; do
	[ -x "$b" ] || { echo "bench_tls: $b not built (make)" >&2; exit 1; }
done
command -v bpftrace >/dev/null || { echo "bench_tls: bpftrace missing" >&2; exit 1; }

TMP=$(mktemp -d /tmp/bench_tls.XXXXXX)
TRACER=
cleanup() {
	[ -n "$TRACER" ] && kill -INT "$TRACER" 2>/dev/null && wait "$TRACER" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# wait_for FILE PATTERN PID: the tracer printed PATTERN (<= 20 s)
wait_for() {
	for _ in $(seq 1 200); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		kill -0 "$3" 2>/dev/null || break
		sleep 0.1
	done
	echo "bench_tls: tracer did not start: $(tail -3 "$1")" >&2
	exit 1
}

stop_tracer() {
	kill -INT "$TRACER"
	wait "$TRACER" || { echo "bench_tls: tracer failed: $(tail -3 "$1")" >&2; exit 1; }
	TRACER=
}

# run MODE ROUND: one loop run in that mode, its JSON line appended to MODE.jsonl
run() {
	local mode=$1 r=$2 out=$TMP/$1.$2
	case $mode in
	latprobe | latprobe_off)
		local flag=
		[ $mode = latprobe_off ] && flag=--no-tls-probes
		"$ROOT/latprobe" --comm ssl_read_loop $flag --output "$out.json" \
			2>"$out.err" &
		TRACER=$!
		wait_for "$out.err" tracing "$TRACER"
		;;
	bpftrace_entry)
		bpftrace -e "uprobe:$LIBSSL:SSL_read /comm == \"ssl_read_loop\"/ { @s[tid] = nsecs; }
			uretprobe:$LIBSSL:SSL_read /@s[tid]/ { @n = count(); delete(@s[tid]); }" \
			>"$out.err" 2>&1 &
		TRACER=$!
		wait_for "$out.err" Attaching "$TRACER"
		sleep 0.5
		;;
	esac
	"$LOOP" -n "$ITER" -m "$MSG" >>"$TMP/$mode.jsonl"
	if [ -n "$TRACER" ]; then
		stop_tracer "$out.err"
	fi
	if [ $mode = latprobe ]; then
		python3 - "$out.json" "$ITER" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
t = r["tls"]
if t["reads"] < n or r["lost_events"]:
    sys.exit(f"bench_tls: latprobe recorded {t['reads']} of {n} SSL reads, lost {r['lost_events']}")
EOF
		cp "$out.json" "$TMP/latprobe.report.json"
	fi
}

MODES=(untraced latprobe_off latprobe bpftrace_entry)
for ((r = 0; r < ROUNDS; r++)); do
	for ((i = 0; i < ${#MODES[@]}; i++)); do
		run "${MODES[$(((i + r) % ${#MODES[@]}))]}" $r
	done
	echo "bench_tls: round $((r + 1))/$ROUNDS done" >&2
done

mkdir -p "$RESULTS_DIR"
python3 - "$TMP" "$RESULTS_DIR" "$ROUNDS" "$ITER" "$MSG" <<'EOF'
import json, os, statistics, sys, time
tmp, res, rounds, iters, msg = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:6])
modes = ["untraced", "latprobe_off", "latprobe", "bpftrace_entry"]

def q(v, p):
    v = sorted(v)
    k = (len(v) - 1) * p
    lo = int(k)
    return v[lo] + (v[min(lo + 1, len(v) - 1)] - v[lo]) * (k - lo)

data = {}
for m in modes:
    ns = [json.loads(l)["ns_per_iteration"] for l in open(f"{tmp}/{m}.jsonl")]
    data[m] = {"ns_per_call": ns, "median": round(q(ns, 0.5), 1),
               "q1": round(q(ns, 0.25), 1), "q3": round(q(ns, 0.75), 1)}
base = data["untraced"]["median"]
for m in modes[1:]:
    data[m]["added_ns_per_call"] = round(data[m]["median"] - base, 1)
rep = json.load(open(f"{tmp}/latprobe.report.json"))
probe = rep["probes"]["ssl_read"]
out = {
    "script": "scripts/bench_tls.sh",
    "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    "kernel": os.uname().release,
    "rounds": rounds, "iterations_per_run": iters, "message_bytes": msg,
    "workload": "build/ssl_read_loop: SSL_write -> SSL_read over an in-memory BIO pair, one SSL_read per iteration",
    "modes": data,
    "latprobe_probe": {"attach_point": probe["attach_point"], "why": probe["why"]},
}
json.dump(out, open(f"{res}/bench_tls.json", "w"), indent=1)
desc = {
    "untraced": "the loop alone",
    "latprobe_off": "latprobe --comm ssl_read_loop --no-tls-probes",
    "latprobe": "latprobe --comm ssl_read_loop (TLS probes, automatic placement)",
    "bpftrace_entry": "bpftrace uprobe+uretprobe on SSL_read's first instruction",
}
with open(f"{res}/bench_tls.md", "w") as f:
    f.write(f"# TLS probes: cost per SSL_read call\n\n")
    f.write(f"`scripts/bench_tls.sh`, {out['date']}, kernel {out['kernel']}: {rounds} rounds x "
            f"{iters} iterations of {out['workload']} ({msg}-byte records), modes in rotating order.\n\n")
    f.write("| mode | ns per call, median (IQR) | added per call vs untraced |\n|---|---|---|\n")
    for m in modes:
        d = data[m]
        add = "" if m == "untraced" else f"{d['added_ns_per_call']:+.0f} ns"
        f.write(f"| {desc[m]} | {d['median']:.0f} ({d['q1']:.0f}-{d['q3']:.0f}) | {add} |\n")
    f.write(f"\nlatprobe's probe: `{probe['attach_point']}`: {probe['why']}.\n")
    f.write("Every latprobe run recorded all of its SSL reads (tls.reads = iterations, no lost events).\n")
print(open(f"{res}/bench_tls.md").read())
EOF
