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

With "futures" (wsfeed --market futures, the USD-M futures "Diff. Book
Depth Streams", "Partial Book Depth Streams" and "How to manage a local
order book correctly"): both streams send depthUpdate events; a partial
event's u stands for lastUpdateId and its b / a for bids / asks, each
event's pu must be the u of the same stream's previous event, and the
first diff event applied must hold the snapshot (U <= lastUpdateId <= u).
A diff with one pu off by one must fail the check.

Usage: wsfeed_book.py BUILD_DIR [futures]
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


def snap_of(d):
    """(lastUpdateId, bids, asks) of a spot or futures partial depth."""
    if "lastUpdateId" in d:
        return d["lastUpdateId"], d["bids"], d["asks"]
    return d["u"], d["b"], d["a"]


def pu_errors(msgs, stream):
    """Futures: each event's pu is the previous event's u, U > pu."""
    errs, last = [], None
    for m in msgs:
        if m["stream"] != stream:
            continue
        d = m["data"]
        if last is not None and d["pu"] != last:
            errs.append("%s: pu %d != previous u %d" % (stream, d["pu"],
                                                       last))
        if not d["pu"] < d["U"] <= d["u"]:
            errs.append("%s: not pu < U <= u: %d %d %d" % (
                stream, d["pu"], d["U"], d["u"]))
        last = d["u"]
    return errs


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
        if st == snap:
            lid, bids, asks = snap_of(d)
        if st == snap and book is None:
            book = {"b": dict(bids), "a": dict(asks)}
            last_u = lid
            floor = (float(bids[-1][0]), float(asks[-1][0]))
        elif st == snap and lid < last_u:
            errs.append("lastUpdateId %d behind the diff stream's u %d" %
                        (lid, last_u))
        elif st == snap and lid == last_u and started:
            against({"bids": bids, "asks": asks},
                    (max(floor[0], float(bids[-1][0])),
                     min(floor[1], float(asks[-1][0]))))
        elif st == snap and started:
            waits.append((lid, bids, asks))
        if st != diff or book is None:
            continue
        U, u, fut = d["U"], d["u"], "pu" in d
        if not started:
            # spot: drop u <= lastUpdateId, then U <= lastUpdateId+1 <= u;
            # futures: drop u < lastUpdateId, then U <= lastUpdateId <= u
            if u < last_u + (0 if fut else 1):
                continue  # older than the first snapshot: dropped
            if fut and not U <= last_u <= u:
                errs.append("first event U %d .. u %d does not hold "
                            "lastUpdateId %d" % (U, u, last_u))
            elif not fut and not U <= last_u + 1 <= u:
                errs.append("first event U %d .. u %d does not hold "
                            "lastUpdateId+1 %d" % (U, u, last_u + 1))
            started = True
        elif fut and d["pu"] != last_u:
            errs.append("pu %d != previous u %d" % (d["pu"], last_u))
        elif not fut and U != last_u + 1:
            errs.append("U %d != previous u + 1 (%d)" % (U, last_u + 1))
        apply(book, d, n)
        last_u = u
        if book["b"] and book["a"] and \
                max(map(float, book["b"])) >= min(map(float, book["a"])):
            errs.append("local book crossed after u %d" % u)
        for lid, bids, asks in waits:
            if not U <= lid + 1 <= u:
                errs.append("snapshot %d is not inside the next event "
                            "%d..%d" % (lid, U, u))
            s = {"b": dict(bids), "a": dict(asks)}
            apply(s, d, None)
            against({"bids": list(s["b"].items()),
                      "asks": list(s["a"].items())},
                     (max(floor[0], float(bids[-1][0])),
                      min(floor[1], float(asks[-1][0]))))
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
        _, bids, asks = snap_of(m["data"])
        b = [float(p) for p, _ in bids]
        a = [float(p) for p, _ in asks]
        if len(b) != n or len(a) != n or b != sorted(b, reverse=True) or \
                a != sorted(a) or b[0] >= a[0]:
            return False
    return True


# Per market: the feed's flags, the streams of the second connection,
# and (connection, diff, snapshot, levels, snapshots compared at least).
BOTH = [("pair", "btcusdt@depth@100ms", "btcusdt@depth20@100ms", 20, 20),
        ("many", "btcusdt@depth@100ms", "btcusdt@depth20@100ms", 20, 20)]
MARKETS = {
    "spot": ([], ["btcusdt@depth@100ms", "btcusdt@depth20@100ms",
                  "btcusdt@depth5", "btcusdt@depth", "ethusdt@depth@100ms",
                  "ethusdt@depth10@100ms"], BOTH + [
        ("many", "btcusdt@depth@100ms", "btcusdt@depth5", 5, 1),
        ("many", "btcusdt@depth", "btcusdt@depth20@100ms", 20, 1),
        ("many", "ethusdt@depth@100ms", "ethusdt@depth10@100ms", 10, 20)]),
    # USD-M futures: depth and depthN every 250 ms, @500ms, @100ms
    "futures": (["--market", "futures"], [
        "btcusdt@depth@100ms", "btcusdt@depth20@100ms", "btcusdt@depth5",
        "btcusdt@depth@500ms", "btcusdt@depth", "ethusdt@depth@100ms",
        "ethusdt@depth10@500ms"], BOTH + [
        ("many", "btcusdt@depth@100ms", "btcusdt@depth5", 5, 8),
        ("many", "btcusdt@depth@500ms", "btcusdt@depth20@100ms", 20, 3),
        ("many", "btcusdt@depth", "btcusdt@depth5", 5, 8),
        ("many", "ethusdt@depth@100ms", "ethusdt@depth10@500ms", 10, 3)]),
}


def main(market):
    flags, streams, cases = MARKETS[market]
    fut = market == "futures"
    print("%s: one order book per symbol: diff depth and partial depth "
          "agree (How to manage a local order book correctly)" % market)
    res = {}
    with Feed(FEED, "--rate", "100", *flags) as f:
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
    for key, diff, snap, n, min_snaps in cases:
        msgs = res[key]
        errs, ns, nl, zeros = replay(msgs, diff, snap)
        check(not errs and ns >= min_snaps and nl >= ns * n,
              "%s + %s%s: %d later snapshots equal the local book (%d "
              "levels), %d removals applied%s" % (
                  diff, snap, " (%d streams)" % len(streams)
                  if key == "many" else "", ns, nl, zeros,
                  "; " + "; ".join(errs[:3]) if errs else ""))
        check(order_ok(msgs, snap, n), "%s: %d levels a side, best first, "
              "bids below asks" % (snap, n))
    if fut:
        for st in streams:
            errs = pu_errors(res["many"], st)
            n = sum(1 for m in res["many"] if m["stream"] == st)
            check(n >= 5 and not errs, "%s: pu = the previous event's u, "
                  "pu < U <= u, over %d events%s" % (
                      st, n, "; " + "; ".join(errs[:2]) if errs else ""))
    msgs = res["pair"]
    check(any(q == ZERO for m in msgs if m["stream"] ==
              "btcusdt@depth@100ms" for k in ("b", "a")
              for _, q in m["data"][k]),
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
        diffs[len(diffs) // 2]["data"]["pu" if fut else "U"] += 1
    errs, _, _, _ = replay(bad, "btcusdt@depth@100ms",
                           "btcusdt@depth20@100ms")
    if fut:
        errs += pu_errors(bad, "btcusdt@depth@100ms")
    check(errs, "a gap in the update ids (%s) is caught: %s" % (
        "pu" if fut else "U", errs[:1]))
    finish()


main(sys.argv[2] if len(sys.argv) > 2 else "spot")
