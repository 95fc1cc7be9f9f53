#!/usr/bin/env bash
# What a traced message costs the kernel side, by count (not by clock): on a
# 200-byte ping-pong over veth, latprobe's programs run at most 4 times per
# message (bpftool run_cnt with bpf_stats on) and submit one ring record per
# read (the ends are in namespaces of their own: not batched) and none per
# segment or wake-up (join mode), while every kernel stage
# is still measured and the segment counters still add up.
source "$(dirname "$0")/lib.sh"
need_root
command -v bpftool >/dev/null || skip "needs bpftool"

N=2000
PORT=$((20000 + RANDOM % 20000))
make_netns_pair
OLD=$(sysctl -n kernel.bpf_stats_enabled)
cleanup_add sysctl -qw kernel.bpf_stats_enabled="$OLD"

ip netns exec "$NS_B" "$BUILD/tcpflow" echo "$IP_B" $PORT -t 30 >/dev/null &
SRV=$!
cleanup_add kill -9 $SRV
sysctl -qw kernel.bpf_stats_enabled=1
MAXID=$(bpftool -j prog show | python3 -c 'import json,sys; print(max([p["id"] for p in json.load(sys.stdin)] or [0]))')
start_latprobe --port $PORT --output "$TMP/r.json"
ip netns exec "$NS_A" "$BUILD/tcpflow" ping "$IP_B" $PORT -n $N -m 200 >"$TMP/ping" ||
	fail "ping-pong failed"
bpftool -j prog show >"$TMP/progs.json" || fail "bpftool prog show"
stop_latprobe
sysctl -qw kernel.bpf_stats_enabled="$OLD"

python3 - "$TMP/progs.json" "$TMP/r.json" "$MAXID" $N "$IP_A" "$IP_B" <<'PY' || fail "cost check"
import json, sys
progs, rep = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
pid, n, ip_a, ip_b = int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
msgs = 2 * n
errs = []
def check(c, m):
    if not c: errs.append(m)
# this latprobe's programs: loaded after it started (the machine lock keeps
# other latprobes out), by name (bpftool truncates names to 15 characters)
NAMES = {"recv_tp", "recv_fentry", "recv_fexit", "recv_kprobe", "recv_kretprobe",
         "send_tp", "send_fexit", "send_kprobe", "send_kretprobe", "cleanup_tp",
         "cleanup_fentry", "cleanup_kprobe", "dev_in", "tcp_in", "wakeup",
         "wakeup_fentry", "wakeup_kprobe", "state", "rcvq_full", "udp_fail"}
ours = [p for p in progs if p["id"] > pid and p.get("name") in NAMES]
check(len(ours) >= 4, f"latprobe's programs not found in bpftool's output: {[p.get('name') for p in ours]}")
runs = sum(p.get("run_cnt", 0) for p in ours)
per = {p["name"]: p.get("run_cnt", 0) for p in ours if p.get("run_cnt")}
check(runs <= 4.05 * msgs, f"{runs / msgs:.2f} program runs per message > 4: {per}")
rb = rep["ring_buffer"]["records_by_type"]
check(rb["tcp_probe"] == 0 and rb["sk_data_ready"] == 0,
      f"records per segment or wake-up in join mode: {rb}")
reads = sum(c["reads"] for c in rep["connections"].values())
check(reads >= msgs, f"reads {reads} < messages {msgs}")
# both ends live in network namespaces of their own: their reads are not
# batched (the flusher's iter/tcp pass sees latprobe's netns only, where
# tests/it_read_batch.sh checks batching): one record per read
batched = rep["ring_buffer"]["reads_batched"]
check(batched == 0, f"{batched} reads of another netns batched")
check(rb["tcp_recvmsg"] == reads, f"read records {rb['tcp_recvmsg']} != reads {reads}")
check(rep["ring_buffer"]["submitted"] <= reads + 20,
      f"records {rep['ring_buffer']['submitted']} for {reads} reads")
for c in rep["connections"].values():
    check(c["segments_in"] >= c["reads"], f"segments_in {c['segments_in']} < reads {c['reads']}")
    check(c["bytes_sent"] == 200 * n, f"bytes_sent {c['bytes_sent']} != {200 * n}")
    check(c["nic_sources"]["dev_in"] >= c["reads"] * 0.99,
          f"dev_in marks {c['nic_sources']['dev_in']} for {c['reads']} reads")
    for s in ("nic_to_tcp", "tcp_to_wakeup", "wakeup_to_read", "total"):
        check(c["stages"].get(s, {}).get("count", 0) >= c["reads"] * 0.99,
              f"stage {s} short: {c['stages'].get(s, {}).get('count')} of {c['reads']}")
check(len(rep["connections"]) == 2, f"want both ends: {list(rep['connections'])}")
check(rep["lost_events"] == 0, "lost events")
check(rep["ring_buffer"]["marks_out_of_order"] == 0, "marks out of order")
print(f"  {runs / msgs:.2f} runs/message {per}, {rep['ring_buffer']['submitted'] / msgs:.3f} records/message",
      file=sys.stderr)
for e in errs: print("  " + e, file=sys.stderr)
sys.exit(1 if errs else 0)
PY
pass "$N round trips: <= 4 runs and 1 record per message, all kernel stages"
