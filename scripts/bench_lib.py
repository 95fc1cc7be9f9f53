#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Helpers for scripts/bench.sh (make bench). Subcommands:

  tracers --wait S NAME...      fail (exit 1) if a BPF program with one of these
                                names is loaded (waits up to S seconds for it to
                                go away); prints each with its owning processes
  tracers --any NAME...         quietly: exit 1 if one is loaded now
  progids PID                   ids of the BPF programs PID holds
  gone --wait S ID...           wait until these program ids are unloaded
  attach RAW MODE -- CMD...     exec CMD, ms until 'tracing' on its stderr,
                                then SIGINT and wait; appends one JSON line
  rusage OUT -- CMD...          run CMD; write its user+sys CPU seconds to OUT
  mem PID                       one JSON line: VmRSS, VmHWM, Pss, what the RSS is
  cpu PID                       utime+stime of PID in seconds (from /proc/PID/stat)
  perfcat FILE                  where BPF time goes, from `perf script -F ip,sym`
  busy SECONDS                  machine-wide CPU busy % over SECONDS (/proc/stat)
  report RAW OUTDIR META...     results/bench.json + results/bench.md from the
                                raw records bench.sh collected
"""
import datetime
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- probes ---

def bpf_progs():
    out = subprocess.run(["bpftool", "-j", "prog", "show"], capture_output=True,
                         text=True, check=True).stdout
    return json.loads(out or "[]")


def prog_owners():
    """prog id -> ['pid comm', ...] from /proc/*/fdinfo (bpftool here lacks pids)."""
    owners = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            comm = open(f"/proc/{pid}/comm").read().strip()
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if not target.startswith("anon_inode:bpf"):
                    continue
                info = open(f"/proc/{pid}/fdinfo/{fd}").read()
            except OSError:
                continue
            m = re.search(r"^prog_id:\s*(\d+)", info, re.M)
            if m:
                owners.setdefault(int(m.group(1)), set()).add(f"{pid} {comm}")
    return owners


def cmd_progids(args):
    """ids of the BPF programs PID holds (fds and links)."""
    pid = int(args[0])
    print(" ".join(str(i) for i, who in sorted(prog_owners().items())
                   if any(w.split()[0] == str(pid) for w in who)))
    return 0


def cmd_gone(args):
    """wait until these program ids are unloaded."""
    wait = float(args[1]) if args[:1] == ["--wait"] else 0.0
    ids = {int(i) for i in (args[2:] if args[:1] == ["--wait"] else args)}
    deadline = time.monotonic() + wait
    while True:
        left = ids & {p["id"] for p in bpf_progs()}
        if not left:
            return 0
        if time.monotonic() >= deadline:
            print(f"bench: programs {sorted(left)} still loaded after the tracer exited",
                  file=sys.stderr)
            return 1
        time.sleep(0.1)


def cmd_tracers(args):
    wait = 0.0
    if args[:1] == ["--any"]:
        # quiet: exit 1 if one of these programs is loaded right now
        names = {n[:15] for n in args[1:]}
        return 1 if any(p.get("name", "")[:15] in names for p in bpf_progs()) else 0
    if args[:1] == ["--wait"]:
        wait = float(args[1])
        args = args[2:]
    # kernel program names are cut to 15 characters
    names = {n[:15] for n in args}
    deadline = time.monotonic() + wait
    said = False
    while True:
        bad = [p for p in bpf_progs() if p.get("name", "")[:15] in names]
        if not bad:
            return 0
        if time.monotonic() >= deadline:
            break
        if not said:
            owners = prog_owners()
            who = sorted({w for p in bad for w in owners.get(p["id"], [])}) or ["owner unknown"]
            print(f"bench: waiting up to {wait:.0f} s for another tracer to go away: "
                  f"{', '.join(who)} ({len(bad)} programs)", file=sys.stderr)
            said = True
        time.sleep(0.25)
    owners = prog_owners()
    print("bench: tracing programs still loaded (an untraced run would be traced):",
          file=sys.stderr)
    for p in bad:
        who = ", ".join(sorted(owners.get(p["id"], []))) or "owner unknown (exited?)"
        print(f"  prog {p['id']} {p.get('type')} {p.get('name')} loaded_at "
              f"{p.get('loaded_at', '?')} held by: {who}", file=sys.stderr)
    return 1


def cmd_attach(args):
    out, mode, cmd = args[0], args[1], args[args.index("--") + 1:]
    t0 = time.monotonic_ns()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    ms, lines = None, []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = p.stderr.readline()
        if not line:
            break
        lines.append(line)
        if "tracing" in line:
            ms = (time.monotonic_ns() - t0) / 1e6
            break
    p.send_signal(signal.SIGINT)
    try:
        p.wait(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    if ms is None:
        print("bench: latprobe never said it was tracing: " + "".join(lines).strip(),
              file=sys.stderr)
        return 1
    with open(out, "a") as f:
        f.write(json.dumps({"kind": "attach", "mode": mode, "attach_ms": round(ms, 2)}) + "\n")
    return 0


def cmd_rusage(args):
    out, cmd = args[0], args[args.index("--") + 1:]
    p = subprocess.Popen(cmd)
    _, status, ru = os.wait4(p.pid, 0)
    with open(out, "w") as f:
        f.write(f"{ru.ru_utime:.6f} {ru.ru_stime:.6f}\n")
    return os.waitstatus_to_exitcode(status)


def proc_cpu(pid):
    """utime+stime of the whole process, seconds (clock ticks)."""
    stat = open(f"/proc/{pid}/stat").read()
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def proc_runtime(pid):
    """CPU time of all threads in ns (schedstat), or None."""
    try:
        return sum(int(open(f"/proc/{pid}/task/{t}/schedstat").read().split()[0])
                   for t in os.listdir(f"/proc/{pid}/task")) / 1e9
    except (OSError, ValueError):
        return None


def cmd_cpu(args):
    """'wall_s stat_cpu_s schedstat_cpu_s' of PID, now."""
    pid = int(args[0])
    print(f"{time.monotonic():.4f} {proc_cpu(pid):.2f} {proc_runtime(pid) or -1:.6f}")
    return 0


def cmd_mem(args):
    pid = int(args[0])
    st = {}
    for line in open(f"/proc/{pid}/status"):
        k, _, v = line.partition(":")
        if k in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
            st[k] = int(v.split()[0])
    pss = 0
    for line in open(f"/proc/{pid}/smaps_rollup"):
        if line.startswith("Pss:"):
            pss = int(line.split()[1])
    ring = heap = 0
    name = ""
    for line in open(f"/proc/{pid}/smaps"):
        if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
            parts = line.split()
            name = parts[5] if len(parts) > 5 else ""
        elif line.startswith("Rss:"):
            kb = int(line.split()[1])
            if name.startswith("anon_inode:bpf-map"):
                ring += kb
            elif name == "[heap]":
                heap += kb
    print(json.dumps({"vmrss_kib": st.get("VmRSS"), "vmhwm_kib": st.get("VmHWM"),
                      "rss_anon_kib": st.get("RssAnon"), "rss_file_kib": st.get("RssFile"),
                      "pss_kib": pss, "bpf_map_mmap_rss_kib": ring, "heap_rss_kib": heap,
                      "cpu_s": proc_cpu(pid), "cpu_sched_s": proc_runtime(pid),
                      "wall": time.monotonic()}))
    return 0


def perf_breakdown(path):
    """Where BPF time goes, from `perf script -F ip,sym` with call graphs:
    every sample whose stack passes through a BPF program or its dispatch,
    by what the leaf-most frames are."""
    cats = {"program bodies": 0, "ring buffer (reserve/submit/query)": 0,
            "maps (hash/array lookups, updates)": 0,
            "clock (bpf_ktime_get_ns)": 0,
            "kernel reads (bpf_probe_read_kernel, BPF_CORE_READ)": 0,
            "other helpers": 0, "dispatch (bpf_trace_run*, stats, RCU)": 0}
    progs = {}
    total = kernel = 0
    stack = []

    def flush():
        nonlocal total, kernel
        if not stack:
            return
        total += 1
        if stack[0][0].startswith("ffffffff"):
            kernel += 1
        syms = [sym for _, sym in stack]
        pi = next((i for i, x in enumerate(syms) if x.startswith("bpf_prog_")), None)
        if pi is not None:
            name = syms[pi].split("_", 3)[-1]
            progs[name] = progs.get(name, 0) + 1
            inner = syms[:pi]
            if pi == 0:
                cats["program bodies"] += 1
            elif any("ringbuf" in x for x in inner):
                cats["ring buffer (reserve/submit/query)"] += 1
            elif any(k in x for x in inner for k in ("htab", "array_map", "map_", "lookup_nulls",
                                                      "percpu")):
                cats["maps (hash/array lookups, updates)"] += 1
            elif any("ktime_get" in x or "read_tsc" in x for x in inner):
                cats["clock (bpf_ktime_get_ns)"] += 1
            elif any("probe_read" in x or "copy_from_kernel_nofault" in x for x in inner):
                cats["kernel reads (bpf_probe_read_kernel, BPF_CORE_READ)"] += 1
            else:
                cats["other helpers"] += 1
        elif any(x.startswith(("bpf_trace_run", "__bpf_trace_", "__bpf_prog_enter",
                               "__bpf_prog_exit", "bpf_trampoline")) for x in syms):
            cats["dispatch (bpf_trace_run*, stats, RCU)"] += 1
        stack.clear()

    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                flush()
                continue
            parts = line.split(None, 1)
            stack.append((parts[0], parts[1].split("+")[0] if len(parts) > 1 else "?"))
    flush()
    bpf = sum(cats.values())
    return {"samples": total, "kernel_samples": kernel, "bpf_samples": bpf,
            "bpf_pct_of_kernel": round(100 * bpf / kernel, 2) if kernel else None,
            "share_pct": {k: round(100 * v / bpf, 1) if bpf else None for k, v in cats.items()},
            "by_program_pct": {k: round(100 * v / bpf, 1) for k, v in
                               sorted(progs.items(), key=lambda kv: -kv[1])} if bpf else {}}


def cmd_perfcat(args):
    print(json.dumps(perf_breakdown(args[0])))
    return 0


def cpu_times():
    v = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    idle = v[3] + v[4]
    return sum(v[:8]), idle


def cmd_busy(args):
    t0, i0 = cpu_times()
    time.sleep(float(args[0]))
    t1, i1 = cpu_times()
    print(f"{100.0 * (1 - (i1 - i0) / max(1, t1 - t0)):.1f}")
    return 0


# ---------------------------------------------------------------- report ---

def q(vals, p):
    """Quantile with linear interpolation (p in [0, 1])."""
    s = sorted(vals)
    if not s:
        return None
    k = (len(s) - 1) * p
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def spread(vals, nd=2):
    """median, interquartile range and the runs."""
    if not vals:
        return {"n": 0}
    return {"median": round(q(vals, 0.5), nd), "p25": round(q(vals, 0.25), nd),
            "p75": round(q(vals, 0.75), nd), "iqr": round(q(vals, 0.75) - q(vals, 0.25), nd),
            "n": len(vals), "runs": [round(v, nd) for v in vals]}


RAW_DIR = None


def here(path):
    """A file named in the raw records; after BENCH_KEEP it lives next to raw.jsonl."""
    if path and not os.path.exists(path) and RAW_DIR:
        alt = os.path.join(RAW_DIR, os.path.basename(path))
        if os.path.exists(alt):
            return alt
    return path


def load_json(path):
    path = here(path)
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def prog_table(path, names):
    progs = [p for p in (load_json(path) or []) if p.get("name", "")[:15] in names
             and p.get("run_cnt")]
    return {p["name"]: {"run_cnt": p["run_cnt"], "run_time_ns": p["run_time_ns"],
                        "mean_ns": p["run_time_ns"] / p["run_cnt"]} for p in progs}


def ov_table(path, side=None):
    """Per-program BPF cost from a latprobe report's own "overhead" section
    (latprobe holds BPF_ENABLE_STATS while it runs), same shape as prog_table."""
    ov = (load_json(path) or {}).get("overhead") if path else None
    if not ov:
        return {}
    return {n: {"run_cnt": p["run_cnt"], "run_time_ns": p["run_time_ns"],
                "mean_ns": p["run_time_ns"] / p["run_cnt"], "side": p.get("side")}
            for n, p in ov.get("programs", {}).items()
            if p.get("run_cnt") and (side is None or p.get("side") == side)}


def ext_result(name, since):
    """Another bench script's results/NAME: its JSON when it was written during
    this make bench (mtime >= since), else None and why."""
    path = os.path.join(OUTDIR or "results", name)
    if not os.path.exists(path):
        return None, f"results/{name} absent (its script did not run)"
    if since and os.path.getmtime(path) < since:
        ts = datetime.datetime.fromtimestamp(os.path.getmtime(path), datetime.timezone.utc)
        return None, (f"results/{name} is from {ts:%Y-%m-%dT%H:%MZ}, not from this make bench: "
                      "not measured in this run")
    return load_json(path), ""


def ext_num(d, *keys):
    """The first of keys in d (nested keys as "a.b"), a number or a spread's median."""
    for k in keys:
        v = d
        for part in k.split("."):
            v = v.get(part) if isinstance(v, dict) else None
        if isinstance(v, dict):
            v = v.get("median")
        if isinstance(v, (int, float)):
            return v
    return None


def sh(cmd):
    try:
        return subprocess.check_output(cmd, shell=True, text=True,
                                       stderr=subprocess.DEVNULL).strip()
    except Exception:
        return "unknown"


def fmt(v, nd=2, unit=""):
    if v is None:
        return "n/a"
    if isinstance(v, float):
        v = int(round(v)) if nd == 0 else round(v, nd)
    return f"{v}{unit}"


OUTDIR = None


def cmd_report(args):
    global RAW_DIR, OUTDIR
    raw_f, outdir = args[0], args[1]
    OUTDIR = outdir
    RAW_DIR = os.path.dirname(os.path.abspath(raw_f))
    meta_in = dict(a.split("=", 1) for a in args[2:])
    recs = [json.loads(l) for l in open(raw_f) if l.strip()]
    by = {}
    for r in recs:
        by.setdefault(r["kind"], []).append(r)
    names = set(meta_in.get("progs", "").split(","))
    names = {n[:15] for n in names if n}
    targets = []

    def target(key, what, value, limit, cmp, unit, cause_miss, detail=""):
        if value is None:
            met = None
        else:
            met = value <= limit if cmp == "<=" else value >= limit
        lim = f"{limit:,.0f}" if limit >= 10000 else f"{limit}"
        t = {"id": key, "what": what, "measured": None if value is None else round(value, 3),
             "target": f"{cmp} {lim}{unit}", "unit": unit.strip(), "met": met}
        if detail:
            t["detail"] = detail
        if met is False or met is None:
            t["cause"] = cause_miss
        targets.append(t)
        return t

    # ---- 1. per-event BPF cost ----
    ev_rounds = []
    for r in by.get("event_cost", []):
        tab = ov_table(r.get("report")) or prog_table(r.get("progs"), names)
        cnt = sum(p["run_cnt"] for p in tab.values())
        ns = sum(p["run_time_ns"] for p in tab.values())
        rep = load_json(r["report"]) or {}
        ev_rounds.append({"programs": tab, "mean": ns / cnt if cnt else None,
                          "events": rep.get("total_events"), "lost": rep.get("lost_events"),
                          "attach": {k: v.get("used") for k, v in rep.get("probes", {}).items()}})
    prog_names = sorted({n for er in ev_rounds for n in er["programs"]})
    per_prog = {}
    for n in prog_names:
        means = [er["programs"][n]["mean_ns"] for er in ev_rounds if n in er["programs"]]
        runs = [er["programs"][n]["run_cnt"] for er in ev_rounds if n in er["programs"]]
        per_prog[n] = {"mean_ns": spread(means, 1), "run_cnt_median": int(q(runs, 0.5))}
    means = [er["mean"] for er in ev_rounds if er["mean"] is not None]
    ev_mean = q(means, 0.5)
    worst = max(per_prog.items(), key=lambda kv: kv[1]["mean_ns"]["median"]) if per_prog else None
    # the worst among programs that run per event (not once per socket)
    busy = {n: v for n, v in per_prog.items() if v["run_cnt_median"] >= 1000}
    worst_busy = max(busy.items(), key=lambda kv: kv[1]["mean_ns"]["median"]) if busy else None
    bpf_cost = {"mean_ns_per_event": spread(means, 1), "target_ns": 150,
                "worst_program": worst[0] if worst else None,
                "worst_mean_ns": worst[1]["mean_ns"]["median"] if worst else None,
                "worst_per_event_program": worst_busy[0] if worst_busy else None,
                "worst_per_event_mean_ns": worst_busy[1]["mean_ns"]["median"] if worst_busy else None,
                "programs": per_prog,
                "attach": ev_rounds[0]["attach"] if ev_rounds else {},
                "events_per_round": [er["events"] for er in ev_rounds],
                "lost_events": [er["lost"] for er in ev_rounds],
                "method": "the report's overhead section (latprobe holds BPF_ENABLE_STATS while it "
                          "runs); run_time_ns/run_cnt of every latprobe program "
                          "during a paced 200-byte veth send workload; mean = sum(run_time)/sum(run_cnt) "
                          "per round, median over rounds"}
    msgs = int(meta_in.get("event_seconds", 0)) * 10000
    per_msg = [sum(p["run_time_ns"] for p in er["programs"].values()) / msgs
               for er in ev_rounds if msgs]
    runs_msg = [sum(p["run_cnt"] for p in er["programs"].values()) / msgs
                for er in ev_rounds if msgs]
    bpf_cost["bpf_ns_per_message"] = spread(per_msg, 1)
    bpf_cost["program_runs_per_message"] = spread(runs_msg, 2)
    bpf_cost["records_per_message"] = spread([er["events"] / msgs for er in ev_rounds
                                              if msgs and er["events"]], 2)
    perf = load_json(by["perf"][0]["file"]) if by.get("perf") else None
    bpf_cost["perf_breakdown"] = perf
    perf_txt = ""
    if perf and perf.get("bpf_samples"):
        top = sorted(perf["share_pct"].items(), key=lambda kv: -(kv[1] or 0))[:3]
        perf_txt = (f" perf (cpu-clock, call graphs, traced ping-pong) puts "
                    + ", ".join(f"{v}% of the BPF samples in {k}" for k, v in top)
                    + ".")
    heavy = sorted(busy.items(), key=lambda kv: -kv[1]["mean_ns"]["median"])[:3]
    bpf_mean_cause = (
           "programs above the mean: " + ", ".join(
               f"{n} {v['mean_ns']['median']} ns x {v['run_cnt_median']} runs" for n, v in heavy)
           + ". tcp_in and wakeup find the socket's state in its socket storage "
             "(bpf_sk_storage_get) and keep the segment's marks there; recv_tp joins them to the "
             "read and queues it in the socket's storage; every eighth read reserves one ring "
             "record for the batch (bpf_ringbuf_reserve takes the ring's spinlock with "
             "interrupts off, and turning them back on is a paravirtual call on this guest: "
             "results/kernel-cost.md) and copies the batch into it; the tp_btf trampoline "
             "(bpf_trace_run*) comes on top of run_time." + perf_txt + " See the per-program table.")

    # ---- 2. round trips ----
    excluded = {k: sum(1 for r in by.get(k, []) if r.get("foreign_tracer"))
                for k in ("rtt", "msg", "probe_loop")}
    for k in excluded:
        by[k] = [r for r in by.get(k, []) if not r.get("foreign_tracer")]
    rtt = {}
    for r in by.get("rtt", []):
        rtt.setdefault(r["tracer"], {})[r["round"]] = r
    rt = {}
    base = rtt.get("untraced", {})
    for t, rounds in rtt.items():
        p50 = [rounds[k]["p50"] for k in sorted(rounds)]
        mean = [rounds[k]["mean"] for k in sorted(rounds)]
        p99 = [rounds[k]["p99"] for k in sorted(rounds)]
        paired = [rounds[k]["p50"] / base[k]["p50"] for k in sorted(rounds) if k in base]
        paired_mean = [rounds[k]["mean"] / base[k]["mean"] for k in sorted(rounds) if k in base]
        rt[t] = {"p50_us": spread(p50), "mean_us": spread(mean), "p99_us": spread(p99),
                 "ratio_p50": round(q(p50, .5) / q([b["p50"] for b in base.values()], .5), 3)
                 if base else None,
                 "ratio_mean": round(q(mean, .5) / q([b["mean"] for b in base.values()], .5), 3)
                 if base else None,
                 "paired_ratio_p50": spread(paired, 3), "paired_ratio_mean": spread(paired_mean, 3)}
    # headline: the median of per-round ratios (each round's runs are seconds apart, so
    # a machine-state shift between rounds, e.g. another user's load, cancels out)
    def paired_med(t):
        return (rt.get(t, {}).get("paired_ratio_p50") or {}).get("median")
    lp_ratio = paired_med("latprobe")
    others = {t: paired_med(t) for t in ("bpftrace", "tcpdump") if t in rt}
    below = all(lp_ratio is not None and lp_ratio < v for v in others.values()) and \
        len(others) == 2
    base_p50 = q([b["p50"] for b in base.values()], .5) if base else None
    npm = q(per_msg, .5) if per_msg else None
    pred = 1 + 2 * npm / 1000 / base_p50 if npm and base_p50 else None
    rt_cause = (f"a round trip is two 200-byte messages and each costs "
                f"{fmt(npm, 0)} ns of BPF run time ({fmt(q(runs_msg, .5) if runs_msg else None, 1)} "
                f"program runs per message, section 1: send, netif_receive_skb for data and ACK, "
                f"tcp_probe, sk_data_ready, the read, tcp_rcv_space_adjust), i.e. "
                f"{fmt(None if npm is None else 2 * npm / 1000, 2)} us per round trip on an untraced "
                f"p50 of {fmt(base_p50, 1)} us: the BPF run time alone predicts a ratio of "
                f"{fmt(pred, 3)} before trampoline entry/exit and cache effects. A 3% budget on a "
                f"{fmt(base_p50, 0)} us round trip is {fmt(None if base_p50 is None else base_p50 * 30, 0)} "
                f"ns, i.e. about {fmt(None if base_p50 is None else base_p50 * 15 / (q(runs_msg, .5) or 1), 0)} "
                f"ns per program run at this run count: cheaper programs or fewer runs (and ring "
                f"records) per message are the fix (bpf/latprobe.bpf.c); the ring buffer's "
                f"reserve/submit is the largest share of the run time (perf, section 1), its "
                f"wake-ups are not (no forced wake-ups at this rate).")
    lp_paired = rt.get("latprobe", {}).get("paired_ratio_p50", {})
    target("rtt_ratio", "ping-pong RTT p50, latprobe / fair baseline (untraced beside a 10 ms "
           "waker; median of per-round ratios)",
           lp_ratio, 1.03, "<=", "", rt_cause,
           f"IQR [{lp_paired.get('p25')}-{lp_paired.get('p75')}]; ratio of the medians "
           f"{rt.get('latprobe', {}).get('ratio_p50')}" if lp_paired.get("n") else "")
    rt_pred = {"ratio_predicted_from_bpf_run_time": None if pred is None else round(pred, 3)}
    # issue 14: below tcpdump's in the same run (bpftrace's is shown beside it)
    below = lp_ratio is not None and others.get("tcpdump") is not None and \
        lp_ratio < others["tcpdump"]
    t2b = {"id": "rtt_below_others", "what": "latprobe's RTT ratio below tcpdump's in the same run "
           "(bpftrace's for comparison)",
           "measured": {"latprobe": lp_ratio, **others}, "target": "latprobe < tcpdump",
           "unit": "", "met": below if "tcpdump" in others else None}
    if not t2b["met"]:
        parts = []
        lp_pr = rt.get("latprobe", {}).get("paired_ratio_p50", {})
        for t, v in others.items():
            if t != "tcpdump" or lp_ratio is None or v is None or lp_ratio < v:
                continue
            o_pr = rt[t].get("paired_ratio_p50", {})
            overlap = lp_pr.get("n") and o_pr.get("n") and \
                lp_pr["p25"] <= o_pr["p75"] and o_pr["p25"] <= lp_pr["p75"]
            why = (f"tcpdump -w copies each packet once into its AF_PACKET ring (about 2 "
                   f"packets per message, no per-socket work)" if t == "tcpdump" else
                   f"bpftrace runs 3 small programs per message (map update or histogram, no "
                   f"ring record)")
            parts.append(f"{t} {v} vs latprobe {lp_ratio}: {why}, while latprobe runs "
                         f"{fmt(q(runs_msg, .5) if runs_msg else None, 1)} programs per message "
                         f"at {fmt(ev_mean, 0)} ns each"
                         + (" (their paired-ratio IQRs overlap: within noise)" if overlap else ""))
        t2b["cause"] = "tcpdump missing" if "tcpdump" not in others else "; ".join(parts) + "."
    targets.append(t2b)

    # ---- 3. message path ----
    msg = {}
    for r in by.get("msg", []):
        cs = load_json(r["client"]) or {}
        ru = open(here(r["rusage"])).read().split() if os.path.exists(here(r["rusage"])) else None
        lp = load_json(r.get("lpreport", "")) if r.get("lpreport") else None
        st = cs.get("stages", {})
        row = {"round": r["round"], "messages": cs.get("messages"),
               "msgs_per_s": cs.get("messages_per_second"),
               "f2p_p50": st.get("frame_to_parsed", {}).get("p50_us"),
               "f2p_p99": st.get("frame_to_parsed", {}).get("p99_us"),
               "e2p_p50": st.get("exchange_to_published", {}).get("p50_us"),
               "e2p_p99": st.get("exchange_to_published", {}).get("p99_us"),
               "client_cpu_us_per_msg": (float(ru[0]) + float(ru[1])) * 1e6 / cs["messages"]
               if ru and cs.get("messages") else None,
               "lp_events": lp.get("total_events") if lp else None,
               "lp_lost": lp.get("lost_events") if lp else None,
               "lp_messages": lp.get("messages") if lp else None,
               "lp_cpu_s": r.get("lp_cpu_s")}
        msg.setdefault(r["mode"], {}).setdefault(r["tracer"], []).append(row)

    def col(mode, tracer, k):
        return [x[k] for x in msg.get(mode, {}).get(tracer, []) if x.get(k) is not None]

    def paired(mode, k, f):
        a = {x["round"]: x[k] for x in msg.get(mode, {}).get("untraced", []) if x.get(k) is not None}
        b = {x["round"]: x[k] for x in msg.get(mode, {}).get("latprobe", []) if x.get(k) is not None}
        return [f(b[i], a[i]) for i in sorted(a) if i in b]

    mp = {"params": {k: meta_in.get(k) for k in ("msg_rate", "msg_paced_count",
                                                 "msg_unpaced_count", "msg_rounds")}}
    for mode in ("paced", "unpaced"):
        mp[mode] = {}
        for tr in ("untraced", "latprobe"):
            mp[mode][tr] = {k: spread(col(mode, tr, k), 3) for k in
                            ("msgs_per_s", "f2p_p50", "f2p_p99", "e2p_p50", "e2p_p99",
                             "client_cpu_us_per_msg")}
            if tr == "latprobe":
                mp[mode][tr]["lp_lost"] = col(mode, tr, "lp_lost")
                mp[mode][tr]["lp_events"] = col(mode, tr, "lp_events")
                mp[mode][tr]["lp_messages"] = [x["lp_messages"] for x in msg.get(mode, {}).get(tr, [])][:1]
    med = lambda m, t, k: mp[m][t][k].get("median")
    infl_f2p = paired("paced", "f2p_p50", lambda b, a: b - a)
    infl_e2p = paired("paced", "e2p_p50", lambda b, a: b - a)
    thr = paired("unpaced", "msgs_per_s", lambda b, a: b / a)
    cpu_d = paired("unpaced", "client_cpu_us_per_msg", lambda b, a: b - a)
    mp["inflation"] = {
        "frame_to_parsed_p50_us": spread(infl_f2p, 3),
        "exchange_to_published_p50_us": spread(infl_e2p, 3),
        "frame_to_parsed_p50_us_of_medians": None if not col("paced", "latprobe", "f2p_p50") else
        round(med("paced", "latprobe", "f2p_p50") - med("paced", "untraced", "f2p_p50"), 3),
        "exchange_to_published_p50_us_of_medians": None if not col("paced", "latprobe", "e2p_p50")
        else round(med("paced", "latprobe", "e2p_p50") - med("paced", "untraced", "e2p_p50"), 3),
        "throughput_ratio_paired": spread(thr, 3),
        "throughput_ratio_of_medians": None if not col("unpaced", "latprobe", "msgs_per_s") else
        round(med("unpaced", "latprobe", "msgs_per_s") / med("unpaced", "untraced", "msgs_per_s"), 3),
        "client_cpu_us_per_msg_delta_paired": spread(cpu_d, 3),
    }
    # probe cost (tight loop + bpf_stats of client_msg)
    loop = {}
    for r in by.get("probe_loop", []):
        loop.setdefault(r["tracer"], []).append(r["ns_per_hit"])
    cm_ns = [v["mean_ns"] for r in by.get("probe_loop", []) if r.get("lpreport")
             for n, v in ov_table(r["lpreport"], "client").items() if n.startswith("client_msg")]
    cm = {"mean_ns": q(cm_ns, .5)} if cm_ns else None
    per_hit = None
    if loop.get("untraced") and loop.get("latprobe"):
        per_hit = q(loop["latprobe"], .5) - q(loop["untraced"], .5)
    probe = {"loop_ns_per_hit": {t: spread(v, 1) for t, v in loop.items()},
             "per_hit_cost_ns": None if per_hit is None else round(per_hit, 1),
             "client_msg_bpf_ns": None if not cm else round(cm["mean_ns"], 1),
             "trap_and_dispatch_ns": None if per_hit is None or not cm
             else round(per_hit - cm["mean_ns"], 1),
             "client_cpu_delta_us_per_msg": spread(cpu_d, 3),
             "method": "build/usdt_loop fires latprobe:message (same probe and arguments as "
                       "wsclient, a real socket fd) in a tight loop: median ns per hit with "
                       "latprobe --client build/usdt_loop minus untraced = the whole per-message "
                       "cost (int3 trap + USDT argument fetch + BPF program + ring record); "
                       "client_msg's own run time from the same runs' reports (overhead section); "
                       "the rest is the trap and uprobe dispatch. Cross-check: the real client's "
                       "CPU time per message (wait4 rusage), unpaced, latprobe minus untraced."}
    mp["probe_cost"] = probe
    bpm = {}
    for mode in ("paced", "unpaced"):
        # all latprobe runs of the mode, summed: run time and runs over messages
        tab, n = {}, 0
        for r in by.get("msg", []):
            if r["mode"] != mode or not r.get("lpreport"):
                continue
            t1 = ov_table(r["lpreport"])
            m1 = (load_json(r["client"]) or {}).get("messages") or 0
            if not t1 or not m1:
                continue
            n += m1
            for k, v in t1.items():
                a = tab.setdefault(k, {"run_cnt": 0, "run_time_ns": 0, "side": v["side"]})
                a["run_cnt"] += v["run_cnt"]
                a["run_time_ns"] += v["run_time_ns"]
        for v in tab.values():
            v["mean_ns"] = v["run_time_ns"] / v["run_cnt"]
        if not n:
            continue
        kern = {k: v for k, v in tab.items() if v["side"] == "kernel"}
        bpm[mode] = {
            "messages": n,
            "ns_per_message": {k: round(v["run_time_ns"] / n, 1) for k, v in tab.items()},
            "runs_per_message": {k: round(v["run_cnt"] / n, 2) for k, v in tab.items()},
            "mean_ns_per_run": {k: round(v["mean_ns"], 1) for k, v in tab.items()},
            "kernel_ns_per_message": round(sum(v["run_time_ns"] for v in kern.values()) / n, 1),
            "client_msg_ns_per_message": round(sum(v["run_time_ns"] for k, v in tab.items()
                                                   if v["side"] == "client") / n, 1)}
    mp["bpf_per_message"] = bpm
    shares = []
    for r in by.get("msg", []):
        if r["mode"] != "paced" or not r.get("lpreport"):
            continue
        rep = load_json(r["lpreport"]) or {}
        for c in rep.get("connections", {}).values():
            if "wsclient" in str(c.get("comm")) and c.get("reads"):
                seen = (rep.get("messages") or {}).get("seen") or 0
                if seen:
                    shares.append(100 * (1 - c["reads"] / seen))
    reads_share = q(shares, .5) if shares else None
    mp["paced_messages_sharing_a_read_pct"] = None if reads_share is None else round(reads_share, 1)
    e2p_infl = q(infl_e2p, .5) if infl_e2p else None
    f2p_infl = q(infl_f2p, .5) if infl_f2p else None
    thr_ratio = q(thr, .5) if thr else None
    # cause strings built from this run's own evidence
    kp = bpm.get("paced", {})
    path = ", ".join(f"{k} {round(v)} ns" for k, v in sorted(kp.get("ns_per_message", {}).items(),
                                                              key=lambda kv: -kv[1])
                     if v >= 1 and not k.startswith("client_msg"))
    cause_e2p = (
        f"exchange_to_published spans the feed's send, the kernel receive path and the client; "
        f"with bpf_stats on, the kernel programs spend {fmt(kp.get('kernel_ns_per_message'), 0)} ns "
        f"per message at {meta_in.get('msg_rate')} msg/s ({path}), all of it inside this "
        f"interval (the feed's send is traced too because the feed runs on the same VM; a remote "
        f"exchange would not add it). The client's own stamps (the stamps ring, or a USDT hit "
        f"of {fmt(probe['per_hit_cost_ns'], 0)} ns where no ring is mapped) come after the "
        f"'published' stamp, so they delay only messages queued behind them "
        f"(~{fmt(reads_share, 0)}% of messages shared a read with another one). frame_to_parsed, which contains no probe and no syscall, moved by "
        f"{fmt(f2p_infl, 3)} us: cache and CPU sharing with the consumer and the kernel programs "
        f"on 2 vCPUs. The remainder is wake-up jitter within the IQR.")
    cpu_u = med("unpaced", "untraced", "client_cpu_us_per_msg")
    cpu_delta = q(cpu_d, .5) if cpu_d else None
    pred_thr = cpu_u / (cpu_u + cpu_delta) if cpu_u and cpu_delta is not None else None
    pred_hit = cpu_u / (cpu_u + per_hit / 1000) if cpu_u and per_hit is not None else None
    mp["inflation"]["throughput_ratio_predicted_from_client_cpu"] = \
        None if pred_thr is None else round(pred_thr, 3)
    paths = sorted({((load_json(r["lpreport"]) or {}).get("probes") or {})
                    .get("client_message", {}).get("used") or "?"
                    for r in by.get("msg", []) if r["mode"] == "unpaced" and r.get("lpreport")})
    if paths and "usdt" not in paths:
        hit_txt = (f"The client's stamps reach latprobe through its stamps ring (client_message used "
                   f"{'/'.join(paths)}): no trap and no system call per message "
                   f"(scripts/bench_client.sh measures its cost); what latprobe adds is the kernel "
                   f"programs on the client's reads and the feed's sends "
                   f"({fmt(bpm.get('unpaced', {}).get('kernel_ns_per_message'), 0)} ns of BPF run "
                   f"time per message, feed side included), their trampolines, and latprobe's "
                   f"consumer sharing two vCPUs with the feed and the client. 0.95 leaves "
                   f"{fmt(None if not cpu_u else cpu_u * 1000 * 0.05 / 0.95, 0)} ns per message "
                   f"for everything: cheaper kernel programs are the next lever (with --client every "
                   f"read is still a ring record of its own: the client's records are joined to "
                   f"reads in ring order, docs/design.md \"Batched reads\").")
    else:
        hit_txt = (f"Most of it is the one USDT hit per message: "
        f"{fmt(probe['per_hit_cost_ns'], 0)} ns per hit in the tight loop = client_msg BPF "
        f"program {fmt(probe['client_msg_bpf_ns'], 0)} ns + int3 trap and uprobe dispatch "
        f"{fmt(probe['trap_and_dispatch_ns'], 0)} ns (the hit alone predicts {fmt(pred_hit, 3)}); "
        f"the rest is the kernel programs on the client's reads "
        f"({fmt(bpm.get('unpaced', {}).get('kernel_ns_per_message'), 0)} ns per message for all "
        f"kernel programs, feed side included). 0.97 leaves "
        f"{fmt(None if not cpu_u else cpu_u * 1000 * 0.03 / 0.97, 0)} ns per message for everything: "
        f"a 1-byte USDT nop is emulated through int3, so the fix is the client's stamps ring "
        f"(no trap) and a cheaper client_msg, not the ring buffer (lost 0).")
    cause_thr = (
        f"the unpaced client is CPU-bound ({fmt(cpu_u, 2)} us of CPU per message untraced) and "
        f"latprobe adds {fmt(cpu_delta, 2)} us of CPU per message to it (wait4 rusage, paired "
        f"median), which alone predicts a throughput ratio of {fmt(pred_thr, 3)} (measured "
        f"{fmt(thr_ratio, 3)}). " + hit_txt)
    def iqr_of(v, nd=3):
        return f"paired IQR [{fmt(q(v, .25), nd)}, {fmt(q(v, .75), nd)}] over {len(v)} rounds" \
            if v else ""
    target("msg_p50_inflation_e2p", "message path: exchange_to_published p50 inflation (20k msg/s)",
           e2p_infl, 1.0, "<=", " us", cause_e2p, iqr_of(infl_e2p))
    target("msg_p50_inflation_f2p", "message path: frame_to_parsed p50 inflation (20k msg/s)",
           f2p_infl, 1.0, "<=", " us", "frame_to_parsed has no probe inside it; a shift here is "
           "CPU contention (consumer, kernel programs) or noise: see the IQR.", iqr_of(infl_f2p))
    target("msg_throughput_ratio", "message path: sustained msg/s, latprobe / untraced (unpaced)",
           thr_ratio, 0.95, ">=", "", cause_thr, iqr_of(thr))
    # the tail at 20k msg/s: p99 of the client's exchange_to_published, paired
    tail = paired("paced", "e2p_p99", lambda b, a: 100 * (b / a - 1) if a else None)
    tail = [v for v in tail if v is not None]
    mp["inflation"]["exchange_to_published_p99_pct"] = spread(tail, 1)
    target("tail_e2p_p99", f"tail: exchange_to_published p99 inflation at {meta_in.get('msg_rate')} "
           "msg/s (latprobe --client vs fair baseline, paired per round)",
           q(tail, .5) if tail else None, 10, "<=", " %",
           "the p99 of a paced feed on 2 vCPUs is set by moments when the client's CPU is busy "
           "when its message arrives: latprobe's consumer (woken by its timer or a forced "
           "wake-up), the kernel programs in the receive path and the client probe all add to "
           "those moments; scripts/bench_wakeup.sh and results/bench_wakeup.md measure the "
           "consumer's share per wake-up policy.", iqr_of(tail, 1))

    # ---- 4. consumer capacity ----
    steps = []
    for r in by.get("cap", []):
        rep = load_json(r["report"]) or {}
        dur = rep.get("duration_seconds") or 0
        ev = rep.get("total_events") or 0
        rate = ev / dur if dur else None
        cpu = r["lp_cpu_sched_s"] / r["wall_s"] if r.get("wall_s") else None
        steps.append({"load": r["load"], "events": ev, "lost": rep.get("lost_events"),
                      "duration_s": dur, "events_per_s": None if rate is None else round(rate),
                      "lp_cpu_pct": None if cpu is None else round(100 * cpu, 2),
                      "lp_cpu_stat_s": r["lp_cpu_s"], "lp_cpu_sched_s": r["lp_cpu_sched_s"],
                      "lp_cpu_ns_per_event": round(cpu * 1e9 / rate, 1) if cpu is not None and rate else None,
                      "segments_evicted": sum(c.get("segments_evicted") or 0 for c in
                                              (rep.get("connections") or {}).values()),
                      "consumer_top_symbols": r.get("consumer_top") or None,
                      "ring_bytes": (rep.get("ring_buffer") or {}).get("bytes"),
                      "forced_wakeups": (rep.get("ring_buffer") or {}).get("forced_wakeups"),
                      "breakdown": rep.get("event_type_breakdown")})
    # the target is about the default ring: steps with --ringbuf-size are the sizing checks
    dflt = [s for s in steps if "--ringbuf-size" not in s["load"]]
    lossy = [s for s in dflt if s["lost"]]
    clean = [s for s in dflt if s["lost"] == 0]
    first_loss = min(lossy, key=lambda s: s["events_per_s"] or 0) if lossy else None
    max_clean = max(clean, key=lambda s: s["events_per_s"] or 0) if clean else None
    nspe = [s["lp_cpu_ns_per_event"] for s in steps if s["lp_cpu_ns_per_event"]]
    cap = {"steps": steps,
           "first_loss_events_per_s": first_loss["events_per_s"] if first_loss else None,
           "first_loss_step": first_loss["load"] if first_loss else None,
           "max_events_per_s_without_loss": max_clean["events_per_s"] if max_clean else None,
           "max_clean_step": max_clean["load"] if max_clean else None,
           "consumer_ns_per_event_max": max(nspe) if nspe else None,
           "method": "Each step: the load starts, then a fresh latprobe (default ring) traces it "
                     f"for {meta_in.get('cap_seconds')} s and gets SIGINT before the load stops, so "
                     "events/s = the report's total_events / duration_seconds is the rate under "
                     "load. Only the load's processes are traced (--comm) so other traffic on the "
                     "VM stays out. TCP steps: tcpflow send/recv pairs over veth, 64-byte writes "
                     "(-i = pacing in us, 0 = unpaced); USDT steps: build/usdt_loop bursts every "
                     "millisecond into latprobe --client (one ring record per hit). latprobe CPU "
                     "from /proc/PID/task/*/schedstat (ns) over the traced window."}
    t4 = target("cap_no_loss", "consumer: events/s without loss "
                + (f"(first loss at {first_loss['load']})" if first_loss else
                   "(highest step; no step lost events)"),
                first_loss["events_per_s"] if first_loss else (max_clean or {}).get("events_per_s"),
                3e6, ">=", " events/s",
                loss_cause(first_loss, steps) if first_loss else
                "no loss at any step, but the load generators on this 2-vCPU VM could not produce "
                "3M events/s (the producers, not the consumer, saturate the CPUs)")
    if first_loss is None and max_clean and (max_clean["events_per_s"] or 0) >= 3e6:
        t4["met"] = True
        t4.pop("cause", None)
    gen = gen_steps(by.get("cap_gen", []))
    cap["generator"] = gen
    if gen["steps"]:
        # the producers above cannot reach the target: the row is benchgen's
        targets.remove(t4)
        target("cap_no_loss", "consumer: events/s without loss (build/benchgen, synthetic "
               "reads into latprobe's ring from one pinned thread"
               + (f"; first loss at {gen['first_loss_step']['records_per_s']:,} records/s)"
                  if gen["first_loss_step"] else "; no step lost records)"),
               gen["max_records_per_s_without_loss"], 3e6, ">=", " events/s", gen["cause"],
               gen["detail"])
    foot = {r["at_s"]: r for r in by.get("foot", [])}
    fr = by.get("foot_run", [{}])[0]
    frep = load_json(fr.get("report", "")) or {}
    f_ev = (frep.get("total_events") or 0) / frep["duration_seconds"] \
        if frep.get("duration_seconds") else None
    ts = sorted(foot)
    cpu_pct = cpu_pct_sched = None
    if ts and "t0_wall" in fr:
        last = foot[ts[-1]]
        wall = last["wall"] - fr["t0_wall"]
        cpu_pct = 100 * (last["cpu_s"] - fr["t0_cpu_s"]) / wall
        if last.get("cpu_sched_s") is not None and fr.get("t0_cpu_sched_s", -1) >= 0:
            cpu_pct_sched = 100 * (last["cpu_sched_s"] - fr["t0_cpu_sched_s"]) / wall
    cap["cpu_at_load"] = {"events_per_s": None if f_ev is None else round(f_ev),
                          "cpu_pct_of_one_core": None if cpu_pct is None else round(cpu_pct, 2),
                          "cpu_pct_schedstat": None if cpu_pct_sched is None else round(cpu_pct_sched, 2),
                          "cpu_pct_scaled_to_100k": None if cpu_pct is None or not f_ev
                          else round(cpu_pct * 1e5 / f_ev, 2),
                          "lost": frep.get("lost_events"), "load": fr.get("load"),
                          "seconds": meta_in.get("foot_seconds"),
                          "method": "utime+stime of latprobe (/proc/PID/stat) from attach to the "
                                    "last footprint sample, over that wall time (the footprint run "
                                    "of section 5); schedstat gives the same in ns"}
    target("cap_cpu_100k", f"consumer CPU at ~100k events/s (measured at {fmt(f_ev, 0)} events/s)",
           cpu_pct, 5.0, "<=", " % of one core",
           "consumer CPU per event x events/s: see lp_cpu_ns_per_event in the steps")

    # ---- 5. footprint ----
    fp = {"samples": {str(k): foot[k] for k in ts}, "load": fr.get("load"),
          "events_per_s": cap["cpu_at_load"]["events_per_s"]}
    att = {}
    for r in by.get("attach", []):
        att.setdefault(r["mode"], []).append(r["attach_ms"])
    fp["attach_ms"] = {m: spread(v, 1) for m, v in att.items()}
    hwm_max = max((foot[k]["vmhwm_kib"] for k in ts), default=None)
    rss_max = max((foot[k]["vmrss_kib"] for k in ts), default=None)
    growth = foot[ts[-1]]["vmrss_kib"] - foot[ts[0]]["vmrss_kib"] if len(ts) >= 2 else None
    fp["rss_growth_kib"] = growth
    dring = next((st.get("ring_bytes") for st in steps if "--ringbuf-size" not in st["load"]
                  and st.get("ring_bytes")), None)
    small = [st for st in steps if "--ringbuf-size" in st["load"] and dring
             and (st.get("ring_bytes") or dring) < dring]
    small_ring_txt = ""
    if small:
        st = small[0]
        small_ring_txt = (
            f"Ring sizing (section 4): with a {fmt(st['ring_bytes'] / 2**20, 0)} MiB ring, "
            f"{st['events_per_s']} events/s lost {st['lost']} events "
            f"({st['forced_wakeups']} forced wake-ups), so the default "
            f"{fmt(dring / 2**20, 0)} MiB ring is "
            f"{'larger than this consumer needs at that rate' if not st['lost'] else 'needed at that rate'}. ")
    last = foot[ts[-1]] if ts else {}
    fp["rss_breakdown"] = (
        f"of {fmt(last.get('vmrss_kib', 0) / 1024, 1)} MiB VmRSS, the ring buffer's mmap counts "
        f"{fmt(last.get('bpf_map_mmap_rss_kib', 0) / 1024, 1)} MiB (its data pages are mapped "
        f"twice for wrap-around, so an N MiB ring shows as 2N MiB of RSS and N MiB of Pss) and "
        f"the heap {fmt(last.get('heap_rss_kib', 0) / 1024, 1)} MiB"
        + (" (freed load-time memory, vmlinux BTF, kept by malloc: a malloc_trim(0) after "
           "attaching and before the ring is mapped returns it and lowers VmHWM too)"
           if last.get("heap_rss_kib", 0) > 4096 else "")
        + f"; Pss {fmt(last.get('pss_kib', 0) / 1024, 1)} MiB. "
        + small_ring_txt + "Nothing grows with run length at a fixed set of sockets.")
    target("rss_max", "latprobe RSS: max of VmRSS and VmHWM over the samples",
           None if hwm_max is None else max(hwm_max, rss_max) / 1024, 32, "<=", " MiB",
           fp["rss_breakdown"],
           "VmRSS " + ", ".join(f"after {k} s {fmt(foot[k]['vmrss_kib'] / 1024, 1)} MiB" for k in ts))
    target("rss_growth", f"latprobe VmRSS growth from {ts[0] if ts else '?'} s to "
           f"{ts[-1] if ts else '?'} s", None if growth is None else growth / 1024, 0.5, "<=",
           " MiB", "memory grows with run length: see the samples")
    amed = max((v["median"] for v in fp["attach_ms"].values() if v.get("n")), default=None)
    target("attach_ms", "load+attach, exec to 'tracing' (median of the slower mode)", amed, 300,
           "<=", " ms", "see attach_ms per mode")

    # ---- issue 14's rows: the kernel side from the ping-pong runs' own reports ----
    rov = [(load_json(r.get("lpreport")) or {}).get("overhead") for r in by.get("rtt", [])
           if r["tracer"] == "latprobe" and r.get("lpreport")]
    rov = [o for o in rov if o and o.get("bpf_stats") in ("on", "sysctl")]
    def ovm(k, side="kernel"):
        v = [(o.get(side) if side else o).get(k) for o in rov]
        v = [x for x in v if x is not None]
        return spread(v, 3)
    k14 = {"unit": rov[0]["unit"] if rov else None, "runs": len(rov),
           "ns_per_message": ovm("ns_per_unit"), "runs_per_message": ovm("runs_per_unit"),
           "ns_per_run": ovm("ns_per_run"), "ring_records_per_message": ovm("ring_records_per_unit", None),
           "forced_wakeups_per_message": ovm("forced_wakeups_per_unit", None),
           "consumer_cpu_percent": ovm("consumer_cpu_percent", None),
           "method": "each traced ping-pong run's report, section overhead (BPF_ENABLE_STATS held by "
                     "latprobe for the run; deltas per program; per read = per 200-byte message, "
                     "both directions' programs counted); median over rounds"}
    bpf_cost["ping_pong_overhead"] = k14
    src = "200 B ping-pong, the reports' overhead sections"
    flood_txt = (f"; section 1's one-way flood: {fmt((bpf_cost.get('bpf_ns_per_message') or {}).get('median'), 0)} "
                 f"ns in {fmt((bpf_cost.get('program_runs_per_message') or {}).get('median'), 2)} runs")
    target("kernel_ns_per_msg", "BPF run time per message, kernel side",
           k14["ns_per_message"].get("median"), 500, "<=", " ns", bpf_mean_cause,
           f"{src}, IQR [{k14['ns_per_message'].get('p25')}-{k14['ns_per_message'].get('p75')}]{flood_txt}")
    target("runs_per_msg", "program runs per message, kernel side",
           k14["runs_per_message"].get("median"), 4, "<=", "",
           "send, tcp_probe, sk_data_ready and the read run once per message; what is above 4 "
           "is per-connection programs (state changes at set-up and close) spread over the "
           "run's messages: see the per-program table (section 1)", src)
    target("records_per_msg", "ring records per message",
           k14["ring_records_per_message"].get("median"), 1, "<=", "",
           "segments are joined in the kernel and a kernel-only run sends a socket's reads "
           "eight per record (docs/design.md \"Batched reads\"); the rest is per-connection "
           "records (close, socket state) and the partial batches flushed once a second", src)
    target("bpf_mean_ns", "mean BPF run time per program run, kernel side",
           k14["ns_per_run"].get("median"), 120, "<=", " ns", bpf_mean_cause,
           f"{src}; section 1's flood: {fmt(ev_mean, 0)} ns")
    # client probe cost: bench_client.sh's figure when it ran in this make bench,
    # else this script's USDT tight loop (measured here too)
    since = float(meta_in.get("bench_epoch") or 0) or float(meta_in.get("start_epoch") or 0)
    bc, bc_why = ext_result("bench_client.json", since)
    cpc = ext_num(bc or {}, "probe_cost_ns.stamps")
    if cpc is not None:
        usdt = ext_num(bc or {}, "probe_cost_ns.usdt")
        target("client_probe_ns", "client stamps cost per message, the stamps ring "
               "(scripts/bench_client.sh, over untraced)", cpc, 250, "<=", " ns",
               "see results/bench_client.md",
               f"results/bench_client.json; the USDT fallback in the same run: {fmt(usdt, 0)} ns; "
               f"this script's USDT loop: {fmt(mp['probe_cost']['per_hit_cost_ns'], 0)} ns")
    else:
        target("client_probe_ns", "client probe cost per message (USDT, build/usdt_loop "
               "tight loop in this script)", mp["probe_cost"]["per_hit_cost_ns"], 250, "<=", " ns",
               "the USDT probe is a 1-byte nop emulated through an int3 trap; its program "
               f"(client_msg) takes {fmt(mp['probe_cost']['client_msg_bpf_ns'], 0)} ns of it",
               bc_why)
    bn, bn_why = ext_result("bench_nic.json", since)
    nic = ext_num(bn or {}, "primary_stamped_pps")
    target("nic_stamp_pps", "latprobe-nic stamping rate, primary on a vdev (scripts/bench_nic.sh)",
           nic, 15e6, ">=", " pps",
           "see results/bench_nic.md" if nic is not None else bn_why,
           "results/bench_nic.json" if nic is not None else bn_why)
    ext = {}
    for name in ("bench_kernel_cost.json", "bench_callback.json", "bench_tls.json"):
        d, why = ext_result(name, since)
        ext[name] = {"quoted": d is not None, "why": why or None}
    order = ["kernel_ns_per_msg", "runs_per_msg", "records_per_msg", "bpf_mean_ns", "rtt_ratio",
             "rtt_below_others", "client_probe_ns", "msg_throughput_ratio", "tail_e2p_p99",
             "cap_no_loss", "nic_stamp_pps"]
    for t in targets:
        t["group"] = "issue 14" if t["id"] in order else "earlier"
    targets.sort(key=lambda t: order.index(t["id"]) if t["id"] in order else len(order))

    # ---- meta ----
    meta = {"date": meta_in.get("date") or
            datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "kernel": platform.release(),
            "cpu": sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"),
            "cpus": os.cpu_count(),
            "mem_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
            "virt": sh("systemd-detect-virt 2>/dev/null || (grep -q hypervisor /proc/cpuinfo && echo vm)"),
            "os": sh(". /etc/os-release && echo $PRETTY_NAME"),
            "compiler": sh("cc --version | head -1"), "clang": sh("clang --version | head -1"),
            "libbpf": sh("pkg-config --modversion libbpf"),
            "bpftool": sh("bpftool version | head -1"), "bpftrace": sh("bpftrace --version"),
            "tcpdump": sh("tcpdump --version 2>&1 | head -1"),
            "commit": sh("git rev-parse --short HEAD"),
            "tree_clean": sh("git status --porcelain --untracked-files=no") == "",
            "script": "scripts/bench.sh", "command": "make bench",
            "quick": meta_in.get("quick") == "1",
            "elapsed_s": int(meta_in.get("end_epoch", time.time())) -
            int(meta_in.get("start_epoch", time.time())),
            "background_busy_pct": {"before": float(meta_in.get("busy_before", "nan")),
                                    "after": float(meta_in.get("busy_after", "nan"))},
            "loadavg": {"before": meta_in.get("load_before"),
                        "after": meta_in.get("load_after") or sh("cat /proc/loadavg")},
            "runs_excluded_foreign_tracer": excluded,
            "params": {k: meta_in[k] for k in sorted(meta_in) if k not in
                       ("progs", "busy_before", "busy_after", "load_before", "load_after",
                        "start_epoch", "end_epoch", "date")}}
    meta["other_bench_results"] = ext
    out = {"schema": "latprobe-bench/3", "meta": meta, "targets": targets,
           "bpf_cost": bpf_cost, "round_trip": rt,
           "round_trip_prediction": rt_pred, "message_path": mp,
           "consumer_capacity": cap, "footprint": fp}
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "bench.json.tmp"), "w") as f:
        json.dump(out, f, indent=1)
    os.replace(os.path.join(outdir, "bench.json.tmp"), os.path.join(outdir, "bench.json"))
    md = render_md(out, meta_in)
    with open(os.path.join(outdir, "bench.md.tmp"), "w") as f:
        f.write(md)
    os.replace(os.path.join(outdir, "bench.md.tmp"), os.path.join(outdir, "bench.md"))
    print(md)
    return 0


def gen_steps(recs):
    """Section 4's build/benchgen steps: the consumer's capacity."""
    steps = []
    for r in recs:
        rep = load_json(r["report"]) or {}
        n = r.get("records") or 0
        # the share of a CPU while the load ran (its drain included)
        wall = r.get("seconds") or r.get("wall_s") or 0
        cpu = r.get("lp_cpu_sched_s")
        steps.append({
            "rate_set": r["rate"], "records": n, "messages": r.get("messages"),
            "seconds": r.get("seconds"),
            "records_per_s": round(r["records_per_s"]) if r.get("records_per_s") else None,
            "lost": rep.get("lost_events"), "generator_lost": r.get("lost"),
            "total_events": rep.get("total_events"),
            "in_eq_out": rep.get("total_events") == n,
            "malformed": (rep.get("ring_buffer") or {}).get("malformed"),
            "forced_wakeups": (rep.get("ring_buffer") or {}).get("forced_wakeups"),
            "lp_cpu_pct": round(100 * cpu / wall, 1) if cpu is not None and wall else None,
            "lp_cpu_ns_per_record": round(1e9 * cpu / n, 1) if cpu is not None and n else None,
            "producer_ns_per_record": round(1e9 * r["producer_cpu_s"] / n, 1)
            if r.get("producer_cpu_s") and n else None,
            "consumer_top_symbols": r.get("consumer_top") or None,
            "producer_cpu": r.get("cpu"), "sockets": r.get("socks")})
    ok = [s for s in steps if s["lost"] == 0 and s["in_eq_out"]]
    lossy = [s for s in steps if s["lost"]]
    first_loss = min(lossy, key=lambda s: s["records_per_s"] or 0) if lossy else None
    below = [s for s in ok if not first_loss
             or (s["records_per_s"] or 0) < (first_loss["records_per_s"] or 0)]
    best = max(below, key=lambda s: s["records_per_s"] or 0) if below else None
    flood = next((s for s in steps if s["rate_set"] == 0), None)
    top = next((s["consumer_top_symbols"] for s in steps if s["consumer_top_symbols"]), None)
    bad = [s for s in steps if not s["in_eq_out"]]
    g = {"steps": steps, "max_records_per_s_without_loss": best["records_per_s"] if best else None,
         "first_loss_step": first_loss, "consumer_top_symbols": top,
         "method": "build/benchgen (tools/bench/benchgen.c, bpf/bench_gen.bpf.c): a BPF program "
                   "run by BPF_PROG_TEST_RUN writes synthetic join-mode reads (one record per "
                   "message, with its segment's marks and the socket's counters, sockets in turn; "
                   "sockets announced first and closed at the end) into latprobe's own ring and "
                   "counters (--pin-dir, reused by fd), in batches paced from one thread pinned to "
                   "a CPU (latprobe is not pinned). latprobe traces port 1 only, so its report "
                   "must count exactly benchgen's records (in = out). records/s: benchgen's reads "
                   "over its run; lost: the report's lost_events (benchgen's failed reservations "
                   "count there); latprobe CPU from schedstat over the run and its drain, "
                   "as a share of benchgen's seconds; "
                   "perf record -g -p on latprobe during the unpaced step (self time)."}
    ns = best["lp_cpu_ns_per_record"] if best else None
    g["detail"] = ((f"at {best['records_per_s']:,} records/s latprobe used {best['lp_cpu_pct']}% "
                    f"of a CPU, {ns} ns per record" if best else "no step without loss")
                   + (f" (~{1e9 / ns / 1e6:.1f}M records/s at 100% of one CPU, an extrapolation)"
                      if ns else "")
                   + (f"; consumer hot spots: {top}" if top else "")
                   + (f"; {len(bad)} step(s) where the report's total_events differs from "
                      "benchgen's records" if bad else ""))
    if first_loss:
        g["cause"] = (f"at {first_loss['records_per_s']:,} records/s latprobe lost "
                      f"{first_loss['lost']} records using {first_loss['lp_cpu_pct']}% of a CPU "
                      f"({first_loss['lp_cpu_ns_per_record']} ns per record); hot spots: "
                      f"{top or 'n/a'}")
    elif flood:
        g["cause"] = (f"no loss at any step; benchgen's one thread topped at "
                      f"{flood['records_per_s']:,} records/s ({flood['producer_ns_per_record']} ns "
                      f"per record in the producer) while latprobe used {flood['lp_cpu_pct']}% of "
                      "a CPU: the producer, not the consumer, set the highest rate")
    else:
        g["cause"] = "no step lost records; no unpaced step was run"
    return g


def loss_cause(fl, steps):
    ring = (fl.get("ring_bytes") or 0) / 2**20
    big = [s for s in steps if s is not fl and s["load"].startswith(fl["load"] + ",")
           and (s.get("ring_bytes") or 0) > (fl.get("ring_bytes") or 0)]
    txt = (f"at {fl['load']} the consumer spent {fl['lp_cpu_ns_per_event']} ns per event "
           f"({fl['lp_cpu_pct']}% of a CPU; hot spots {fl.get('consumer_top_symbols') or 'n/a'}; "
           f"{fl.get('segments_evicted')} segment marks evicted) and the {fmt(ring, 0)} MiB ring "
           f"overflowed ({fl['lost']} records lost, {fl.get('forced_wakeups')} forced wake-ups) "
           f"while the flood's processes kept both vCPUs busy")
    if big:
        b = big[0]
        txt += (f"; the same load with a {fmt(b['ring_bytes'] / 2**20, 0)} MiB ring lost "
                f"{b['lost']} at {b['events_per_s']} events/s, so "
                + ("the ring size decides it: the consumer is only late, not too slow"
                   if not b["lost"] else "the consumer is too slow for this load, not just late"))
    return txt + (". The consumer's per-event cost at this load is the correlator "
                  "(per-socket segment rings, binary search by sequence; src/engine/correlator.c), "
                  "not the ring buffer API.")


def evict_txt(steps):
    ev = [s for s in steps if s.get("segments_evicted") and s.get("lp_cpu_ns_per_event")]
    ok = [s for s in steps if not s.get("segments_evicted") and s.get("lp_cpu_ns_per_event")
          and s["load"].startswith("tcp")]
    if not ev:
        return ""
    worst = max(ev, key=lambda s: s["lp_cpu_ns_per_event"])
    best = max(ok, key=lambda s: s["lp_cpu_ns_per_event"]) if ok else None
    return (f"Where a reader falls behind, the per-socket segment ring (sorted by sequence, "
            f"up to 512 marks; an eviction moves its head, a read's lookup is a binary search) "
            f"fills and evicts its oldest marks: {worst['load']} evicted "
            f"{worst['segments_evicted']} marks and cost {worst['lp_cpu_ns_per_event']} ns per "
            f"event (hot spots: {worst.get('consumer_top_symbols') or 'n/a'})"
            + (f" against {best['lp_cpu_ns_per_event']} ns at {best['load']} without evictions"
               if best else "")
            + ". ")


def iqr_s(s, nd=2):
    if not s or not s.get("n"):
        return "n/a"
    return f"{fmt(s['median'], nd)} [{fmt(s['p25'], nd)}-{fmt(s['p75'], nd)}]"


def render_md(o, meta_in):
    m = o["meta"]
    L = [f"# latprobe benchmark ({m['date']})", "",
         f"Machine: {m['cpu']}, {m['cpus']} vCPUs ({m['virt']}), {m['mem_gib']} GiB, {m['os']}, "
         f"kernel {m['kernel']}; libbpf {m['libbpf']}, {m['compiler']}; commit {m['commit']}"
         f"{'' if m['tree_clean'] else ' + uncommitted changes'}. "
         f"Produced by `make bench` (scripts/bench.sh){' with BENCH_QUICK=1 (smoke run, few rounds)' if m['quick'] else ''} "
         f"in {m['elapsed_s']} s.",
         f"Background CPU busy before/after the run: {m['background_busy_pct']['before']}% / "
         f"{m['background_busy_pct']['after']}% (other work on the VM adds noise); "
         f"loadavg before: {m['loadavg']['before']}.", "",
         "Spreads are `median [p25-p75]` over alternating rounds; every run's value is in bench.json. "
         f"Runs dropped because another user's latprobe/bpftrace was loaded when they ended: "
         f"{', '.join(f'{k} {v}' for k, v in m['runs_excluded_foreign_tracer'].items())}.", "",
         "**Fair baseline.** Every run without latprobe (untraced, bpftrace, tcpdump, and the "
         "untraced message-path and probe-loop runs) has `build/waker` beside it: a process that "
         "does nothing but wake every 10 ms, as latprobe's consumer does. Those wake-ups keep the "
         "vCPUs out of deep idle states, which alone makes a ping-pong faster; without them the "
         "untraced baseline looks slow and latprobe's ratios look better than they are. Every "
         "ratio below is against this baseline. latprobe's BPF figures come from its own "
         "reports (the `overhead` section: it holds BPF_ENABLE_STATS while it runs, so every "
         "traced run here pays for the statistics' two clock reads per program run, as a user's "
         "run does).", "",
         "## Targets (issue 14)", "", "| target | measured | goal | met |", "|---|---:|---:|:---:|"]
    for t in o["targets"]:
        if t.get("group") == "earlier" and not any(x.startswith("### Earlier") for x in L):
            L += ["", "### Earlier targets (issue 6), same run", "",
                  "| target | measured | goal | met |", "|---|---:|---:|:---:|"]
        mv = t["measured"]
        if isinstance(mv, dict):
            mv = ", ".join(f"{k} {v}" for k, v in mv.items())
        elif isinstance(mv, (int, float)) and abs(mv) >= 10000:
            mv = f"{mv:,.0f}"
        met = {True: "met", False: "**missed**", None: "unverified"}[t["met"]]
        det = f" ({t['detail']})" if t.get("detail") else ""
        L.append(f"| {t['what']} | {mv} {t['unit']}{det} | {t['target']} | {met} |")
    causes = [t for t in o["targets"] if t["met"] is not True and t.get("cause")]
    if causes:
        L += ["", "### Why the missed targets are missed", ""]
        for t in causes:
            L.append(f"- **{t['what']}**: {t['cause']}")
        b = o["bpf_cost"]
        pb = b.get("perf_breakdown") or {}
        ring = (pb.get("share_pct") or {}).get("ring buffer (reserve/submit/query)")
        L += [""] + [x.format(runs=fmt((b.get("program_runs_per_message") or {}).get("median"), 1),
                              recs=fmt((b.get("records_per_message") or {}).get("median"), 1),
                              ring="n/a" if ring is None else f"{ring}%",
                              ring_share="n/a" if ring is None else f"{ring}%",
                              cons_ns=fmt(o["consumer_capacity"].get("consumer_ns_per_event_max"), 0),
                              cons_loss=(f"first loss at {o['consumer_capacity']['first_loss_events_per_s']} "
                                         f"events/s ({o['consumer_capacity']['first_loss_step']})"
                                         if o["consumer_capacity"].get("first_loss_step") else
                                         "no step lost events"),
                              evict=evict_txt(o["consumer_capacity"]["steps"]),
                              wakeups=", ".join(f"{st['forced_wakeups']} at {st['events_per_s']}/s "
                                                f"with {fmt((st.get('ring_bytes') or 0) / 2**20, 0)} MiB"
                                                for st in o["consumer_capacity"]["steps"]
                                                if st.get("forced_wakeups")) or "none")
                     for x in CAUSES_STATIC]
    b = o["bpf_cost"]
    k14 = b.get("ping_pong_overhead") or {}
    L += ["", "## 1. BPF cost per event (the reports' overhead sections, run_time_ns / run_cnt)", "",
          f"200-byte ping-pong (section 2's traced runs, {k14.get('runs')} reports, per "
          f"{k14.get('unit')}): **{iqr_s(k14.get('ns_per_message'), 1)} ns** of kernel BPF run "
          f"time per message in {iqr_s(k14.get('runs_per_message'), 2)} program runs "
          f"({iqr_s(k14.get('ns_per_run'), 1)} ns per run), "
          f"{iqr_s(k14.get('ring_records_per_message'), 2)} ring records and "
          f"{iqr_s(k14.get('forced_wakeups_per_message'), 3)} forced wake-ups per message; "
          f"latprobe's own CPU {iqr_s(k14.get('consumer_cpu_percent'), 2)} % of one core.", "",
          f"One-way flood (this section's workload): mean over all latprobe programs "
          f"**{iqr_s(b['mean_ns_per_event'], 1)} ns** per run. Worst program: `{b['worst_program']}` at {b['worst_mean_ns']} ns; "
          f"worst of the per-event programs: `{b['worst_per_event_program']}` at "
          f"{b['worst_per_event_mean_ns']} ns. Lost events per round: {b['lost_events']}. "
          f"Workload: {meta_in.get('event_rounds')} rounds x {meta_in.get('event_seconds')} s of "
          "200-byte writes at 10k/s over veth. "
          f"Per message: {iqr_s(b.get('bpf_ns_per_message'), 1)} ns of BPF run time in "
          f"{iqr_s(b.get('program_runs_per_message'), 2)} program runs (all traced TCP on the VM "
          "counts, so other users' traffic can shift these).", "",
          "| program | runs (median) | mean ns median [p25-p75] |", "|---|---:|---:|"]
    for n, v in sorted(b["programs"].items()):
        L.append(f"| {n} | {v['run_cnt_median']} | {iqr_s(v['mean_ns'], 1)} |")
    pb = b.get("perf_breakdown")
    if pb and pb.get("bpf_samples"):
        L += ["", f"Where the BPF time goes (perf record -a -g -e cpu-clock during "
              f"{meta_in.get('perf_seconds')} s of traced ping-pong; {pb['bpf_samples']} samples "
              f"through a BPF program or its dispatch = {pb['bpf_pct_of_kernel']}% of kernel "
              "samples; by the leaf-most frames):", "",
              "| where | share of BPF samples |", "|---|---:|"]
        L += [f"| {k} | {v}% |" for k, v in sorted(pb["share_pct"].items(), key=lambda kv: -(kv[1] or 0))]
        L += ["", "By program: " + ", ".join(f"{k} {v}%" for k, v in pb["by_program_pct"].items()) + ". "
              "cpu-clock sampling in a VM lands on serializing instructions, so rdtsc "
              "(bpf_ktime_get_ns) may be over-represented."]
    L += ["", f"## 2. 200-byte TCP ping-pong over veth ({meta_in.get('rounds')} alternating rounds "
          f"x {meta_in.get('pings')} round trips; order rotated each round)", "",
          "| tracer | RTT p50 us | **ratio p50, per round** | ratio p50 of the medians | RTT mean us | ratio mean, per round | RTT p99 us |",
          "|---|---:|---:|---:|---:|---:|---:|"]
    for t, v in o["round_trip"].items():
        L.append(f"| {t} | {iqr_s(v['p50_us'])} | **{iqr_s(v['paired_ratio_p50'], 3)}** | {v['ratio_p50']} | "
                 f"{iqr_s(v['mean_us'])} | {iqr_s(v['paired_ratio_mean'], 3)} | {iqr_s(v['p99_us'])} |")
    L += ["", "untraced, bpftrace and tcpdump runs have the 10 ms waker beside them (fair "
          "baseline). latprobe_nostats is latprobe --no-bpf-stats: the difference to latprobe "
          "is what the BPF run-time statistics behind the report's overhead section cost (two "
          "clock reads per program run). bpftrace records the same marks (tcp_probe, sk_data_ready, sock_recv_length into a "
          "histogram); tcpdump writes every packet of the interface (`-w`, `-U`). Per-round "
          "ratio: each round's run over the same round's untraced run, seconds apart; its median "
          "is the headline. The round trip on this VM is bimodal (about 5 us while the other "
          "vCPU is busy, 12-14 us when it idles and each wake-up leaves idle), so the plain "
          "medians of the runs can land in different modes when other work on the VM comes "
          "and goes; the per-round ratio cancels that."]
    mp = o["message_path"]
    p = mp["params"]
    L += ["", "## 3. Message path: wsfeed (netns) -> wsclient over veth, plain ws", "",
          f"Paced: {p['msg_rate']} msg/s, {p['msg_paced_count']} messages per run; unpaced: "
          f"`--rate 0 --count {p['msg_unpaced_count']}`; {p['msg_rounds']} alternating rounds of "
          "untraced vs `latprobe --client build/wsclient`. The client's own in-process stages from "
          "its `--json-summary` (publishing on a ZeroMQ ipc:// endpoint).", "",
          "| | untraced | latprobe | inflation / ratio (paired, median [IQR]) |", "|---|---:|---:|---:|"]
    inf = mp["inflation"]
    rows = [("paced frame_to_parsed p50 us", "paced", "f2p_p50", iqr_s(inf["frame_to_parsed_p50_us"], 3)),
            ("paced frame_to_parsed p99 us", "paced", "f2p_p99", ""),
            ("paced exchange_to_published p50 us", "paced", "e2p_p50", iqr_s(inf["exchange_to_published_p50_us"], 3)),
            ("paced exchange_to_published p99 us", "paced", "e2p_p99", ""),
            ("unpaced msg/s", "unpaced", "msgs_per_s", iqr_s(inf["throughput_ratio_paired"], 3)),
            ("unpaced client CPU us per msg", "unpaced", "client_cpu_us_per_msg",
             iqr_s(inf["client_cpu_us_per_msg_delta_paired"], 3))]
    for label, mode, k, extra in rows:
        L.append(f"| {label} | {iqr_s(mp[mode]['untraced'][k])} | {iqr_s(mp[mode]['latprobe'][k])} | {extra} |")
    pc = mp["probe_cost"]
    lost = mp["paced"]["latprobe"].get("lp_lost", []) + mp["unpaced"]["latprobe"].get("lp_lost", [])
    L += ["", f"latprobe lost events in these runs: {lost}.", "",
          "**Per-message USDT probe cost.** " + pc["method"], "",
          f"- tight loop ns per hit: untraced {iqr_s(pc['loop_ns_per_hit'].get('untraced'), 1)}, "
          f"latprobe {iqr_s(pc['loop_ns_per_hit'].get('latprobe'), 1)}",
          f"- whole cost per message: **{pc['per_hit_cost_ns']} ns** = client_msg BPF program "
          f"{pc['client_msg_bpf_ns']} ns + trap/uprobe dispatch {pc['trap_and_dispatch_ns']} ns",
          f"- real client, unpaced, CPU per message latprobe minus untraced: "
          f"{iqr_s(pc['client_cpu_delta_us_per_msg'], 3)} us"]
    bpm = mp.get("bpf_per_message", {})
    if bpm:
        L += ["", "**BPF run time per message** (the latprobe runs' own overhead sections, summed "
              "over the rounds: run_time_ns / messages; includes the feed's send and ACKs, which "
              "run on the same VM):", "",
              "| program | " + " | ".join(f"{m} ns/msg (runs/msg)" for m in bpm) + " |",
              "|---|" + "---:|" * len(bpm)]
        progs = sorted({k for v in bpm.values() for k in v["ns_per_message"]})
        for pname in progs:
            L.append(f"| {pname} | " + " | ".join(
                f"{v['ns_per_message'].get(pname, 0)} ({v['runs_per_message'].get(pname, 0)})"
                for v in bpm.values()) + " |")
        L.append("| **kernel programs** | " + " | ".join(
            f"**{v['kernel_ns_per_message']}**" for v in bpm.values()) + " |")
    c = o["consumer_capacity"]
    L += ["", "## 4. Consumer capacity (ring buffer + user-space consumer)", "", c["method"], "",
          "| load | events | lost | events/s (total_events / duration_seconds) | latprobe CPU % | CPU ns/event | ring MiB | forced wake-ups | segments evicted | consumer hot spots (perf -p) |",
          "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for s in c["steps"]:
        L.append(f"| {s['load']} | {s['events']} | {s['lost']} | {s['events_per_s']} | "
                 f"{s['lp_cpu_pct']} | {s['lp_cpu_ns_per_event']} | "
                 f"{fmt(None if not s.get('ring_bytes') else s['ring_bytes'] / 2**20, 0)} | "
                 f"{s.get('forced_wakeups')} | {s.get('segments_evicted')} | "
                 f"{s.get('consumer_top_symbols') or ''} |")
    L += ["", "Segments evicted: segment marks dropped because a socket already had the "
          "correlator's maximum of pending marks (a reader that falls behind a flood of small "
          "segments); each eviction shifts the whole per-socket array (src/engine/correlator.c "
          "seg_insert)."]
    L += ["", "Forced wake-ups: records latprobe submitted with BPF_RB_FORCE_WAKEUP because a "
          "quarter of the ring was pending (its wake-up counter; each queues an irq_work that "
          "wakes the consumer). Otherwise the consumer drains on its 10 ms poll timer."]
    gen = c.get("generator") or {}
    if gen.get("steps"):
        L += ["", "### Consumer capacity with build/benchgen (the cap_no_loss row)", "",
              gen["method"], "",
              "| records/s set | records/s made | records | report total_events | lost | latprobe CPU % | latprobe CPU ns/record | producer ns/record | forced wake-ups | consumer hot spots (perf -g -p, self) |",
              "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
        for s in gen["steps"]:
            L.append(f"| {s['rate_set'] or 'unpaced'} | {s['records_per_s']} | {s['records']} | "
                     f"{s['total_events']} | {s['lost']} | {s['lp_cpu_pct']} | "
                     f"{s['lp_cpu_ns_per_record']} | {s['producer_ns_per_record']} | "
                     f"{s['forced_wakeups']} | {s.get('consumer_top_symbols') or ''} |")
        L += ["", f"Highest rate without loss: {gen['max_records_per_s_without_loss']} records/s; "
              + gen["detail"] + "."]
    ca = c["cpu_at_load"]
    L += ["", f"tcpflow and USDT steps: first loss: {c['first_loss_events_per_s'] or 'none'}"
          f"{' at ' + c['first_loss_step'] if c['first_loss_step'] else ''}; highest rate without "
          f"loss: {c['max_events_per_s_without_loss']} events/s ({c['max_clean_step']}).",
          f"CPU at load ({ca['load']}, {ca['seconds']} s, the footprint run): "
          f"**{ca['cpu_pct_of_one_core']}% of one core** at {ca['events_per_s']} events/s "
          f"(utime+stime; schedstat {ca['cpu_pct_schedstat']}%; scaled to exactly 100k events/s: "
          f"{ca['cpu_pct_scaled_to_100k']}%), lost {ca['lost']}."]
    fp = o["footprint"]
    L += ["", "## 5. Footprint", "", f"Load: {fp['load']} (~{fp['events_per_s']} events/s), "
          "latprobe attached after the load started.", "",
          "| after | VmRSS MiB | VmHWM MiB | Pss MiB | ring mmap RSS MiB | heap RSS MiB | CPU s (utime+stime) |",
          "|---|---:|---:|---:|---:|---:|---:|"]
    for k, s in fp["samples"].items():
        L.append(f"| {k} s | {s['vmrss_kib'] / 1024:.1f} | {s['vmhwm_kib'] / 1024:.1f} | "
                 f"{s['pss_kib'] / 1024:.1f} | {s['bpf_map_mmap_rss_kib'] / 1024:.1f} | "
                 f"{s['heap_rss_kib'] / 1024:.1f} | {s['cpu_s']} |")
    L += ["", fp.get("rss_breakdown", "")]
    L += ["", "Load + attach, exec to the `tracing` line on stderr (ms, median [IQR], max):", ""]
    for mode, v in fp["attach_ms"].items():
        L.append(f"- `{mode}`: {iqr_s(v, 1)}, max {max(v['runs']) if v.get('runs') else 'n/a'}")
    L += ["", "Round trips on this 2-vCPU VM are noisy; read ratios within the IQR of 1.0 as "
          "'within noise', not as gains."]
    return "\n".join(L) + "\n"


# Findings from profiling (issue 6); the numbers above are this run's.
CAUSES_STATIC = [
    "How the causes were found (bpf_stats per program and per message, perf call graphs, "
    "wait4 rusage of the client, the tight USDT loop, the reports' ring-buffer counters, "
    "smaps; details in the sections below):",
    "",
    "- Kernel side: every traced message costs {runs} program runs and {recs} ring records "
    "(section 1's workload: events / messages; segments are joined to their read in the "
    "kernel, and a kernel-only run batches a socket's reads eight per record). perf puts "
    "{ring_share} of the BPF time in bpf_ringbuf_reserve/submit: one ring shared by both "
    "CPUs, reserved under its spinlock with interrupts off, whose re-enabling is a "
    "paravirtual call on this guest (results/kernel-cost.md). Next: a compact batch entry "
    "(less to copy across CPUs), then the tp_btf dispatch and bpf_ktime_get_ns per mark.",
    "- Client side: our client writes its stamps into a shared-memory ring latprobe maps (no "
    "trap, no system call; scripts/bench_client.sh). Where no ring is mapped, the USDT probe "
    "is a 1-byte nop that the kernel emulates through an int3 trap, and its BPF program "
    "(client_msg) walks the fd table to the socket and writes a ring record: that cost lands "
    "on the client's thread once per message.",
    "- The feed emulator runs on the same 2-vCPU VM: its sends are traced too, and the "
    "client, the feed, the kernel's softirq work and the consumer share two CPUs.",
    "- Consumer: at most {cons_ns} ns of latprobe CPU per event in section 4; {cons_loss}. "
    "{evict}"
    "Forced wake-ups (records submitted with BPF_RB_FORCE_WAKEUP, section 4): {wakeups}.",
]

COMMANDS = {"perfcat": cmd_perfcat, "tracers": cmd_tracers, "progids": cmd_progids, "gone": cmd_gone, "attach": cmd_attach, "rusage": cmd_rusage,
            "mem": cmd_mem, "cpu": cmd_cpu, "busy": cmd_busy, "report": cmd_report}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(COMMANDS[sys.argv[1]](sys.argv[2:]))
