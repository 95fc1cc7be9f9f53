#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# make bench: latprobe's own cost per message in the configuration users
# run (issue 23), this tree beside a base tree (another commit's build).
#
# Configurations, each run ROUNDS times per tree, trees alternating:
#   demo  wss at 500 msg/s, latprobe --client build/wsclient, TLS probes on
#         (what make demo runs)
#   ws20k plain ws at 20000 msg/s, latprobe --client build/wsclient
# The feed (build/wsfeed) runs in a network namespace behind a veth pair,
# the client in the root namespace. Figures per message, from each run's
# report (overhead section): BPF run time kernel + client, ring records,
# and (this tree only: the base has no calibration) the whole cost, BPF +
# calibrated traps. Median over rounds.
#   BASE_ROOT=DIR   the base tree, built (latprobe, build/wsfeed, build/wsclient)
#   ROUNDS [3] SECS [8]
# Writes results/bench_probecost.json and results/bench_probecost.md.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BASE_ROOT=${BASE_ROOT:-}
ROUNDS=${ROUNDS:-3}
SECS=${SECS:-8}
[ "$(id -u)" -eq 0 ] || { echo "bench_probecost: needs root" >&2; exit 1; }
TREES=("$ROOT")
[ -n "$BASE_ROOT" ] && TREES+=("$BASE_ROOT")
for t in "${TREES[@]}"; do
	for b in latprobe build/wsfeed build/wsclient; do
		[ -x "$t/$b" ] || { echo "bench_probecost: $t/$b not built" >&2; exit 1; }
	done
done
source "$ROOT/scripts/feed-netns-lib.sh"
TMP=$(mktemp -d) PORT=9443
trap 'feed_netns_down; rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM
feed_netns_up lpbpc lpb 10.78

# run_one TREE CONFIG OUT.json
run_one() {
	local t=$1 cfg=$2 out=$3 tls=() scheme=ws rate=20000 lp feed
	if [ "$cfg" = demo ]; then tls=(--tls); scheme=wss; rate=500; fi
	ip netns exec $NS "$t/build/wsfeed" "${tls[@]}" --bind $FEED_IP --port $PORT \
		--rate $rate --depth-follows-rate --duration $((SECS + 10)) >/dev/null 2>&1 &
	feed=$!
	PIDS+=($feed)
	"$t/latprobe" --client "$t/build/wsclient" --duration $((SECS + 3)) \
		--output "$out" --quiet 2>"$out.err" &
	lp=$!
	PIDS+=($lp)
	sleep 1.5
	"$t/build/wsclient" --insecure --duration "$SECS" \
		--url "$scheme://$FEED_IP:$PORT/stream?streams=btcusdt@trade/ethusdt@depth@100ms&timeUnit=MICROSECOND" \
		>/dev/null 2>&1 || true
	wait $lp || { echo "bench_probecost: latprobe failed: $(tail -2 "$out.err")" >&2; exit 1; }
	kill $feed 2>/dev/null || true
	wait $feed 2>/dev/null || true
}

for r in $(seq 1 "$ROUNDS"); do
	for cfg in demo ws20k; do
		for i in "${!TREES[@]}"; do
			echo "bench_probecost: round $r $cfg tree $i (${TREES[$i]})" >&2
			run_one "${TREES[$i]}" $cfg "$TMP/$cfg.$i.$r.json"
		done
	done
done

python3 - "$TMP" "$ROUNDS" "$ROOT" "${#TREES[@]}" "$BASE_ROOT" <<'PY'
import json, statistics, subprocess, sys
tmp, rounds, root, ntrees, base = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
def fig(rep):
    ov = rep["overhead"]; u = ov["units"] or float("nan")
    k, c = ov["kernel"], ov["client"]
    progs = {n: p["ns_per_run"] for n, p in ov["programs"].items() if n.startswith("ssl_read")}
    return {"unit": ov["unit"], "messages": ov["units"],
            "bpf_kernel_ns": k["run_time_ns"] / u, "bpf_client_ns": c["run_time_ns"] / u,
            "bpf_ns": (k["run_time_ns"] + c["run_time_ns"]) / u,
            "ring_records": ov["ring_records_per_unit"],
            "whole_ns": ov.get("total_ns_per_unit"),
            "client_trap_ns": (c["trap_ns"] / u) if c.get("trap_ns") is not None else None,
            "ssl_ns_per_run": progs}
def med(v):
    v = [x for x in v if x is not None]
    return round(statistics.median(v), 1) if v else None
out = {"rounds": rounds, "commit": subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"],
       capture_output=True, text=True).stdout.strip(), "base": base, "configs": {}}
for cfg in ("demo", "ws20k"):
    out["configs"][cfg] = {}
    for i in range(ntrees):
        runs = [fig(json.load(open(f"{tmp}/{cfg}.{i}.{r}.json"))) for r in range(1, rounds + 1)]
        keys = ("messages", "bpf_kernel_ns", "bpf_client_ns", "bpf_ns", "ring_records", "whole_ns", "client_trap_ns")
        out["configs"][cfg]["this" if i == 0 else "base"] = {k: med([x[k] for x in runs]) for k in keys} | {"runs": runs}
json.dump(out, open(f"{root}/results/bench_probecost.json", "w"), indent=1)
tg = {"demo": (2000, 1.2), "ws20k": (700, 0.3)}
L = [f"# latprobe's own cost per message (scripts/bench_probecost.sh, {rounds} rounds, median)", "",
     f"This tree: {out['commit']}; base: {base or '(none)'}. Whole = BPF run time + calibrated traps (this tree only).", "",
     "| configuration | tree | messages | BPF kernel ns | BPF client ns | BPF total ns (target) | ring records (target) | whole ns | client traps ns |",
     "|---|---|---|---|---|---|---|---|---|"]
for cfg, trees in out["configs"].items():
    for t, v in trees.items():
        L.append(f"| {cfg} | {t} | {v['messages']} | {v['bpf_kernel_ns']} | {v['bpf_client_ns']} | {v['bpf_ns']} (<= {tg[cfg][0]}) | "
                 f"{v['ring_records']} (<= {tg[cfg][1]}) | {v['whole_ns']} | {v['client_trap_ns']} |")
open(f"{root}/results/bench_probecost.md", "w").write("\n".join(L) + "\n")
print("\n".join(L))
PY
