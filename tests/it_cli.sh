#!/usr/bin/env bash
# Bad flags and unusable output: one line, non-zero exit, nothing attached.
source "$(dirname "$0")/lib.sh"

expect_err() {
	local want=$1; shift
	"$LATPROBE" "$@" >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	[ $rc -eq "$want" ] || fail "latprobe $*: exit $rc, expected $want ($(cat "$TMP/err"))"
	grep -q . "$TMP/err" || fail "latprobe $*: no error message"
	head -1 "$TMP/err" | grep -q '^latprobe: \|^.*latprobe: ' ||
		fail "latprobe $*: error not prefixed: $(head -1 "$TMP/err")"
}

expect_err 2 --port 0
expect_err 2 --port 70000
expect_err 2 --port abc
expect_err 2 --pid -5
expect_err 2 --duration -1
expect_err 2 --duration nan
expect_err 2 --duration 1x
expect_err 2 --sample-rate 0
expect_err 2 --attach uprobe
expect_err 2 --comm 0123456789abcdefXYZ
expect_err 2 --ringbuf-size 5000
expect_err 2 --bogus
expect_err 2 extra-argument
"$LATPROBE" --help >/dev/null || fail "--help exit code"
"$LATPROBE" --version | grep -q latprobe || fail "--version"

if [ "$(id -u)" -eq 0 ]; then
	expect_err 1 --duration 1 --output /nonexistent-dir/x.json
	grep -q 'cannot write' "$TMP/err" || fail "unwritable output message: $(cat "$TMP/err")"
	expect_err 1 --duration 1 --client /nonexistent/wsclient
	if command -v setpriv >/dev/null; then
		setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
			"$LATPROBE" --duration 1 2>"$TMP/err" && fail "ran without privileges"
		grep -q 'needs root or CAP_BPF' "$TMP/err" || fail "privilege message: $(cat "$TMP/err")"
	fi
fi
pass
