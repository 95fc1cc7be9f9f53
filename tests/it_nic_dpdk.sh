#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Integration test of latprobe-nic on real packets, no NIC needed:
#   netns (client 10.77.N.1) --veth--> root ns end (server 10.77.N.2)
#   1. secondary: dpdk-testpmd (primary, rxonly) reads the root-ns veth end
#      through net_af_packet; latprobe-nic attaches as a secondary and gets
#      pdump copies.
#   2. primary: latprobe-nic itself owns net_af_packet on that end.
# The client sends NMSG messages of MSGLEN bytes, one TCP segment each; the
# test checks that nic_ts holds those segments (same 4-tuple, seqs one
# MSGLEN apart; direct-mapped, one may have lost its slot to another), that every stamp lies between the client's send and the
# server's recv (CLOCK_MONOTONIC, less the stated conversion error), the
# statistics map, clean SIGTERM exits and the removal of pins and hugepages.
#
# Exit 0 PASS, 1 FAIL, 77 SKIPPED (reason printed). Needs root.
set -u

NMSG=${NMSG:-200}
MSGLEN=${MSGLEN:-100}
HERE=$(cd "$(dirname "$0")/.." && pwd)
. "$HERE/scripts/dpdk-lib.sh"
NIC=${LATPROBE_NIC:-${LP_BUILD:-$HERE/build}/latprobe-nic}

skip() { echo "SKIPPED: $*"; exit 77; }
fail() { echo "FAIL: $*"; FAILED=1; }

[ "$(id -u)" = 0 ] || skip "needs root"
for t in dpdk-testpmd bpftool python3 ip timeout; do
	command -v "$t" >/dev/null || skip "$t not installed"
done
[ -x "$NIC" ] || skip "$NIC not built (make build/latprobe-nic)"

ID=$$
SUB=10.77.$((ID % 200 + 20))
NS=lpnic$ID
VA=lpn${ID}a # in $NS, client side
VB=lpn${ID}b # root ns, DPDK reads here
PFX=lpnic$ID
PIN=/sys/fs/bpf/latprobe
MAP=$PIN/nic_ts_it$ID
SMAP=$PIN/nic_stats_it$ID
TMP=$(mktemp -d /tmp/it_nic.XXXXXX)
PORT=$((20000 + ID % 10000))
FAILED=0
PIDS=()
PIN_MADE=0

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	sleep 0.5
	for p in "${PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	ip link del "$VB" 2>/dev/null
	rm -f "$MAP" "$SMAP"
	[ "$PIN_MADE" = 1 ] && rmdir "$PIN" 2>/dev/null
	for p in "$PFX" "${PFX}p" "${PFX}l"; do
		dpdk_forget "$p"
	done
	dpdk_hugepages_give
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# Hugepages and bpffs.
dpdk_hugepages_take 256 || skip "no hugepages for DPDK"
if ! mountpoint -q /sys/fs/bpf; then
	mount -t bpf bpf /sys/fs/bpf || skip "cannot mount bpffs"
fi
[ -d "$PIN" ] || PIN_MADE=1

# Topology.
ip netns add "$NS" || skip "cannot create a network namespace"
ip link add "$VA" type veth peer name "$VB" || skip "cannot create veth"
ip link set "$VA" netns "$NS"
ip -n "$NS" addr add "$SUB.1/24" dev "$VA"
ip -n "$NS" link set "$VA" up
ip -n "$NS" link set lo up
ip addr add "$SUB.2/24" dev "$VB"
ip link set "$VB" up
# segments no larger than a message: one message, one segment
ip -n "$NS" link set "$VA" mtu 1500

# Server (root ns): recv times per chunk; client (netns): send times.
cat >"$TMP/server.py" <<'EOF'
import json, socket, sys, time
addr, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
delay = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, port))
s.listen(1)
s.settimeout(30)
open(out + ".ready", "w").close()
c, peer = s.accept()
c.settimeout(30)
got, recvs = 0, []
while True:
    if delay:
        time.sleep(delay)
    b = c.recv(65536)
    if not b:
        break
    got += len(b)
    recvs.append([got, time.clock_gettime_ns(time.CLOCK_MONOTONIC)])
json.dump({"peer": list(peer), "recvs": recvs}, open(out, "w"))
EOF
cat >"$TMP/client.py" <<'EOF'
import json, socket, sys, time
addr, port, n, size, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
s = socket.create_connection((addr, port), timeout=10)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
sends = []
for i in range(n):
    sends.append(time.clock_gettime_ns(time.CLOCK_MONOTONIC))
    s.sendall(bytes([i % 256]) * size)
    time.sleep(0.002)  # one segment per message
s.close()
json.dump({"sends": sends}, open(out, "w"))
EOF

# Checks nic_ts against the flow; prints a summary line or FAIL lines.
cat >"$TMP/check.py" <<'EOF'
import ctypes, json, mmap, socket, struct, subprocess, sys
mapp, smap, tmp, sub, port, n, size, want_src = sys.argv[1:9]
port, n, size = int(port), int(n), int(size)
srv = json.load(open(tmp + "/server.json"))
cli = json.load(open(tmp + "/client.json"))
cport = srv["peer"][1]
# nic_ts is an mmapable array of 64-byte slots (bpf/latprobe.h): read it in
# place (a bpftool dump would print all 2^18 slots), element 0 the header
BPF_OBJ_GET, NR_BPF = 7, 321
libc = ctypes.CDLL(None, use_errno=True)
path = ctypes.create_string_buffer(mapp.encode())
attr = struct.pack("=QII", ctypes.addressof(path), 0, 0) + bytes(120 - 16)
fd = libc.syscall(NR_BPF, BPF_OBJ_GET, ctypes.c_char_p(attr), len(attr))
if fd < 0:
    sys.exit("FAIL: BPF_OBJ_GET %s: errno %d" % (mapp, ctypes.get_errno()))
mem = mmap.mmap(fd, ((1 + (1 << 18)) * 64 + 4095) & ~4095, mmap.MAP_SHARED, mmap.PROT_READ)
gen = struct.unpack_from("<Q", mem, 8)[0]
slots, seqs = [], []
for idx in range(1, 1 + (1 << 18)):
    cnt, src, ns = struct.unpack_from("<IB3xQ", mem, idx * 64)
    if not src:
        continue
    k = mem[idx * 64 + 16:idx * 64 + 56]
    sa, da = k[0:4], k[16:20]
    sp, dp, seq = struct.unpack_from("<HHI", k, 32)
    slots.append(idx)
    if (socket.inet_ntoa(sa), socket.inet_ntoa(da), sp, dp) == (sub + ".1", sub + ".2", cport, port):
        seqs.append((seq, ns, src, idx, cnt))
ok = True
def bad(msg):
    global ok
    ok = False
    print("FAIL: " + msg)
# direct-mapped: a segment whose slot another took is gone; in 2^18 slots
# two of 200 segments share one with probability 7.6 %, two pairs 0.3 %
if len(seqs) < n - 1 or len(seqs) > n:
    bad("nic_ts has %d stamps for the flow, want %d (map has %d)" % (len(seqs), n, len(slots)))
if any(s[4] & 1 for s in seqs):
    bad("odd seqcount left in a slot: %s" % [s[4] for s in seqs if s[4] & 1][:5])
if gen < len(slots):
    bad("header generation %d < %d stamped slots" % (gen, len(slots)))
# bpftool prints a slot with its BTF field names
if seqs:
    one = json.loads(subprocess.check_output(["bpftool", "-j", "map", "lookup", "pinned", mapp, "key"] +
                                             [str(b) for b in struct.pack("<I", seqs[0][3])]))
    f = one.get("formatted", {}).get("value", {})
    if f.get("ns") != seqs[0][1] or f.get("key", {}).get("seq") != seqs[0][0] or "cnt" not in f:
        bad("bpftool lookup of slot %d: %s" % (seqs[0][3], f))
base = min(s[0] for s in seqs) if seqs else 0
rel = sorted(((s - base) % 2**32, ns, src) for s, ns, src, _, _ in seqs)
if any(r[0] % size for r in rel) or len(set(r[0] for r in rel)) != len(rel) or (rel and rel[-1][0] > (n - 1) * size):
    bad("seqs are not %d bytes apart: %s" % (size, [r[0] for r in rel][:10]))
if any(r[2] != int(want_src) for r in rel):
    bad("source not %s: %s" % (want_src, sorted(set(r[2] for r in rel))))
stats = json.loads(subprocess.check_output(["bpftool", "-j", "map", "dump", "pinned", smap]))
st = stats[0].get("formatted", {}).get("value") if stats and "formatted" in stats[0] else None
if st is None:
    bad("stats map has no BTF-formatted value")
    st = {}
# capture stamps are early by at most capture_early_ns (probe-bounded)
err = max(st.get("tsc_err_ns", 0), st.get("hw_err_ns", 0)) + st.get("capture_early_ns", 0)
# message i: sent at sends[i]; its last byte was returned by the first recv
# whose running total reached (i+1)*size
lo_viol = hi_viol = 0
d_send, d_recv = [], []
j = 0
for off, ns, src in rel:
    i = off // size
    while j < len(srv["recvs"]) and srv["recvs"][j][0] < (i + 1) * size:
        j += 1
    if i < len(cli["sends"]) and ns + err < cli["sends"][i]:
        lo_viol += 1
    # here DPDK reads a copy (af_packet tap), not the path into the kernel,
    # so it may see a segment after the server read it: allow 20 ms
    if j < len(srv["recvs"]) and ns > srv["recvs"][j][1] + err + 20000000:
        hi_viol += 1
    if i < len(cli["sends"]):
        d_send.append(ns - cli["sends"][i])
    if j < len(srv["recvs"]):
        d_recv.append(srv["recvs"][j][1] - ns)
if lo_viol or hi_viol:
    bad("%d stamps before their send, %d over 20 ms after their recv (error bound %d ns)" % (lo_viol, hi_viol, err))
for f in ("packets", "stamped", "map_updates"):
    if st.get(f, 0) < n:
        bad("stats %s=%s < %d" % (f, st.get(f), n))
def med(a):
    a = sorted(a)
    return a[len(a) // 2] if a else -1
print("flow %s:%d -> %s.2:%d: %d stamped, send->nic median %d ns, nic->recv median %d ns, conversion error <= %d ns, stats %s" %
      (sub + ".1", cport, sub, port, len(rel), med(d_send), med(d_recv), err,
       {k: v for k, v in st.items() if v and not k.startswith("parse_ok")}))
sys.exit(0 if ok else 1)
EOF


run_flow() { # tag [reader delay s]
	rm -f "$TMP/server.json" "$TMP/server.json.ready" "$TMP/client.json"
	timeout 40 python3 "$TMP/server.py" "$SUB.2" "$PORT" "$TMP/server.json" ${2:-} &
	local spid=$!
	for ((i = 0; i < 50; i++)); do
		[ -e "$TMP/server.json.ready" ] && break
		sleep 0.1
	done
	timeout 30 ip netns exec "$NS" python3 "$TMP/client.py" "$SUB.2" \
		"$PORT" "$NMSG" "$MSGLEN" "$TMP/client.json" ||
		fail "$1: client failed"
	wait "$spid" || fail "$1: server failed"
	sleep 1.5 # copies still in the pdump ring; stats flushed once a second
}

# 1. Secondary through pdump, next to dpdk-testpmd.
echo "== secondary: dpdk-testpmd primary + latprobe-nic via pdump"
# non-interactive with a stats period: runs until SIGTERM, no stdin needed
timeout 150 stdbuf -oL dpdk-testpmd -l 0-1 "$DPDK_BASE_VA" --no-pci --file-prefix="$PFX" \
	--vdev="net_af_packet0,iface=$VB" --log-level=lib.eal:error -- \
	--forward-mode=rxonly --total-num-mbufs=4096 --stats-period=30 \
	</dev/null >"$TMP/testpmd.log" 2>&1 &
TPMD=$!
PIDS+=($TPMD)
wait_for "$TMP/testpmd.log" "start packet forwarding" 30 || {
	cat "$TMP/testpmd.log"
	skip "dpdk-testpmd did not start on net_af_packet"
}
# the probe frames on $VB bound pdump's capture-clock offset
# shellcheck disable=SC2046 # one word per -d and path
timeout 100 "$NIC" -l 0 --no-pci --file-prefix="$PFX" \
	$(dpdk_secondary_d "$(command -v dpdk-testpmd)") \
	--log-level=lib.eal:error -- --port 0 --map "$MAP" --probe-iface "$VB" \
	--stats-map "$SMAP" --idle-us "${IDLE_US:-20}" --keep >"$TMP/nic1.log" 2>&1 &
NICPID=$!
PIDS+=($NICPID)
wait_for "$TMP/nic1.log" "stamps from" 20 || {
	cat "$TMP/nic1.log"
	fail "latprobe-nic secondary did not start"
}
if [ "$FAILED" = 0 ]; then
	run_flow secondary
	kill -TERM "$NICPID"
	wait "$NICPID"
	rc=$?
	[ "$rc" = 0 ] || fail "secondary: exit $rc after SIGTERM"
	grep "latprobe-nic:" "$TMP/nic1.log"
	grep -q "src_tsc_capture=[1-9]" "$TMP/nic1.log" ||
		fail "secondary: no stamp from pdump's capture clock"
	grep -q "capture_ts_bad=[1-9]" "$TMP/nic1.log" &&
		fail "secondary: capture stamps refused"
	grep -q "probes_seen=[1-9]" "$TMP/nic1.log" ||
		fail "secondary: no probe came back"
	# bounded by the probes; how late a capture stamp can be depends on
	# how busy the primary's lcore was (a timing, not a behaviour)
	grep -Eq "offset bounded by [1-9][0-9]* probes.*(never late|late by <= [0-9]+ ns)" \
		"$TMP/nic1.log" ||
		fail "secondary: capture clock offset not bounded"
	[ -e "$MAP" ] && [ -e "$SMAP" ] || fail "secondary: --keep lost pins"
	python3 "$TMP/check.py" "$MAP" "$SMAP" "$TMP" "$SUB" "$PORT" \
		"$NMSG" "$MSGLEN" 2 || fail "secondary: map check"
	st=$(stat -c %a "$MAP")
	[ "$st" = 600 ] || fail "secondary: map pin mode $st, want 600"
	grep -q "pdump_ringfull=0" "$TMP/nic1.log" ||
		fail "secondary: pdump dropped copies"
fi
kill -TERM "$TPMD" 2>/dev/null
wait "$TPMD" 2>/dev/null
rm -f "$MAP" "$SMAP"
dpdk_forget "$PFX"

# 2. Primary on net_af_packet directly; the maps are removed on exit.
echo "== primary: latprobe-nic owns net_af_packet"
PFX2=${PFX}p
timeout 100 "$NIC" --proc-type=primary -l 0 --no-pci --file-prefix="$PFX2" \
	--vdev="net_af_packet0,iface=$VB" --log-level=lib.eal:error -- \
	--map "$MAP" --stats-map "$SMAP" --duration 60 --idle-us 20 \
	>"$TMP/nic2.log" 2>&1 &
NICPID=$!
PIDS+=($NICPID)
if wait_for "$TMP/nic2.log" "stamps from" 20; then
	run_flow primary
	python3 "$TMP/check.py" "$MAP" "$SMAP" "$TMP" "$SUB" "$PORT" \
		"$NMSG" "$MSGLEN" 2 || fail "primary: map check"
	kill -TERM "$NICPID"
	wait "$NICPID"
	rc=$?
	[ "$rc" = 0 ] || fail "primary: exit $rc after SIGTERM"
	grep "latprobe-nic:" "$TMP/nic2.log"
	grep -q "src_tsc_rx=" "$TMP/nic2.log" ||
		fail "primary: no final statistics"
	[ ! -e "$MAP" ] && [ ! -e "$SMAP" ] ||
		fail "primary: pins not removed on exit"
else
	cat "$TMP/nic2.log"
	fail "latprobe-nic primary did not start"
fi
dpdk_forget "$PFX2"

# 3. latprobe looks the stamps up: latprobe creates nic_ts, latprobe-nic
# (primary on the tap) fills it, the report accounts for every segment's.
echo "== latprobe + latprobe-nic: NIC stamps in the report"
LP=${LP_BUILD:+$HERE/latprobe}
LP=${LP:-$HERE/latprobe}
if [ "$FAILED" = 0 ] && [ -x "$LP" ]; then
	"$LP" --port "$PORT" --output "$TMP/lp.json" 2>"$TMP/lp.err" &
	LPPID=$!
	PIDS+=($LPPID)
	wait_for "$TMP/lp.err" "tracing" 20 || fail "latprobe did not attach: $(cat "$TMP/lp.err")"
	PFX3=${PFX}l
	timeout 100 "$NIC" --proc-type=primary -l 0 --no-pci --file-prefix="$PFX3" \
		--vdev="net_af_packet0,iface=$VB" --log-level=lib.eal:error -- \
		--stats-map "$SMAP" --duration 60 --idle-us 20 >"$TMP/nic3.log" 2>&1 &
	NICPID=$!
	PIDS+=($NICPID)
	if wait_for "$TMP/nic3.log" "stamps from" 20; then
		sleep 1.2 # latprobe notices the stamper (its stats pin) once a second
		# the reader waits 5 ms before each read: the tap's stamp (tens of
		# us behind the kernel here) is in nic_ts when the read consumes
		# the segment, as a NIC in front of the kernel would have it
		run_flow latprobe 0.005
		sleep 1
		kill -INT "$LPPID"
		wait "$LPPID" || fail "latprobe exit status"
		kill -TERM "$NICPID"
		wait "$NICPID"
		grep "latprobe-nic:" "$TMP/nic3.log"
		python3 - "$TMP/lp.json" "$SUB.2:$PORT" "$NMSG" <<'PY' || fail "latprobe report: NIC stamps"
import json, sys
rep, local, n = json.load(open(sys.argv[1])), sys.argv[2], int(sys.argv[3])
c = [c for c in rep["connections"].values() if c["source"] == local]
assert len(c) == 1, list(rep["connections"])
c = c[0]
print("  latprobe: segments %d nic_stamped %d after_tcp %d (max %d ns) sources %s" % (
    c["segments_in"], c["nic_stamped"], c["nic_after_tcp"],
    c["nic_after_tcp_max_ns"], c["nic_sources"]))
# On this topology the "NIC" is an af_packet tap: its copy reaches
# latprobe-nic while the kernel already delivers the original, so most
# stamps are later than tcp_in. latprobe finds each one when the (delayed)
# read consumes the segment: one before tcp_in is used, one after it is
# counted (nic_after_tcp) and not used (make nic-demo has DPDK in front).
# Every segment's stamp must be found, and every one used come from DPDK.
found = c["nic_stamped"] + c["nic_after_tcp"]
assert found >= 0.95 * n, found
assert c["nic_sources"]["dpdk_tsc"] == c["nic_stamped"], c["nic_sources"]
assert c["nic_after_tcp_max_ns"] < 20e6, c["nic_after_tcp_max_ns"]
PY
	else
		cat "$TMP/nic3.log"
		fail "latprobe-nic (with latprobe) did not start"
	fi
	dpdk_forget "$PFX3"
fi

if [ "$FAILED" = 0 ]; then
	echo "PASS: it_nic_dpdk"
	exit 0
fi
exit 1
