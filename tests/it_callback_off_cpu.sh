#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# --callback with --sched (docs/design.md "Why a read waited"):
# callback_off_cpu is the part of each callback call its thread spent off
# a CPU. build/sched_reader's handler, on_message(), waits in one known
# way per connection: it spins (its own clock: no time off the CPU but the
# gaps it saw), sleeps (nanosleep: all of it off the CPU), or spins
# sharing CPU 0 with a SCHED_FIFO hog (the gaps in its own clock are the
# preemptions). callback_off_cpu must carry the sleep and the preemptions
# (+-10 %), not the spin; without --sched the stage is absent. /metrics
# serves it as any stage.
set -u
source "$(dirname "$0")/lib.sh"
need_root
READER=$BUILD/sched_reader
[ -x "$READER" ] || fail "$READER not built (make)"
[ "$(nproc)" -ge 2 ] || skip "needs 2 CPUs (cb_runnable pins the reader and a hog to CPU 0, the writer to CPU 1)"

N=100
DELAY_US=2000
PORT=$((20000 + RANDOM % 20000))
command -v curl >/dev/null || skip "needs curl (the /metrics check)"
MADDR=127.0.0.1:$(free_port)
start_latprobe --client "$READER" --callback on_message --sched \
	--metrics "$MADDR" --output "$TMP/r.json"
i=0
for m in cb_spin cb_sleep cb_runnable; do
	timeout 30 "$READER" $m $((PORT + i)) $N $DELAY_US "$TMP/$m.out" ||
		fail "sched_reader $m failed"
	i=$((i + 1))
done
sleep 1.2 # the metrics' snapshot is the status tick's
curl -sf -o "$TMP/m.txt" "http://$MADDR/metrics" || fail "curl /metrics"
stop_latprobe

check_report_keys callback-sched "$TMP/r.json"
# the run ends with its findings (on stderr with --output): the callback,
# most of the time, and its part off a CPU
grep -Eq '^  callback: [0-9]+ % of the time .*; of it [0-9]+ % off a CPU \(callback_off_cpu' "$LP_ERR" ||
	fail "no callback finding at exit: $(tail -4 "$LP_ERR")"

# the same without --sched: callback timed, no callback_off_cpu
start_latprobe --client "$READER" --callback on_message --output "$TMP/off.json"
timeout 30 "$READER" cb_sleep $((PORT + 3)) 20 $DELAY_US "$TMP/off.out" ||
	fail "sched_reader cb_sleep (no --sched) failed"
sleep 0.3
stop_latprobe

python3 - "$TMP" $N $PORT <<'PY' || fail "callback_off_cpu check"
import json, statistics, sys
tmp, n, port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ok = True
def check(c, m):
    global ok
    if not c:
        print("  " + m, file=sys.stderr); ok = False
rep = json.load(open(f"{tmp}/r.json"))
conns = rep["connections"]
def conn_stages(p):
    k = [k for k in conns if k.startswith(f"127.0.0.1:{p} ->")]
    return conns[k[0]]["stages"] if k else {}
res = {}
for i, mode in enumerate(("cb_spin", "cb_sleep", "cb_runnable")):
    lines = open(f"{tmp}/{mode}.out").read().split("\n")[1:]
    msgs = [list(map(int, l.split())) for l in lines if l]
    own = statistics.mean(m[3] for m in msgs) / 1e3  # us
    truth = statistics.mean(m[4] for m in msgs) / 1e3
    st = conn_stages(port + i)
    cb, off = st.get("callback", {}), st.get("callback_off_cpu", {})
    check(cb.get("count") == n, f"{mode}: callback count {cb.get('count')}, want {n}")
    check(off.get("count") == cb.get("count"), f"{mode}: callback_off_cpu count {off.get('count')}, callback {cb.get('count')}")
    res[mode] = (own, truth, cb.get("avg_us", 0), off.get("avg_us", 0))
    print(f"  {mode:11s} handler {own:8.1f} us (off CPU by its clock {truth:8.1f})"
          f"  callback avg {res[mode][2]:8.1f}  callback_off_cpu avg {res[mode][3]:8.1f}",
          file=sys.stderr)
own, truth, cb, off = res["cb_spin"]
# a spin is on the CPU: what is off it is only what the spin's clock saw missing
check(abs(off - truth) <= 0.1 * own, f"cb_spin: callback_off_cpu {off:.1f} us, the spin saw {truth:.1f} us off CPU (of {own:.1f})")
check(off <= 0.1 * cb, f"cb_spin: callback_off_cpu {off:.1f} us carries the spin (callback {cb:.1f} us)")
own, truth, cb, off = res["cb_sleep"]
check(abs(off - truth) <= 0.1 * truth, f"cb_sleep: callback_off_cpu {off:.1f} us, the sleep {truth:.1f} us")
own, truth, cb, off = res["cb_runnable"]
check(truth >= 0.2 * own, f"cb_runnable: the handler was off CPU {truth:.1f} us of {own:.1f}: the hog did not hold CPU 0")
check(abs(off - truth) <= 0.1 * truth, f"cb_runnable: callback_off_cpu {off:.1f} us, the preemptions {truth:.1f} us")
glob = rep["stages"].get("callback_off_cpu", {})
check(glob.get("count") == 3 * n, f"stages.callback_off_cpu.count {glob.get('count')}, want {3 * n}")
check("--sched" in glob.get("marks", ""), f"stages.callback_off_cpu.marks {glob.get('marks')}")
off = json.load(open(f"{tmp}/off.json"))["stages"]
check(off.get("callback", {}).get("count") == 20, f"no --sched: callback count {off.get('callback', {}).get('count')}")
check("callback_off_cpu" not in off, "no --sched: callback_off_cpu present")
m = [l.rsplit(None, 1) for l in open(f"{tmp}/m.txt")
     if l.startswith('latprobe_stage_seconds_count{stage="callback_off_cpu",')]
check(sum(int(float(l[1])) for l in m) == 3 * n, f"/metrics: callback_off_cpu counts {m}")
sys.exit(0 if ok else 1)
PY
pass "callback_off_cpu carries the handler's sleep and preemptions, not its spin; absent without --sched"
