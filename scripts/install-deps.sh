#!/usr/bin/env bash
# Install every Debian package latprobe needs to build, test, demo and benchmark.
# Idempotent and quiet: does nothing when everything is present.
set -euo pipefail

PKGS=(
	# build
	make gcc clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config
	libwebsockets-dev libcjson-dev libssl-dev libzmq3-dev systemtap-sdt-dev
	dpdk dpdk-dev libpcap-dev libmicrohttpd-dev
	# test and measurement
	iproute2 ethtool openssl python3 strace linux-perf bpftrace tcpdump procps
	valgrind libclang-rt-14-dev util-linux
	# clients latprobe did not build (--callback, TLS probes): C++, Python
	libwebsocketpp-dev libsimdjson-dev libboost-system-dev g++ python3-websockets
	# --metrics, pictures and live-view tests; man pages
	prometheus curl chromium tmux man-db
	# make kernel-matrix: boots Debian's 6.1 kernel under QEMU TCG
	qemu-system-x86 busybox-static cpio gzip libc6-dev apt dpkg
	# make deb and its test (tests/it_deb.sh); the unit tests (tests/it_service.sh)
	debhelper dpkg-dev lintian systemd libcap2-bin
)

if ! command -v apt-get >/dev/null; then
	echo "install-deps: apt-get not found; install these packages by hand: ${PKGS[*]}" >&2
	exit 1
fi

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing ${missing[*]}; installing needs root (try: sudo $0)" >&2
	exit 1
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
	tail -n 20 "$log" >&2
	echo "install-deps: apt-get failed installing: ${missing[*]}" >&2
	exit 1
fi
