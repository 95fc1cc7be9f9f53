#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Integration test: wsfeed --market futures against Binance's USD-M
# futures "Websocket Market Streams" documentation (docs/feed-emulator.md,
# "USD-M futures"): payloads field by field, update speeds, stream names
# served and refused (no raw trade stream), requests, the futures limits,
# and one order book behind diff and partial depth with pu continuity.
# Spot is checked by it_wsfeed_protocol. Loopback only; clients: a raw
# RFC 6455 socket client and Python websockets.
# Exit 0 = PASS, 1 = FAIL, 77 = SKIPPED (reason printed).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-${LP_BUILD:-$ROOT/build}}
PY=/usr/bin/python3

[ -x "$BIN/wsfeed" ] || { echo "SKIPPED: $BIN/wsfeed not built (run: make)"; exit 77; }
[ -x "$PY" ] || { echo "SKIPPED: $PY missing (scripts/install-deps.sh)"; exit 77; }
"$PY" -c 'import websockets' 2>/dev/null ||
	{ echo "SKIPPED: python3-websockets missing (scripts/install-deps.sh)"; exit 77; }

cd "$ROOT/tests" || exit 1
rc=0
echo "wsfeed --market futures: streams, payloads, speeds, names, limits"
timeout -s TERM 150 "$PY" wsfeed_futures.py "$BIN" || rc=1
echo "wsfeed --market futures: order book from partial depth and diffs (pu)"
timeout -s TERM 60 "$PY" wsfeed_book.py "$BIN" futures || rc=1
exit $rc
