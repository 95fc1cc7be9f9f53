# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""wsfeed against Binance's spot WebSocket Streams documentation, part 1:
the upgrade request, live requests and their errors, and the connection
limits. Sections cited are those of "WebSocket Streams for Binance"
(binance-spot-api-docs, web-socket-streams.md): "General WSS information"
(GWI), "WebSocket Limits" (WL), "Live Subscribing/Unsubscribing to
streams" (LS), "Setting Properties" (SP), "Retrieving Properties" (RP),
"Error Messages" (EM).

Usage: wsfeed_requests.py BUILD_DIR
"""
import json
import sys
import threading
import time

from wsfeed_lib import (Feed, RawWS, check, finish, http_upgrade,
                        replies)

FEED = sys.argv[1] + "/wsfeed"
VARIANTS = ("`SUBSCRIBE`, `UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`, "
            "`SET_PROPERTY`, `GET_PROPERTY`")

# (request text, expected reply) from LS, SP, RP and EM; sent in order on
# one /ws connection with the message-rate limit off.
REQUESTS = [
    # LS: SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS; id formats
    ('{"method":"SUBSCRIBE","params":["btcusdt@aggTrade","btcusdt@depth"],"id":1}',
     {"result": None, "id": 1}),
    ('{"method":"UNSUBSCRIBE","params":["btcusdt@depth"],"id":312}',
     {"result": None, "id": 312}),
    ('{"method":"LIST_SUBSCRIPTIONS","id":3}',
     {"result": ["btcusdt@aggTrade"], "id": 3}),
    ('{"method":"LIST_SUBSCRIPTIONS","id":-9223372036854775808}',
     {"result": ["btcusdt@aggTrade"], "id": -9223372036854775808}),
    ('{"method":"LIST_SUBSCRIPTIONS","id":"abcDEF0123456789abcdef0123456789abcd"}',
     {"result": ["btcusdt@aggTrade"],
      "id": "abcDEF0123456789abcdef0123456789abcd"}),
    ('{"method":"LIST_SUBSCRIPTIONS","id":null}',
     {"result": ["btcusdt@aggTrade"], "id": None}),
    # GWI "symbols are lowercase": one stream whatever the case
    ('{"method":"SUBSCRIBE","params":["BTCUSDT@AGGTRADE","ethusdt@trade"],"id":4}',
     {"result": None, "id": 4}),
    ('{"method":"LIST_SUBSCRIPTIONS","id":5}',
     {"result": ["btcusdt@aggTrade", "ethusdt@trade"], "id": 5}),
    # SP / RP
    ('{"method":"GET_PROPERTY","params":["combined"],"id":2}',
     {"result": False, "id": 2}),
    # EM, one row each
    ('{"method":"GET_PROPERTY","params":["nosuch"],"id":6}',
     {"error": {"code": 0, "msg": "Unknown property"}, "id": 6}),
    ('{"method":"SET_PROPERTY","params":["combined","yes"],"id":7}',
     {"error": {"code": 1, "msg": "Invalid value type: expected Boolean"},
      "id": 7}),
    ('{"method":"SET_PROPERTY","params":[5,true],"id":8}',
     {"error": {"code": 2,
                "msg": "Invalid request: property name must be a string"},
      "id": 8}),
    ('{"method":"GET_PROPERTY","params":[],"id":9}',
     {"error": {"code": 2,
                "msg": "Invalid request: property name must be a string"},
      "id": 9}),
    ('{"method":"LIST_SUBSCRIPTIONS","id":1.5}',
     {"error": {"code": 2, "msg": "Invalid request: request ID must be an "
                "unsigned integer"}, "id": None}),
    ('{"method":"LIST_SUBSCRIPTIONS"}',
     {"error": {"code": 2, "msg": "Invalid request: request ID must be an "
                "unsigned integer"}, "id": None}),
    ('{"method":"LIST_SUBSCRIPTIONS","id":"has-dash"}',
     {"error": {"code": 2, "msg": "Invalid request: request ID must be an "
                "unsigned integer"}, "id": None}),
    ('{"method":"LIST_SUBSCRIPTIONS","id":"abcdefghijabcdefghijabcdefghijabcdefg"}',
     {"error": {"code": 2, "msg": "Invalid request: request ID must be an "
                "unsigned integer"}, "id": None}),
    ('{"method": "SUBSCRIBEX", "params": [], "id": 10}',
     {"error": {"code": 2, "msg": "Invalid request: unknown variant "
                "`SUBSCRIBEX`, expected one of " + VARIANTS +
                " at line 1 column 23"}, "id": 10}),
    ('{"method":"list_subscriptions","id":11}',
     {"error": {"code": 2, "msg": "Invalid request: unknown variant "
                "`list_subscriptions`, expected one of " + VARIANTS +
                " at line 1 column 30"}, "id": 11}),
    ('{"method":"LIST_SUBSCRIPTIONS","params":["x"],"id":12}',
     {"error": {"code": 2, "msg": "Invalid request: too many parameters"},
      "id": 12}),
    ('{"method":"GET_PROPERTY","params":["combined","x"],"id":13}',
     {"error": {"code": 2, "msg": "Invalid request: too many parameters"},
      "id": 13}),
    ('{"method":"LIST_SUBSCRIPTIONS","id":14,"extra":1}',
     {"error": {"code": 2, "msg": "Invalid request: too many parameters"},
      "id": 14}),
    ('{"params":["btcusdt@trade"],\n "id":15}',
     {"error": {"code": 2, "msg": "Invalid request: missing field `method` "
                "at line 2 column 9"}, "id": None}),
    ('not json',
     {"error": {"code": 3, "msg": "Invalid JSON: expected value at line 1 "
                "column 1"}, "id": None}),
    ('{"method":"SUBSCRIBE","params":["nosuch@trade"],"id":16}',
     {"error": {"code": 2, "msg": "Invalid request: unknown stream"},
      "id": 16}),
    # SP: combined on, then payloads come wrapped
    ('{"method":"SET_PROPERTY","params":["combined",true],"id":17}',
     {"result": None, "id": 17}),
    ('{"method":"GET_PROPERTY","params":["combined"],"id":18}',
     {"result": True, "id": 18}),
]


def check_upgrades():
    print("upgrade request (GWI): refusals carry a status and a reason")
    for tls in (False, True):
        args = ["--tls"] if tls else []
        with Feed(FEED, "--max-streams", "2", *args) as f:
            s = "wss" if tls else "ws"
            for path, status, words in [
                    ("/ws/nosuch@trade", 400, "nosuch@trade"),
                    ("/ws/btcusdt@nosuch", 400, "btcusdt@nosuch"),
                    ("/stream?streams=btcusdt@trade/xrpusdt@bogus", 400,
                     "xrpusdt@bogus"),
                    ("/nowhere", 404, "/nowhere"),
                    ("/ws/btcusdt@trade?timeUnit=NANOSECOND", 400,
                     "timeUnit"),
                    ("/stream?streams=btcusdt@trade/ethusdt@trade/"
                     "solusdt@trade", 400, "at most 2")]:
                st, hdr, body = http_upgrade(f.port, path, tls)
                try:
                    msg = json.loads(body)["msg"]
                except ValueError:
                    msg = ""
                check(st == status and words in msg,
                      "%s %s -> %d %r (got %d %r)" % (s, path, status, words,
                                                      st, body[:80]))
            st, _, _ = http_upgrade(f.port, "/ws/BTCUSDT@trade", tls)
            check(st == 101, "%s upper-case symbol in the path accepted "
                  "(GWI), got %d" % (s, st))


def check_requests():
    print("live requests (LS, SP, RP, EM): every reply as documented")
    with Feed(FEED, "--max-msg-rate", "0", "--rate", "50") as f:
        ws = RawWS(f.port, "/ws")
        for req, want in REQUESTS:
            ws.send(1, req)
            got, _ = replies(ws, 1)
            check(got == [want], "%s -> %s%s" % (
                req.replace("\n", "\\n")[:70], json.dumps(want)[:90],
                "" if got == [want] else " (got %s)" % got))
        _, data = replies(ws, 1000, timeout=0.5)
        check(data and all(set(d) == {"stream", "data"} for d in data),
              "SET_PROPERTY combined true: payloads wrapped "
              "{stream, data} (%d)" % len(data))
        ws.close()
    with Feed(FEED) as f:
        ws = RawWS(f.port, "/stream?streams=btcusdt@trade")
        ws.send(1, '{"method":"GET_PROPERTY","params":["combined"],"id":1}')
        got, _ = replies(ws, 1)
        check(got == [{"result": True, "id": 1}],
              "SP: combined is true on /stream (got %s)" % got)
        ws.send(1, '{"method":"SET_PROPERTY","params":["combined",false],'
                '"id":2}')
        replies(ws, 1)
        _, data = replies(ws, 1000, timeout=0.3)
        check(data and all(d.get("e") == "trade" for d in data),
              "SP: combined false on /stream: raw payloads (%d)" % len(data))
        ws.close()


def rate_case(limit, args):
    """Send limit+1 requests at once: limit replies, then close 1008."""
    with Feed(FEED, "--rate", "0.001", *args) as f:
        ws = RawWS(f.port, "/ws")
        for i in range(limit + 1):
            ws.send(1, '{"method":"LIST_SUBSCRIPTIONS","id":%d}' % i)
        got, _ = replies(ws, limit + 1, timeout=1)
        c = ws.wait_close(2)
        ws.close()
        return len(got), c


def check_limits():
    print("connection limits (WL, GWI), each settable and off-switchable")
    n, c = rate_case(5, [])
    check(n == 5 and c and c[0] == 1008,
          "WL: 5 messages in a second answered, the 6th closes the "
          "connection (1008) [replies %d, close %s]" % (n, c and c[:2]))
    n, c = rate_case(2, ["--max-msg-rate", "2"])
    check(n == 2 and c and c[0] == 1008,
          "--max-msg-rate 2: the 3rd message closes [replies %d]" % n)
    with Feed(FEED, "--rate", "0.001") as f:
        ws = RawWS(f.port, "/ws")
        t0 = time.monotonic()
        for i in range(12):
            while time.monotonic() < t0 + i * 0.21:
                time.sleep(0.005)
            ws.send(1, '{"method":"LIST_SUBSCRIPTIONS","id":%d}' % i)
        got, _ = replies(ws, 12, timeout=2)
        check(len(got) == 12, "WL: 12 messages at 4.8/s over 2.5 s all "
              "answered (%d)" % len(got))
        ws.close()
    with Feed(FEED, "--rate", "0.001", "--max-msg-rate", "0") as f:
        ws = RawWS(f.port, "/ws")
        for i in range(50):
            ws.send(1, '{"method":"LIST_SUBSCRIPTIONS","id":%d}' % i)
        got, _ = replies(ws, 50, timeout=3)
        check(len(got) == 50, "--max-msg-rate 0: 50 messages at once all "
              "answered (%d)" % len(got))
        ws.close()
    # pongs count as messages (WL); libwebsockets 4.1 does not report an
    # empty pong to the server, so these carry a payload
    with Feed(FEED, "--rate", "0.001") as f:
        ws = RawWS(f.port, "/ws")
        for i in range(6):
            ws.send(10, b"u")
        c = ws.wait_close(2)
        check(c and c[0] == 1008, "WL: 6 unsolicited pongs in a second "
              "close the connection (%s)" % (c and c[:2],))
        ws.close()

    # streams per connection: 1024 by default (WL)
    syms = ",".join("s%d" % i for i in range(220))
    with Feed(FEED, "--symbols", syms, "--rate", "0.001",
              "--max-msg-rate", "0") as f:
        names = ["s%d@%s" % (i, k) for i in range(220)
                 for k in ("trade", "aggTrade", "bookTicker", "depth",
                           "depth@100ms")]
        ws = RawWS(f.port, "/ws")
        ws.send(1, json.dumps({"method": "SUBSCRIBE", "params": names[:1024],
                               "id": 1}))
        ws.send(1, json.dumps({"method": "SUBSCRIBE", "params": [names[1024]],
                               "id": 2}))
        ws.send(1, '{"method":"LIST_SUBSCRIPTIONS","id":3}')
        got, _ = replies(ws, 3, timeout=5)
        ok = len(got) == 3 and got[0] == {"result": None, "id": 1} and \
            "error" in got[1] and len(got[2].get("result", [])) == 1024
        check(ok, "WL: 1024 streams on one connection, the 1025th refused "
              "(%s)" % (got[1] if len(got) > 1 else got))
        ws.close()
    with Feed(FEED, "--symbols", syms, "--max-streams", "0", "--rate",
              "0.001", "--max-msg-rate", "0") as f:
        ws = RawWS(f.port, "/ws")
        ws.send(1, json.dumps({"method": "SUBSCRIBE", "params": names,
                               "id": 1}))
        got, _ = replies(ws, 1, timeout=5)
        check(got == [{"result": None, "id": 1}],
              "--max-streams 0: %d streams accepted" % len(names))
        ws.close()

    # lifetime (GWI: 24 hours), shortened
    with Feed(FEED, "--max-lifetime", "1", "--rate", "10") as f:
        ws = RawWS(f.port, "/ws/btcusdt@trade")
        t0 = time.monotonic()
        c = ws.wait_close(3)
        check(c and c[0] == 1000 and 0.9 < c[2] - t0 < 1.3,
              "--max-lifetime 1: closed (1000) after %.2f s" %
              ((c[2] - t0) if c else -1))
        ws.close()


def check_pings():
    print("pings (GWI): payload to copy, pong deadline")
    with Feed(FEED, "--ping-interval", "0.3", "--pong-timeout", "1",
              "--rate", "0.001") as f:
        ws = RawWS(f.port, "/ws/btcusdt@trade")
        t0, pings = time.monotonic(), []
        while time.monotonic() < t0 + 1.0:
            fr = ws.recv(0.2)
            if fr and fr[0] == 9:
                pings.append(fr)
                ws.send(10, fr[1])
        gaps = [b[2] - a[2] for a, b in zip(pings, pings[1:])]
        check(len(pings) >= 3 and all(0.25 < g < 0.4 for g in gaps),
              "--ping-interval 0.3: pings %.2f s apart (%d)" %
              (sum(gaps) / len(gaps) if gaps else -1, len(pings)))
        check(len(set(p[1] for p in pings)) == len(pings) and
              all(p[1] for p in pings), "each ping has its own payload")
        # stop answering, send only unsolicited empty pongs: closed
        t1 = time.monotonic()
        ws.send(10, b"")
        c = ws.wait_close(3, answer_pings=False)
        check(c and c[0] == 1008 and 0.6 < c[2] - t1 < 1.5,
              "pongs stopped (one unsolicited pong sent): closed %s "
              "after %.2f s" % (c and c[:2], (c[2] - t1) if c else -1))
        ws.close()
        ws = RawWS(f.port, "/ws/btcusdt@trade")
        t1, wrong = time.monotonic(), 0
        while time.monotonic() < t1 + 2.5:
            fr = ws.recv(0.1)
            if fr and fr[0] == 9:
                ws.send(10, fr[1] + b"x")
                wrong += 1
            if fr and fr[0] == 8:
                break
        check(fr is not None and fr[0] == 8 and wrong >= 2,
              "pongs with a different payload do not count: closed")
        ws.close()
    with Feed(FEED, "--ping-interval", "0.3", "--pong-timeout", "0",
              "--rate", "0.001") as f:
        ws = RawWS(f.port, "/ws/btcusdt@trade")
        c = ws.wait_close(1.5, answer_pings=False)
        check(c is None, "--pong-timeout 0: unanswered pings, still open")
        ws.close()


def default_ping(result):
    """GWI: the first ping 20 s after the connection opens (default)."""
    with Feed(FEED, "--rate", "1", duration=40) as f:
        ws = RawWS(f.port, "/ws/btcusdt@trade")
        t0 = time.monotonic()
        while time.monotonic() < t0 + 23:
            fr = ws.recv(0.5)
            if fr and fr[0] == 9:
                result.append(fr[2] - t0)
                break
        ws.close()


def main():
    slow = []
    t = threading.Thread(target=default_ping, args=(slow,))
    t.start()
    check_upgrades()
    check_requests()
    check_limits()
    check_pings()
    t.join()
    check(slow and 19.5 < slow[0] < 20.5,
          "GWI: default first ping after %.2f s (20)" % (slow[0] if slow
                                                         else -1))
    finish()


main()
