#!/usr/bin/env bash
# latprobe report --svg/--html: well-formed, self-contained (no external
# reference), and headless Chromium renders them into a real picture (many
# colours, not blank). Runs on the committed fixtures and, as root, on a
# fresh report of loopback traffic. A.json B.json prints the comparison.
source "$(dirname "$0")/lib.sh"
FIX=$ROOT/tests/fixtures
CHROMIUM=$(command -v chromium || command -v chromium-browser) ||
	skip "chromium not installed (scripts/install-deps.sh)"
command -v python3 >/dev/null || skip "python3 not installed"

# screenshot FILE PNG: headless Chromium, no network, a throwaway profile
screenshot() {
	local prof
	prof=$(mktemp -d "$TMP/chromium.XXXXXX")
	timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
		--disable-background-networking --disable-component-update \
		--no-first-run --user-data-dir="$prof" --screenshot="$2" \
		--window-size=1000,700 "file://$1" >"$TMP/chromium.log" 2>&1 ||
		fail "chromium on $1: $(tail -3 "$TMP/chromium.log")"
	[ -s "$2" ] || fail "chromium wrote no $2"
}

# self_contained FILE: nothing a browser would fetch
self_contained() {
	grep -Eo '(src|href)=|url\(|@import|https?://[^" ]*' "$1" |
		grep -v '^http://www.w3.org/2000/svg$' | grep -q . &&
		fail "$1 references something external: $(grep -Eo '(src|href)=[^ ]*|url\([^)]*|https?://[^" ]*' "$1" | head -3)"
	return 0
}

check_pictures() { # name report.json...
	local name=$1; shift
	"$LATPROBE" report "$@" --svg "$TMP/$name.svg" --html "$TMP/$name.html" \
		>"$TMP/$name.out" 2>&1 || fail "latprobe report $*: $(cat "$TMP/$name.out")"
	python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' \
		"$TMP/$name.svg" || fail "$name.svg is not well-formed XML"
	self_contained "$TMP/$name.svg"
	self_contained "$TMP/$name.html"
	for f in svg html; do
		screenshot "$TMP/$name.$f" "$TMP/$name-$f.png"
		python3 "$ROOT/tests/png_check.py" "$TMP/$name-$f.png" 6 4 >"$TMP/png.out" ||
			fail "$name.$f renders as a near-blank picture: $(cat "$TMP/png.out")"
		info "$(cat "$TMP/png.out")"
	done
}

# a blank page must fail the picture check (the check can tell)
echo '<html><body></body></html>' >"$TMP/blank.html"
screenshot "$TMP/blank.html" "$TMP/blank.png"
python3 "$ROOT/tests/png_check.py" "$TMP/blank.png" 6 4 >/dev/null &&
	fail "png_check passes a blank page"

check_pictures one "$FIX/report-a.json"
check_pictures two "$FIX/report-a.json" "$FIX/report-b.json"
grep -Eq '^wakeup_to_read +43\.77 +87\.55 +\+43\.77 +2\.00x .* slower$' "$TMP/two.out" ||
	fail "comparison row: $(grep wakeup_to_read "$TMP/two.out")"
grep -Eq '^frame_to_parsed .* 0\.50x +faster$' "$TMP/two.out" ||
	fail "comparison row: $(grep frame_to_parsed "$TMP/two.out")"
grep -q 'Comparison' "$TMP/two.html" || fail "html has no comparison"

# errors: one line, non-zero, no partial file
"$LATPROBE" report "$FIX/report-a.json" --svg /nonexistent-dir/x.svg >/dev/null 2>"$TMP/err" &&
	fail "unwritable --svg accepted"
grep -q 'no partial file' "$TMP/err" || fail "unwritable --svg message: $(cat "$TMP/err")"
echo '{"stages": 5}' >"$TMP/bad.json"
"$LATPROBE" report "$FIX/report-a.json" "$TMP/bad.json" 2>"$TMP/err" && fail "bad report accepted"
grep -q 'not a latprobe/1 report' "$TMP/err" || fail "bad report message: $(cat "$TMP/err")"

# a fresh report of real loopback traffic (per-read stages)
if [ "$(id -u)" -eq 0 ]; then
	PORT=$((20000 + RANDOM % 20000))
	"$BUILD/tcpflow" recv 127.0.0.1 "$PORT" -t 10 >/dev/null &
	RX=$!
	cleanup_add kill -9 $RX
	start_latprobe --port "$PORT" --output "$TMP/live.json"
	sleep 0.2
	"$BUILD/tcpflow" send 127.0.0.1 "$PORT" -n 300 -m 200 -i 300 >/dev/null ||
		fail "sender failed"
	wait $RX
	stop_latprobe
	check_pictures fresh "$TMP/live.json"
fi
pass "svg + html of 1 and 2 runs render in Chromium; comparison rows"
