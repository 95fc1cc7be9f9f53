#!/usr/bin/env bash
# --sched (docs/design.md "Why a read waited"): wakeup_to_read of every
# read split into sched_delay, thread_busy and thread_blocked. A reader
# (build/sched_reader) is made to wait in one known way per run: busy
# (spins between reads, its own clock says how long), blocked (sleeps),
# runnable (shares its CPU with a SCHED_FIFO hog). Each wait must land in
# its stage, the three must add up to wakeup_to_read within 1 us for every
# read, and a plain ping-pong is the baseline.
set -u
source "$(dirname "$0")/lib.sh"
need_root
READER=$BUILD/sched_reader
[ -x "$READER" ] || fail "$READER not built (make)"
[ "$(nproc)" -ge 2 ] || skip "needs 2 CPUs (the runnable case pins the reader and a hog to CPU 0, the writer to CPU 1)"

N=100
DELAY_US=2000
start_latprobe --comm sched_reader --sched --sched-csv "$TMP/split.csv" \
	--output "$TMP/r.json"
PORT=$((20000 + RANDOM % 20000))
for m in plain busy blocked runnable; do
	timeout 30 "$READER" $m $PORT $N $DELAY_US "$TMP/$m.out" ||
		fail "sched_reader $m failed"
done
sleep 1.2 # the once-a-second flush of batched reads
stop_latprobe

python3 - "$TMP" $N <<'PY' || fail "split check"
import bisect, json, statistics, sys
tmp, n = sys.argv[1], int(sys.argv[2])
ok = True
def check(c, m):
    global ok
    if not c:
        print("  " + m, file=sys.stderr); ok = False
rows = [list(map(int, l.split(","))) for l in open(f"{tmp}/split.csv")]
us = lambda ns: ns / 1e3
med = lambda v: statistics.median(v) if v else 0
res = {}
for mode in ("plain", "busy", "blocked", "runnable"):
    lines = open(f"{tmp}/{mode}.out").read().split("\n")
    tid = int(lines[0].split()[1])
    msgs = [list(map(int, l.split())) for l in lines[1:] if l]
    recv = [m[2] for m in msgs]
    mine = [r for r in rows if r[0] == tid]
    # the first read starts following the thread: every later one is split
    check(len(mine) >= n - 2, f"{mode}: {len(mine)} of {n} reads split")
    for tid_, wake, end, d, b, s in mine:
        if abs(d + b + s - (end - wake)) > 1000:
            check(False, f"{mode}: {d}+{b}+{s} != wakeup_to_read {end - wake}")
            break
    # the truth: from the writer's send to the reader's recv call
    truth = []
    for r in mine:
        i = bisect.bisect_right(recv, r[2]) - 1
        truth.append(msgs[i][2] - msgs[i][1] if i >= 0 else 0)
    res[mode] = dict(w=[r[2] - r[1] for r in mine], d=[r[3] for r in mine],
                     b=[r[4] for r in mine], s=[r[5] for r in mine], t=truth)
    x = res[mode]
    print(f"  {mode:8s} reads {len(mine):3d}  wakeup_to_read p50 {us(med(x['w'])):8.1f} us"
          f"  sched_delay {us(med(x['d'])):7.1f}  thread_busy {us(med(x['b'])):7.1f}"
          f"  thread_blocked {us(med(x['s'])):7.1f}  truth p50 {us(med(x['t'])):8.1f}",
          file=sys.stderr)
p, b, s, r = res["plain"], res["busy"], res["blocked"], res["runnable"]
# The machine is shared: another workload may preempt the reader now and
# then (that time is sched_delay, rightly), so 80 % of the messages, not all.
# busy: thread_busy is the spin the reader timed itself, +-10 %
near = sum(1 for v, t in zip(b["b"], b["t"]) if abs(v - t) <= 0.1 * t)
check(near >= 0.8 * len(b["b"]), f"busy: thread_busy within 10 % of the reader's own clock for {near} of {len(b['b'])}")
check(sum(b["d"]) < 0.2 * sum(b["w"]), f"busy: sched_delay {us(sum(b['d']))} us of {us(sum(b['w']))}")
# blocked: thread_blocked is the sleep
near = sum(1 for v, t in zip(s["s"], s["t"]) if abs(v - t) <= 0.1 * t)
check(near >= 0.8 * len(s["s"]), f"blocked: thread_blocked within 10 % of the reader's own clock for {near} of {len(s['s'])}")
check(sum(s["b"]) + sum(s["d"]) < 0.2 * sum(s["w"]), f"blocked: thread_busy + sched_delay {us(sum(s['b']) + sum(s['d']))} us of {us(sum(s['w']))}")
# runnable: the growth over the plain run is the scheduler's
growth = sum(r["w"]) - med(p["w"]) * len(r["w"])
check(growth > 1000 * len(r["w"]) / 10, f"runnable: wakeup_to_read grew by only {us(growth)} us in all (the hog did not hold CPU 0)")
check(sum(r["d"]) >= 0.7 * growth, f"runnable: sched_delay {us(sum(r['d']))} us of a growth of {us(growth)} us")
check(med(r["b"]) <= med(p["b"]) + 5000, f"runnable: thread_busy p50 {us(med(r['b']))} us, plain {us(med(p['b']))} us")
rep = json.load(open(f"{tmp}/r.json"))
st = rep["stages"]
check(rep["probes"]["sched"]["used"] == "tracepoint", f"probes.sched: {rep['probes']['sched']}")
for k in ("sched_delay", "thread_busy", "thread_blocked"):
    check(st.get(k, {}).get("count") == len(rows), f"stages.{k}.count {st.get(k, {}).get('count')}, csv has {len(rows)} reads")
sys.exit(0 if ok else 1)
PY
pass "busy, blocked and runnable waits in their stages; every read adds up within 1 us"
