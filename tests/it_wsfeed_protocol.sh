#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Integration test: wsfeed against Binance's spot WebSocket Streams
# documentation (docs/feed-emulator.md has the table): HTTP refusals of a
# bad upgrade, every documented request and error reply, the connection
# limits (message rate, streams, lifetime, ping / pong) triggering exactly
# at the documented point, each one settable and off-switchable, stream
# payloads and cadences, and one order book behind diff and partial depth;
# then the same for --market futures against the USD-M futures Websocket
# Market Streams pages (payloads, speeds, names served and refused, limits,
# pu continuity). Loopback only; clients: a raw RFC 6455 socket client and
# Python websockets.
# Exit 0 = PASS, 1 = FAIL, 77 = SKIPPED (reason printed).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-${LP_BUILD:-$ROOT/build}}
PY=/usr/bin/python3

[ -x "$BIN/wsfeed" ] || { echo "SKIPPED: $BIN/wsfeed not built (run: make)"; exit 77; }
[ -x "$PY" ] || { echo "SKIPPED: $PY missing (scripts/install-deps.sh)"; exit 77; }
"$PY" -c 'import websockets' 2>/dev/null ||
	{ echo "SKIPPED: python3-websockets missing (scripts/install-deps.sh)"; exit 77; }

echo "wsfeed protocol conformance: requests, errors, limits"
# --help and the man page name the same flags
h=$("$BIN/wsfeed" --help | grep -o -- '--[a-z-]*' | sort -u)
m=$(sed 's/\\-/-/g' "$ROOT/man/wsfeed.1" | grep -o -- '--[a-z-]*' | sort -u)
if [ "$h" != "$m" ]; then
	echo "  FAIL wsfeed --help and man/wsfeed.1 differ: $(diff <(echo "$h") <(echo "$m") | grep '^[<>]' | tr '\n' ' ')"
	exit 1
fi
echo "  ok   wsfeed --help and man/wsfeed.1 name the same $(echo "$h" | wc -l) flags"
# --bind that is neither an address nor an interface: one line, exit 2
# (libwebsockets listened nowhere and wsfeed said "listening", exit 0)
for b in 999.1.1.1 nosuchif0 ''; do
	out=$(timeout 5 "$BIN/wsfeed" --bind "$b" --port 0 --duration 1 2>&1)
	rc=$?
	if [ $rc -ne 2 ] || [ "$(printf '%s\n' "$out" | grep -c '')" -ne 1 ] ||
		! printf '%s' "$out" | grep -q '^wsfeed: bad value for --bind'; then
		echo "  FAIL wsfeed --bind '$b': exit $rc, want 2 and one line: $out"
		exit 1
	fi
done
echo "  ok   wsfeed --bind 999.1.1.1 / nosuchif0 / '': one line, exit 2"
# --replay /dev/zero: a bounded read, one line, exit 1 (it read on past
# --duration until memory ran out)
out=$(timeout 10 "$BIN/wsfeed" --replay /dev/zero --port 0 --duration 1 2>&1)
rc=$?
if [ $rc -ne 1 ] || [ "$out" != "wsfeed: --replay file /dev/zero: larger than 256 MiB (it is read whole)" ]; then
	echo "  FAIL wsfeed --replay /dev/zero: exit $rc (124: still reading after 10 s): $out"
	exit 1
fi
echo "  ok   wsfeed --replay /dev/zero: one line, exit 1"
cd "$ROOT/tests" || exit 1
rc=0
timeout -s TERM 150 "$PY" wsfeed_requests.py "$BIN" || rc=1
echo "wsfeed RFC 6455: invalid UTF-8 closes with 1007, an unmasked client frame with 1002"
timeout -s TERM 60 "$PY" wsfeed_rfc.py "$BIN" || rc=1
echo "wsfeed streams: cadence, payloads, scenarios"
timeout -s TERM 120 "$PY" wsfeed_streams.py "$BIN" || rc=1
echo "wsfeed order book: diff depth and partial depth of one symbol agree"
timeout -s TERM 60 "$PY" wsfeed_book.py "$BIN" || rc=1
# USD-M futures (docs/feed-emulator.md, "USD-M futures")
echo "wsfeed --market futures: streams, payloads, speeds, names, limits"
timeout -s TERM 150 "$PY" wsfeed_futures.py "$BIN" || rc=1
echo "wsfeed --market futures: order book from partial depth and diffs (pu)"
timeout -s TERM 60 "$PY" wsfeed_book.py "$BIN" futures || rc=1
exit $rc
