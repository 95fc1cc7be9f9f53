#!/usr/bin/env bash
# make install DESTDIR=... PREFIX=...: binaries, man pages and bash
# completion land where they should; every page renders without warnings;
# every long option of `latprobe --help` is in the man page and the
# completion; make uninstall removes everything it installed.
source "$(dirname "$0")/lib.sh"
command -v man >/dev/null || skip "man not installed (scripts/install-deps.sh)"

D=$TMP/stage
P=/opt/lp
make -s -C "$ROOT" install DESTDIR="$D" PREFIX=$P >"$TMP/make.out" 2>&1 ||
	fail "make install: $(tail -5 "$TMP/make.out")"
for f in sbin/latprobe sbin/latprobe-nic bin/wsfeed bin/wsclient; do
	[ -x "$D$P/$f" ] || fail "$P/$f not installed"
done
for f in man8/latprobe.8 man8/latprobe-nic.8 man1/wsfeed.1 man1/wsclient.1; do
	page=$D$P/share/man/$f
	[ -f "$page" ] || fail "$f not installed"
	MANWIDTH=80 man -l --warnings "$page" >"$TMP/page" 2>"$TMP/warn" ||
		fail "man -l $f failed"
	[ -s "$TMP/warn" ] && fail "man -l $f warns: $(head -3 "$TMP/warn")"
	grep -q '^NAME' "$TMP/page" || fail "$f renders without NAME"
done
COMP=$D$P/share/bash-completion/completions/latprobe
[ -f "$COMP" ] || fail "bash completion not installed"

# options drift: --help vs man page vs completion
opts=$("$D$P/sbin/latprobe" --help | grep -Eo -- '--[a-z][a-z-]+' | sort -u |
	grep -Ev -- '--(usage)$')
for o in $opts; do
	grep -q -- "${o//-/\\\\-}" "$ROOT/man/latprobe.8" || fail "man page lacks $o"
	grep -qw -- "$o" "$COMP" || fail "completion lacks $o"
done

complete_words() { # the words bash would offer for "$@"
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_latprobe; printf "%s\n" "${COMPREPLY[@]}"' _ "$COMP" "$@"
}
complete_words latprobe --met | grep -qx -- --metrics || fail "completion of --met"
complete_words latprobe --attach '' | grep -qx tracepoint || fail "completion of --attach"
complete_words latprobe report x.json --s | grep -qx -- --svg || fail "completion of report --s"

make -s -C "$ROOT" uninstall DESTDIR="$D" PREFIX=$P >/dev/null 2>&1 || fail "make uninstall"
left=$(find "$D" -type f | head -3)
[ -z "$left" ] || fail "left after uninstall: $left"
pass "binaries, 4 man pages, completion; options in sync with --help"
