#!/usr/bin/env bash
# Missing kernel pieces, faked in a private mount namespace: no BTF
# (/sys/kernel/btf hidden) is a one-line error and exit 1 before anything
# is loaded; no bpffs at /sys/fs/bpf is mounted by latprobe, which then
# runs normally and leaves no pin behind.
source "$(dirname "$0")/lib.sh"
need_root
command -v unshare >/dev/null || skip "unshare (util-linux) missing"

unshare -m sh -c 'mount -t tmpfs none /sys/kernel/btf &&
	exec "$0" --duration 1 --quiet --output "$1"' "$LATPROBE" "$TMP/nobtf.json" \
	2>"$TMP/nobtf.err"
rc=$?
[ $rc -eq 1 ] || fail "no BTF: exit $rc, want 1"
[ "$(grep -c . "$TMP/nobtf.err")" -eq 1 ] || fail "no BTF: not one line: $(cat "$TMP/nobtf.err")"
grep -q 'kernel BTF missing' "$TMP/nobtf.err" || fail "no BTF: $(cat "$TMP/nobtf.err")"
[ ! -e "$TMP/nobtf.json" ] || fail "no BTF: wrote a report"

unshare -m sh -c 'umount -l /sys/fs/bpf 2>/dev/null
	mount -t tmpfs none /sys/fs/bpf &&
	"$0" --duration 1 --verbose --output "$1" && ls -A /sys/fs/bpf/' \
	"$LATPROBE" "$TMP/nobpffs.json" >"$TMP/nobpffs.ls" 2>"$TMP/nobpffs.err" ||
	fail "no bpffs: $(grep -v '^latprobe: probe' "$TMP/nobpffs.err" | tail -3)"
grep -q 'mounted bpf at /sys/fs/bpf' "$TMP/nobpffs.err" ||
	fail "no bpffs: latprobe did not say it mounted bpffs"
# (maps.debug and progs.debug are the kernel's own, with BPF_PRELOAD)
! grep -q latprobe "$TMP/nobpffs.ls" || fail "no bpffs: left $(cat "$TMP/nobpffs.ls")"
python3 -c "import json,sys; json.load(open(sys.argv[1]))['schema']" "$TMP/nobpffs.json" ||
	fail "no bpffs: report invalid"
pass "no BTF: one-line error, exit 1; no bpffs: mounted, ran, nothing left"
