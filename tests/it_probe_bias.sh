#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# latprobe's own probe cost, measured and taken out (docs/overhead.md):
# - callback: build/cb_loop's handler spins 2 us timed by its own clock
#   (handler_p50_ns, the truth); traced with --callback, the stage's
#   bias_corrected p50 must be within 1.5 us of it, and at least half the
#   calibrated stamp gap closer to it than the raw p50: without the
#   correction (corrected = raw) this test fails.
# - tls_decrypt: build/ssl_read_inner exports an SSL_read of its own that
#   calls libssl's and times itself from inside its body (read_p50_ns,
#   clock "inside"); latprobe's TLS probes sit on it (--pid: the binary
#   exports SSL_read), no kernel read inside, so the stage runs from the
#   entry stamp to the return stamp; the same check as the callback's.
# - the whole cost: overhead.client.total_ns (BPF run time + calibrated
#   traps) per call against an A/B timing of the same loop untraced, within
#   35% (or 300 ns): the self-cost line cannot drift from what the loop pays.
source "$(dirname "$0")/lib.sh"
need_root
for b in cb_loop ssl_read_loop ssl_read_inner; do
	[ -x "$BUILD/$b" ] || fail "build/$b not built (make tests)"
done
N=20000

# A/B: each loop R times untraced and R times traced (one latprobe run),
# medians compared (a single pair is noisy on a shared 2-vCPU VM)
R=3
for i in $(seq 1 $R); do
	"$BUILD/cb_loop" -n $N -t 2000 >"$TMP/cb0.$i.out" || fail "cb_loop untraced failed"
	"$BUILD/ssl_read_loop" -n $N -c >"$TMP/tls0.$i.out" || fail "ssl_read_loop untraced failed"
done

start_latprobe --client "$BUILD/cb_loop" --callback cb_handler --output "$TMP/cb.json"
for i in $(seq 1 $R); do
	timeout 60 "$BUILD/cb_loop" -n $N -t 2000 >"$TMP/cb.$i.out" || fail "cb_loop traced failed"
done
sleep 0.3
stop_latprobe

start_latprobe --comm ssl_read_loop --output "$TMP/tls.json"
for i in $(seq 1 $R); do
	timeout 60 "$BUILD/ssl_read_loop" -n $N -c >"$TMP/tls.$i.out" || fail "ssl_read_loop traced failed"
done
sleep 0.3
stop_latprobe

# the SSL_read that times itself: traced by PID once its handshake is done
# (not under timeout: --pid must name the loop itself; it waits <= 30 s)
"$BUILD/ssl_read_inner" -n $((N * R)) -c -w "$TMP/go" >"$TMP/inner.out" &
INNER=$!
cleanup_add kill -9 $INNER
for _ in $(seq 1 100); do grep -q ready "$TMP/inner.out" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$TMP/inner.out" || fail "ssl_read_inner did not start: $(cat "$TMP/inner.out")"
start_latprobe --pid $INNER --output "$TMP/inner.json"
touch "$TMP/go"
wait $INNER || fail "ssl_read_inner traced failed"
sleep 0.3
stop_latprobe

python3 - "$TMP" "$N" "$R" <<'PY' || fail "probe bias / whole cost"
import json, os, statistics, sys
d, n, R = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
med = statistics.median
errs = []
def check(c, m):
    if not c: errs.append(m)
def timing(c, m): # against the loop's own clock: judged in the release run
    if os.environ.get("LP_SANITIZED") and not c:
        print(f"  NOTE (ASan loop build, not checked): {m}", file=sys.stderr)
    else:
        check(c, m)
def kv(f):
    return dict(x.split("=") for x in open(f).read().split())
def corrected(rep, stage, truth, what):
    st = rep["stages"].get(stage)
    if not st or "bias_corrected" not in st:
        errs.append(f"{what}: no {stage}.bias_corrected"); return
    bc = st["bias_corrected"]
    raw, corr, bias = st["p50"] * 1000, bc["p50"] * 1000, bc["bias_mean_ns"]
    # from the calibration, not from what was subtracted: half the trap
    # part that lies between the stamps
    gap = rep["overhead"]["calibration"]["uprobe_return"]["stamp_gap_bias_ns"]
    # the target (within 1.5 us of the truth), and the subtraction took the
    # stage at least half the calibrated gap closer to the truth than raw:
    # raw (no correction) fails the second, whatever the machine's noise
    tol = min(1500, abs(raw - truth) - gap / 2)
    print(f"  {what}: truth p50 {truth} ns, raw p50 {raw:.0f}, corrected {corr:.0f} "
          f"(bias {bias} ns, tolerance {tol:.0f}, negative {bc['negative']} of {bc['count']})",
          file=sys.stderr)
    timing(gap >= 300, f"{what}: calibrated gap {gap} ns too small to tell corrected from raw here")
    timing(abs(corr - truth) <= tol,
          f"{what}: corrected p50 {corr:.0f} not within {tol:.0f} of {truth} "
          f"(1.5 us, and at least half the gap {gap:.0f} ns closer than raw {raw:.0f})")
def whole(rep, calls, a, b, what):
    c = rep["overhead"]["client"]
    check(c["total_ns"] is not None, f"{what}: client.total_ns null")
    if c["total_ns"] is None: return
    per, paid = c["total_ns"] / calls, b - a
    tol = max(0.35 * paid, 300)
    print(f"  {what}: untraced {a:.0f} ns/call, traced {b:.0f}: pays {paid:.0f}; "
          f"report: {per:.0f} (BPF {c['run_time_ns'] / calls:.0f}, traps {c['trap_ns'] / calls:.0f})",
          file=sys.stderr)
    timing(abs(per - paid) <= tol, f"{what}: reported {per:.0f} ns/call vs paid {paid:.0f} (tolerance {tol:.0f})")

cb = json.load(open(f"{d}/cb.json"))
o0 = [kv(f"{d}/cb0.{i}.out") for i in range(1, R + 1)]
o1 = [kv(f"{d}/cb.{i}.out") for i in range(1, R + 1)]
cal = cb["overhead"].get("calibration") or {}
check(cal.get("ran") and cal["uprobe_return"]["calls"] >= 500, f"calibration {cal}")
corrected(cb, "callback", med(int(o["handler_p50_ns"]) for o in o1), "callback")
check(cb["stages"]["callback"]["count"] == n * R, f"callback count {cb['stages']['callback']['count']}")
whole(cb, n * R, med(float(o["ns_per_call"]) for o in o0),
      med(float(o["ns_per_call"]) for o in o1), "callback A/B")

tls = json.load(open(f"{d}/tls.json"))
t0 = [json.loads(open(f"{d}/tls0.{i}.out").read()) for i in range(1, R + 1)]
t1 = [json.loads(open(f"{d}/tls.{i}.out").read()) for i in range(1, R + 1)]
check(tls["tls"]["from_user_buffer"] >= n * R, f"tls from_user_buffer {tls['tls']['from_user_buffer']}")
# tls_decrypt against the SSL_read's own clock inside its body
inner = json.load(open(f"{d}/inner.json"))
io = json.loads(open(f"{d}/inner.out").read().split("\n", 1)[1])
check(io["clock"] == "inside", f"ssl_read_inner's clock {io['clock']}")
check(inner["tls"]["from_user_buffer"] == n * R,
      f"inner: tls from_user_buffer {inner['tls']['from_user_buffer']} of {n * R} calls")
check("the binary exports SSL_read itself" in inner["probes"]["ssl_read"]["why"],
      f"inner: probed {inner['probes']['ssl_read']['attach_point']}")
corrected(inner, "tls_decrypt", io["read_p50_ns"], "tls_decrypt")
# the whole cost of the TLS probes on the libssl SSL_read loop: shown, not
# checked (the traps disturb the larger code around them: docs/overhead.md)
held = errs[:]
whole(tls, n * R, med(t["ns_per_iteration"] for t in t0),
      med(t["ns_per_iteration"] for t in t1), "SSL_read A/B")
for e in errs[len(held):]:
    print("  NOTE (not checked): " + e, file=sys.stderr)
errs = held
for e in errs: print("  " + e, file=sys.stderr)
sys.exit(1 if errs else 0)
PY
pass "corrected callback and tls_decrypt p50 within tolerance of their own clocks; the callback's whole cost matches A/B"
