#!/usr/bin/env bash
# A short libFuzzer run of every fuzz target (mk/fuzz.mk), ~10 s each, two
# at a time: the regression inputs under tests/fuzz-corpus/ replay first,
# then new inputs. Any crash, leak, UB report or hang fails the test.
source "$(dirname "$0")/lib.sh"

SECS=${FUZZ_SHORT_SECS:-10}
NAMES="correlator opts breakdown ws_msg feed_replay nic_parse nic_capclock stamps"
rt=$(clang -print-file-name=libclang_rt.fuzzer-x86_64.a 2>/dev/null)
if [ ! -f "$rt" ]; then
	skip "clang's libFuzzer runtime is missing (apt-get install clang)"
fi
for n in $NAMES; do
	[ -x "$BUILD/fuzz_$n" ] || fail "$BUILD/fuzz_$n not built (make fuzz-build)"
done
# a fresh working corpus: seeds and regression inputs only, every run alike
FUZZ_OUT=$BUILD FUZZ_PARALLEL=2 FUZZ_WORK=$TMP/corpus FUZZ_LOGS=$TMP/logs \
	"$ROOT/scripts/fuzz.sh" "$SECS" $NAMES >"$TMP/out" 2>&1
rc=$?
sed 's/^/  /' "$TMP/out" >&2
[ $rc -eq 0 ] || fail "a fuzz target failed (crash inputs in $BUILD/fuzz-artifacts/)"
pass "$(echo $NAMES | wc -w) targets, ${SECS} s each, clean"
