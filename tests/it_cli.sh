#!/usr/bin/env bash
# Bad flags and unusable output: exact exit code, nothing on stdout, one line
# on stderr (two for glibc argp's own errors: it adds a "Try" line), nothing
# attached.
set -u
source "$(dirname "$0")/lib.sh"

# run_err RC NLINES ARGS...: latprobe ARGS exits RC exactly, prints nothing
# on stdout and exactly NLINES lines on stderr (left in $TMP/err)
run_err() {
	local want=$1 nlines=$2 rc n
	shift 2
	"$LATPROBE" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ $rc -eq "$want" ] || fail "latprobe $*: exit $rc, expected $want ($(cat "$TMP/err"))"
	[ ! -s "$TMP/out" ] || fail "latprobe $*: wrote to stdout: $(head -3 "$TMP/out")"
	n=$(grep -c '' "$TMP/err")
	[ "$n" -eq "$nlines" ] ||
		fail "latprobe $*: $n lines on stderr, expected $nlines: $(cat "$TMP/err")"
}

# expect_err RC LINE ARGS...: exit RC, stderr is exactly one line; it is LINE
# (the whole line, literally) or, with LINE "", any line "latprobe: ..."
expect_err() {
	local want=$1 line=$2
	shift 2
	run_err "$want" 1 "$@"
	if [ -n "$line" ]; then
		[ "$(cat "$TMP/err")" = "$line" ] ||
			fail "latprobe $*: got '$(cat "$TMP/err")', expected '$line'"
	else
		grep -q '^latprobe: ' "$TMP/err" ||
			fail "latprobe $*: error not prefixed: $(cat "$TMP/err")"
	fi
}

inv() { echo "latprobe: invalid $1 '$2'"; } # latprobe's own flag errors

expect_err 2 "$(inv '--port (1-65535)' 0)" --port 0
expect_err 2 "$(inv '--port (1-65535)' 70000)" --port 70000
expect_err 2 "latprobe: invalid --port (1-65535) 'abc'" --port abc
expect_err 2 "$(inv --pid -5)" --pid -5
expect_err 2 "$(inv --pid abc)" --pid abc
expect_err 2 "$(inv '--duration (seconds, 0-31536000)' -1)" --duration -1
expect_err 2 "$(inv '--duration (seconds, 0-31536000)' nan)" --duration nan
expect_err 2 "$(inv '--duration (seconds, 0-31536000)' 1x)" --duration 1x
expect_err 2 "$(inv '--duration (seconds, 0-31536000)' 31536001)" --duration 31536001
expect_err 2 "$(inv '--sample-rate (1-1000000)' 0)" --sample-rate 0
expect_err 2 "$(inv '--sample-rate (1-1000000)' abc)" --sample-rate abc
expect_err 2 "$(inv '--max-connections (1-1000000)' 0)" --max-connections 0
expect_err 2 "$(inv '--max-connections (1-1000000)' abc)" --max-connections abc
expect_err 2 "$(inv '--attach (auto|fentry|kprobe|tracepoint)' uprobe)" --attach uprobe
expect_err 2 "$(inv '--comm (1-15 characters)' 0123456789abcdefXYZ)" --comm 0123456789abcdefXYZ
RB='--ringbuf-size (power of 2, 4096-1073741824)'
expect_err 2 "$(inv "$RB" 5000)" --ringbuf-size 5000
expect_err 2 "$(inv "$RB" 2048)" --ringbuf-size 2048
expect_err 2 "$(inv "$RB" 2147483648)" --ringbuf-size 2147483648
PI='--poll-interval (milliseconds, 1-1000)'
expect_err 2 "$(inv "$PI" 0)" --poll-interval 0
expect_err 2 "$(inv "$PI" 1001)" --poll-interval 1001
expect_err 2 "latprobe: unexpected argument 'extra-argument'" extra-argument
# a flag that names the one output, given twice: refused (the last one won,
# in silence)
expect_err 2 "latprobe: --output given twice ('a.json', then 'b.json'): one report, one file" \
	--duration 1 --output a.json --output b.json
for f in svg html; do
	expect_err 2 "latprobe: report: --$f given twice ('a.$f', then 'b.$f'): one picture per flag" \
		report r.json --$f a.$f --$f b.$f
done
# what the demo points at for a picture makes one (it said `latprobe report
# FILE`, which prints the table)
grep 'picture' "$ROOT/scripts/demo.sh" | grep -q -- '--svg' ||
	fail "scripts/demo.sh: the picture hint does not name --svg: $(grep picture "$ROOT/scripts/demo.sh")"
# unknown flag, missing argument: glibc's getopt line (prefixed with argv[0])
# and argp's "Try" line
TRY="Try \`latprobe --help' or \`latprobe --usage' for more information."
run_err 2 2 --bogus
[ "$(cat "$TMP/err")" = "$LATPROBE: unrecognized option '--bogus'"$'\n'"$TRY" ] ||
	fail "--bogus: $(cat "$TMP/err")"
run_err 2 2 --port
[ "$(cat "$TMP/err")" = "$LATPROBE: option '--port' requires an argument"$'\n'"$TRY" ] ||
	fail "--port without argument: $(cat "$TMP/err")"
"$LATPROBE" --help >/dev/null || fail "--help exit code"
"$LATPROBE" --version | grep -q latprobe || fail "--version"

SKIPPED_CASES=
if [ "$(id -u)" -eq 0 ]; then
	expect_err 1 "latprobe: --output /nonexistent-dir/x.json: cannot write there: No such file or directory" \
		--duration 1 --output /nonexistent-dir/x.json
	expect_err 1 "latprobe: --client /nonexistent/wsclient: No such file or directory" \
		--duration 1 --client /nonexistent/wsclient
	# a file that exists but lacks the probe: say that, not ENOENT
	expect_err 1 "latprobe: --client /bin/true: $(readlink -f /bin/true) has no latprobe:message USDT probe (not built with latprobe's probe; trace any client with --callback SYMBOL)" \
		--duration 1 --client /bin/true
else
	SKIPPED_CASES+=" output_client"
	echo "SKIPPED: --output/--client cases: need root (latprobe checks privileges first)" >&2
fi

# unprivileged: exit 1 exactly, one line naming what is needed. Root runs
# it as uid 65534 with no capabilities; anyone else as themselves.
unpriv_skip=''
AS=()
if [ "$(id -u)" -ne 0 ]; then
	grep -q '^CapEff:[[:space:]]*0*$' /proc/self/status ||
		unpriv_skip="uid $(id -u) has capabilities: $(grep '^CapEff:' /proc/self/status)"
elif ! command -v setpriv >/dev/null; then
	unpriv_skip="setpriv not installed (util-linux)"
elif ! setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$LATPROBE"; then
	unpriv_skip="uid 65534 cannot execute $LATPROBE"
else
	AS=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)
fi
if [ -z "$unpriv_skip" ]; then
	"${AS[@]}" "$LATPROBE" --duration 1 >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ $rc -eq 1 ] || fail "unprivileged: exit $rc, expected 1 ($(cat "$TMP/err"))"
	[ ! -s "$TMP/out" ] || fail "unprivileged: wrote to stdout: $(head -3 "$TMP/out")"
	[ "$(cat "$TMP/err")" = "latprobe: needs root or CAP_BPF+CAP_PERFMON (try: sudo latprobe ...)" ] ||
		fail "unprivileged: expected one line 'needs root or CAP_BPF+CAP_PERFMON': $(cat "$TMP/err")"
else
	SKIPPED_CASES+=" unprivileged"
	echo "SKIPPED: unprivileged case: $unpriv_skip" >&2
fi
[ -z "$SKIPPED_CASES" ] || [ "${CI:-}" != true ] ||
	fail "skipped on CI:$SKIPPED_CASES"
pass "${SKIPPED_CASES:+(skipped:$SKIPPED_CASES)}"
