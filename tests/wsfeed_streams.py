# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""wsfeed against Binance's spot WebSocket Streams documentation, part 2:
stream cadences ("Update Speed" of each stream's section). Sections cited
are those of "WebSocket Streams for Binance" (binance-spot-api-docs,
web-socket-streams.md).

Usage: wsfeed_streams.py BUILD_DIR
"""
import json
import sys
import threading
import time

from wsfeed_lib import Feed, RawWS, check, finish

FEED = sys.argv[1] + "/wsfeed"


def collect(port, path, secs):
    """Text frames (parsed JSON) received on PATH for SECS seconds."""
    ws = RawWS(port, path)
    out = []
    end = time.monotonic() + secs
    while time.monotonic() < end:
        try:
            f = ws.recv(max(0.01, end - time.monotonic()))
        except (EOFError, OSError):
            break
        if f is None:
            break
        if f[0] == 9:
            ws.send(10, f[1])
        elif f[0] == 1:
            out.append(json.loads(f[1]))
        elif f[0] == 8:
            break
    ws.close()
    return out


def per_stream(msgs):
    """Combined payloads counted per stream name."""
    n = {}
    for m in msgs:
        n[m["stream"]] = n.get(m["stream"], 0) + 1
    return n


def in_parallel(jobs):
    """Run each (name, function) at once; return {name: result}."""
    res = {}

    def run(name, fn):
        res[name] = fn()
    ts = [threading.Thread(target=run, args=j) for j in jobs]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return res


def cadence_case(args, path, secs=2.5):
    def fn():
        with Feed(FEED, *args) as f:
            return collect(f.port, path, secs)
    return fn


def check_cadence():
    print("cadence (each stream's Update Speed): timed streams keep theirs "
          "whatever --rate is; trade, aggTrade, bookTicker follow --rate")
    S = "/stream?streams="
    r = in_parallel([
        ("d100", cadence_case(["--rate", "1000"], "/ws/btcusdt@depth@100ms")),
        ("d100slow", cadence_case(["--rate", "0.001"],
                                  "/ws/btcusdt@depth@100ms")),
        ("d1000", cadence_case(["--rate", "1000"], "/ws/btcusdt@depth")),
        ("d1000ms", cadence_case(["--rate", "0"], "/ws/btcusdt@depth@1000ms")),
        ("mixed", cadence_case(["--rate", "200"], S + "btcusdt@trade/"
                               "ethusdt@bookTicker/btcusdt@depth@100ms/"
                               "ethusdt@depth@100ms")),
        ("follow", cadence_case(["--rate", "200", "--depth-follows-rate"],
                                S + "btcusdt@trade/btcusdt@depth@100ms")),
    ])
    n = len(r["d100"])
    check(22 <= n <= 28, "Diff. Depth Stream: depth@100ms at --rate 1000: "
          "%d messages in 2.5 s (25 +- 3)" % n)
    n = len(r["d100slow"])
    check(22 <= n <= 28, "Diff. Depth Stream: depth@100ms at --rate 0.001: "
          "%d messages in 2.5 s (25 +- 3)" % n)
    n = len(r["d1000"])
    check(2 <= n <= 3, "Diff. Depth Stream: depth (1000 ms) at --rate 1000: "
          "%d messages in 2.5 s (2-3)" % n)
    n = len(r["d1000ms"])
    check(2 <= n <= 3, "Diff. Depth Stream: depth@1000ms at --rate 0 "
          "(unpaced): %d messages in 2.5 s (2-3)" % n)
    c = per_stream(r["mixed"])
    ev = c.get("btcusdt@trade", 0) + c.get("ethusdt@bookTicker", 0)
    check(400 <= ev <= 530 and
          abs(c.get("btcusdt@trade", 0) - c.get("ethusdt@bookTicker", 0)) <= 1,
          "Trade + Book Ticker at --rate 200 share it round-robin: %d in "
          "2.5 s (500, %s)" % (ev, c))
    check(all(22 <= c.get(s + "usdt@depth@100ms", 0) <= 28
              for s in ("btc", "eth")),
          "depth@100ms per symbol beside them: 25 +- 3 each (%s)" % c)
    c = per_stream(r["follow"])
    check(c.get("btcusdt@depth@100ms", 0) >= 200,
          "--depth-follows-rate: depth@100ms shares --rate 200 with trade "
          "(%s)" % c)


def main():
    check_cadence()
    finish()


main()
