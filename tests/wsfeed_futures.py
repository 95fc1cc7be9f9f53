# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""wsfeed --market futures against Binance's USD-M futures "Websocket
Market Streams" documentation (the pages wsfeed_schema.FUTURES names):
payloads field by field over /ws and /stream, each timed stream's update
speed, event streams paced by --rate, the stream names served and
refused (futures has no raw trade stream), requests, and the futures
limits (10 messages a second, a ping every 3 minutes, unsolicited pongs
keep the connection). The order book is checked by wsfeed_book.py
futures, spot by the other wsfeed_*.py scripts.

Usage: wsfeed_futures.py BUILD_DIR
"""
import asyncio
import json
import subprocess
import sys
import time

import websockets

from wsfeed_lib import (Feed, RawWS, check, collect, finish, http_upgrade,
                        in_parallel, per_stream, replies)
from wsfeed_schema import (FUTURES, FUTURES_KLINE_INTERVALS,
                           FUTURES_NOT_SERVED, FUTURES_SPOT_ONLY,
                           mismatches, stream_name)

FEED = sys.argv[1] + "/wsfeed"
FUT = ["--market", "futures"]
SECS = 3.5  # one markPrice update (3000 ms) and more


def raw_kind(d):
    """The FUTURES row a raw (/ws) payload belongs to, as far as it
    tells: every depth stream sends depthUpdate events."""
    if isinstance(d, list):
        return "!markPrice@arr" if d and d[0].get("e") == \
            "markPriceUpdate" else None
    e = d.get("e")
    if e == "kline":
        return "kline_" + d.get("k", {}).get("i", "?")
    return {"aggTrade": "aggTrade", "bookTicker": "bookTicker",
            "depthUpdate": "depth", "markPriceUpdate": "markPrice",
            "forceOrder": "forceOrder"}.get(e)


def check_schemas_and_cadence():
    print("futures payloads: every field and JSON type as documented")
    names = [stream_name(k) for k in FUTURES]
    path = "/".join(names)
    with Feed(FEED, "--rate", "100", *FUT) as f:
        r = in_parallel([
            ("ws", lambda: collect(f.port, "/ws/" + path, SECS)),
            ("stream", lambda: collect(f.port, "/stream?streams=" + path,
                                       SECS)),
            ("us", lambda: collect(f.port, "/stream?streams=" + path +
                                   "&timeUnit=MICROSECOND", 2.2))])
    by = {}
    for m in r["stream"]:
        by.setdefault(m["stream"], []).append(m["data"])
    for k, name in zip(FUTURES, names):
        doc, ms, sch = FUTURES[k]
        msgs = by.get(name, [])
        bad = sorted(set(x for m in msgs for x in mismatches(m, sch)))
        check(msgs and not bad, "%s (%s) over /stream: %d payloads%s" % (
            name, doc, len(msgs), ", " + "; ".join(bad[:4]) if bad else ""))
    raw = {}
    for d in r["ws"]:
        raw.setdefault(raw_kind(d), []).append(d)
    for kind in ("aggTrade", "bookTicker", "depth", "markPrice",
                 "!markPrice@arr", "forceOrder", "kline_1m", "kline_1M"):
        msgs = raw.get(kind, [])
        bad = sorted(set(x for m in msgs for x in
                         mismatches(m, FUTURES[kind][2])))
        check(msgs and not bad, "%s over /ws: %d payloads%s" % (
            kind, len(msgs), ", " + "; ".join(bad[:4]) if bad else ""))
    check(None not in raw, "/ws: every payload one of the futures kinds "
          "(%d unknown)" % len(raw.get(None, [])))
    times = []
    for m in r["us"]:
        for d in (m["data"] if isinstance(m["data"], list) else
                  [m["data"]]):
            times += [d[x] for x in ("E", "T") if x in d]
            times += [d["o"]["T"]] if "o" in d else []
            times += [d["k"][x] for x in ("t", "T")] if "k" in d else []
    check(times and all(len(str(t)) == 16 for t in times),
          "timeUnit=MICROSECOND: E, T, o.T, k.t, k.T in microseconds "
          "(%d values)" % len(times))
    lv = {k: by.get(stream_name(k), []) for k, n in (
        ("depth5", 5), ("depth10@500ms", 10), ("depth20@100ms", 20))}
    check(all(lv[k] and all(len(d["b"]) == len(d["a"]) == n
                            for d in lv[k])
              for k, n in (("depth5", 5), ("depth10@500ms", 10),
                           ("depth20@100ms", 20))),
          "Partial-Book-Depth-Streams.md: 5, 10, 20 levels a side in b, a")
    mp = by.get("btcusdt@markPrice@1s", [])
    check(mp and all(d["T"] % (8 * 3600000) == 0 and
                     0 < d["T"] - d["E"] <= 8 * 3600000 for d in mp),
          "Mark-Price-Stream.md: T, the next funding time (8 h UTC "
          "boundary after E)")
    arr = by.get("!markPrice@arr", [])
    check(arr and all(sorted(t["s"] for t in a) ==
                      ["BNBUSDT", "BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT"]
                      for a in arr),
          "Mark-Price-Stream-for-All-market.md: one entry per symbol served")
    kl = by.get("btcusdt@kline_1m", [])
    check(kl and all(d["k"]["T"] - d["k"]["t"] == 59999 for d in kl),
          "Kline-Candlestick-Streams.md: kline_1m spans 60 s")

    print("futures update speeds, over %.1f s whatever --rate is" % SECS)
    c = per_stream(r["stream"])
    for k, name in zip(FUTURES, names):
        doc, ms, _ = FUTURES[k]
        if not ms:
            continue
        n = int(SECS * 1000 / ms)
        lo = max(1, n - max(1, n // 8) - (1 if n > 3 else 0))
        hi = n + 1
        check(lo <= c.get(name, 0) <= hi, "%s: %s every %d ms: %d in "
              "%.1f s (%d-%d)" % (doc, name, ms, c.get(name, 0), SECS, lo,
                                  hi))


def check_event_rate():
    print("futures event streams (aggTrade, bookTicker) follow --rate")
    with Feed(FEED, "--rate", "200", *FUT) as f:
        c = per_stream(collect(f.port, "/stream?streams=btcusdt@aggTrade/"
                               "ethusdt@bookTicker/btcusdt@depth@100ms",
                               2.5))
    ev = c.get("btcusdt@aggTrade", 0) + c.get("ethusdt@bookTicker", 0)
    check(400 <= ev <= 530 and abs(c.get("btcusdt@aggTrade", 0) -
                                   c.get("ethusdt@bookTicker", 0)) <= 1,
          "aggTrade + bookTicker at --rate 200 share it round-robin: %d in "
          "2.5 s (500, %s)" % (ev, c))
    check(22 <= c.get("btcusdt@depth@100ms", 0) <= 28,
          "depth@100ms beside them: 25 +- 3 (%s)" % c)


def check_names():
    print("futures stream names: served, and refused like unknown streams")
    p = subprocess.run([FEED, "--market", "perp", "--port", "0"],
                       capture_output=True, text=True, timeout=10)
    check(p.returncode == 2 and p.stderr.strip() == "wsfeed: bad value for "
          "--market: 'perp' (want spot or futures)",
          "--market perp: exit %d, %r" % (p.returncode, p.stderr.strip()))
    with Feed(FEED, "--rate", "1", *FUT) as f:
        for i in FUTURES_KLINE_INTERVALS:
            st, _, _ = http_upgrade(f.port, "/ws/btcusdt@kline_" + i)
            if st != 101:
                break
        check(st == 101, "all %d futures kline intervals accepted (last "
              "status %d)" % (len(FUTURES_KLINE_INTERVALS), st))
        for name in FUTURES_SPOT_ONLY + FUTURES_NOT_SERVED:
            st, _, body = http_upgrade(f.port, "/ws/" + name)
            check(st == 400 and b"unknown stream" in body,
                  "%s refused on futures: %d %s" % (name, st,
                                                    body.decode()[:60]))
        ws = RawWS(f.port, "/ws")
        ws.send(1, '{"method":"SUBSCRIBE","params":["btcusdt@trade"],'
                '"id":1}')
        ws.send(1, '{"method":"SUBSCRIBE","params":["BTCUSDT@markPrice@1s",'
                '"btcusdt@DEPTH@500MS","!markPrice@arr"],"id":2}')
        ws.send(1, '{"method":"LIST_SUBSCRIPTIONS","id":3}')
        ws.send(1, '{"method":"GET_PROPERTY","params":["combined"],'
                '"id":4}')
        got, _ = replies(ws, 4)
        ws.close()
        check(len(got) == 4 and got[0] == {
            "error": {"code": 2, "msg": "Invalid request: unknown stream"},
            "id": 1},
            "SUBSCRIBE btcusdt@trade on futures: code 2, unknown stream: "
            "%s" % (got[:1]))
        check(len(got) == 4 and got[1] == {"result": None, "id": 2} and
              got[2]["result"] == ["btcusdt@markPrice@1s",
                                   "btcusdt@depth@500ms", "!markPrice@arr"]
              and got[3] == {"result": False, "id": 4},
              "Live-Subscribing-Unsubscribing-to-streams.md: SUBSCRIBE, "
              "LIST_SUBSCRIPTIONS, GET_PROPERTY as on spot: %s" % got[1:])
    with Feed(FEED, "--rate", "1") as f:
        for name in ("btcusdt@markPrice", "btcusdt@markPrice@1s",
                     "!markPrice@arr", "btcusdt@forceOrder",
                     "btcusdt@depth@500ms", "btcusdt@depth5@500ms"):
            st, _, _ = http_upgrade(f.port, "/ws/" + name)
            check(st == 400, "spot (no --market) refuses futures-only %s: "
                  "%d" % (name, st))


def check_library_client():
    print("a library client (Python websockets) on a futures feed")

    async def run(url):
        out = []
        async with websockets.connect(url) as ws:
            await ws.send(json.dumps({"method": "SUBSCRIBE", "params": [
                "btcusdt@bookTicker"], "id": 7}))
            # until markPrice@1s has sent twice (2 s)
            while sum(1 for m in out if m.get("stream") ==
                      "btcusdt@markPrice@1s") < 2 and len(out) < 1000:
                out.append(json.loads(await asyncio.wait_for(ws.recv(), 5)))
        return out
    with Feed(FEED, "--rate", "50", *FUT) as f:
        msgs = asyncio.run(run(f.url("/stream?streams=btcusdt@depth@100ms/"
                                     "btcusdt@markPrice@1s")))
    kinds = set(m.get("stream") for m in msgs)
    reply = [m for m in msgs if "id" in m]
    bad = sorted(set(x for m in msgs if "stream" in m for x in mismatches(
        m["data"], FUTURES[m["stream"].split("@", 1)[1]][2])))
    check(reply == [{"result": None, "id": 7}] and not bad and
          {"btcusdt@depth@100ms", "btcusdt@markPrice@1s",
           "btcusdt@bookTicker"} <= kinds,
          "websockets %s: /stream, SUBSCRIBE, %d messages as documented%s"
          % (websockets.__version__, len(msgs),
             "; " + "; ".join(bad[:3]) if bad else ""))


def no_ping(secs):
    """Seconds of a futures connection with the default ping interval:
    the pings seen (spot would ping at 20 s)."""
    def fn():
        with Feed(FEED, "--rate", "1", *FUT, duration=secs + 5) as f:
            ws = RawWS(f.port, "/ws/btcusdt@aggTrade")
            pings, end = 0, time.monotonic() + secs
            while time.monotonic() < end:
                fr = ws.recv(max(0.01, end - time.monotonic()))
                if fr and fr[0] == 9:
                    pings += 1
                if fr and fr[0] == 8:
                    break
            ws.close()
            return pings
    return fn


def rate_limit():
    with Feed(FEED, "--rate", "0.001", *FUT) as f:
        ws = RawWS(f.port, "/ws")
        for i in range(10):
            ws.send(1, '{"method":"LIST_SUBSCRIPTIONS","id":%d}' % i)
        got, _ = replies(ws, 10, timeout=1)
        ws.send(1, '{"method":"LIST_SUBSCRIPTIONS","id":10}')
        extra, _ = replies(ws, 1, timeout=0.5)
        c = ws.wait_close(2)
        ws.close()
        return len(got), len(extra), c


def pong_case(unsolicited):
    """--ping-interval 0.3 --pong-timeout 1, pings never answered; with
    @unsolicited a pong "keepalive" every 0.25 s. (close, seconds)."""
    with Feed(FEED, "--rate", "1", "--ping-interval", "0.3",
              "--pong-timeout", "1", *FUT) as f:
        ws = RawWS(f.port, "/ws/btcusdt@aggTrade")
        t0 = nxt = time.monotonic()
        c = None
        while time.monotonic() < t0 + 2.5:
            if unsolicited and time.monotonic() >= nxt:
                ws.send(10, b"keepalive")
                nxt += 0.25
            try:
                fr = ws.recv(0.05)
            except (EOFError, OSError):
                break
            if fr and fr[0] == 8:
                c = ws.wait_close(0.1)
                break
        ws.close()
        return c, time.monotonic() - t0


def check_limits():
    print("futures limits (Websocket Market Streams page)")
    r = in_parallel([("ping", no_ping(21)), ("rate", rate_limit),
                     ("silent", lambda: pong_case(False)),
                     ("keep", lambda: pong_case(True))])
    n, extra, c = r["rate"]
    check(n == 10 and c and c[0] == 1008 and c[1] == "Too many requests",
          "10 incoming messages a second answered, the 11th closes the "
          "connection (1008 %s)" % (c and c[1]))
    c, t = r["silent"]
    check(c and c[0] == 1008 and c[1] == "Pong timeout" and 0.9 < t < 2,
          "--pong-timeout 1, no pong: closed %s after %.2f s" %
          (c and c[:2], t))
    c, t = r["keep"]
    check(c is None and t >= 2.4, "unsolicited pongs (any payload) keep "
          "the connection: open after %.2f s (%s)" % (t, c))
    check(r["ping"] == 0, "default ping every 3 minutes: no ping within "
          "21 s (spot: 20 s): %d" % r["ping"])


def main():
    check_names()
    check_schemas_and_cadence()
    check_event_rate()
    check_library_client()
    check_limits()
    finish()


main()
