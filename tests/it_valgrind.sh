#!/usr/bin/env bash
# valgrind memcheck on a short latprobe run with traffic to trace: no leak
# (libbpf's allocations are freed by loader_destroy) and no memory error.
# tests/valgrind-bpf.supp silences only valgrind's model of bpf() attrs.
# Under valgrind the BPF load alone takes ~40 s of CPU.
source "$(dirname "$0")/lib.sh"
need_root
command -v valgrind >/dev/null || skip "valgrind not installed (apt-get install valgrind)"
if [ -n "${LP_BUILD:-}" ] && [ "${LP_BUILD##*/}" = build-san ]; then
	# valgrind cannot run ASan binaries; LeakSanitizer checks this build
	pass "SANITIZE=1: ASan+LSan check this build, valgrind the plain one"
fi
PORT=$((20000 + RANDOM % 20000))

"$BUILD/tcpflow" recv 127.0.0.1 "$PORT" -t 120 >/dev/null 2>&1 &
RX=$!
cleanup_add kill -9 $RX
timeout 300 valgrind --leak-check=full --show-leak-kinds=definite,indirect \
	--errors-for-leak-kinds=definite,indirect --error-exitcode=3 \
	--suppressions="$ROOT/tests/valgrind-bpf.supp" \
	"$LATPROBE" --port "$PORT" --duration 4 --output "$TMP/v.json" \
	>"$TMP/vg.out" 2>"$TMP/vg.err" &
VG=$!
cleanup_add kill -9 $VG
# traffic once latprobe is tracing (it says so on stderr)
for _ in $(seq 1 1200); do
	grep -q tracing "$TMP/vg.err" && break
	kill -0 $VG 2>/dev/null || break
	sleep 0.1
done
"$BUILD/tcpflow" send 127.0.0.1 "$PORT" -n 300 -m 200 -i 3000 >/dev/null 2>&1
wait $VG
rc=$?
grep -q 'ERROR SUMMARY: 0 errors' "$TMP/vg.err" ||
	fail "valgrind reported errors (exit $rc): $(grep -A12 '^==[0-9]*== [A-Z]' "$TMP/vg.err" | head -40)"
[ $rc -eq 0 ] || fail "exit $rc: $(tail -5 "$TMP/vg.err")"
grep -q 'no leaks are possible\|definitely lost: 0 bytes' "$TMP/vg.err" ||
	fail "leak summary: $(grep -A6 'LEAK SUMMARY' "$TMP/vg.err")"
events=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['total_events'])" "$TMP/v.json") ||
	fail "no valid report"
[ "$events" -gt 0 ] || fail "latprobe saw no events under valgrind"
pass "$events events traced; $(grep -o 'total heap usage.*' "$TMP/vg.err"); no leak, no error"
