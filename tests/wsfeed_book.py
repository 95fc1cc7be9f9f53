# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""wsfeed's order book: the "Diff. Depth Stream" and the "Partial Book
Depth Streams" of one symbol describe one book (web-socket-streams.md,
"How to manage a local order book correctly").

On one connection: a local book is built from the first partial snapshot
and the diff events after it as the documentation says (drop events with
u <= lastUpdateId; the first one applied has U <= lastUpdateId + 1 <= u;
each next U is the previous u + 1), and every later snapshot is checked
against it. A snapshot's lastUpdateId L may fall inside the next diff
event D's range (U <= L + 1 <= u): D carries each touched level's final
quantity, so the snapshot with D applied must equal the local book after
D. Levels are compared where both sides know the whole book: the
snapshot down to its last level, the local book down to the first
snapshot's last level (a partial snapshot shows 20 levels, the book
has more). A corrupted copy of the same messages must fail the check.

Usage: wsfeed_book.py BUILD_DIR
"""
import copy
import sys
import threading

from wsfeed_lib import Feed, check, collect, finish

FEED = sys.argv[1] + "/wsfeed"
ZERO = "0.00000000"


def side_view(levels, lo, bids):
    """{price: qty} of the levels at or better than @lo, as decimals."""
    return {p: q for p, q in levels
            if (float(p) >= lo if bids else float(p) <= lo)}


def replay(msgs, diff, snap):
    """Check stream @snap's snapshots against a local book kept from
    @diff's events, both from @msgs (combined payloads, arrival order).
    Returns (errors, snapshots compared, levels compared, removals)."""
    errs, n = [], {"snaps": 0, "levels": 0, "zeros": 0}
    book = None      # {"b": {price: qty}, "a": {...}}
    last_u = None    # the update the local book holds
    floor = None     # bids / asks known down / up to these prices
    started = False  # an event applied
    waits = []       # snapshots inside the next event's range

    def against(view, lo):
        e, k = compare(book, view, lo)
        errs.extend(e)
        n["snaps"] += 1
        n["levels"] += k
    for m in msgs:
        st, d = m["stream"], m["data"]
        if st == snap and book is None:
            book = {"b": dict(d["bids"]), "a": dict(d["asks"])}
            last_u = d["lastUpdateId"]
            floor = (float(d["bids"][-1][0]), float(d["asks"][-1][0]))
        elif st == snap and d["lastUpdateId"] < last_u:
            errs.append("lastUpdateId %d behind the diff stream's u %d" %
                        (d["lastUpdateId"], last_u))
        elif st == snap and d["lastUpdateId"] == last_u and started:
            against(d, (max(floor[0], float(d["bids"][-1][0])),
                        min(floor[1], float(d["asks"][-1][0]))))
        elif st == snap and started:
            waits.append(d)
        if st != diff or book is None:
            continue
        U, u = d["U"], d["u"]
        if not started:
            if u <= last_u:
                continue  # older than the first snapshot: dropped
            if not U <= last_u + 1 <= u:
                errs.append("first event U %d .. u %d does not hold "
                            "lastUpdateId+1 %d" % (U, u, last_u + 1))
            started = True
        elif U != last_u + 1:
            errs.append("U %d != previous u + 1 (%d)" % (U, last_u + 1))
        apply(book, d, n)
        last_u = u
        if book["b"] and book["a"] and \
                max(map(float, book["b"])) >= min(map(float, book["a"])):
            errs.append("local book crossed after u %d" % u)
        for w in waits:
            if not U <= w["lastUpdateId"] + 1 <= u:
                errs.append("snapshot %d is not inside the next event "
                            "%d..%d" % (w["lastUpdateId"], U, u))
            s = {"b": dict(w["bids"]), "a": dict(w["asks"])}
            apply(s, d, None)
            against({"bids": list(s["b"].items()),
                      "asks": list(s["a"].items())},
                     (max(floor[0], float(w["bids"][-1][0])),
                      min(floor[1], float(w["asks"][-1][0]))))
        waits = []
    return errs, n["snaps"], n["levels"], n["zeros"]


def apply(book, d, n):
    for k in ("b", "a"):
        for p, q in d[k]:
            if q == ZERO:
                if n is not None:
                    n["zeros"] += 1
                book[k].pop(p, None)
            else:
                book[k][p] = q


def compare(book, snap, lo):
    """Local book and snapshot levels at or better than @lo agree:
    (errors, levels compared)."""
    out, k = [], 0
    for bk, sk, bids, x in (("b", "bids", True, lo[0]),
                            ("a", "asks", False, lo[1])):
        want = side_view(snap[sk], x, bids)
        have = side_view(book[bk].items(), x, bids)
        if any(q == ZERO for q in want.values()):
            out.append("snapshot lists a level with quantity 0")
        if want != have:
            diff = sorted(set(want.items()) ^ set(have.items()))
            out.append("%s differ: %s" % (sk, diff[:3]))
        k += len(want)
    return out, k


def order_ok(msgs, snap, n):
    """Best first, n levels a side."""
    for m in msgs:
        if m["stream"] != snap:
            continue
        d = m["data"]
        b = [float(p) for p, _ in d["bids"]]
        a = [float(p) for p, _ in d["asks"]]
        if len(b) != n or len(a) != n or b != sorted(b, reverse=True) or \
                a != sorted(a) or b[0] >= a[0]:
            return False
    return True


def main():
    print("one order book per symbol: diff depth and partial depth agree "
          "(How to manage a local order book correctly)")
    streams = ["btcusdt@depth@100ms", "btcusdt@depth20@100ms",
               "btcusdt@depth5", "btcusdt@depth", "ethusdt@depth@100ms",
               "ethusdt@depth10@100ms"]
    res = {}
    with Feed(FEED, "--rate", "100") as f:
        def run(key, path):
            res[key] = collect(f.port, path, 3.0)
        ts = [threading.Thread(target=run, args=(
            "pair", "/stream?streams=btcusdt@depth@100ms/"
            "btcusdt@depth20@100ms")),
              threading.Thread(target=run, args=(
                  "many", "/stream?streams=" + "/".join(streams)))]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    for key, diff, snap, n, min_snaps in [
            ("pair", "btcusdt@depth@100ms", "btcusdt@depth20@100ms", 20, 20),
            ("many", "btcusdt@depth@100ms", "btcusdt@depth20@100ms", 20, 20),
            ("many", "btcusdt@depth@100ms", "btcusdt@depth5", 5, 1),
            ("many", "btcusdt@depth", "btcusdt@depth20@100ms", 20, 1),
            ("many", "ethusdt@depth@100ms", "ethusdt@depth10@100ms", 10, 20)]:
        msgs = res[key]
        errs, ns, nl, zeros = replay(msgs, diff, snap)
        check(not errs and ns >= min_snaps and nl >= ns * n,
              "%s + %s%s: %d later snapshots equal the local book (%d "
              "levels), %d removals applied%s" % (
                  diff, snap, " (6 streams)" if key == "many" else "", ns,
                  nl, zeros, "; " + "; ".join(errs[:3]) if errs else ""))
        check(order_ok(msgs, snap, n), "%s: %d levels a side, best first, "
              "bids below asks" % (snap, n))
    msgs = res["pair"]
    check(any(q == ZERO for m in msgs if m["stream"].endswith("@100ms") and
              "b" in m["data"] for k in ("b", "a") for _, q in m["data"][k]),
          "Diff. Depth Stream: quantity 0.00000000 removes a level")
    # the check itself: one changed quantity in one diff must be caught
    bad = copy.deepcopy(msgs)
    diffs = [m for m in bad if m["stream"] == "btcusdt@depth@100ms" and
             any(q != ZERO for _, q in m["data"]["b"])]
    victim = diffs[len(diffs) // 2] if diffs else None
    for lv in victim["data"]["b"] + victim["data"]["a"] if victim else []:
        if lv[1] != ZERO:
            lv[1] = "9.99999999"
    errs, _, _, _ = replay(bad, "btcusdt@depth@100ms",
                           "btcusdt@depth20@100ms")
    check(victim and errs, "a diff that disagrees with the snapshots is "
          "caught: %s" % (errs[:1] if errs else "not caught"))
    bad = copy.deepcopy(msgs)
    diffs = [m for m in bad if m["stream"] == "btcusdt@depth@100ms"]
    if diffs:
        diffs[len(diffs) // 2]["data"]["U"] += 1
    errs, _, _, _ = replay(bad, "btcusdt@depth@100ms",
                           "btcusdt@depth20@100ms")
    check(errs, "a gap in the update ids is caught: %s" % errs[:1])
    finish()


main()
