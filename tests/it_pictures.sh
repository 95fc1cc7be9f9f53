#!/usr/bin/env bash
# latprobe report --svg/--html: well-formed, self-contained (no external
# reference), and headless Chromium renders them into a real picture (many
# colours, not blank). Runs on the committed fixtures and, as root, on a
# fresh report of loopback traffic. A.json B.json prints the comparison. A
# non-report or an unwritable picture: exit 1 and one line.
set -u
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

# errors: exit 1, one line, no partial file
# report_err LINE ARGS...: latprobe report ARGS exits 1, its stderr is LINE
report_err() {
	local line=$1 rc
	shift
	"$LATPROBE" report "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ $rc -eq 1 ] || fail "latprobe report $*: exit $rc, want 1 ($(cat "$TMP/err"))"
	[ "$(grep -c '' "$TMP/err")" -eq 1 ] ||
		fail "latprobe report $*: not one line: $(cat "$TMP/err")"
	[ "$(cat "$TMP/err")" = "$line" ] ||
		fail "latprobe report $*: got '$(cat "$TMP/err")', want '$line'"
}
nowrite() { echo "latprobe: writing $1: $2 (no partial file left)"; }
report_err "$(nowrite /nonexistent-dir/x.svg 'No such file or directory')" \
	"$FIX/report-a.json" --svg /nonexistent-dir/x.svg
# a directory as the picture: refused; a device node (a null device of our
# own): written through, never replaced (tests/it_outputs.sh: pipes, stdout)
mkdir -p "$TMP/adir"
report_err "$(nowrite "$TMP/adir" 'Is a directory')" "$FIX/report-a.json" --svg "$TMP/adir"
if [ "$(id -u)" -eq 0 ]; then
	mknod "$TMP/anode" c 1 3 || fail "mknod"
	"$LATPROBE" report "$FIX/report-a.json" --html "$TMP/anode" >/dev/null 2>"$TMP/err" ||
		fail "--html to a character device: $(cat "$TMP/err")"
	[ -c "$TMP/anode" ] || fail "--html replaced a device node"
fi
# a directory that exists but cannot be written: read-only for root,
# mode 0555 for anyone else
RO=$TMP/ro
mkdir -p "$RO"
if [ "$(id -u)" -eq 0 ]; then
	mount -t tmpfs -o ro,size=64k tmpfs "$RO" || fail "mount a read-only tmpfs"
	cleanup_add umount -l "$RO"
	why='Read-only file system'
else
	chmod 555 "$RO"
	why='Permission denied'
fi
report_err "$(nowrite "$RO/x.svg" "$why")" "$FIX/report-a.json" --svg "$RO/x.svg"
[ -z "$(ls -A "$RO")" ] || fail "unwritable --svg left files: $(ls -A "$RO")"
NOTREP='not a latprobe/1 report (invalid JSON or no "stages")'
echo '{"stages": 5}' >"$TMP/bad.json"
echo 'not json at all' >"$TMP/bad.txt"
report_err "latprobe: report $TMP/bad.json: $NOTREP" "$TMP/bad.json"
[ ! -s "$TMP/out" ] || fail "a table for a non-report: $(head -3 "$TMP/out")"
report_err "latprobe: report $TMP/bad.txt: $NOTREP" "$TMP/bad.txt"
report_err "latprobe: report $TMP/bad.json: $NOTREP" "$FIX/report-a.json" "$TMP/bad.json"
report_err "latprobe: report $TMP/bad.json: $NOTREP" "$TMP/bad.json" --svg "$TMP/bad.svg"
[ ! -e "$TMP/bad.svg" ] || fail "a picture of a non-report"
# a report with a wrongly typed or missing key: that key, not a silent 0
python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); d["stages"]["total"]["p50"] = "x"; del d["lost_events"]; json.dump(d, open(sys.argv[2], "w"))' \
	"$FIX/report-a.json" "$TMP/typed.json"
report_err "latprobe: report $TMP/typed.json: \"lost_events\": missing" "$TMP/typed.json"
python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); d["stages"]["total"]["p50"] = "x"; json.dump(d, open(sys.argv[2], "w"))' \
	"$FIX/report-a.json" "$TMP/typed.json"
report_err "latprobe: report $TMP/typed.json: \"stages.total.p50\": a string, not a number" \
	"$FIX/report-a.json" "$TMP/typed.json" --svg "$TMP/typed.svg"
[ ! -e "$TMP/typed.svg" ] || fail "a picture of a report with a bad key"

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
