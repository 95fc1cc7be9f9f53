#!/usr/bin/env bash
# Per-container attribution: a loopback flow from a process in each of two
# cgroups the test creates under the cgroup v2 mount; each connection's
# cgroup path in the report, the container id of a docker-<id>.scope
# directory, and --cgroup PATH keeping only PATH's flow (and PATH's
# descendants). The cgroups are removed on exit, also on failure.
source "$(dirname "$0")/lib.sh"
need_root
MNT=$(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") break;
	     if ($(i + 1) == "cgroup2") { print $5; exit } }' /proc/self/mountinfo)
[ -n "$MNT" ] || skip "no cgroup v2 hierarchy mounted"
ID=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
REL=/latprobe-test-$$
CG=$MNT$REL
B=b/docker-$ID.scope
mkdir -p "$CG/a" "$CG/$B" || skip "cannot create cgroups under $MNT"
cleanup_add rmdir "$CG/a" "$CG/$B" "$CG/b" "$CG"
PORT=$(( 20000 + RANDOM % 20000 ))

# in_cg DIR CMD...: CMD as a process of the cgroup DIR
in_cg() {
	local dir=$1
	shift
	sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$dir" "$@"
}

# flow DIR PORT: a receiver and a sender, both in DIR, 50 messages
flow() {
	in_cg "$1" "$BUILD/tcpflow" recv 127.0.0.1 "$2" -t 20 >/dev/null &
	local rx=$!
	cleanup_add kill -9 $rx
	in_cg "$1" "$BUILD/tcpflow" send 127.0.0.1 "$2" -n 50 -m 100 -i 1000 \
		>/dev/null || fail "sender in $1"
	wait $rx || fail "receiver in $1"
}

# conns REPORT PORT: "cgroup container_id" per connection of the flow
conns() {
	python3 - "$1" "$2" <<'PY'
import json, sys
rep, port = json.load(open(sys.argv[1])), sys.argv[2]
for c in rep["connections"].values():
    if c["source"].endswith(":" + port) or c["destination"].endswith(":" + port):
        print(c["cgroup"], c["container_id"])
PY
}

run() { # run NAME [FLAGS...]: both flows traced with FLAGS
	local name=$1
	shift
	start_latprobe "$@" --output "$TMP/$name.json"
	flow "$CG/a" $PORT
	flow "$CG/$B" $((PORT + 1))
	if [ -n "$MADDR" ]; then
		sleep 1.3 # one render tick
		curl -sf "http://$MADDR/metrics" >"$TMP/$name.prom" || fail "curl /metrics"
	fi
	stop_latprobe
	conns "$TMP/$name.json" $PORT >"$TMP/$name.a"
	conns "$TMP/$name.json" $((PORT + 1)) >"$TMP/$name.b"
	PORT=$((PORT + 2))
}

# no filter: both flows, each connection with its own cgroup, in the
# report and as the cgroup label of /metrics
MADDR=127.0.0.1:$(free_port)
run all --metrics "$MADDR"
MADDR=
for c in "$REL/a" "$REL/$B"; do
	grep -q "^latprobe_connection_reads_total{connection=\"[^\"]*\",cgroup=\"$c\"} [1-9]" \
		"$TMP/all.prom" || fail "/metrics: no reads with cgroup=\"$c\""
done
[ "$(sort -u "$TMP/all.a")" = "$REL/a None" ] && [ "$(wc -l <"$TMP/all.a")" -eq 2 ] ||
	fail "flow in a: $(cat "$TMP/all.a")"
[ "$(sort -u "$TMP/all.b")" = "$REL/$B $ID" ] && [ "$(wc -l <"$TMP/all.b")" -eq 2 ] ||
	fail "flow in $B: $(cat "$TMP/all.b")"

# --cgroup a: a's flow only
run only_a --cgroup "$CG/a"
[ "$(wc -l <"$TMP/only_a.a")" -eq 2 ] && [ ! -s "$TMP/only_a.b" ] ||
	fail "--cgroup a: a: $(cat "$TMP/only_a.a"); b: $(cat "$TMP/only_a.b")"

# --cgroup b: b's container below it, not a
run only_b --cgroup "$CG/b"
[ ! -s "$TMP/only_b.a" ] && [ "$(wc -l <"$TMP/only_b.b")" -eq 2 ] ||
	fail "--cgroup b: a: $(cat "$TMP/only_b.a"); b: $(cat "$TMP/only_b.b")"

# bad paths: one line, exit 2
for bad in /tmp "$CG/nosuch" /sys/fs/cgroup/cpu ""; do
	"$LATPROBE" --cgroup "$bad" -d 1 >/dev/null 2>"$TMP/bad.err"
	rc=$?
	[ $rc -eq 2 ] && [ "$(wc -l <"$TMP/bad.err")" -eq 1 ] ||
		fail "--cgroup '$bad': exit $rc: $(cat "$TMP/bad.err")"
done
pass "cgroup paths, container id, --cgroup (a only; b and below)"
