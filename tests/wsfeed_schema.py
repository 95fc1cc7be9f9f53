# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Payload schemas of Binance's spot market-data streams, written from
"WebSocket Streams for Binance" (binance-spot-api-docs,
web-socket-streams.md, read 2026-07): per stream kind, the section that
documents it, its update speed, and every payload field with its JSON
type as the documentation's example prints it ("0.0010" is a string, 100
a number, false a boolean). wsfeed_streams.py checks wsfeed's payloads
against this table, key set and types exactly.
"""

S, N, B = "string", "number", "boolean"
LEVELS = "levels"  # [["price", "qty"], ...]: arrays of two strings

KLINE = {"t": N, "T": N, "s": S, "i": S, "f": N, "L": N, "o": S, "c": S,
         "h": S, "l": S, "v": S, "n": N, "x": B, "q": S, "V": S, "Q": S,
         "B": S}
MINI = {"e": S, "E": N, "s": S, "c": S, "o": S, "h": S, "l": S, "v": S,
        "q": S}
TICKER = {"e": S, "E": N, "s": S, "p": S, "P": S, "w": S, "x": S, "c": S,
          "Q": S, "b": S, "B": S, "a": S, "A": S, "o": S, "h": S, "l": S,
          "v": S, "q": S, "O": N, "C": N, "F": N, "L": N, "n": N}

# kind: (doc section, update speed in ms or None for real time, schema);
# a schema is {field: type or nested schema}, or [schema] for an array
STREAMS = {
    "trade": ("Trade Streams", None,
              {"e": S, "E": N, "s": S, "t": N, "p": S, "q": S, "T": N,
               "m": B, "M": B}),
    "aggTrade": ("Aggregate Trade Streams", None,
                 {"e": S, "E": N, "s": S, "a": N, "p": S, "q": S, "f": N,
                  "l": N, "T": N, "m": B, "M": B}),
    "bookTicker": ("Individual Symbol Book Ticker Streams", None,
                   {"u": N, "s": S, "b": S, "B": S, "a": S, "A": S}),
    "depth": ("Diff. Depth Stream", 1000,
              {"e": S, "E": N, "s": S, "U": N, "u": N, "b": LEVELS,
               "a": LEVELS}),
    "depth@100ms": ("Diff. Depth Stream", 100, None),  # as depth
    "kline_1s": ("Kline/Candlestick Streams for UTC", 1000,
                 {"e": S, "E": N, "s": S, "k": KLINE}),
    "kline_1m": ("Kline/Candlestick Streams for UTC", 2000, None),
    "kline_1M": ("Kline/Candlestick Streams for UTC", 2000, None),
    "miniTicker": ("Individual Symbol Mini Ticker Stream", 1000, MINI),
    "!miniTicker@arr": ("All Market Mini Tickers Stream", 1000, [MINI]),
    "ticker": ("Individual Symbol Ticker Streams", 1000, TICKER),
    # removed from the documentation on 2025-11-14 and retired by Binance
    # on 2026-03-26 (CHANGELOG); the section as it was before then
    "!ticker@arr": ("All Market Tickers Stream (DEPRECATED)", 1000,
                    [TICKER]),
    "avgPrice": ("Average Price", 1000,
                 {"e": S, "E": N, "s": S, "i": S, "w": S, "T": N}),
    "depth5": ("Partial Book Depth Streams", 1000,
               {"lastUpdateId": N, "bids": LEVELS, "asks": LEVELS}),
    "depth10@100ms": ("Partial Book Depth Streams", 100, None),
    "depth20": ("Partial Book Depth Streams", 1000, None),
}
SAME = {"depth@100ms": "depth", "kline_1m": "kline_1s",
        "kline_1M": "kline_1s", "depth10@100ms": "depth5",
        "depth20": "depth5"}

# All kline intervals the section lists (each has its own stream name).
KLINE_INTERVALS = ["1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h",
                   "6h", "8h", "12h", "1d", "3d", "1w", "1M"]


def schema(kind):
    return STREAMS[SAME.get(kind, kind)][2]


def stream_name(kind, sym="btcusdt"):
    return kind if kind.startswith("!") else sym + "@" + kind


def json_type(v):
    if type(v) is bool:
        return B
    if type(v) in (int, float):
        return N
    if type(v) is str:
        return S
    return type(v).__name__


def mismatches(value, sch, where="payload"):
    """Every difference between @value and @sch, as readable strings."""
    out = []
    if sch == LEVELS:
        if not isinstance(value, list) or not all(
                isinstance(l, list) and len(l) == 2 and
                all(type(x) is str for x in l) for l in value):
            out.append("%s: not an array of [string, string]" % where)
        return out
    if isinstance(sch, list):
        if not isinstance(value, list) or not value:
            return ["%s: not a non-empty array" % where]
        for i, v in enumerate(value):
            out += mismatches(v, sch[0], "%s[%d]" % (where, i))
        return out
    if isinstance(sch, dict):
        if not isinstance(value, dict):
            return ["%s: not an object" % where]
        for k in sorted(set(sch) - set(value)):
            out.append("%s.%s missing" % (where, k))
        for k in sorted(set(value) - set(sch)):
            out.append("%s.%s not documented" % (where, k))
        for k in sorted(set(sch) & set(value)):
            out += mismatches(value[k], sch[k], "%s.%s" % (where, k))
        return out
    if json_type(value) != sch:
        out.append("%s is a %s, documented as a %s" %
                   (where, json_type(value), sch))
    return out


def classify(payload):
    """The stream kind of a raw (/ws) payload, as far as it tells."""
    if isinstance(payload, list):
        e = payload[0].get("e") if payload and isinstance(payload[0],
                                                          dict) else None
        return {"24hrMiniTicker": "!miniTicker@arr",
                "24hrTicker": "!ticker@arr"}.get(e)
    if "lastUpdateId" in payload:
        return "depth%d" % len(payload.get("bids", []))
    if "e" not in payload:
        return "bookTicker" if "u" in payload else None
    e = payload["e"]
    if e == "kline":
        return "kline_" + payload.get("k", {}).get("i", "?")
    return {"trade": "trade", "aggTrade": "aggTrade",
            "depthUpdate": "depth", "24hrMiniTicker": "miniTicker",
            "24hrTicker": "ticker", "avgPrice": "avgPrice"}.get(e)


# Binance USD-M futures (wsfeed --market futures), written from the USD-M
# futures "Websocket Market Streams" pages (developers.binance.com/docs/
# derivatives/usds-margined-futures/websocket-market-streams/, mirrored in
# qiuham/crypto-api-docs under docs/binance/derivatives/
# usds-margined-futures/websocket-market-streams/, pages updated
# 2026-01-15): each row names its page. Prices and quantities are
# strings, times and ids numbers, as the Response Example prints them.
FDEPTH = {"e": S, "E": N, "T": N, "s": S, "U": N, "u": N, "pu": N,
          "b": LEVELS, "a": LEVELS}
FMARK = {"e": S, "E": N, "s": S, "p": S, "i": S, "P": S, "r": S, "T": N}
FUTURES = {
    "aggTrade": ("Aggregate-Trade-Streams.md", None,
                 {"e": S, "E": N, "s": S, "a": N, "p": S, "q": S, "nq": S,
                  "f": N, "l": N, "T": N, "m": B}),
    "bookTicker": ("Individual-Symbol-Book-Ticker-Streams.md", None,
                   {"e": S, "u": N, "E": N, "T": N, "s": S, "b": S, "B": S,
                    "a": S, "A": S}),
    "depth": ("Diff-Book-Depth-Streams.md", 250, FDEPTH),
    "depth@500ms": ("Diff-Book-Depth-Streams.md", 500, FDEPTH),
    "depth@100ms": ("Diff-Book-Depth-Streams.md", 100, FDEPTH),
    # partial depth: depthUpdate events too, 5/10/20 levels a side
    "depth5": ("Partial-Book-Depth-Streams.md", 250, FDEPTH),
    "depth10@500ms": ("Partial-Book-Depth-Streams.md", 500, FDEPTH),
    "depth20@100ms": ("Partial-Book-Depth-Streams.md", 100, FDEPTH),
    "markPrice": ("Mark-Price-Stream.md", 3000, FMARK),
    "markPrice@1s": ("Mark-Price-Stream.md", 1000, FMARK),
    "!markPrice@arr": ("Mark-Price-Stream-for-All-market.md", 3000, [FMARK]),
    "!markPrice@arr@1s": ("Mark-Price-Stream-for-All-market.md", 1000,
                          [FMARK]),
    # at most one liquidation per 1000 ms on Binance; wsfeed has one each
    "forceOrder": ("Liquidation-Order-Streams.md", 1000,
                   {"e": S, "E": N,
                    "o": {"s": S, "S": S, "o": S, "f": S, "q": S, "p": S,
                          "ap": S, "X": S, "l": S, "z": S, "T": N}}),
    "kline_1m": ("Kline-Candlestick-Streams.md", 250,
                 {"e": S, "E": N, "s": S, "k": KLINE}),
    "kline_1M": ("Kline-Candlestick-Streams.md", 250,
                 {"e": S, "E": N, "s": S, "k": KLINE}),
}
# The page's kline intervals: no 1s on futures.
FUTURES_KLINE_INTERVALS = KLINE_INTERVALS[1:]
# Documented on the futures pages, not emulated: refused like any unknown
# stream (HTTP 400, SUBSCRIBE code 2). Spot names futures does not have
# (trade, depth@1000ms, avgPrice, kline_1s, !ticker@arr) are refused too.
FUTURES_NOT_SERVED = [
    "btcusdt@miniTicker", "!miniTicker@arr", "btcusdt@ticker",
    "!ticker@arr", "!bookTicker",
    "!forceOrder@arr", "btcusdt_perpetual@continuousKline_1m",
    "btcusdt@compositeIndex", "!contractInfo", "!assetIndex@arr",
    "btcusdt@rpiDepth@500ms", "tradingSession"]
FUTURES_SPOT_ONLY = ["btcusdt@trade", "btcusdt@depth@1000ms",
                     "btcusdt@avgPrice", "btcusdt@kline_1s",
                     "btcusdt@depth5@1000ms"]
