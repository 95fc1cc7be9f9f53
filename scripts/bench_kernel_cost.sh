#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Kernel-side cost of latprobe per message on a 200-byte TCP ping-pong over
# veth between two fresh namespaces: with kernel.bpf_stats_enabled=1, every
# latprobe program's run_cnt and run_time_ns (bpftool) and the report's ring
# records, divided by the messages (a round trip is two messages; both ends
# run on this VM, so both ends' programs count, as in make bench).
#
#   scripts/bench_kernel_cost.sh [ROUND_TRIPS] [ROUNDS] [-- latprobe flags]
#
# LP_BINS="label:path ..." compares builds round by round, alternating
# (default: "latprobe:./latprobe"). Prints a table per run, then medians per
# build and per program. Run it alone, under the machine lock:
#   flock /tmp/lp-machine.lock scripts/bench_kernel_cost.sh 20000 5
set -u
source "$(dirname "$0")/../tests/lib.sh"
need_root
N=${1:-20000}
ROUNDS=${2:-3}
shift $(($# < 2 ? $# : 2))
[ "${1:-}" = "--" ] && shift
command -v bpftool >/dev/null || fail "needs bpftool"
OLD=$(sysctl -n kernel.bpf_stats_enabled)
cleanup_add sysctl -qw kernel.bpf_stats_enabled="$OLD"
make_netns_pair
LP_BINS=${LP_BINS:-latprobe:$LATPROBE}
: >"$TMP/all.jsonl"

for r in $(seq 1 "$ROUNDS"); do
for lb in $LP_BINS; do
	LABEL=${lb%%:*}
	LATPROBE=${lb#*:}
	PORT=$((20000 + RANDOM % 20000))
	ip netns exec "$NS_B" "$BUILD/tcpflow" echo "$IP_B" $PORT -t 60 >/dev/null &
	SRV=$!
	cleanup_add kill -9 $SRV
	sysctl -qw kernel.bpf_stats_enabled=1
	MAXID=$(bpftool -j prog show | python3 -c 'import json,sys; print(max([p["id"] for p in json.load(sys.stdin)] or [0]))')
	start_latprobe --port $PORT --output "$TMP/r$r.json" "$@"
	ip netns exec "$NS_A" "$BUILD/tcpflow" ping "$IP_B" $PORT -n "$N" -m 200 \
		>"$TMP/ping$r" || fail "ping-pong failed"
	bpftool -j prog show >"$TMP/progs$r.json"
	stop_latprobe
	sysctl -qw kernel.bpf_stats_enabled="$OLD"
	kill $SRV 2>/dev/null
	wait $SRV 2>/dev/null
	python3 - "$TMP/progs$r.json" "$TMP/r$r.json" "$TMP/ping$r" "$N" "$r" \
		"$MAXID" "$LABEL" <<'PY' >>"$TMP/out" || fail "summary"
import json, sys
progs, rep = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
ping = dict(kv.split("=") for kv in open(sys.argv[3]).read().split())
n, rnd, pid, label = int(sys.argv[4]), sys.argv[5], int(sys.argv[6]), sys.argv[7]
msgs = 2 * n
# this latprobe's programs: loaded after it started (the machine lock keeps
# other latprobes out), by name (bpftool truncates names to 15 characters)
NAMES = {"recv_tp", "recv_fentry", "recv_fexit", "recv_kprobe", "recv_kretprobe",
         "send_tp", "send_fexit", "send_kprobe", "send_kretprobe", "cleanup_tp",
         "cleanup_fentry", "cleanup_kprobe", "dev_in", "tcp_in", "wakeup",
         "wakeup_fentry", "wakeup_kprobe", "state", "rcvq_full", "udp_fail",
         "sched_switch_tp", "sched_waking_tp"}
rows = [p for p in progs if "run_cnt" in p and p["id"] > pid and p.get("name") in NAMES]
runs = sum(p["run_cnt"] for p in rows)
ns = sum(p["run_time_ns"] for p in rows)
rb = rep["ring_buffer"]
recs = rb["submitted"]
print(f"\n{label}, round {rnd}: {n} round trips x 200 B, RTT p50 {ping['rtt_p50_us']} us, "
      f"lost {rep['lost_events']}")
print("| program | runs/msg | ns/run | ns/msg |\n|---|---:|---:|---:|")
for p in sorted(rows, key=lambda p: -p["run_time_ns"]):
    if p["run_cnt"]:
        print(f"| {p['name']} | {p['run_cnt']/msgs:.2f} | "
              f"{p['run_time_ns']/p['run_cnt']:.1f} | {p['run_time_ns']/msgs:.1f} |")
print(f"| **all** | **{runs/msgs:.2f}** | **{ns/max(runs,1):.1f}** | **{ns/msgs:.1f}** |")
print(f"ring records per message: {recs/msgs:.2f} ({rb['records_by_type']})")
print("JSON " + json.dumps({"label": label, "round": int(rnd), "messages": msgs,
      "runs_per_msg": runs / msgs, "ns_per_run": ns / max(runs, 1),
      "ns_per_msg": ns / msgs, "records_per_msg": recs / msgs,
      "rtt_p50_us": float(ping["rtt_p50_us"]),
      "programs": {p["name"]: [p["run_cnt"], p["run_time_ns"]] for p in rows}}))
PY
done
done
grep -v '^JSON ' "$TMP/out"
grep '^JSON ' "$TMP/out" | cut -c6- >"$TMP/all.jsonl"
[ -n "${OUT:-}" ] && cp "$TMP/all.jsonl" "$OUT"
python3 - "$TMP/all.jsonl" <<'PY'
import json, sys, statistics as st
runs = [json.loads(l) for l in open(sys.argv[1])]
labels = list(dict.fromkeys(r["label"] for r in runs))
def med(xs):
    return st.median(xs) if xs else float("nan")
print("\n## medians over rounds\n")
print("| build | ns/message | runs/message | ns/run | ring records/message | RTT p50 us |")
print("|---|---:|---:|---:|---:|---:|")
for l in labels:
    rs = [r for r in runs if r["label"] == l]
    print(f"| {l} | {med([r['ns_per_msg'] for r in rs]):.0f} | {med([r['runs_per_msg'] for r in rs]):.2f} "
          f"| {med([r['ns_per_run'] for r in rs]):.0f} | {med([r['records_per_msg'] for r in rs]):.2f} "
          f"| {med([r['rtt_p50_us'] for r in rs]):.1f} |")
print("\n| build | program | runs/message | ns/run (median) |\n|---|---|---:|---:|")
for l in labels:
    rs = [r for r in runs if r["label"] == l]
    names = sorted({n for r in rs for n in r["programs"]})
    for n in names:
        v = [r["programs"][n] for r in rs if n in r["programs"] and r["programs"][n][0]]
        if v:
            print(f"| {l} | {n} | {med([c / r['messages'] for r in rs for c, _ in [r['programs'].get(n, [0, 0])]]):.2f} "
                  f"| {med([t / c for c, t in v]):.1f} |")
PY
