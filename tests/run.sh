#!/usr/bin/env bash
# The test command (make test): unit tests, then integration tests.
# Each integration test exits 0 PASS, 1 FAIL, 77 SKIPPED. With CI=true a
# skip is a failure: CI machines can run every test.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
pass=0 failed=() skipped=()
# make test SANITIZE=1: leaks inside DPDK's own libraries are not ours
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$ROOT/tests/lsan-dpdk.supp:print_suppressions=0}

run() {
	local name=$1; shift
	local start=$SECONDS rc
	echo "== $name"
	"$@"
	rc=$?
	case $rc in
	0) pass=$((pass + 1)) ;;
	77) skipped+=("$name") ;;
	*) failed+=("$name") ;;
	esac
	echo "   ($((SECONDS - start)) s)"
}

for t in "${LP_BUILD:-build}"/test_*; do
	[ -x "$t" ] && run "$(basename "$t")" "$t"
done
for t in ${TESTS_ONLY:-tests/it_*.sh}; do
	run "$(basename "$t" .sh)" bash "$t"
done

echo
echo "passed: $pass  failed: ${#failed[@]}  skipped: ${#skipped[@]}"
[ ${#failed[@]} -eq 0 ] || echo "FAILED: ${failed[*]}"
[ ${#skipped[@]} -eq 0 ] || echo "SKIPPED: ${skipped[*]}"
if [ "${CI:-}" = true ] && [ ${#skipped[@]} -gt 0 ]; then
	echo "CI=true: a skipped test is a failure on this machine"
	exit 1
fi
[ ${#failed[@]} -eq 0 ]
