# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""wsfeed against RFC 6455's rules for what a client sends (issue 21.17),
on ws:// and wss://: a text frame that is not UTF-8 fails the connection
with close 1007 (section 8.1; libwebsockets' LWS_SERVER_OPTION_VALIDATE_UTF8)
and an unmasked client frame with close 1002 (section 5.1; wsfeed's
feed_rxcheck, lws 4.1.6 does not check it), each within a second. Masked
frames of every length form (7-bit, 16-bit, 64-bit) get their replies, and
an unmasked frame after them on the same connection is still seen.

Usage: wsfeed_rfc.py BUILD_DIR
"""
import sys
import time

from wsfeed_lib import Feed, RawWS, check, finish, replies

FEED = sys.argv[1] + "/wsfeed"
REQ = b'{"method":"LIST_SUBSCRIPTIONS","id":1}'


def padded(n):
    """LIST_SUBSCRIPTIONS padded with spaces to n bytes (valid JSON)."""
    return REQ[:-1] + b" " * (n - len(REQ)) + b"}"


def closes(f, tls, what, send, want):
    ws = RawWS(f.port, "/ws", tls)
    t0 = time.monotonic()
    send(ws)
    got = ws.wait_close(3)
    ws.close()
    dt = time.monotonic() - t0
    check(got is not None and got[0] == want and dt < 1,
          "%s: %s closes with %d within 1 s (got %s after %.3f s)"
          % ("wss" if tls else "ws", what, want,
             got[:2] if got else "no close in 3 s", dt))


for tls in (False, True):
    args = ("--tls", "--no-limits") if tls else ("--no-limits",)
    with Feed(FEED, *args, duration=30) as f:
        scheme = "wss" if tls else "ws"
        closes(f, tls, "invalid UTF-8 text frame",
               lambda ws: ws.send(1, b"\xff\xfe" + REQ), 1007)
        closes(f, tls, "unmasked text frame",
               lambda ws: ws.s.sendall(bytes([0x81, len(REQ)]) + REQ), 1002)
        closes(f, tls, "unmasked ping",
               lambda ws: ws.s.sendall(bytes([0x89, 0])), 1002)

        def masked_then_unmasked(ws):
            ws.send(1, padded(300))  # 16-bit length, masked
            ws.s.sendall(bytes([0x81, len(REQ)]) + REQ)
        closes(f, tls, "unmasked frame after a masked 300-byte one",
               masked_then_unmasked, 1002)
        ws = RawWS(f.port, "/ws", tls)
        for n in (len(REQ), 125, 126, 300, 65536, 70000):
            ws.send(1, padded(n))
            got = replies(ws, 1)[0]
            want = "result" if n <= 65536 else "error"  # MAX_REQUEST
            check(len(got) == 1 and want in got[0],
                  "%s: masked %d-byte request gets its %s, connection open"
                  % (scheme, n, want))
        t0 = time.monotonic()
        ws.s.sendall(bytes([0x81, len(REQ)]) + REQ)
        got = ws.wait_close(3)
        ws.close()
        check(got is not None and got[0] == 1002,
              "%s: then an unmasked frame on that connection closes with "
              "1002 (got %s)" % (scheme, got[:2] if got else "no close in 3 s"))
finish()
