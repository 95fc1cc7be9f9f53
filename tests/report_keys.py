#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The report's schema as key paths with value types, against a committed list.

  report_keys.py paths REPORT
      every key path of REPORT with its type (object, array, string,
      number, bool, null), one per line, sorted. Maps keyed by data (a
      connection, a stage, a port, a log2 bucket, a BPF program) are
      written with "*" for the key, and their entries' paths merged;
      an array's elements are "[]".
  report_keys.py check CONFIG REPORT [LIST]
      the paths of REPORT against the lines of LIST (default
      tests/fixtures/report-keys.txt) that start with CONFIG: one line per
      key added, removed or retyped, exit 1 if any. null matches any type
      (a ratio with no denominator is null); a key in OPTIONAL (written or
      not by what was measured) may be absent from either side.
  report_keys.py write CONFIG REPORT [LIST]
      replace CONFIG's lines of LIST with REPORT's paths.
"""
import json
import os
import re
import sys

# maps whose keys are data, not schema
DATA_KEYED = {"connections", "stages", "by_port", "log2_ns", "programs"}
# keys written or not by what the run measured, not by the configuration:
# neither added nor removed when absent from one side (retyped still fails)
OPTIONAL = re.compile("|".join((
    r"^\.overhead\.warning$",  # the cost over its share: overhead_report.c
    r"^\.degraded_reasons\[\]$",  # a reason only when degraded
    r"\.stages\.\*\.degraded$",  # a stage marked degraded
    r"^\.targets\[\]\.exited_after_seconds$",  # the target exited
    # the calibration's figures (or a kind's error): what ran and measured
    r"^\.overhead\.calibration\.(?!ran$|site$|how$)",
    r"^\.overhead\.programs\.\*\.trap_ns_per_run$",  # once calibrated
    r"\.bias_corrected(\.|$)",  # stages minus a calibrated bias
)))
LIST = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                    "fixtures", "report-keys.txt")


def kind(v):
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if v is None:
        return "null"
    return "array" if isinstance(v, list) else "object"


def walk(v, path, out):
    k = kind(v)
    old = out.get(path)
    if old is None or old == "null":
        out[path] = k
    elif k != "null" and k != old:
        out[path] = old + "|" + k
    if isinstance(v, dict):
        wild = path.rsplit(".", 1)[-1] in DATA_KEYED
        for key, sub in v.items():
            walk(sub, path + "." + ("*" if wild else key), out)
    elif isinstance(v, list):
        for sub in v:
            walk(sub, path + "[]", out)


def paths(report):
    with open(report) as f:
        root = json.load(f)
    out = {}
    walk(root, "", out)
    out.pop("", None)
    return out


def read_list(lst, config):
    want = {}
    if os.path.exists(lst):
        with open(lst) as f:
            for line in f:
                w = line.split()
                if len(w) == 3 and w[0] == config:
                    want[w[1]] = w[2]
    return want


def check(config, report, lst):
    got, want = paths(report), read_list(lst, config)
    if not want:
        print(f"report-keys: no lines for {config} in {lst}", file=sys.stderr)
        return 1
    errs = []
    for p in sorted(set(got) | set(want)):
        g, w = got.get(p), want.get(p)
        if (w is None or g is None) and OPTIONAL.search(p):
            continue
        if w is None:
            errs.append(f"key added: {p} ({g})")
        elif g is None:
            errs.append(f"key removed: {p} ({w})")
        elif g != w and "null" not in (g, w):
            errs.append(f"key retyped: {p}: {w} -> {g}")
    for e in errs:
        print(f"report-keys {config}: {e}", file=sys.stderr)
    return 1 if errs else 0


def write(config, report, lst):
    keep = []
    if os.path.exists(lst):
        with open(lst) as f:
            keep = [l for l in f if l.split()[:1] != [config]]
    got = paths(report)
    keep += [f"{config} {p} {t}\n" for p, t in sorted(got.items())]
    keep.sort(key=lambda l: l.split()[:2])
    with open(lst, "w") as f:
        f.writelines(keep)
    return 0


def main(argv):
    if len(argv) >= 3 and argv[1] == "paths":
        for p, t in sorted(paths(argv[2]).items()):
            print(p, t)
        return 0
    if len(argv) in (4, 5) and argv[1] in ("check", "write"):
        lst = argv[4] if len(argv) == 5 else LIST
        return (check if argv[1] == "check" else write)(argv[2], argv[3], lst)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
