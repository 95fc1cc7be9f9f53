#!/usr/bin/env bash
# make bench: latprobe's own cost, measured side by side in one run.
#  1. BPF cost per event: run_time_ns / run_cnt of every latprobe program
#     (kernel.bpf_stats_enabled=1) during a fixed veth workload.
#  2. Round-trip inflation: 200-byte TCP ping-pong over veth, alternating
#     runs (A B C D A B C D ...): untraced, latprobe, bpftrace recording the
#     same kernel marks, tcpdump -w on the interface. Medians, as ratios.
# Writes results/bench.json and results/bench.md. Tunables (environment):
#   ROUNDS=5 (alternations)  PINGS=3000 (round trips per run)
#   EVENT_SECONDS=5 (per-event cost workload)  RESULTS_DIR=results
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
ROUNDS=${ROUNDS:-5}
PINGS=${PINGS:-3000}
EVENT_SECONDS=${EVENT_SECONDS:-5}
RESULTS_DIR=${RESULTS_DIR:-results}
[ "$(uname -s)" = Linux ] || { echo "bench: Linux only" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (try: sudo make bench)" >&2; exit 1; }
for t in bpftool python3 ip; do
	command -v $t >/dev/null || { echo "bench: $t missing (run scripts/install-deps.sh)" >&2; exit 1; }
done
HAVE_BPFTRACE=$(command -v bpftrace >/dev/null && echo 1 || echo 0)
HAVE_TCPDUMP=$(command -v tcpdump >/dev/null && echo 1 || echo 0)

TMP=$(mktemp -d /tmp/lp-bench.XXXXXX)
ID=$(( ($$ % 200) + 20 ))
NS_A=lpbA$$ NS_B=lpbB$$ IP_B=10.77.$ID.2 IP_A=10.77.$ID.1
OLD_STATS=$(sysctl -n kernel.bpf_stats_enabled)
BG=()
cleanup() {
	for p in "${BG[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	sysctl -qw kernel.bpf_stats_enabled="$OLD_STATS"
	ip netns del $NS_A 2>/dev/null || true
	ip netns del $NS_B 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add $NS_A
ip netns add $NS_B
ip link add va$$ netns $NS_A type veth peer name vb$$ netns $NS_B
ip -n $NS_A addr add $IP_A/24 dev va$$
ip -n $NS_B addr add $IP_B/24 dev vb$$
for ns in $NS_A $NS_B; do ip -n $ns link set lo up; done
ip -n $NS_A link set va$$ up
ip -n $NS_B link set vb$$ up

wait_attached() { # file pattern pid
	for _ in $(seq 1 150); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		kill -0 "$3" 2>/dev/null || { echo "bench: tracer exited: $(cat "$1")" >&2; exit 1; }
		sleep 0.1
	done
	echo "bench: tracer did not start: $(cat "$1")" >&2
	exit 1
}

PORT=30000
ping_run() { # prints rtt_p50_us rtt_mean_us
	PORT=$((PORT + 1))
	ip netns exec $NS_B build/tcpflow echo $IP_B $PORT -t 60 >/dev/null &
	local srv=$!
	local out
	out=$(ip netns exec $NS_A build/tcpflow ping $IP_B $PORT -n "$PINGS" -m 200)
	wait $srv
	echo "$out" | sed -E 's/.*rtt_p50_us=([0-9.]+).*rtt_mean_us=([0-9.]+).*/\1 \2/'
}

BPFTRACE_PROG='
tracepoint:tcp:tcp_probe { @seg[args->skaddr] = nsecs; }
tracepoint:sock:sk_data_ready { @wake[args->skaddr] = nsecs; }
tracepoint:sock:sock_recv_length /args->ret > 0/ {
	@lat = hist(nsecs - @seg[args->sk]); }
'

start_latprobe() { # stderr-file [flags...]: waits until it says it is tracing
	local err=$1; shift
	./latprobe "$@" 2>"$err" &
	LP=$!
	BG+=($LP)
	wait_attached "$err" "tracing" $LP
}

with_tracer() { # name -> runs ping_run under that tracer, result in $TMP/one
	local name=$1 tp=""
	case $name in
	untraced) ping_run >"$TMP/one"; return ;;
	latprobe)
		start_latprobe "$TMP/lp.err" --duration 0
		tp=$LP ;;
	bpftrace)
		bpftrace -e "$BPFTRACE_PROG" >"$TMP/bt.out" 2>&1 &
		tp=$!
		BG+=($tp)
		wait_attached "$TMP/bt.out" "Attaching" $tp
		sleep 0.5 ;;
	tcpdump)
		ip netns exec $NS_B tcpdump -i vb$$ -w "$TMP/cap.pcap" -U >"$TMP/td.out" 2>&1 &
		tp=$!
		BG+=($tp)
		wait_attached "$TMP/td.out" "listening" $tp ;;
	esac
	ping_run >"$TMP/one"
	kill -INT $tp
	wait $tp 2>/dev/null || true
}

echo "bench: 1/2 per-event BPF cost (${EVENT_SECONDS}s veth workload, bpf_stats on)" >&2
sysctl -qw kernel.bpf_stats_enabled=1
start_latprobe "$TMP/ev.err" --duration 0 --output "$TMP/ev.json"
ip netns exec $NS_B build/tcpflow recv $IP_B 29999 -t 60 >"$TMP/ev.rx" &
RX=$!
ip netns exec $NS_A build/tcpflow send $IP_B 29999 -n $((EVENT_SECONDS * 10000)) -m 200 -i 100 >/dev/null
wait $RX
bpftool -j prog show >"$TMP/progs.json"
kill -INT $LP
wait $LP || true
sysctl -qw kernel.bpf_stats_enabled="$OLD_STATS"

ORDER=(untraced latprobe)
[ "$HAVE_BPFTRACE" = 1 ] && ORDER+=(bpftrace)
[ "$HAVE_TCPDUMP" = 1 ] && ORDER+=(tcpdump)
echo "bench: 2/2 ping-pong round trips: $ROUNDS rounds of ${ORDER[*]}, $PINGS each" >&2
: >"$TMP/rtt.txt"
for r in $(seq 1 "$ROUNDS"); do
	for t in "${ORDER[@]}"; do
		with_tracer "$t"
		read -r p50 mean <"$TMP/one"
		echo "$t $r $p50 $mean" >>"$TMP/rtt.txt"
		echo "  round $r $t: p50 ${p50} us, mean ${mean} us" >&2
	done
done

mkdir -p "$RESULTS_DIR"
python3 - "$TMP/progs.json" "$TMP/rtt.txt" "$TMP/ev.json" "$RESULTS_DIR" \
	"$ROUNDS" "$PINGS" "$EVENT_SECONDS" <<'PY'
import json, os, platform, statistics, subprocess, sys, datetime
progs_f, rtt_f, ev_f, outdir, rounds, pings, ev_s = sys.argv[1:8]
ours = {"recv_tp", "recv_tp_read", "recv_tp_recvfrom", "recv_tp_recvmsg", "recv_tp_readv",
        "recv_fentry", "recv_fexit", "recv_kprobe", "recv_kretprobe", "send_tp", "send_fexit",
        "send_kprobe", "send_kretprobe", "cleanup_tp", "cleanup_fentry", "cleanup_kprobe",
        "dev_in", "tcp_in", "wakeup", "state", "rcvq_full", "udp_fail", "client_msg"}
progs = [p for p in json.load(open(progs_f)) if p.get("name") in ours and p.get("run_cnt")]
per = {p["name"]: {"run_cnt": p["run_cnt"], "run_time_ns": p["run_time_ns"],
                   "mean_ns": round(p["run_time_ns"] / p["run_cnt"], 1)} for p in progs}
tot_cnt = sum(p["run_cnt"] for p in progs)
tot_ns = sum(p["run_time_ns"] for p in progs)
mean = round(tot_ns / tot_cnt, 1) if tot_cnt else None
worst = max(per.items(), key=lambda kv: kv[1]["mean_ns"]) if per else (None, {})
rtt = {}
for line in open(rtt_f):
    t, r, p50, m = line.split()
    rtt.setdefault(t, {"p50": [], "mean": []})
    rtt[t]["p50"].append(float(p50)); rtt[t]["mean"].append(float(m))
base = statistics.median(rtt["untraced"]["p50"])
base_mean = statistics.median(rtt["untraced"]["mean"])
ratios = {t: {"median_p50_us": round(statistics.median(v["p50"]), 2),
              "median_mean_us": round(statistics.median(v["mean"]), 2),
              "ratio_p50": round(statistics.median(v["p50"]) / base, 3),
              "ratio_mean": round(statistics.median(v["mean"]) / base_mean, 3),
              "runs_p50_us": v["p50"]} for t, v in rtt.items()}
ev = json.load(open(ev_f))
def sh(cmd):
    try: return subprocess.check_output(cmd, shell=True, text=True, stderr=subprocess.DEVNULL).strip()
    except Exception: return "unknown"
meta = {"date": datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "kernel": platform.release(), "cpu": sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip(),
        "cpus": os.cpu_count(), "compiler": sh("cc --version | head -1"),
        "commit": sh("git rev-parse --short HEAD"), "tree_clean": sh("git status --porcelain") == "",
        "script": "scripts/bench.sh", "command": "make bench",
        "params": {"rounds": int(rounds), "pings_per_run": int(pings), "event_seconds": int(ev_s),
                   "message_bytes": 200, "path": "veth between two network namespaces"}}
out = {"meta": meta,
       "bpf_cost": {"mean_ns_per_event": mean, "target_ns": 150,
                    "worst_program": worst[0], "worst_mean_ns": worst[1].get("mean_ns"),
                    "programs": per, "attach": {k: v["used"] for k, v in ev["probes"].items()},
                    "lost_events": ev["lost_events"], "events": ev["total_events"]},
       "round_trip": {"ratios_vs_untraced": ratios, "target_latprobe_ratio": 1.05,
                      "order": "alternating untraced, latprobe, bpftrace, tcpdump per round; medians over rounds"}}
json.dump(out, open(os.path.join(outdir, "bench.json"), "w"), indent=1)
md = [f"# latprobe benchmark ({meta['date']})", "",
      f"Machine: {meta['cpu']}, {meta['cpus']} CPUs, kernel {meta['kernel']}; commit {meta['commit']}"
      f"{'' if meta['tree_clean'] else ' (dirty tree)'}. Produced by `make bench` (scripts/bench.sh).", "",
      "## BPF cost per event (kernel.bpf_stats_enabled, run_time_ns / run_cnt)", "",
      f"Mean over all latprobe programs: **{mean} ns** per run (target <= 150 ns); "
      f"worst program: `{worst[0]}` at {worst[1].get('mean_ns')} ns. Lost events: {ev['lost_events']}.", "",
      "| program | runs | mean ns |", "|---|---:|---:|"]
md += [f"| {k} | {v['run_cnt']} | {v['mean_ns']} |" for k, v in sorted(per.items())]
md += ["", f"## 200-byte TCP ping-pong over veth ({rounds} alternating rounds x {pings} round trips)", "",
       "| tracer | median p50 us | ratio p50 | median mean us | ratio mean |", "|---|---:|---:|---:|---:|"]
md += [f"| {t} | {v['median_p50_us']} | {v['ratio_p50']} | {v['median_mean_us']} | {v['ratio_mean']} |"
       for t, v in ratios.items()]
md += ["", "Ratios are to the untraced runs of the same session. Loopback/veth round trips on this",
       "2-vCPU VM are noisy (tens of microseconds); read ratios near 1.0 as 'within noise', not as gains."]
open(os.path.join(outdir, "bench.md"), "w").write("\n".join(md) + "\n")
print("\n".join(md))
PY
