#!/usr/bin/env bash
# Every --attach mode, forced: it works and the report says so, or it fails
# with exit 1 and one line naming the mode and the kernel's reason. auto
# must pick the first mode (fentry, kprobe, tracepoint) that works, and every
# probe in its report says what it used and, below fentry, why.
set -u
source "$(dirname "$0")/lib.sh"
need_root

PORT=$(( 20000 + RANDOM % 20000 ))
first_ok=""
for mode in fentry kprobe tracepoint auto; do
	out=$TMP/$mode.json
	"$LATPROBE" --attach $mode --port $PORT --duration 3 --quiet --output "$out" \
		2>"$TMP/$mode.err" &
	lp=$!
	sleep 1
	"$BUILD/tcpflow" recv 127.0.0.1 $PORT -t 10 >"$TMP/rx.$mode" &
	rx=$!
	"$BUILD/tcpflow" send 127.0.0.1 $PORT -n 20 -m 100 -i 1000 >/dev/null
	wait $rx
	wait $lp
	rc=$?
	if [ $rc -ne 0 ]; then
		[ $rc -eq 1 ] || fail "$mode: exit $rc, expected 1 on refusal"
		[ "$(wc -l <"$TMP/$mode.err")" -eq 1 ] ||
			fail "$mode: error is not one line: $(cat "$TMP/$mode.err")"
		grep -q -- "--attach $mode" "$TMP/$mode.err" ||
			fail "$mode: error does not name the mode: $(cat "$TMP/$mode.err")"
		[ "$mode" = tracepoint ] || [ "$mode" = auto ] &&
			fail "$mode must always work: $(cat "$TMP/$mode.err")"
		[ -e "$out" ] && fail "$mode: refused but wrote a report"
		info "$mode refused: $(cat "$TMP/$mode.err")"
		continue
	fi
	used=$(python3 -c "
import json,sys
r=json.load(open('$out'))
u={r['probes'][p]['used'] for p in ('tcp_recvmsg','tcp_sendmsg')}
c=[c for c in r['connections'].values() if c['source']=='127.0.0.1:$PORT']
assert len(u)==1, u
# tracepoint mode leaves tcp_rcv_space_adjust out: it could only count calls
cl=r['probes']['tcp_cleanup_rbuf']
assert cl['used'] in u or (u=={'tracepoint'} and cl['used']=='none' and 'not attached' in cl['why']), cl
assert c and c[0]['bytes_received']==2000 and c[0]['reads']>=1, c
# no tls module here: the kernel-function-only hook is absent, never an
# error, and says why; with no kTLS read there is no ktls_decrypt stage
k=r['probes']['ktls_recv']
assert k['used']=='none' and 'tls_rx_one_record' in k['why'], k
assert 'ktls_decrypt' not in r['stages'] and r['ktls']['reads']==0, r['ktls']
print(u.pop())") || fail "$mode: report check failed"
	if [ $mode = auto ]; then
		[ "$used" = "$first_ok" ] || fail "auto picked $used, but $first_ok works"
		# every probe says what it used; below the best (fentry), why
		python3 - "$out" <<'PY' || fail "auto: probes without a mechanism or a reason"
import json, sys
probes = json.load(open(sys.argv[1]))["probes"]
errs = []
if not probes:
    errs.append("no probes in the report")
for name, p in probes.items():
    used, why, req = p.get("used"), p.get("why"), p.get("requested")
    if req == "none":  # client_message without --client: not requested
        if used != "none" or not why:
            errs.append(f"{name}: requested none, used {used!r}, why {why!r}")
        continue
    if req != "auto":
        errs.append(f"{name}: requested {req!r}, want auto")
    if used not in ("fentry", "kprobe", "tracepoint", "none"):
        errs.append(f"{name}: used {used!r}")
    elif used != "fentry":
        if not isinstance(why, str) or not why.strip():
            errs.append(f"{name}: used {used} with no why")
        # a fallback names what was refused; a tracepoint-only hook says so
        elif "only mechanism" not in why and "fentry" not in why:
            errs.append(f"{name}: used {used}, why does not name fentry: {why!r}")
for e in errs: print("  " + e, file=sys.stderr)
sys.exit(1 if errs else 0)
PY
	else
		[ "$used" = $mode ] || fail "forced $mode, report says $used"
		[ -n "$first_ok" ] || first_ok=$mode
	fi
	info "$mode -> $used"
	PORT=$((PORT + 1))
done
pass "auto picked $first_ok"
