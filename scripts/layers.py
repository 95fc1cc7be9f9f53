#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""src/'s layer rule and its dependency graph.

  layers.py check [--root DIR]   every #include in DIR/src against
                                 DIR/src/layers.txt, and no struct lp_opts
                                 that anything but the parser may write; one
                                 line per violation, exit 1 if any (make
                                 check-layers)
  layers.py graph [--root DIR] [--build DIR]
                                 the measures docs/design.md quotes: files,
                                 lines, include arrows, arrows against the
                                 rule, and the call graph of the objects in
                                 BUILD (nm) with its circles, for src/,
                                 tools/feed and tools/nic
"""
import argparse
import fnmatch
import os
import re
import subprocess
import sys

INC = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
# Options are options: only the parser (src/common/opts.[ch]) gets a
# struct lp_opts it may write; what a part resolves lives in its own state.
OPTS_MUT = re.compile(r'(?<!const )struct lp_opts \*')
OPTS_WRITER = ("src/common/opts.c", "src/common/opts.h")
OPEN = ("lib", "bpf")  # open to every folder


def read_rules(root):
    rules = {}
    path = os.path.join(root, "src", "layers.txt")
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            folder, _, rest = line.partition(":")
            allow, deny = set(), []
            for w in rest.split():
                (deny.append(w[1:]) if w.startswith("!") else allow.add(w))
            rules[folder.strip()] = (allow, deny)
    return rules


def sources(root, top):
    out = []
    for d, _, files in os.walk(os.path.join(root, top)):
        out += [os.path.join(d, f) for f in files if f.endswith((".c", ".h"))]
    return sorted(out)


def index_headers(root):
    """Header base name -> (folder, path) for src/<folder>/*.h, lib/, bpf/."""
    idx = {}
    for p in sources(root, "src"):
        rel = os.path.relpath(p, os.path.join(root, "src"))
        if p.endswith(".h"):
            folder = rel.split("/")[0] if "/" in rel else "."
            idx.setdefault(os.path.basename(p), (folder, rel))
    for top in OPEN:
        for p in sources(root, top):
            idx.setdefault(os.path.basename(p), (top, p))
    return idx


def includes(path):
    with open(path, errors="replace") as f:
        return INC.findall(f.read())


def resolve(name, idx):
    """The folder a quoted include lands in, or None if unknown."""
    if name.endswith(".skel.h"):
        return "skel", name
    base = os.path.basename(name)
    if base in idx:
        return idx[base]
    return None, name


def allowed(folder, target, header, rules):
    allow, _ = rules[folder]
    return (target == folder or target in OPEN or "*" in allow or
            target in allow or "%s/%s" % (target, header) in allow)


def check(root, quiet=False):
    rules = read_rules(root)
    idx = index_headers(root)
    bad = []
    for p in sources(root, "src"):
        rel = os.path.relpath(p, root)
        parts = rel.split("/")
        if len(parts) < 3:
            bad.append("%s: not in a folder of src/layers.txt" % rel)
            continue
        folder = parts[1]
        if rel not in OPTS_WRITER:
            with open(p, errors="replace") as f:
                for n, line in enumerate(f, 1):
                    if OPTS_MUT.search(line):
                        bad.append("%s:%d: a struct lp_opts it may write: "
                                   "options are read-only after "
                                   "lp_parse_args()" % (rel, n))
        if folder not in rules:
            bad.append("%s: folder %s/ has no line in src/layers.txt" %
                       (rel, folder))
            continue
        for kind, name in includes(p):
            if kind == "<":
                for pat in rules[folder][1]:
                    if fnmatch.fnmatch("<%s>" % name, pat):
                        bad.append("%s: includes <%s>: %s/ may not (%s)" %
                                   (rel, name, folder, pat))
                continue
            if any(fnmatch.fnmatch(name, pat) for pat in rules[folder][1]):
                bad.append("%s: includes \"%s\": %s/ may not" %
                           (rel, name, folder))
                continue
            target, _ = resolve(name, idx)
            if target is None:
                bad.append("%s: includes \"%s\", a header in no folder" %
                           (rel, name))
            elif not allowed(folder, target, os.path.basename(name), rules):
                bad.append("%s: includes \"%s\" from %s/: %s/ may not "
                           "(src/layers.txt)" % (rel, name, target, folder))
    for b in bad if not quiet else ():
        print("check-layers: " + b, file=sys.stderr)
    return bad


def unit(path):
    return os.path.splitext(path)[0]


def include_arrows(root, idx):
    """Unit -> unit arrows of quoted includes inside src/ (x.c and x.h are
    one unit)."""
    arrows = set()
    for p in sources(root, "src"):
        rel = os.path.relpath(p, os.path.join(root, "src"))
        for kind, name in includes(p):
            if kind != '"':
                continue
            folder, hdr = resolve(name, idx)
            if folder in (None, "skel") or folder in OPEN:
                continue
            if unit(hdr) != unit(rel):
                arrows.add((unit(rel), unit(hdr)))
    return arrows


def nm_graph(objs):
    """Object -> object arrows: o uses a global symbol p defines."""
    defs, uses = {}, {}
    for o in objs:
        out = subprocess.run(["nm", "--defined-only", "-g", o],
                             capture_output=True, text=True).stdout
        for line in out.splitlines():
            f = line.split()
            if len(f) == 3:
                defs.setdefault(f[2], o)
        out = subprocess.run(["nm", "-u", o], capture_output=True,
                             text=True).stdout
        uses[o] = {line.split()[-1] for line in out.splitlines() if line}
    arrows = set()
    for o, syms in uses.items():
        for s in syms:
            if s in defs and defs[s] != o:
                arrows.add((o, defs[s]))
    return arrows


def circles(arrows):
    """Strongly connected components of more than one node (Tarjan)."""
    graph = {}
    for a, b in arrows:
        graph.setdefault(a, []).append(b)
        graph.setdefault(b, [])
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def lines(paths):
    n = 0
    for p in paths:
        with open(p, errors="replace") as f:
            n += sum(1 for _ in f)
    return n


def objects(build, sub):
    d = os.path.join(build, sub)
    if not os.path.isdir(d):
        return []
    out = []
    for dd, _, files in os.walk(d):
        out += [os.path.join(dd, f) for f in files if f.endswith(".o")]
    return sorted(out)


def graph(root, build):
    idx = index_headers(root)
    src = sources(root, "src")
    folders = {os.path.relpath(p, root).split("/")[1] for p in src
               if os.path.relpath(p, root).count("/") >= 2}
    big = max(src, key=lambda p: lines([p]))
    print("src: %d files, %d lines, %d folders, largest %s (%d lines)" %
          (len(src), lines(src), len(folders), os.path.relpath(big, root),
           lines([big])))
    arrows = include_arrows(root, idx)
    have_rule = os.path.exists(os.path.join(root, "src", "layers.txt"))
    print("src include arrows (unit -> unit): %d; against the layer rule: %s"
          % (len(arrows), len(check(root, quiet=True)) if have_rule else
             "no rule (src/layers.txt)"))
    for name, sub, skip in (("src", "", ("feed", "client", "nic", "lib",
                                         "static", "bench")),
                            ("tools/feed", "feed", ()),
                            ("tools/nic", "nic", ())):
        objs = objects(build, sub)
        if not sub:
            srcs = {unit(os.path.relpath(p, os.path.join(root, "src")))
                    for p in src if p.endswith(".c")}
            objs = [o for o in objs
                    if unit(os.path.relpath(o, build)) in srcs]
        if not objs:
            print("%s: no objects in %s (run make first)" % (name, build))
            continue
        arr = nm_graph(objs)
        circ = circles(arr)
        print("%s call arrows (object -> object, nm): %d; circles: %d%s" %
              (name, len(arr), len(circ), "".join(
                  "\n  circle: " + " <-> ".join(
                      unit(os.path.relpath(o, build)) for o in c)
                  for c in circ)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("cmd", choices=("check", "graph"))
    ap.add_argument("--root", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), ".."))
    ap.add_argument("--build", default=os.environ.get("LP_BUILD", "build"))
    a = ap.parse_args()
    if a.cmd == "check":
        return 1 if check(a.root) else 0
    graph(a.root, os.path.join(a.root, a.build) if not
          os.path.isabs(a.build) else a.build)
    return 0


if __name__ == "__main__":
    sys.exit(main())
