#!/usr/bin/env bash
# Every report says what latprobe cost during that run: a short traced
# ping-pong over veth must give an "overhead" section with BPF run counts
# and run time from BPF_ENABLE_STATS, per-read figures that agree with the
# totals and with the rest of the report, the consumer's CPU and RSS, and
# `latprobe report` must print it. The run-time stats must be off again once
# latprobe has exited (checked by running a program of our own: the sysctl
# does not show an fd holder). With --no-bpf-stats they stay off and the
# section says so.
source "$(dirname "$0")/lib.sh"
need_root
[ -x "$BUILD/bpf_stats_probe" ] || fail "$BUILD/bpf_stats_probe not built (make)"

COUNT=${COUNT:-2000}
PORT=$(( 20000 + RANDOM % 20000 ))
make_netns_pair

SYSCTL_BEFORE=$(sysctl -n kernel.bpf_stats_enabled)
PROBE_BEFORE=$("$BUILD/bpf_stats_probe") || fail "bpf_stats_probe failed"
info "before: sysctl kernel.bpf_stats_enabled=$SYSCTL_BEFORE, $PROBE_BEFORE"
[ "$SYSCTL_BEFORE" = 0 ] && [ "${PROBE_BEFORE%% *}" = bpf_stats=1 ] &&
	skip "another process holds BPF run-time stats on (BPF_ENABLE_STATS): cannot see latprobe turn them off"

ip netns exec "$NS_B" "$BUILD/tcpflow" echo "$IP_B" "$PORT" -t 30 >/dev/null &
SRV=$!
cleanup_add kill -9 $SRV
start_latprobe --port "$PORT" --output "$TMP/r.json"
PROBE_DURING=$("$BUILD/bpf_stats_probe") || fail "bpf_stats_probe failed"
ip netns exec "$NS_A" "$BUILD/tcpflow" ping "$IP_B" "$PORT" -n "$COUNT" -m 200 \
	>"$TMP/ping.out" || fail "ping-pong failed"
wait $SRV || fail "echo server failed"
sleep 0.2
stop_latprobe
PROBE_AFTER=$("$BUILD/bpf_stats_probe") || fail "bpf_stats_probe failed"
SYSCTL_AFTER=$(sysctl -n kernel.bpf_stats_enabled)
info "during: $PROBE_DURING; after: sysctl=$SYSCTL_AFTER, $PROBE_AFTER"
[ "${PROBE_DURING%% *}" = bpf_stats=1 ] || fail "BPF run-time stats were not on while latprobe ran"
[ "$SYSCTL_AFTER" = "$SYSCTL_BEFORE" ] || fail "kernel.bpf_stats_enabled $SYSCTL_BEFORE -> $SYSCTL_AFTER"
[ "${PROBE_AFTER%% *}" = "${PROBE_BEFORE%% *}" ] ||
	fail "BPF run-time stats not back to before after latprobe exited ($PROBE_BEFORE -> $PROBE_AFTER)"

python3 - "$TMP/r.json" "$COUNT" <<'PY' || fail "overhead section check"
import json, sys
rep = json.load(open(sys.argv[1])); count = int(sys.argv[2])
errs = []
def check(cond, msg):
    if not cond: errs.append(msg)
def near(a, b, what):
    check(a is not None and abs(a - b) <= max(1e-3, 1e-3 * abs(b)), f"{what}: {a} != {b}")
ov = rep.get("overhead")
if not isinstance(ov, dict):
    print("  no overhead section", file=sys.stderr); sys.exit(1)
k, c = ov["kernel"], ov["client"]
check(ov["bpf_stats"] == "on", f"bpf_stats {ov['bpf_stats']}")
# no client probes: the unit is a read, alone in its record or batched
check(ov["unit"] == "read", f"unit {ov['unit']}")
reads = (rep["ring_buffer"]["records_by_type"]["tcp_recvmsg"] +
         rep["ring_buffer"]["reads_batched"])
check(ov["units"] == reads, f"units {ov['units']} != reads {reads}")
check(ov["units"] >= count, f"units {ov['units']} < {count} round trips")
check(k["run_cnt"] > 0 and k["run_time_ns"] > 0, f"kernel run_cnt {k['run_cnt']} run_time {k['run_time_ns']}")
kp = [p for p in ov["programs"].values() if p["side"] == "kernel"]
check(k["programs"] == len(kp) and len(kp) > 0, f"kernel programs {k['programs']} vs {len(kp)}")
check(sum(p["run_cnt"] for p in kp) == k["run_cnt"], "kernel run_cnt != sum over programs")
check(sum(p["run_time_ns"] for p in kp) == k["run_time_ns"], "kernel run_time != sum over programs")
near(k["ns_per_run"], k["run_time_ns"] / k["run_cnt"], "ns_per_run")
near(k["runs_per_unit"], k["run_cnt"] / ov["units"], "runs_per_unit")
near(k["ns_per_unit"], k["run_time_ns"] / ov["units"], "ns_per_unit")
# every read of a traced socket ran the read program: at least one run per read
check(k["runs_per_unit"] >= 1, f"runs_per_unit {k['runs_per_unit']} < 1")
for n, p in ov["programs"].items():
    if p["run_cnt"]:
        near(p["ns_per_run"], p["run_time_ns"] / p["run_cnt"], f"{n} ns_per_run")
    else:
        check(p["ns_per_run"] is None, f"{n}: ns_per_run without runs")
check(c["run_cnt"] == 0 and c["probe_hits"] == 0, f"client runs {c['run_cnt']} without --client")
# no user-space probe: nothing calibrated, the whole cost is the BPF run time
check("calibration" not in ov, "calibration ran without user-space probes")
check(k["total_ns"] == k["run_time_ns"] and k["trap_ns"] == 0, f"kernel total {k['total_ns']} != run time")
near(ov["total_ns_per_unit"], (k["total_ns"] + c["total_ns"]) / ov["units"], "total_ns_per_unit")
check(ov["ring_records"] == rep["ring_buffer"]["submitted"], "ring_records != ring_buffer.submitted")
near(ov["ring_records_per_unit"], ov["ring_records"] / ov["units"], "ring_records_per_unit")
check(ov["forced_wakeups"] == rep["ring_buffer"]["forced_wakeups"], "forced_wakeups")
check(ov["consumer_cpu_seconds"] >= 0 and ov["consumer_peak_rss_kb"] > 1000,
      f"consumer cpu {ov['consumer_cpu_seconds']} rss {ov['consumer_peak_rss_kb']}")
check(0 < ov["window_seconds"] <= rep["duration_seconds"] + 0.01, f"window {ov['window_seconds']}")
for e in errs: print("  " + e, file=sys.stderr)
sys.exit(1 if errs else 0)
PY

"$LATPROBE" report "$TMP/r.json" >"$TMP/view.txt" || fail "latprobe report failed"
line=$(grep '^overhead (per read, bpf_stats on): whole [0-9]* ns (BPF + calibrated traps); kernel BPF [0-9]* ns in [0-9.]* runs' "$TMP/view.txt") ||
	fail "latprobe report printed no overhead line: $(tail -3 "$TMP/view.txt")"

# --no-bpf-stats: the switch is not touched, the section says "off"
if [ "$SYSCTL_BEFORE" = 0 ]; then
	PORT=$((PORT + 1))
	ip netns exec "$NS_B" "$BUILD/tcpflow" echo "$IP_B" "$PORT" -t 30 >/dev/null &
	SRV=$!
	cleanup_add kill -9 $SRV
	start_latprobe --port "$PORT" --no-bpf-stats --output "$TMP/off.json"
	PROBE_OFF=$("$BUILD/bpf_stats_probe") || fail "bpf_stats_probe failed"
	ip netns exec "$NS_A" "$BUILD/tcpflow" ping "$IP_B" "$PORT" -n 200 -m 200 >/dev/null ||
		fail "ping-pong failed"
	wait $SRV || fail "echo server failed"
	stop_latprobe
	[ "${PROBE_OFF%% *}" = bpf_stats=0 ] || fail "--no-bpf-stats: stats were on ($PROBE_OFF)"
	python3 - "$TMP/off.json" <<'PY' || fail "--no-bpf-stats section check"
import json, sys
ov = json.load(open(sys.argv[1]))["overhead"]
ok = ov["bpf_stats"] == "off" and ov["kernel"]["run_cnt"] == 0 and ov["units"] > 0 \
    and ov["kernel"]["ns_per_run"] is None and ov["ring_records"] > 0
sys.exit(0 if ok else 1)
PY
fi
pass "$line"
