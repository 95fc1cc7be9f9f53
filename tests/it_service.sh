#!/usr/bin/env bash
# latprobe.service (dist/systemd): systemd-analyze verify, an offline
# security exposure <= 4.0, then its ExecStart with /etc/default/latprobe's
# flags run as systemd would without systemd (PID 1 here is not): a dynamic
# user's uid, only the unit's ambient and bounding capabilities, no new
# privileges (setpriv), /sys/fs/bpf a BPF filesystem of mode 0700 as systemd
# mounts it (in a mount namespace). Without CAP_DAC_OVERRIDE it cannot
# create /sys/fs/bpf/latprobe; with the unit's capabilities it traces a loopback flow, serves /metrics, and
# --report-every 1s --report-keep 2 leaves the 2 newest of >= 3 reports in
# its state directory, each complete JSON whenever looked at.
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fleet_lib.sh"
need_root
for t in systemd-analyze setpriv curl python3; do
	command -v $t >/dev/null || skip "$t not installed (scripts/install-deps.sh)"
done
[ -x "$BUILD/tcpflow" ] || skip "$BUILD/tcpflow not built (make)"
# --report-every's bad input: one line, exit 2 (1 for a directory that is
# not there, checked before attaching)
expect_line() { # RC LINE ARGS...
	local want=$1 line=$2 rc
	shift 2
	"$LATPROBE" "$@" >/dev/null 2>"$TMP/err"
	rc=$?
	[ $rc -eq "$want" ] && [ "$(cat "$TMP/err")" = "$line" ] ||
		fail "latprobe $*: exit $rc, '$(cat "$TMP/err")'; want $want, '$line'"
}
for bad in 0 8d 2x 1.5m -1 ''; do
	expect_line 2 "latprobe: invalid --report-every (INTERVAL: N[s|m|h], 1s-7d) '$bad'" \
		--report-every "$bad"
done
expect_line 2 "latprobe: invalid --report-keep (1-100000) '0'" --report-every 1 --report-keep 0
expect_line 2 "latprobe: --report-keep and --report-dir need --report-every" --report-keep 3
expect_line 1 "latprobe: --report-dir $TMP/none: cannot write there: No such file or directory" \
	--report-every 1 --report-dir "$TMP/none" --duration 1

UNIT=$ROOT/dist/systemd/latprobe.service
ENVF=$ROOT/dist/default/latprobe.env
DYN_UID=61999 # in systemd's DynamicUser= range (61184-65519)

# verify: ExecStart on this checkout's binary (the installed unit is
# verified by it_deb.sh); no man page lookup (not installed here)
sed "s|/usr/sbin/latprobe|$LATPROBE|" "$UNIT" >"$TMP/latprobe.service"
systemd-analyze verify --man=no "$TMP/latprobe.service" >"$TMP/verify" 2>&1 ||
	fail "systemd-analyze verify: $(cat "$TMP/verify")"
systemd-analyze --offline=true security "$UNIT" >"$TMP/security" 2>&1
level=$(sed -n 's/.*Overall exposure level for latprobe.service: \([0-9.]*\).*/\1/p' "$TMP/security")
[ -n "$level" ] || fail "no exposure level: $(tail -3 "$TMP/security")"
python3 -c "import sys; sys.exit(0 if float('$level') <= 4.0 else 1)" ||
	fail "exposure level $level > 4.0: $(grep '✗' "$TMP/security" | head -5)"

# the unit's command line as its dynamic user would run it
STATE=$(mktemp -d /tmp/it_service_state.XXXXXX)
cleanup_add rm -rf "$STATE"
BIN=$(mktemp -d /tmp/it_service_bin.XXXXXX)
cleanup_add rm -rf "$BIN"
install -m 0755 "$LATPROBE" "$BIN/latprobe"
chmod 0755 "$BIN"
chown "$DYN_UID:$DYN_UID" "$STATE" && chmod 0750 "$STATE"
MPORT=$((40000 + RANDOM % 20000))
FPORT=$((20000 + RANDOM % 20000))
python3 "$ROOT/tests/unit_exec.py" "$UNIT" "$ENVF" STATE_DIRECTORY="$STATE" \
	LATPROBE_METRICS=127.0.0.1:$MPORT LATPROBE_REPORT_EVERY=1s \
	LATPROBE_REPORT_KEEP=2 LATPROBE_OPTS="--port $FPORT --verbose" \
	>"$TMP/cmd" || fail "unit_exec.py"
caps=$(sed -n 's/^caps=//p' "$TMP/cmd")
bound=$(sed -n 's/^bound=//p' "$TMP/cmd")
mapfile -t cmd < <(sed '1,2d' "$TMP/cmd")
[ "${cmd[0]}" = /usr/sbin/latprobe ] || fail "ExecStart runs ${cmd[0]}"
cmd[0]=$BIN/latprobe
info "uid $DYN_UID, ambient caps $caps: ${cmd[*]}"
# as_unit CAPS BOUND CMD...: CMD as the unit runs it, /sys/fs/bpf as systemd
# mounts it (mode 0700), in its own mount namespace; exec's all the way down
as_unit() {
	local c=$1 b=$2
	shift 2
	cd "$STATE" && exec unshare -m --propagation private bash -c \
		'mount -t bpf -o mode=0700 bpf /sys/fs/bpf && exec "$@"' _ \
		setpriv --reuid=$DYN_UID --regid=$DYN_UID --clear-groups \
		--inh-caps=-all,$c --ambient-caps=-all,$c --bounding-set=-all,$b \
		--no-new-privs "$@"
}
nodac=${caps/,+dac_override/}
[ "$nodac" != "$caps" ] || fail "the unit has no CAP_DAC_OVERRIDE any more: update this test"
(as_unit "$nodac" "$nodac" "${cmd[0]}" --duration 1 --quiet) >"$TMP/nodac.out" 2>&1
grep -qx 'latprobe: creating /sys/fs/bpf/latprobe: Permission denied' "$TMP/nodac.out" ||
	fail "without CAP_DAC_OVERRIDE: $(cat "$TMP/nodac.out")"
(as_unit "$caps" "$bound" "${cmd[@]}") >"$TMP/lp.out" 2>"$TMP/lp.err" &
LP=$!
cleanup_add kill -9 $LP
for _ in $(seq 1 100); do
	curl -sf -o /dev/null "http://127.0.0.1:$MPORT/metrics" && break
	kill -0 $LP 2>/dev/null || fail "latprobe exited: $(grep -v '^libbpf' "$TMP/lp.err" | tail -3)"
	sleep 0.1
done
grep -q "^CapEff:.*$(printf '%016x' $(((1 << 38) | (1 << 39) | (1 << 1))))" /proc/$LP/status ||
	fail "not CAP_BPF+CAP_PERFMON+CAP_DAC_OVERRIDE only: $(grep ^Cap /proc/$LP/status)"
[ "$(awk '/^Uid:/ { print $3 }' /proc/$LP/status)" = $DYN_UID ] || fail "not uid $DYN_UID"

# watch the state directory while a flow runs: every report complete
python3 - "$STATE" 5 >"$TMP/watch" <<'PY' &
import json, os, re, sys, time
d, secs, seen, most = sys.argv[1], float(sys.argv[2]), set(), 0
pat = re.compile(r"^latprobe-\d{8}T\d{6}Z\.json$")
end = time.time() + secs
while time.time() < end:
    names = [n for n in os.listdir(d) if pat.match(n)]
    most = max(most, len(names))
    for n in names:
        try:
            json.load(open(os.path.join(d, n)))
        except FileNotFoundError:
            continue  # rotated away between listdir and open
        except ValueError as e:
            print(f"incomplete {n}: {e}")
            sys.exit(1)
        seen.add(n)
    time.sleep(0.05)
print(f"seen {len(seen)} most {most}")
PY
W=$!
"$BUILD/tcpflow" recv 127.0.0.1 "$FPORT" -t 10 >/dev/null &
RX=$!
cleanup_add kill -9 $RX
sleep 0.2
"$BUILD/tcpflow" send 127.0.0.1 "$FPORT" -n 100 -m 100 -i 2000 >/dev/null || fail "tcpflow send"
wait $RX || fail "tcpflow recv"
wait $W || fail "watching $STATE: $(cat "$TMP/watch")"
curl -sf "http://127.0.0.1:$MPORT/metrics" >"$TMP/m.txt" || fail "curl /metrics"
grep -q "^latprobe_connection_reads_total{connection=\"[^\"]*:$FPORT" "$TMP/m.txt" ||
	fail "/metrics has no reads on port $FPORT"
awk '$1 == "process_cpu_seconds_total" && $2 > 0 { ok = 1 } END { exit !ok }' "$TMP/m.txt" ||
	fail "/metrics has no process_cpu_seconds_total > 0"
kill -TERM $LP
wait $LP || fail "latprobe exited $? on SIGTERM: $(grep -v '^libbpf' "$TMP/lp.err" | tail -3)"

read -r _ seen _ most <"$TMP/watch"
written=$(grep -c 'report written to' "$TMP/lp.err")
mapfile -t kept < <(ls "$STATE")
[ "$seen" -ge 3 ] && [ "$written" -ge 3 ] || fail "$written reports written, $seen seen: want >= 3"
# rotation follows each rename: for an instant the new one is K+1
[ "$most" -le 3 ] || fail "$most reports at once with --report-keep 2"
[ ${#kept[@]} -eq 2 ] || fail "left in the state directory: ${kept[*]}"
newest=${kept[1]}
[ "$(stat -c %u "$STATE/$newest")" = $DYN_UID ] || fail "$newest not owned by $DYN_UID"
python3 - "$STATE/$newest" "$FPORT" <<'PY' || fail "$newest has not the flow's reads"
import json, sys
r = json.load(open(sys.argv[1]))
sys.exit(0 if sum(c.get("reads", 0) for k, c in r["connections"].items()
                  if ":" + sys.argv[2] in k) >= 10 else 1)
PY
pass "exposure $level; uid $DYN_UID with $caps traces; $written reports, the 2 newest kept"
