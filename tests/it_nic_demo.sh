#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# make nic-demo, short: DPDK (dpdk-testpmd --no-pci, net_af_packet <-> net_tap) in
# front of the kernel, latprobe-nic as its secondary, latprobe on the
# client. The demo itself asserts what the report must show (>= 99 % of the
# flow's segments NIC-stamped, all by DPDK, none later than tcp_in beyond
# the stated conversion error, one way into the kernel); this test adds that
# nothing is left behind. Exit 0 PASS, 1 FAIL, 77 SKIPPED.
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd)
TMP=$(mktemp -d /tmp/it_nic_demo.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

hp_before=$(cat /proc/sys/vm/nr_hugepages)
NIC_DEMO_SECONDS=${NIC_DEMO_SECONDS:-3} NIC_DEMO_OUTPUT=$TMP/report.json \
	NIC_DEMO_LOGS=$TMP/logs bash "$HERE/scripts/nic_demo.sh"
rc=$?
[ "$rc" = 77 ] && exit 77
fail=0
[ "$rc" = 0 ] || { echo "FAIL: nic-demo exit $rc"; fail=1; }
# the demo's own names carry its pid; none may survive it
left=$(ip -o link show | grep -o 'lpnd[0-9]*[wt]' | sort -u)
[ -z "$left" ] || { echo "FAIL: interfaces left: $left"; fail=1; }
ip netns list | grep -q '^lpnd' && { echo "FAIL: namespace left"; fail=1; }
ls /dev/hugepages/lpnd* /var/run/dpdk/lpnd* >/dev/null 2>&1 &&
	{ echo "FAIL: hugepage or run files left"; fail=1; }
[ "$(cat /proc/sys/vm/nr_hugepages)" = "$hp_before" ] ||
	{ echo "FAIL: nr_hugepages not restored"; fail=1; }
[ -e /sys/fs/bpf/latprobe/nic_stats ] && { echo "FAIL: nic_stats pin left"; fail=1; }
[ "$fail" = 0 ] && echo "PASS: it_nic_demo"
exit $fail
