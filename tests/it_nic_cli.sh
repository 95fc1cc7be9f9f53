#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# latprobe-nic's bad input: its own flags are checked before DPDK starts
# (exit 2, one line, nothing started); a secondary with no primary, a port
# that does not exist, --probe-iface given to a primary, and unusable map
# paths or an old-format nic_ts end with one clear line and exit 1; a failed
# start (EAL or later) leaves no /var/run/dpdk/PREFIX behind. DPDK runs with --no-huge on a
# net_null vdev: no hugepages, no NIC. Exit 0 PASS, 1 FAIL, 77 SKIPPED.
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd)
NIC=${LP_BUILD:-$HERE/build}/latprobe-nic
[ "$(id -u)" = 0 ] || { echo "SKIPPED: needs root"; exit 77; }
[ -x "$NIC" ] || { echo "SKIPPED: $NIC not built"; exit 77; }
PFX=lpnc$$
TMP=$(mktemp -d /tmp/it_nic_cli.XXXXXX)
FAILED=0
cleanup() {
	rm -rf "$TMP" /var/run/dpdk/"$PFX"* /sys/fs/bpf/lpnc$$
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; FAILED=1; }

# expect RC PATTERN ARGS...: exit RC, and a line of ours matching PATTERN
expect() {
	local want=$1 pat=$2 rc n
	shift 2
	timeout 30 "$NIC" "$@" >"$TMP/out" 2>&1
	rc=$?
	n=$(grep -c '^latprobe-nic: ' "$TMP/out")
	if [ "$rc" != "$want" ]; then
		fail "$*: exit $rc, want $want: $(head -3 "$TMP/out")"
	elif ! grep -q "^latprobe-nic: $pat" "$TMP/out"; then
		fail "$*: no line '$pat': $(head -3 "$TMP/out")"
	elif [ "$n" != 1 ]; then
		fail "$*: $n lines of ours, want 1"
	fi
}

# flags: before EAL, so without any primary or hugepages; nothing else printed
bad() { # VALUE-DESCRIPTION ARGS...
	expect 2 "$@"
	[ "$(wc -l <"$TMP/out")" = 1 ] || fail "${*:2}: more than one line"
}
bad "bad value 'abc' for --port" -l 0 --no-pci -- --port abc
bad "bad value '-1' for --port" -l 0 --no-pci -- --port -1
bad "bad value '0x1' for --port" -l 0 --no-pci -- --port 0x1
bad "bad value '99999' for --port" -l 0 --no-pci -- --port 99999
bad "bad value '2000000' for --idle-us" -l 0 --no-pci -- --idle-us 2000000
bad "bad value '10' for --snaplen" -l 0 --no-pci -- --snaplen 10
bad "bad value '70000' for --snaplen" -l 0 --no-pci -- --snaplen 70000
for d in nan inf 1e300 -1 31536001 5s; do
	bad "bad value '$d' for --duration" -l 0 --no-pci -- --duration "$d"
done
bad "bad value '' for --probe-iface" -l 0 --no-pci -- --probe-iface=
bad "bad value '0123456789abcdefg' for --probe-iface" -l 0 --no-pci -- --probe-iface 0123456789abcdefg
bad "unknown option or missing value '--bogus'" -l 0 --no-pci -- --bogus
bad "unknown option or missing value '--port'" -l 0 --no-pci -- --port
bad "unexpected argument 'stray'" -l 0 --no-pci -- stray
"$NIC" --help >"$TMP/out" 2>&1 && grep -q -- '--probe-iface' "$TMP/out" ||
	fail "--help"

# runtime: EAL up (primary without hugepages on net_null), then refused
EAL=(--proc-type=primary -l 0 --no-pci --no-huge -m 128 --file-prefix="$PFX"
	--vdev=net_null0 --log-level=lib.eal:error)
M=(--map /sys/fs/bpf/lpnc$$/ts --stats-map /sys/fs/bpf/lpnc$$/st)
# a failed EAL start: one line naming the cause (EAL's log captured), exit 1,
# and no runtime directory left under /var/run/dpdk
left() { ls -d /var/run/dpdk/"$PFX"* 2>/dev/null; }
eal_bad() { # PATTERN EAL-ARGS...
	expect 1 "EAL init failed: $1" "${@:2}" -- --port 0
	[ "$(wc -l <"$TMP/out")" = 1 ] ||
		fail "${*:2}: $(wc -l <"$TMP/out") lines, want 1: $(head -3 "$TMP/out")"
	[ -z "$(left)" ] || fail "${*:2}: left $(left)"
}
eal_bad ".*Cannot init config (a secondary needs a running primary" \
	-l 0 --no-pci --file-prefix="${PFX}none" --log-level=lib.eal:error
eal_bad ".*Cannot init config" -l 0 --no-pci --file-prefix="${PFX}none"
eal_bad "Error creating '/var/run/dpdk/${PFX}x/bad': No such file or directory" \
	-l 0 --no-pci --file-prefix="${PFX}x/bad"
eal_bad "lcore 99 unavailable; Invalid 'command line' arguments" \
	-l 99 --no-pci --file-prefix="$PFX"
eal_bad "Invalid 'command line' arguments" -l 0 --no-pci \
	--file-prefix="$PFX" --bogus-eal
# --verbose: EAL's whole log, and still our line
timeout 30 "$NIC" -l 0 --no-pci --file-prefix="${PFX}none" -- --verbose \
	>"$TMP/out" 2>&1
grep -q "^EAL: Cannot init config" "$TMP/out" &&
	grep -q "^latprobe-nic: EAL init failed: " "$TMP/out" ||
	fail "--verbose: EAL's log not shown: $(head -3 "$TMP/out")"
[ -z "$(left)" ] || fail "--verbose: left $(left)"
expect 1 "no DPDK port 5 (1 ports)" "${EAL[@]}" -- "${M[@]}" --port 5
[ -z "$(left)" ] || fail "primary refused after EAL: left $(left)"
expect 1 "--probe-iface is for a secondary" "${EAL[@]}" -- "${M[@]}" --probe-iface lo
expect 1 "/tmp/[^:]*: bpf_obj_pin: " "${EAL[@]}" -- --map "$TMP/x" \
	--stats-map /sys/fs/bpf/lpnc$$/st
expect 1 "/etc/passwd: bpf_obj_get: " "${EAL[@]}" -- --map /etc/passwd \
	--stats-map /sys/fs/bpf/lpnc$$/st
# a nic_ts of the old format (LRU hash of 16-byte stamps): refused, one line
if command -v bpftool >/dev/null; then
	mkdir -p /sys/fs/bpf/lpnc$$
	bpftool map create /sys/fs/bpf/lpnc$$/old type lru_hash key 40 value 16 \
		entries 1024 name nic_ts || fail "bpftool map create"
	expect 1 "/sys/fs/bpf/lpnc$$/old: old-format nic_ts (map type 9, .*); remove it: " \
		"${EAL[@]}" -- --map /sys/fs/bpf/lpnc$$/old --stats-map /sys/fs/bpf/lpnc$$/st
	rm -f /sys/fs/bpf/lpnc$$/old
fi
# and a good run on the same vdev: exit 0, statistics, pins removed
timeout 30 "$NIC" "${EAL[@]}" -- "${M[@]}" --duration 0.3 >"$TMP/out" 2>&1 ||
	fail "good run: exit $?: $(head -3 "$TMP/out")"
grep -q "^latprobe-nic: primary on port 0" "$TMP/out" &&
	grep -q "^latprobe-nic: packets=" "$TMP/out" || fail "good run: no statistics"
[ -z "$(ls /sys/fs/bpf/lpnc$$ 2>/dev/null)" ] || fail "pins left: $(ls /sys/fs/bpf/lpnc$$)"

[ "$FAILED" = 0 ] && echo "PASS: it_nic_cli: bad flags exit 2 before EAL, runtime refusals exit 1, one line each"
exit $FAILED
