#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# make bench (NIC part; also make bench-nic): how many packets per second
# latprobe-nic stamps and what a packet costs it, side by side with DPDK
# receiving the same packets and doing nothing with them, in one run.
#
# Source: net_pcap with infinite_rx replaying 4096 segments of one TCP flow
# (200-byte payloads), so the port is never the limit. Rounds alternate:
#   rx_only    dpdk-testpmd --forward-mode=rxonly on the vdev (1 lcore)
#   primary    latprobe-nic --proc-type=primary on the vdev (1 lcore):
#              parse, TSC stamp, store into the mmap()ed nic_ts slot
#   secondary  dpdk-testpmd rxonly + latprobe-nic as its pdump secondary:
#              the primary's rate with capture on, stamps/s, copies dropped
# latprobe-nic polls (one core busy by design): its cost per packet is
# 1 / stamped pps on that core; wait4's rusage splits it into user and
# kernel time (no system call per packet or burst: nic_ts is written through
# mmap, so the kernel share is what is left of EAL and the clock).
#
# Writes $RESULTS_DIR/bench_nic.json and bench_nic.md.
# Environment: NIC_ROUNDS [5] NIC_SECONDS [3] RESULTS_DIR [results]
#              BENCH_QUICK=1 (2 rounds of 2 s)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
. scripts/dpdk-lib.sh
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	: "${NIC_ROUNDS:=2}" "${NIC_SECONDS:=2}"
fi
ROUNDS=${NIC_ROUNDS:-5}
SECS=${NIC_SECONDS:-3}
# the secondary runs 2 s longer: dpdk-testpmd's per-second rate lines come
# late while the secondary polls beside its main lcore, and the first one
# after capture starts is skipped
SSECS=$(awk "BEGIN { print $SECS + 2 }")
RESULTS_DIR=${RESULTS_DIR:-results}
B=${LP_BUILD:-$ROOT/build}
NIC=$B/latprobe-nic
START=$(date +%s)

log() { printf '[%4ss] bench-nic: %s\n' $(($(date +%s) - START)) "$*" >&2; }
[ "$(id -u)" -eq 0 ] || { echo "bench-nic: needs root (try: sudo make bench-nic)" >&2; exit 1; }
for t in dpdk-testpmd python3 stdbuf; do
	command -v $t >/dev/null || { echo "bench-nic: $t missing (scripts/install-deps.sh)" >&2; exit 1; }
done
[ -x "$NIC" ] || { echo "bench-nic: $NIC not built (run: make)" >&2; exit 1; }

TMP=$(mktemp -d /tmp/lp-bench-nic.XXXXXX)
PFX=lpbn$$
PIN=/sys/fs/bpf/latprobe
MAP=$PIN/nic_ts_bench$$
SMAP=$PIN/nic_stats_bench$$
PIN_MADE=0
cleanup() {
	local rc=$? p
	for p in $(jobs -p); do kill -TERM "$p" 2>/dev/null || true; done
	sleep 0.3
	for p in $(jobs -p); do kill -KILL "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -f "$MAP" "$SMAP"
	[ "$PIN_MADE" = 1 ] && rmdir "$PIN" 2>/dev/null
	for p in a b c; do dpdk_forget "$PFX$p"; done
	dpdk_hugepages_give
	rm -rf "$TMP"
	[ $rc -eq 0 ] || echo "bench-nic: FAILED (exit $rc); processes and hugepages cleaned up" >&2
}
trap cleanup EXIT
trap 'exit 130' INT TERM

dpdk_hugepages_take 512 || exit 1
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
[ -d "$PIN" ] || { mkdir -p "$PIN"; PIN_MADE=1; }

# 4096 data segments of one flow, checksummed, in a classic pcap file
python3 - "$TMP/flow.pcap" <<'PY'
import struct, sys
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    return ~(s + (s >> 16)) & 0xffff
out = open(sys.argv[1], "wb")
out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
for i in range(4096):
    tcp = struct.pack("!HHIIBBHHH", 9443, 40000, 1000 + i * 200, 1, 5 << 4, 0x18, 502, 0, 0) + bytes([i & 255]) * 200
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), i, 0x4000, 64, 6, 0, bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    fr = b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip + tcp
    out.write(struct.pack("<IIII", i, 0, len(fr), len(fr)) + fr)
PY
VDEV="net_pcap0,rx_pcap=$TMP/flow.pcap,infinite_rx=1"
EAL_COMMON=(--no-pci --log-level=lib.eal:error)

RUSAGE="python3 $ROOT/scripts/bench_lib.py rusage"
# median of testpmd's per-second Rx-pps after the first report; null if it
# printed none (its main lcore shares a vCPU with the secondary's polling)
testpmd_pps() { awk '/Rx-pps:/ { n++; if (n > 1) print $2 }' "$1" | sort -n | awk '{ v[NR] = $1 } END { print (NR ? v[int((NR + 1) / 2)] : "null") }'; }

start_testpmd() { # prefix log
	stdbuf -oL dpdk-testpmd -l 0-1 "$DPDK_BASE_VA" "${EAL_COMMON[@]}" --file-prefix="$1" \
		--vdev="$VDEV" -- --forward-mode=rxonly --stats-period=1 \
		</dev/null >"$2" 2>&1 &
	TPID=$!
	wait_for "$2" "start packet forwarding" 30 || { cat "$2" >&2; exit 1; }
}
stop() { kill -INT "$1" 2>/dev/null; wait "$1" 2>/dev/null || true; }

RAW=$TMP/raw.jsonl
: >"$RAW"
HZ=$(getconf CLK_TCK)
for ((r = 1; r <= ROUNDS; r++)); do
	log "round $r/$ROUNDS"
	# rx_only: DPDK receives and frees
	start_testpmd "${PFX}a" "$TMP/a.log"
	sleep "$SECS"
	stop "$TPID"
	echo "{\"mode\":\"rx_only\",\"round\":$r,\"pps\":$(testpmd_pps "$TMP/a.log")}" >>"$RAW"
	dpdk_forget "${PFX}a"

	# primary: latprobe-nic owns the vdev
	$RUSAGE "$TMP/b.ru" -- "$NIC" --proc-type=primary -l 1 "${EAL_COMMON[@]}" \
		--file-prefix="${PFX}b" --vdev="$VDEV" -- --map "$MAP" \
		--stats-map "$SMAP" --duration "$SECS" >"$TMP/b.log" 2>&1 ||
		{ cat "$TMP/b.log" >&2; exit 1; }
	python3 - "$TMP/b.log" "$r" "$SECS" "$TMP/b.ru" >>"$RAW" <<'PY'
import json, re, sys
log, r, secs, ru = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
st = dict(re.findall(r"(\w+)=(\d+)", [l for l in open(log) if l.startswith("latprobe-nic: packets=")][-1]))
st = {k: int(v) for k, v in st.items()}
ut, stime = map(float, open(ru).read().split())
print(json.dumps({"mode": "primary", "round": r, "pps": st["stamped"] / secs,
                  "sys_share": stime / (ut + stime)}))
PY
	rm -f "$MAP" "$SMAP"
	dpdk_forget "${PFX}b"

	# secondary: testpmd keeps receiving, latprobe-nic stamps pdump copies
	start_testpmd "${PFX}c" "$TMP/c.log"
	# shellcheck disable=SC2046 # one word per -d and path
	$RUSAGE "$TMP/c.ru" -- "$NIC" -l 0 "${EAL_COMMON[@]}" --file-prefix="${PFX}c" \
		$(dpdk_secondary_d "$(command -v dpdk-testpmd)") -- --port 0 \
		--map "$MAP" --stats-map "$SMAP" --duration "$SSECS" >"$TMP/c2.log" 2>&1 &
	NPID=$!
	wait_for "$TMP/c2.log" "stamps from" 30 || { cat "$TMP/c2.log" >&2; exit 1; }
	: >"$TMP/c.log" # the primary's rate from now on, with capture on
	wait $NPID || { cat "$TMP/c2.log" >&2; exit 1; }
	stop "$TPID"
	python3 - "$TMP/c2.log" "$r" "$SSECS" "$TMP/c.ru" "$(testpmd_pps "$TMP/c.log")" >>"$RAW" <<'PY'
import json, re, sys
log, r, secs, ru, ppps = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4], json.loads(sys.argv[5])
st = dict(re.findall(r"(\w+)=(\d+)", [l for l in open(log) if l.startswith("latprobe-nic: packets=")][-1]))
st = {k: int(v) for k, v in st.items()}
ut, stime = map(float, open(ru).read().split())
print(json.dumps({"mode": "secondary", "round": r, "pps": st["stamped"] / secs,
                  "primary_pps": ppps, "dropped_pps": st["pdump_ringfull"] / secs,
                  "capture_bad": st["capture_ts_bad"],
                  "sys_share": stime / (ut + stime)}))
PY
	rm -f "$MAP" "$SMAP"
	dpdk_forget "${PFX}c"
done

mkdir -p "$RESULTS_DIR"
python3 - "$RAW" "$RESULTS_DIR" "$ROUNDS" "$SECS" "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" <<'PY'
import json, statistics as S, sys, time, platform
raw, outdir, rounds, secs, commit = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
rows = [json.loads(l) for l in open(raw)]
def vals(mode, k):
    return [r[k] for r in rows if r["mode"] == mode]
def q(v, p):
    v = sorted(v)
    i = (len(v) - 1) * p
    lo = int(i)
    return v[lo] + (v[min(lo + 1, len(v) - 1)] - v[lo]) * (i - lo)
def spread(v):
    if not v:
        return {"median": None, "p25": None, "p75": None, "runs": v}
    return {"median": S.median(v), "p25": q(v, .25), "p75": q(v, .75), "runs": v}
rx, pri, sec = vals("rx_only", "pps"), vals("primary", "pps"), vals("secondary", "pps")
# rounds where testpmd printed no rate while the secondary ran: left out
sec_pri = [(p, r) for p, r in zip(vals("secondary", "primary_pps"), rx) if p is not None]
no_rate = rounds - len(sec_pri)
ratios = [p / r for p, r in zip(pri, rx)]
cost = [1e9 / p for p in pri]
net = [1e9 / p - 1e9 / r for p, r in zip(pri, rx)]
o = {
    "schema": "latprobe-bench-nic/1",
    "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    "commit": commit, "rounds": rounds, "seconds": secs,
    "source": "net_pcap infinite_rx, 4096 segments of one TCP flow, 200-byte payloads, 1 lcore",
    "rx_only_pps": spread(rx),
    "primary_stamped_pps": spread(pri),
    "primary_over_rx_only": spread(ratios),
    "primary_ns_per_packet": spread(cost),
    "primary_ns_per_packet_over_rx_only": spread(net),
    "secondary_stamped_pps": spread(sec),
    "secondary_primary_pps": spread([p for p, _ in sec_pri]),
    "secondary_rounds_without_primary_rate": no_rate,
    "secondary_dropped_pps": spread(vals("secondary", "dropped_pps")),
    "primary_kernel_share": spread(vals("primary", "sys_share")),
    "secondary_ns_per_packet": spread([1e9 / p for p in sec]),
    "secondary_over_rx_only_primary": spread([p / r for p, r in sec_pri]),
    "secondary_capture_ts_bad": sum(vals("secondary", "capture_bad")),
}
json.dump(o, open(outdir + "/bench_nic.json", "w"), indent=1)
def m(k, d=1e6, nd=2):
    s = o[k]
    if s["median"] is None:
        return "n/a"
    return "%.*f [%.*f-%.*f]" % (nd, s["median"] / d, nd, s["p25"] / d, nd, s["p75"] / d)
md = f"""# latprobe-nic benchmark ({o['timestamp']})

Produced by `make bench` / `make bench-nic` (scripts/bench_nic.sh) at commit {commit} on
{platform.node() or 'this machine'} ({platform.machine()}), {rounds} alternating rounds of {secs:g} s (secondary: {secs + 2:g} s).
Source: {o['source']}. Values are `median [p25-p75]` over the rounds; every run is in bench_nic.json.

| what | Mpps or ns |
|---|---:|
| DPDK alone: dpdk-testpmd rxonly (receive, free) | {m('rx_only_pps')} Mpps |
| latprobe-nic as primary: parse, TSC stamp, nic_ts slot store (mmap) | {m('primary_stamped_pps')} Mpps |
| ratio latprobe-nic / DPDK alone (paired per round) | {m('primary_over_rx_only', 1, 4)} |
| latprobe-nic cost per stamped packet (1 / pps on its polling core) | {m('primary_ns_per_packet', 1, 1)} ns |
| ... share of it in the kernel (wait4 rusage; no bpf() per packet) | {m('primary_kernel_share', 0.01, 1)} % |
| stamping's cost per packet beyond receiving (1/pps - 1/pps_rx_only) | {m('primary_ns_per_packet_over_rx_only', 1, 1)} ns |
| as pdump secondary of dpdk-testpmd: packets stamped | {m('secondary_stamped_pps')} Mpps |
| ... the primary's receive rate meanwhile (pdump copying) | {m('secondary_primary_pps')} Mpps |
| ... that rate / the primary's rate without capture (paired) | {m('secondary_over_rx_only_primary', 1, 4)} |
| ... copies the primary dropped (our ring full), per second | {m('secondary_dropped_pps')} M/s |
| ... latprobe-nic cost per stamped packet (1 / pps) | {m('secondary_ns_per_packet', 1, 1)} ns |

Secondary stamps whose capture clock was refused: {o['secondary_capture_ts_bad']}. nic_ts is an mmap()ed
array of 2^18 64-byte slots written with plain stores (seqcount, no system call): the 4096
segments replayed here write the same 4096 slots (256 KiB, cache-resident) over and over; a
feed's ever-new sequence numbers write a new cache line per stamp.

Where the time goes: {o['primary_kernel_share']['median'] * 100:.0f} % of latprobe-nic's time is in the kernel (none of it per
packet); the rest is DPDK's receive, parsing and the stamp's store. Capture is not free for the primary either:
rte_pdump copies every RX packet in the primary's own RX path, so with latprobe-nic attached
dpdk-testpmd received {m('secondary_over_rx_only_primary', 0.01, 0).split(' ')[0]} % of its rate without capture ({no_rate} of {rounds} rounds
without a testpmd rate reading, its main lcore sharing a vCPU with the polling secondary, left out); copies beyond the
secondary's rate are dropped and counted (`pdump_ringfull`), packets are not. Both rates are
far above a market-data feed's; a pdump BPF filter (only the feed's TCP) would cut the copies.
"""
open(outdir + "/bench_nic.md", "w").write(md)
print(md)
PY
log "done in $(($(date +%s) - START))s: $RESULTS_DIR/bench_nic.json $RESULTS_DIR/bench_nic.md"
