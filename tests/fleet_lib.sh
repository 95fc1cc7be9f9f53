# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Helpers of the fleet tests (it_deb.sh, it_service.sh); source after lib.sh.

# trace_flow OUT.json CMD...: runs CMD (a latprobe command line, without
# --duration or --output) for 3 s while a loopback TCP flow of 100 messages
# runs on a free port it traces (--port); fails unless the report it wrote
# to OUT.json counts at least 10 reads on that port.
trace_flow() {
	local out=$1 port=$((20000 + RANDOM % 20000)) rx lp
	shift
	"$@" --port "$port" --duration 3 --output "$out" >"$TMP/trace.out" 2>&1 &
	lp=$!
	cleanup_add kill -9 "$lp"
	for _ in $(seq 1 100); do
		grep -q 'tracing' "$TMP/trace.out" && break
		kill -0 "$lp" 2>/dev/null || fail "$*: exited: $(tail -3 "$TMP/trace.out")"
		sleep 0.1
	done
	"$BUILD/tcpflow" recv 127.0.0.1 "$port" -t 10 >/dev/null &
	rx=$!
	cleanup_add kill -9 "$rx"
	sleep 0.2
	"$BUILD/tcpflow" send 127.0.0.1 "$port" -n 100 -m 100 -i 2000 >/dev/null ||
		fail "tcpflow send failed"
	wait "$rx" || fail "tcpflow recv failed"
	wait "$lp" || fail "$*: exit $?: $(tail -3 "$TMP/trace.out")"
	python3 - "$out" "$port" <<'PY' || fail "$*: the report has not the flow's reads"
import json, sys
r = json.load(open(sys.argv[1]))
port = ":" + sys.argv[2]
reads = sum(c.get("reads", 0) for k, c in r["connections"].items() if port in k)
print(f"  {reads} reads on {port}, total_events {r['total_events']}", file=sys.stderr)
sys.exit(0 if reads >= 10 else 1)
PY
}
