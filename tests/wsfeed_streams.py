# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""wsfeed against Binance's spot WebSocket Streams documentation, part 2:
stream cadences ("Update Speed" of each stream's section). Sections cited
are those of "WebSocket Streams for Binance" (binance-spot-api-docs,
web-socket-streams.md).

Usage: wsfeed_streams.py BUILD_DIR
"""
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import time

from wsfeed_lib import (Feed, RawWS, check, collect, finish,
                        http_upgrade, in_parallel, per_stream)
from wsfeed_schema import (KLINE_INTERVALS, STREAMS, classify, mismatches,
                           schema, stream_name)

FEED = sys.argv[1] + "/wsfeed"


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
    for key, lo, hi, what in [
            ("d100", 22, 28, "depth@100ms at --rate 1000"),
            ("d100slow", 22, 28, "depth@100ms at --rate 0.001"),
            ("d1000", 2, 3, "depth (1000 ms) at --rate 1000"),
            ("d1000ms", 2, 3, "depth@1000ms at --rate 0 (unpaced)")]:
        n = len(r[key])
        check(lo <= n <= hi, "Diff. Depth Stream: %s: %d messages in 2.5 s "
              "(%d-%d)" % (what, n, lo, hi))
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


def check_timed_cadence():
    print("cadence of the statistics streams (their Update Speed)")
    kinds = [k for k, v in STREAMS.items() if v[1]]
    names = [stream_name(k) for k in kinds]
    with Feed(FEED, "--rate", "1000") as f:
        c = per_stream(collect(f.port, "/stream?streams=" + "/".join(names),
                               2.5))
    for k, name in zip(kinds, names):
        doc, ms, _ = STREAMS[k]
        want = {100: (22, 28), 1000: (2, 3), 2000: (1, 1)}[ms]
        n = c.get(name, 0)
        check(want[0] <= n <= want[1], "%s: %s every %d ms: %d in 2.5 s "
              "(%d-%d)" % (doc, name, ms, n, want[0], want[1]))


def check_schemas():
    print("payloads: every field and JSON type as documented, per stream")
    kinds = list(STREAMS)
    names = [stream_name(k) for k in kinds]
    got = {}
    with Feed(FEED, "--rate", "100") as f:
        r = in_parallel([
            ("ws", lambda: collect(f.port, "/ws/" + "/".join(names), 2.3)),
            ("stream", lambda: collect(
                f.port, "/stream?streams=" + "/".join(names), 2.3)),
            ("us", lambda: collect(
                f.port, "/stream?streams=" + "/".join(names) +
                "&timeUnit=MICROSECOND", 2.3))])
    for m in r["ws"]:
        got.setdefault(("ws", classify(m)), []).append(m)
    for path, m in [("stream", m) for m in r["stream"]] + \
            [("us", m) for m in r["us"]]:
        kind = m["stream"].split("@", 1)[1] if "@" in m["stream"] and \
            not m["stream"].startswith("!") else m["stream"]
        got.setdefault((path, kind), []).append(m["data"])
    for k in kinds:
        doc = STREAMS[k][0]
        for path in ("ws", "stream"):
            # /ws payloads carry no stream name: depth5 and depth10@100ms
            # differ only in their levels, kline_1m and 1M only in "i"
            key = k if path == "stream" else \
                {"depth@100ms": "depth", "depth10@100ms": "depth10"}.get(k, k)
            msgs = got.get((path, key), [])
            bad = sorted(set(x for m in msgs for x in mismatches(m,
                                                                 schema(k))))
            check(msgs and not bad, "%s (%s) over /%s: %d payloads%s" % (
                stream_name(k), doc, path, len(msgs),
                ", " + "; ".join(bad[:4]) if bad else ""))
    # timeUnit=MICROSECOND (GWI): every time field in microseconds
    times = []
    for (path, k), msgs in got.items():
        if path != "us":
            continue
        for m in msgs:
            for d in (m if isinstance(m, list) else [m]):
                times += [d[f] for f in ("E", "T", "O", "C") if f in d]
                times += [d["k"][f] for f in ("t", "T") if "k" in d]
    check(times and all(len(str(t)) == 16 for t in times),
          "timeUnit=MICROSECOND: E, T, O, C, k.t, k.T in microseconds "
          "(%d values)" % len(times))
    # klines: documented intervals, [t, T] one interval long
    kl = got.get(("stream", "kline_1m"), [])
    check(kl and all(d["k"]["T"] - d["k"]["t"] == 59999 and
                     d["k"]["t"] <= d["E"] <= d["k"]["T"] + 1000 and
                     d["k"]["i"] == "1m" for d in kl),
          "Kline/Candlestick Streams for UTC: kline_1m spans 60 s, holds E")
    lv = {k: got.get(("stream", k), []) for k in ("depth5", "depth10@100ms",
                                                  "depth20")}
    check(all(lv[k] and all(len(d["bids"]) == len(d["asks"]) == n
                            for d in lv[k])
              for k, n in (("depth5", 5), ("depth10@100ms", 10),
                           ("depth20", 20))),
          "Partial Book Depth Streams: 5, 10, 20 levels a side")
    d = lv["depth5"]
    check(d and all(float(x["bids"][0][0]) < float(x["asks"][0][0]) and
                    [float(b[0]) for b in x["bids"]] ==
                    sorted((float(b[0]) for b in x["bids"]), reverse=True)
                    for x in d) and
          all(a["lastUpdateId"] < b["lastUpdateId"]
              for a, b in zip(d, d[1:])),
          "Partial Book Depth Streams: bids below asks, best first, "
          "lastUpdateId grows")
    arr = got.get(("stream", "!miniTicker@arr"), [])
    check(arr and all(sorted(t["s"] for t in a) ==
                      ["BNBUSDT", "BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT"]
                      for a in arr),
          "All Market Mini Tickers Stream: one entry per symbol served")


def check_names():
    print("stream names: all documented kline intervals, nothing else")
    with Feed(FEED, "--rate", "1") as f:
        for i in KLINE_INTERVALS:
            st, _, _ = http_upgrade(f.port, "/ws/btcusdt@kline_" + i)
            if st != 101:
                break
        check(st == 101, "all %d kline intervals accepted (last status %d)"
              % (len(KLINE_INTERVALS), st))
        for name in ("btcusdt@kline_2m", "btcusdt@kline_1S", "btcusdt@depth7",
                     "btcusdt@depth5@500ms", "!bookTicker@arr",
                     "btcusdt@ticker_1h", "nosuch@ticker", "!ticker"):
            st, _, body = http_upgrade(f.port, "/ws/" + name)
            check(st == 400, "%s refused: %d" % (name, st))
        ws = RawWS(f.port, "/ws")
        ws.send(1, '{"method":"SUBSCRIBE","params":["BTCUSDT@DEPTH5",'
                '"!MINITICKER@ARR","btcusdt@KLINE_1M"],"id":1}')
        ws.send(1, '{"method":"LIST_SUBSCRIPTIONS","id":2}')
        got = []
        end = time.monotonic() + 3
        while len(got) < 2 and time.monotonic() < end:
            fr = ws.recv(1)
            if fr and fr[0] == 1:
                j = json.loads(fr[1])
                if isinstance(j, dict) and "id" in j:
                    got.append(j)
        ws.close()
        check(len(got) == 2 and got[1]["result"] == [
            "btcusdt@depth5", "!miniTicker@arr", "btcusdt@kline_1M"],
            "SUBSCRIBE in any case; the interval keeps its case: %s" % got)


def frames(port, path, secs):
    """(seconds since the upgrade, opcode, payload) until close or EOF;
    EOF without a close frame is (t, None, b"")."""
    ws = RawWS(port, path)
    t0, out = time.monotonic(), []
    end = t0 + secs
    while time.monotonic() < end:
        try:
            f = ws.recv(max(0.01, end - time.monotonic()))
        except (EOFError, OSError):
            out.append((time.monotonic() - t0, None, b""))
            break
        if f is None:
            break
        out.append((f[2] - t0, f[0], f[1]))
        if f[0] == 8:
            break
    ws.close()
    return out


def scenario_file(text):
    fd, path = tempfile.mkstemp(prefix="wsfeed-scn.", suffix=".txt")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return path


def scenario_case(text, path, secs):
    def fn():
        scn = scenario_file(text)
        try:
            with Feed(FEED, "--rate", "100", "--scenario", scn) as f:
                return frames(f.port, path, secs)
        finally:
            os.unlink(scn)
    return fn


def check_scenario():
    print("--scenario FILE: each step seen by the client")
    r = in_parallel([
        ("main", scenario_case(
            "# burst, pause, slow, then Binance's serverShutdown\n"
            "at 0.5 burst 200\nat 1.0 pause 1.0\n\n"
            "at 2.5 slow 10   # 10 msg/s\nat 4.0 shutdown\n",
            "/stream?streams=btcusdt@trade/btcusdt@depth@100ms", 6)),
        ("raw", scenario_case("at 0.3 shutdown\n", "/ws/btcusdt@trade", 3)),
        ("drop", scenario_case("at 0.5 disconnect\n", "/ws/btcusdt@trade",
                               3))])
    fr = r["main"]
    text = [(t, json.loads(p)) for t, op, p in fr if op == 1]

    def n_in(a, b, stream="btcusdt@trade"):
        return sum(1 for t, m in text
                   if a <= t < b and m.get("stream") == stream)
    n = n_in(0.45, 0.7)
    check(n >= 200, "burst 200 at 0.5 s: %d trades within 0.45-0.7 s "
          "(--rate 100 alone: 25)" % n)
    n = n_in(1.1, 1.95) + n_in(1.1, 1.95, "btcusdt@depth@100ms")
    check(n == 0 and n_in(0.8, 1.0) and n_in(2.1, 2.5) and
          n_in(2.1, 2.5, "btcusdt@depth@100ms"),
          "pause 1.0 at 1 s: nothing within 1.1-1.95 s (%d), trades and "
          "depth before and after" % n)
    n, m = n_in(2.1, 2.45), n_in(2.6, 3.9)
    check(25 <= n <= 45 and 9 <= m <= 17, "slow 10 at 2.5 s: %d trades in "
          "2.1-2.45 s (35), %d in 2.6-3.9 s (13)" % (n, m))
    last = text[-1] if text else (0, {})
    close = fr[-1] if fr and fr[-1][1] == 8 else None
    check(last[1] == {"stream": "!serverShutdown",
                      "data": {"e": "serverShutdown",
                               "E": last[1].get("data", {}).get("E")}} and
          type(last[1]["data"]["E"]) is int and 3.9 < last[0] < 4.3,
          "shutdown at 4 s (Server Shutdown): last message %s at %.2f s" %
          (json.dumps(last[1])[:90], last[0]))
    code = struct.unpack("!H", close[2][:2])[0] if close and \
        len(close[2]) >= 2 else None
    check(code == 1001, "shutdown: then close 1001 (going away): %s" % code)
    raw = [(t, op, p) for t, op, p in r["raw"] if op in (1, 8)]
    ev = json.loads(raw[-2][2]) if len(raw) >= 2 and raw[-1][1] == 8 \
        else {}
    check(set(ev) == {"e", "E"} and ev["e"] == "serverShutdown" and
          type(ev["E"]) is int,
          "shutdown on /ws: raw {\"e\":\"serverShutdown\",\"E\":...}, "
          "then close (%s)" % ev)
    fr = r["drop"]
    check(fr and fr[-1][1] is None and 0.4 < fr[-1][0] < 0.8 and
          not any(op == 8 for _, op, _ in fr),
          "disconnect at 0.5 s: connection dropped without a close frame "
          "at %.2f s" % (fr[-1][0] if fr else -1))

    for text, line, words in [
            ("at 1 burst 10\nat x slow 2\n", 2, "bad time"),
            ("# c\n\nat 1 explode\n", 3, "unknown action"),
            ("at 1 burst\n", 1, "takes one number"),
            ("at 1 burst 1.5\n", 1, "bad value"),
            ("at 1 slow 0.5\n", 1, "bad value"),
            ("at 2 pause 1\nat 1 shutdown\n", 2, "before the previous"),
            ("at 1 shutdown now\n", 1, "takes no value"),
            ("after 1 shutdown\n", 1, "want 'at SECONDS")]:
        scn = scenario_file(text)
        p = subprocess.run([FEED, "--scenario", scn, "--duration", "0.01",
                            "--port", "0"], capture_output=True, text=True,
                           timeout=10)
        os.unlink(scn)
        err = p.stderr.strip().split("\n")
        ok = p.returncode == 2 and len(err) == 1 and \
            err[0].startswith("wsfeed: %s:%d: " % (scn, line)) and \
            words in err[0]
        check(ok, "bad scenario (%s): exit %d, %r" % (
            text.strip().replace("\n", " | "), p.returncode,
            re.sub(r"/tmp/[^:\s]+", "FILE", p.stderr.strip())))


def main():
    check_cadence()
    check_timed_cadence()
    check_schemas()
    check_names()
    check_scenario()
    finish()


main()
