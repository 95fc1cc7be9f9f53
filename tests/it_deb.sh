#!/usr/bin/env bash
# The Debian package as a user installs it: make deb (or LP_DEB=FILE),
# apt-get install ./latprobe_*.deb resolving the package's own Depends,
# latprobe --version and a short trace from the installed /usr/sbin, the
# installed unit passes systemd-analyze verify, then apt-get purge leaves
# no file of the package, no conffile and no state behind.
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fleet_lib.sh"
need_root
for t in dpkg-buildpackage lintian apt-get systemd-analyze python3; do
	command -v $t >/dev/null || skip "$t not installed (scripts/install-deps.sh)"
done
[ -x "$BUILD/tcpflow" ] || skip "$BUILD/tcpflow not built (make)"
if dpkg-query -W -f='${Status}' latprobe 2>/dev/null | grep -q installed; then
	skip "a latprobe package is installed on this machine: not ours to purge"
fi
APT=(apt-get -y -qq -o DPkg::Lock::Timeout=120)
export DEBIAN_FRONTEND=noninteractive

VERSION=$(dpkg-parsechangelog -l "$ROOT/debian/changelog" -S Version)
want=$(sed -n 's/^#define LP_VERSION "\(.*\)"$/\1/p' "$ROOT/src/common/opts.h")
[ "$VERSION" = "$want" ] || fail "debian/changelog has $VERSION, src/common/opts.h LP_VERSION $want"
DEB=${LP_DEB:-}
if [ -z "$DEB" ]; then
	make -s -C "$ROOT" deb >"$TMP/deb.out" 2>&1 || fail "make deb: $(tail -20 "$TMP/deb.out")"
	DEB=$ROOT/build/deb/latprobe_${VERSION}_amd64.deb
	# the build happened in build/deb/src: the tree has nothing new
	dirty=$(git -C "$ROOT" status --porcelain --ignored=no -- debian | head -3)
	[ -z "$dirty" ] || fail "make deb left files in debian/: $dirty"
fi
[ -f "$DEB" ] || fail "no $DEB"
grep -q '^E:' "$(dirname "$DEB")/lintian.txt" 2>/dev/null &&
	fail "lintian errors: $(grep '^E:' "$(dirname "$DEB")/lintian.txt")"

cp "$DEB" "$TMP/" && chmod 644 "$TMP/$(basename "$DEB")"
cleanup_add "${APT[@]}" purge latprobe
(cd "$TMP" && "${APT[@]}" install "./$(basename "$DEB")") >"$TMP/apt.out" 2>&1 ||
	fail "apt-get install: $(tail -5 "$TMP/apt.out")"
dpkg -L latprobe >"$TMP/files"
for f in /usr/sbin/latprobe /usr/sbin/latprobe-nic /usr/share/man/man8/latprobe.8.gz \
	/usr/share/bash-completion/completions/latprobe /lib/systemd/system/latprobe.service \
	/etc/default/latprobe /usr/share/latprobe/grafana/latprobe-dashboard.json \
	/usr/share/latprobe/prometheus/latprobe-rules.yml; do
	grep -qx "$f" "$TMP/files" || fail "the package lacks $f"
	[ -e "$f" ] || fail "$f not installed"
done

[ "$(/usr/sbin/latprobe --version)" = "latprobe $VERSION" ] ||
	fail "latprobe --version: '$(/usr/sbin/latprobe --version)'"
/usr/sbin/latprobe-nic --help >/dev/null 2>&1 || fail "latprobe-nic --help"
trace_flow "$TMP/r.json" /usr/sbin/latprobe
systemd-analyze verify /lib/systemd/system/latprobe.service >"$TMP/verify" 2>&1 ||
	fail "systemd-analyze verify: $(cat "$TMP/verify")"
# the service's state as it would be after a run: purge removes it
mkdir -p /var/lib/private/latprobe && ln -sfn private/latprobe /var/lib/latprobe

"${APT[@]}" purge latprobe >"$TMP/purge.out" 2>&1 || fail "apt-get purge: $(tail -5 "$TMP/purge.out")"
dpkg-query -W -f='${Status}' latprobe 2>/dev/null | grep -q installed &&
	fail "latprobe still installed after purge"
left=()
while read -r f; do
	[ -d "$f" ] && continue # shared directories (/usr, /etc, /lib ...)
	[ -e "$f" ] || [ -L "$f" ] && left+=("$f")
done <"$TMP/files"
for d in /usr/share/latprobe /usr/share/doc/latprobe /var/lib/latprobe \
	/var/lib/private/latprobe; do
	[ -e "$d" ] || [ -L "$d" ] && left+=("$d")
done
[ ${#left[@]} -eq 0 ] || fail "left after purge: ${left[*]}"
pass "$(basename "$DEB") ($(wc -l <"$TMP/files") paths) installs, traces, verifies and purges clean"
