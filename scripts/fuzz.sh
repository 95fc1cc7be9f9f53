#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Run libFuzzer targets: scripts/fuzz.sh SECONDS NAME...
# Each NAME runs build/fuzz_NAME for SECONDS on a working corpus seeded from
# tests/fuzz-corpus/NAME (its regression inputs run first, every time).
# Crashes land in build/fuzz-artifacts/NAME/. Exit 1 if any target failed.
# FUZZ_PARALLEL=N runs N targets at once; FUZZ_SUMMARY=FILE writes a summary
# (execs, coverage, corpus) with the machine's metadata. FUZZ_WORK and
# FUZZ_LOGS move the working corpora and the logs (default under build/).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
OUTDIR=${FUZZ_OUT:-build}
SECS=${1:?usage: fuzz.sh SECONDS NAME...}
shift
PAR=${FUZZ_PARALLEL:-1}
LOGS=${FUZZ_LOGS:-$OUTDIR/fuzz-logs}
WORK=${FUZZ_WORK:-$OUTDIR/fuzz-corpus}
mkdir -p "$LOGS"

run_one() { # name
	local n=$1 bin=$OUTDIR/fuzz_$1 work=$WORK/$1
	local seeds=tests/fuzz-corpus/$1 art=$OUTDIR/fuzz-artifacts/$1/
	mkdir -p "$work" "$art" "$seeds"
	# UBSAN_OPTIONS: also stop on UB in code built with recoverable checks
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		"$bin" "$work" "$seeds" -max_total_time="$SECS" -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 -close_fd_mask=3 \
		-error_exitcode=1 -timeout_exitcode=1 -artifact_prefix="$art" \
		>"$LOGS/$n.log" 2>&1
}

summary_line() { # name rc
	local log=$LOGS/$1.log cov execs rate
	cov=$(grep -o 'cov: [0-9]* ft: [0-9]* corp: [0-9]*/[0-9a-zA-Z]*' "$log" | tail -1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	printf '%-12s %-4s execs %-10s exec/s %-7s %s\n' "$1" \
		"$([ "$2" -eq 0 ] && echo ok || echo FAIL)" "${execs:-?}" \
		"${rate:-?}" "${cov:-cov: ?}"
}

names=("$@") rcs=() pids=() failed=0
start=$(date -u +%Y-%m-%dT%H:%M:%SZ)
# the tree as fuzzed, before the summary file itself is rewritten
commit="$(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet 2>/dev/null || echo ' (dirty tree)')"
for ((i = 0; i < ${#names[@]}; i += PAR)); do
	pids=()
	for ((j = i; j < i + PAR && j < ${#names[@]}; j++)); do
		run_one "${names[$j]}" &
		pids+=($!)
	done
	for ((j = 0; j < ${#pids[@]}; j++)); do
		wait "${pids[$j]}"
		rcs[$((i + j))]=$?
	done
done

report=$(for ((i = 0; i < ${#names[@]}; i++)); do
	summary_line "${names[$i]}" "${rcs[$i]}"
	[ "${rcs[$i]}" -eq 0 ] || failed=1
done)
echo "$report"
for ((i = 0; i < ${#names[@]}; i++)); do
	if [ "${rcs[$i]}" -ne 0 ]; then
		failed=1
		echo "fuzz_${names[$i]} FAILED; log $LOGS/${names[$i]}.log:" >&2
		grep -A30 'ERROR\|runtime error\|==[0-9]*==' "$LOGS/${names[$i]}.log" | head -40 >&2
	fi
done
if [ -n "${FUZZ_SUMMARY:-}" ]; then
	{
		echo "# make fuzz-long: scripts/fuzz.sh $SECS s per target (FUZZ_PARALLEL=$PAR)"
		echo "# started $start, host $(uname -n), kernel $(uname -r), $(nproc) CPUs"
		echo "# $(clang --version | head -1); -fsanitize=fuzzer,address,undefined"
		echo "# commit $commit"
		echo "# cov = edges covered in the instrumented target at the end; corp = corpus units/bytes"
		echo "$report"
	} >"$FUZZ_SUMMARY"
	echo "summary: $FUZZ_SUMMARY"
fi
exit $failed
