#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# make nic-demo: DPDK in front of the kernel, as kernel-bypass deployments
# put it, on a machine with no NIC to spare:
#
#   netns: wsfeed (wss) FEED_IP --veth--> WIRE (root ns: no address, no ARP,
#          no IPv6, strict reverse-path filter: the kernel drops every packet
#          that takes the direct path, and counts them)
#   dpdk-testpmd (primary, --no-pci, io forwarding):
#          port 0 = net_af_packet on WIRE  <->  port 1 = net_tap TAP
#   TAP carries the client's address: every segment reaches the kernel only
#   after DPDK received it on port 0.
#   latprobe-nic: secondary of that primary, pdump copies of port 0 RX,
#          stamps (TSC at the primary's RX, calibrated to CLOCK_MONOTONIC)
#          into latprobe's pinned nic_ts map.
#   latprobe --client wsclient: the report's nic_to_tcp starts at DPDK.
#
# Then it checks what the report says: >= 99 % of the flow's segments carry
# a NIC stamp, every stamp comes from DPDK, and no stamp is later than the
# segment's tcp_in by more than latprobe-nic's stated conversion error.
# Exit 0 pass, 1 fail, 77 cannot run here (reason printed).
#
# Tunables: NIC_DEMO_SECONDS=10 NIC_DEMO_RATE=500 (msg/s)
#           NIC_DEMO_OUTPUT=build/nic-demo.json NIC_DEMO_LOGS=build/nic-demo
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
. scripts/dpdk-lib.sh

SECS=${NIC_DEMO_SECONDS:-10}
RATE=${NIC_DEMO_RATE:-500}
B=${LP_BUILD:-$ROOT/build}
OUT=${NIC_DEMO_OUTPUT:-$B/nic-demo.json}
LOGS=${NIC_DEMO_LOGS:-$B/nic-demo}
LP=$ROOT/latprobe

say() { echo "nic-demo: $*"; }
cannot() { say "SKIPPED: $*"; exit 77; }
die() { say "FAIL: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || cannot "needs root (try: sudo make nic-demo)"
for t in dpdk-testpmd ethtool tc ip python3; do
	command -v "$t" >/dev/null || cannot "$t not installed (scripts/install-deps.sh)"
done
for b in "$LP" "$B/latprobe-nic" "$B/wsfeed" "$B/wsclient"; do
	[ -x "$b" ] || die "$b not built (run: make)"
done
[ -c /dev/net/tun ] || cannot "/dev/net/tun missing: net_tap needs it"
mkdir -p "$LOGS"

ID=$(($$ % 200 + 20))
NS=lpnd$$
WIRE=lpnd$$w # root-ns veth end DPDK reads; no address, ingress dropped
TAP=lpnd$$t  # net_tap: the kernel's side of DPDK, the client's address
PFX=lpnd$$
FEED_IP=10.78.$ID.1 CLIENT_IP=10.78.$ID.2 PORT=9443
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	ip link del "$WIRE" 2>/dev/null
	ip link del "$TAP" 2>/dev/null
	dpdk_forget "$PFX"
	dpdk_hugepages_give
}
trap cleanup EXIT
trap 'exit 1' INT TERM


dpdk_hugepages_take 256 || cannot "no hugepages for DPDK"
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf || cannot "cannot mount bpffs"

say "feed (wss) in namespace $NS at $FEED_IP:$PORT, $RATE msg/s for ${SECS}s"
ip netns add "$NS" || cannot "cannot create a network namespace"
ip link add "$WIRE" type veth peer name eth0 netns "$NS" || cannot "cannot create veth"
ip -n "$NS" addr add "$FEED_IP/24" dev eth0
ip -n "$NS" link set eth0 up
ip -n "$NS" link set lo up
# af_packet copies what the feed's stack hands the veth: whole checksums and
# MTU-sized frames, not offloaded partial checksums or 64 KiB GSO packets
ip netns exec "$NS" ethtool -K eth0 tx off tso off gso off >/dev/null ||
	die "ethtool -K on the feed's veth failed"
# Cut the direct path. Packet sockets (DPDK's af_packet) see a frame before
# the stack does; the stack then refuses it: the feed's address routes via
# TAP, so strict reverse-path filtering drops it on WIRE. (tc's drop action
# is not in this kernel.)
ip link set "$WIRE" arp off
sysctl -qw "net.ipv6.conf.$WIRE.disable_ipv6=1" "net.ipv4.conf.$WIRE.rp_filter=1" ||
	die "cannot cut the direct path on $WIRE"
ip link set "$WIRE" up

say "dpdk-testpmd: port 0 net_af_packet on $WIRE <-> port 1 net_tap $TAP ($CLIENT_IP), io forwarding"
# non-interactive with a stats period: runs until SIGTERM, no stdin needed
timeout $((SECS + 120)) stdbuf -oL dpdk-testpmd -l 0-1 "$DPDK_BASE_VA" --no-pci --file-prefix="$PFX" \
	--vdev="net_af_packet0,iface=$WIRE" --vdev="net_tap0,iface=$TAP" \
	--log-level=lib.eal:error -- --forward-mode=io --total-num-mbufs=8192 \
	--stats-period=3600 </dev/null >"$LOGS/testpmd.log" 2>&1 &
PIDS+=($!)
wait_for "$LOGS/testpmd.log" "start packet forwarding" 30 || {
	tail -20 "$LOGS/testpmd.log" >&2
	cannot "dpdk-testpmd did not start on net_af_packet + net_tap"
}
ip addr add "$CLIENT_IP/24" dev "$TAP" && ip link set "$TAP" up || die "cannot configure $TAP"
tap_rx() { cat "/sys/class/net/$TAP/statistics/rx_packets"; }
TAP_RX0=$(tap_rx)

"$LP" --client "$B/wsclient" --duration $((SECS + 4)) --output "$OUT" \
	2>"$LOGS/latprobe.log" &
LPPID=$!
PIDS+=($LPPID)
wait_for "$LOGS/latprobe.log" "tracing" 20 || {
	cat "$LOGS/latprobe.log" >&2
	die "latprobe did not attach"
}

# shellcheck disable=SC2046 # one word per -d and path
timeout $((SECS + 60)) "$B/latprobe-nic" -l 0 --no-pci --file-prefix="$PFX" \
	$(dpdk_secondary_d "$(command -v dpdk-testpmd)") --log-level=lib.eal:error \
	-- --port 0 --probe-iface "$WIRE" --idle-us 10 >"$LOGS/latprobe-nic.log" 2>&1 &
NICPID=$!
PIDS+=($NICPID)
wait_for "$LOGS/latprobe-nic.log" "stamps from" 20 || {
	cat "$LOGS/latprobe-nic.log" >&2
	die "latprobe-nic did not attach to dpdk-testpmd"
}
grep "stamps from" "$LOGS/latprobe-nic.log" | sed 's/^/  /'

ip netns exec "$NS" "$B/wsfeed" --tls --bind "$FEED_IP" --port "$PORT" \
	--rate "$RATE" --depth-follows-rate --duration $((SECS + 20)) \
		>"$LOGS/wsfeed.log" 2>&1 &
PIDS+=($!)
sleep 1.2 # latprobe notices latprobe-nic's statistics pin once a second

say "client: wss://$FEED_IP:$PORT through DPDK, ${SECS}s"
# in the background: a signal stops the demo now, not after the client
"$B/wsclient" --insecure --duration "$SECS" \
	--url "wss://$FEED_IP:$PORT/stream?streams=btcusdt@trade/ethusdt@depth@100ms&timeUnit=MICROSECOND" \
	--json-summary "$LOGS/client.json" >"$LOGS/client.log" 2>&1 &
CPID=$!
PIDS+=($CPID)
wait "$CPID"
rc=$?
sed 's/^/  /' "$LOGS/client.log"
[ "$rc" -eq 0 ] || die "client failed (logs in $LOGS)"

wait "$LPPID" || die "latprobe failed: $(tail -3 "$LOGS/latprobe.log")"
kill -TERM "$NICPID"
wait "$NICPID" || die "latprobe-nic exit status (log: $LOGS/latprobe-nic.log)"
grep '^latprobe-nic:' "$LOGS/latprobe-nic.log" | sed 's/^/  /'
TAP_RX=$(($(tap_rx) - TAP_RX0))

echo
echo "latprobe: where the microseconds went, NIC (DPDK) to application:"
"$LP" report "$OUT" || die "latprobe report failed"
echo

# The checks the demo stands for.
ERR=$(sed -n 's/.*TSC->CLOCK_MONOTONIC error <= \([0-9]*\) ns.*/\1/p' "$LOGS/latprobe-nic.log")
python3 - "$OUT" "$CLIENT_IP" "$FEED_IP:$PORT" "${ERR:-x}" "${TAP_RX:-0}" <<'PY'
import json, sys
rep, cip, feed, err, tap_rx = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
r = json.load(open(rep))
conns = [c for c in r["connections"].values()
         if c["destination"] == feed and c["source"].startswith(cip + ":")]
fails = []
if err == "x":
    fails.append("latprobe-nic stated no TSC->CLOCK_MONOTONIC error")
    err = 0
err = int(err)
if not conns:
    fails.append("no connection %s -> %s in the report" % (cip, feed))
for c in conns:
    segs = c["segments_in"] - c["segments_retransmitted"]
    st, src = c["nic_stamped"], c["nic_sources"]
    dpdk = src.get("dpdk_hw", 0) + src.get("dpdk_tsc", 0)
    dups = c["segments_retransmitted"]
    pct = 100.0 * st / segs if segs else 0.0
    print("nic-demo: %s: %d segments, %d NIC-stamped (%.2f %%), sources %s" %
          (c["source"], segs, st, pct,
           {k: v for k, v in src.items() if v}))
    print("nic-demo: stamps later than tcp_in: %d (max %d ns; stated conversion error %d ns)" %
          (c["nic_after_tcp"], c["nic_after_tcp_max_ns"], err))
    print("nic-demo: path: %s delivered %d packets into the kernel for %d segments; "
          "segments that arrived twice: %d" % ("net_tap", tap_rx, segs, dups))
    # a second way in would deliver every segment twice
    if tap_rx < segs:
        fails.append("the tap delivered %d packets for %d segments: another path?" % (tap_rx, segs))
    if dups > 0.01 * segs:
        fails.append("%d segments arrived twice: is the direct path cut?" % dups)
    if segs < 10:
        fails.append("only %d segments: the flow did not run" % segs)
    if pct < 99.0:
        fails.append("%.2f %% of segments NIC-stamped, want >= 99 %%" % pct)
    if dpdk == 0 or dpdk != st:
        fails.append("stamps not all from DPDK: %s" % src)
    # a retransmission's stamp replaces the original's in nic_ts (same
    # flow and seq), so each segment that arrived twice may carry a later
    # copy's stamp; any other stamp after tcp_in is an error
    if c["nic_after_tcp"] > dups and c["nic_after_tcp_max_ns"] > err:
        fails.append("%d stamps after tcp_in (%d segments arrived twice), by up to %d ns > %d ns error" %
                     (c["nic_after_tcp"], dups, c["nic_after_tcp_max_ns"], err))
nt = r["stages"].get("nic_to_tcp")
if nt:
    print("nic-demo: nic_to_tcp (DPDK RX -> tcp_in, through net_tap): p50 %.3f us, p99 %.3f us over %d samples" %
          (nt["p50"], nt["p99"], nt["count"]))
else:
    fails.append("no nic_to_tcp stage in the report")
for f in fails:
    print("nic-demo: FAIL: " + f)
print("nic-demo: %s" % ("FAIL" if fails else "PASS"))
sys.exit(1 if fails else 0)
PY
rc=$?
say "report: $OUT   logs: $LOGS/"
exit $rc
