# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Shared helpers for integration tests: exit 0 PASS, 1 FAIL, 77 SKIPPED.
# Source it first thing; it sets ROOT, BUILD and a cleanup trap.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${LP_BUILD:-$ROOT/build} # build-san with make test SANITIZE=1
# Under SANITIZE=1 the traced test clients are ASan builds too: their
# prologues and epilogues (outside their own clocks) grow and vary, so a
# check of latprobe's timing against a client's clock is shown, not judged
# (the release run judges it); counts, stages and placement stay checked.
export LP_SANITIZED=
[ "${BUILD##*/}" = build-san ] && LP_SANITIZED=1
LATPROBE=$ROOT/latprobe
TEST_NAME=$(basename "$0" .sh)
TMP=$(mktemp -d "/tmp/${TEST_NAME}.XXXXXX")
_CLEANUP=()

cleanup_add() { _CLEANUP+=("$*"); }
_run_cleanup() {
	local i
	for ((i = ${#_CLEANUP[@]} - 1; i >= 0; i--)); do
		eval "${_CLEANUP[$i]}" >/dev/null 2>&1 || true
	done
	rm -rf "$TMP"
}
trap _run_cleanup EXIT
trap 'exit 1' INT TERM

fail() { echo "FAIL $TEST_NAME: $*" >&2; exit 1; }
skip() { echo "SKIPPED $TEST_NAME: $*" >&2; exit 77; }
pass() { echo "PASS $TEST_NAME${1:+: $*}"; exit 0; }
info() { echo "  $TEST_NAME: $*" >&2; }

need_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (BPF and network namespaces)"
}

# Two namespaces joined by a veth pair; sets NS_A NS_B IP_A IP_B.
# Names and the /24 are unique per run; removed on exit, also on failure.
make_netns_pair() {
	local id=$(( ($$ + RANDOM) % 200 + 20 ))
	NS_A=lpA$$_$RANDOM
	NS_B=lpB$$_$RANDOM
	IP_A=10.77.$id.1
	IP_B=10.77.$id.2
	ip netns add "$NS_A" || fail "ip netns add"
	cleanup_add ip netns del "$NS_A"
	ip netns add "$NS_B" || fail "ip netns add"
	cleanup_add ip netns del "$NS_B"
	ip link add "va$$" netns "$NS_A" type veth peer name "vb$$" netns "$NS_B" ||
		fail "veth"
	ip -n "$NS_A" addr add "$IP_A/24" dev "va$$"
	ip -n "$NS_B" addr add "$IP_B/24" dev "vb$$"
	ip -n "$NS_A" link set lo up
	ip -n "$NS_B" link set lo up
	ip -n "$NS_A" link set "va$$" up
	ip -n "$NS_B" link set "vb$$" up
}

# A free loopback TCP port in 40000-59999 (for a server that needs one known
# in advance: prometheus, a fixed --metrics address).
free_port() {
	local p
	for _ in $(seq 1 50); do
		p=$((40000 + RANDOM % 20000))
		ss -Htln "sport = :$p" | grep -q . || { echo $p; return; }
	done
	fail "no free port"
}

# Start latprobe in the background with the given flags; waits until it is
# attached. Sets LP_PID, LP_ERR (its stderr file).
start_latprobe() {
	LP_ERR=$TMP/latprobe.err
	: >"$LP_ERR" # now: the child truncates it only once it runs
	"$LATPROBE" "$@" ${LP_TEST_VERBOSE:+--verbose} 2>"$LP_ERR" &
	LP_PID=$!
	cleanup_add kill -9 "$LP_PID"
	for _ in $(seq 1 100); do
		grep -q 'tracing' "$LP_ERR" && return 0
		kill -0 "$LP_PID" 2>/dev/null || fail "latprobe exited: $(cat "$LP_ERR")"
		sleep 0.1
	done
	fail "latprobe did not attach within 10 s: $(cat "$LP_ERR")"
}

# Stop latprobe with SIGINT and wait for its report.
stop_latprobe() {
	kill -INT "$LP_PID" 2>/dev/null
	for _ in $(seq 1 100); do
		kill -0 "$LP_PID" 2>/dev/null || break
		sleep 0.1
	done
	wait "$LP_PID"
	local rc=$?
	[ $rc -eq 0 ] || fail "latprobe exited $rc: $(tail -3 "$LP_ERR")"
}

# check_report_keys CONFIG REPORT: REPORT's key paths and value types are
# CONFIG's lines of tests/fixtures/report-keys.txt (tests/report_keys.py);
# a key added, removed or retyped fails the test. REPORT_KEYS_WRITE=1
# rewrites CONFIG's lines instead (when the schema changes on purpose).
check_report_keys() {
	local op=check
	[ "${REPORT_KEYS_WRITE:-}" = 1 ] && op=write
	python3 "$ROOT/tests/report_keys.py" $op "$1" "$2" ||
		fail "report keys of $1 differ from tests/fixtures/report-keys.txt"
}
