#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# make kernel-matrix: prove every attach path of latprobe on a second kernel.
#
#  1. Finds the newest linux-image-6.1.0-*-cloud-amd64 that apt serves, fetches
#     it with apt-get download and unpacks only vmlinuz (cached under
#     build/kmatrix/kernel/, never installed into /boot).
#  2. Builds build/latprobe-static and build/kmatrix_flow (mk/static.mk).
#  3. Packs them with busybox-static into an initramfs whose /init
#     (scripts/kernel-matrix-init.sh) traces the same known loopback flow with
#     --attach auto, fentry, kprobe and tracepoint, and prints the reports on
#     the serial console (base64 between markers); boots it under QEMU TCG
#     with no network device and a hard timeout.
#  4. On this host: --attach auto must pick tracepoints, forced fentry and
#     kprobe must fail with a one-line error and a non-zero exit.
#  5. scripts/kernel-matrix-check.py checks everything and writes
#     results/kernel-matrix.txt and results/kernel-matrix.json.
#
# Exit 0: all checks pass. 1: a check or a step failed. 2: a dependency is
# missing (run `make deps`).
#
# Environment: KMATRIX_PAYLOAD=standin boots the guest without latprobe (for
# developing the harness); KMATRIX_TIMEOUT (s, QEMU hard limit, default 420);
# KMATRIX_KERNEL=linux-image-6.1.0-N-cloud-amd64 pins a package;
# KMATRIX_LATPROBE_ARGS adds arguments to latprobe in the guest (--verbose).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/build
CACHE=$OUT/kmatrix
PAYLOAD=${KMATRIX_PAYLOAD:-latprobe}
QEMU_TIMEOUT=${KMATRIX_TIMEOUT:-420}
MODES="auto fentry kprobe tracepoint"
PORT=47001		# flow's server port (latprobe --port)
SPORT_BASE=47010	# flow's client port: base + mode index (1..4)
HOST_PORT=47101		# same flow on the host
HOST_SPORT=47102
COUNT=200		# messages
SIZE=512		# bytes per message (one segment each)
INTERVAL_US=2000	# one message every 2 ms
DURATION=120		# latprobe --duration: upper bound; stopped by SIGINT
ATTACH_WAIT=60		# s to wait for latprobe to attach (guest, TCG is slow)

T_START=$(date +%s.%N)
# since T: seconds elapsed since the date +%s.%N stamp T
since()
{
	awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'
}
log()
{
	printf '[kernel-matrix %5ss] %s\n' "$(since "$T_START")" "$*"
}
fail()
{
	echo "kernel-matrix: FAIL: $*" >&2
	exit 1
}
missing()
{
	echo "kernel-matrix: missing dependency: $* (run: make deps)" >&2
	exit 2
}

# ---- dependencies ---------------------------------------------------------
[ "$(id -u)" -eq 0 ] || missing "root (loading BPF on the host needs it)"
for c in qemu-system-x86_64 cpio gzip python3 apt-get apt-cache dpkg-deb \
	timeout make gcc base64 awk ldd mknod; do
	command -v "$c" >/dev/null || missing "command $c"
done
BUSYBOX=/bin/busybox
[ -x $BUSYBOX ] || missing "busybox-static (/bin/busybox)"
ldd $BUSYBOX >/dev/null 2>&1 && missing "busybox-static (/bin/busybox is dynamic)"
[ -e /usr/lib/x86_64-linux-gnu/libbpf.a ] || missing "libbpf-dev (libbpf.a)"
[ -e /usr/lib/x86_64-linux-gnu/libc.a ] || missing "libc6-dev (libc.a)"

mkdir -p "$CACHE"
WORK=$(mktemp -d "$CACHE/run.XXXXXX")
QEMU_PID=
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup()
{
	[ -n "$QEMU_PID" ] && kill "$QEMU_PID" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT

# ---- 1. kernel --------------------------------------------------------------
find_kernel()
{
	apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-cloud-amd64$' |
		awk '{print $1}' | sort -V | tail -n 1
}

log "discovering the newest Debian 6.1 cloud kernel"
PKG=${KMATRIX_KERNEL:-}
if [ -z "$PKG" ]; then
	PKG=$(find_kernel)
	if [ -z "$PKG" ]; then
		log "apt lists empty: apt-get update"
		apt-get update -qq >/dev/null 2>&1 || true
		PKG=$(find_kernel)
	fi
fi
if [ -z "$PKG" ]; then
	# offline: fall back to the newest kernel already in the cache
	PKG=$(find "$CACHE/kernel" -mindepth 1 -maxdepth 1 -printf '%f\n' \
		2>/dev/null | sort -V | tail -n 1)
	[ -n "$PKG" ] || missing "apt serves no linux-image-6.1.0-*-cloud-amd64 and none is cached"
	log "apt has no 6.1 cloud kernel; using cached $PKG"
fi
KDIR=$CACHE/kernel/$PKG
if [ -s "$KDIR/vmlinuz" ] && [ -s "$KDIR/version" ]; then
	log "kernel $PKG $(cat "$KDIR/version") (cached)"
else
	log "fetching $PKG"
	dl=$WORK/dl
	mkdir -p "$dl"
	(cd "$dl" && apt-get download -q -o APT::Sandbox::User=root "$PKG") \
		>"$WORK/apt.log" 2>&1 || {
		tail -n 5 "$WORK/apt.log" >&2
		fail "apt-get download $PKG"
	}
	deb=$(ls "$dl"/*.deb)
	dpkg-deb -x "$deb" "$dl/x"
	mkdir -p "$KDIR"
	cp "$dl"/x/boot/vmlinuz-* "$KDIR/vmlinuz"
	cp "$dl"/x/boot/config-* "$KDIR/config"
	dpkg-deb -f "$deb" Version >"$KDIR/version"
	rm -rf "$dl"
	log "kernel $PKG $(cat "$KDIR/version") cached in ${KDIR#"$ROOT"/}"
fi
grep -q '^CONFIG_DEBUG_INFO_BTF=y' "$KDIR/config" || fail "$PKG has no BTF"

# ---- 2. binaries ------------------------------------------------------------
log "building ($PAYLOAD payload)"
targets="build/kmatrix_flow"
[ "$PAYLOAD" = latprobe ] && targets="latprobe build/latprobe-static $targets"
# shellcheck disable=SC2086
make -C "$ROOT" --no-print-directory $targets >"$WORK/make.log" 2>&1 || {
	tail -n 30 "$WORK/make.log" >&2
	fail "make $targets"
}

# ---- 3. initramfs + QEMU ----------------------------------------------------
log "packing the initramfs"
R=$WORK/root
mkdir -p "$R"/{bin,dev,proc,sys,tmp,lp,etc}
cp $BUSYBOX "$R/bin/busybox"
mknod -m 600 "$R/dev/console" c 5 1
mknod -m 666 "$R/dev/null" c 1 3
cp "$ROOT/scripts/kernel-matrix-init.sh" "$R/init"
chmod 755 "$R/init"
cp "$OUT/kmatrix_flow" "$R/lp/"
if [ "$PAYLOAD" = latprobe ]; then
	cp "$OUT/latprobe-static" "$R/lp/latprobe"
	# not fully static (no libcjson.a): bring the shared objects along
	if ldd "$OUT/latprobe-static" >/dev/null 2>&1; then
		for so in $(ldd "$OUT/latprobe-static" | grep -oE '/[^ ]+'); do
			mkdir -p "$R$(dirname "$so")"
			cp -L "$so" "$R$so"
		done
		# ld.so is looked up under /lib64 and libs under the multiarch dir
		[ -e "$R/lib64" ] || ln -s lib "$R/lib64"
	fi
fi
cat >"$R/kmx.conf" <<EOF
KMX_PAYLOAD=$PAYLOAD
KMX_MODES="$MODES"
KMX_PORT=$PORT
KMX_SPORT_BASE=$SPORT_BASE
KMX_COUNT=$COUNT
KMX_SIZE=$SIZE
KMX_INTERVAL_US=$INTERVAL_US
KMX_DURATION=$DURATION
KMX_ATTACH_WAIT=$ATTACH_WAIT
KMX_EXTRA_ARGS="${KMATRIX_LATPROBE_ARGS:-}"
EOF
(cd "$R" && find . | cpio -o -H newc --quiet | gzip -1) >"$WORK/initramfs.gz"
log "initramfs $(du -h "$WORK/initramfs.gz" | cut -f1)"

SERIAL=$CACHE/serial.log
log "booting $PKG under QEMU TCG (hard timeout ${QEMU_TIMEOUT}s)"
q0=$(date +%s.%N)
set +e
timeout --kill-after=10 "$QEMU_TIMEOUT" qemu-system-x86_64 -accel tcg -m 1024 \
	-smp 1 -nographic -nic none -no-reboot \
	-kernel "$KDIR/vmlinuz" -initrd "$WORK/initramfs.gz" \
	-append 'console=ttyS0 quiet loglevel=3 panic=-1 rdinit=/init' \
	</dev/null >"$SERIAL" 2>"$WORK/qemu.err" &
QEMU_PID=$!
# progress: follow the guest's KMX- lines while it runs
(tail -n +1 -F --pid=$QEMU_PID "$SERIAL" 2>/dev/null |
	grep --line-buffered -aoE 'KMX-(INIT|MODE|DONE) .*' | tr -d '\r' |
	sed -u 's/^/[kernel-matrix   guest] /') &
TAIL_PID=$!
wait $QEMU_PID
qrc=$?
QEMU_PID=
wait $TAIL_PID 2>/dev/null
set -e
QEMU_WALL=$(since "$q0")
log "QEMU exited rc=$qrc after ${QEMU_WALL}s"
if [ $qrc -eq 124 ] || [ $qrc -eq 137 ]; then
	tail -n 20 "$SERIAL" | tr -d '\r' >&2
	fail "QEMU hit the ${QEMU_TIMEOUT}s timeout (serial log: ${SERIAL#"$ROOT"/})"
fi
[ $qrc -eq 0 ] || {
	cat "$WORK/qemu.err" >&2
	fail "QEMU failed (rc $qrc)"
}

# ---- 4. host kernel ---------------------------------------------------------
HOSTDIR=$WORK/host
mkdir -p "$HOSTDIR"
if [ "$PAYLOAD" = latprobe ]; then
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
	mountpoint -q /sys/kernel/tracing ||
		mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true
	LP=$ROOT/latprobe
	log "host $(uname -r): latprobe --attach auto on the same flow"
	"$LP" --attach auto --duration "$DURATION" --output "$HOSTDIR/auto.json" \
		--port "$HOST_PORT" >"$HOSTDIR/auto.out" 2>"$HOSTDIR/auto.err" &
	lp=$!
	n=0
	for _ in $(seq 1 150); do
		kill -0 $lp 2>/dev/null || break
		# find fails when an fd closes while it reads the directory
		# (latprobe is loading): under pipefail that must not end us
		n=$( (find /proc/$lp/fd -lname '*bpf_link*' 2>/dev/null || :) | wc -l)
		[ "$n" -gt 0 ] && break
		sleep 0.2
	done
	sleep 1
	"$OUT/kmatrix_flow" -p $HOST_PORT -s $HOST_SPORT -n $COUNT -m $SIZE \
		-i $INTERVAL_US >"$HOSTDIR/auto.flow" 2>&1 || true
	sleep 1
	kill -INT $lp 2>/dev/null || true
	set +e
	wait $lp
	echo "latprobe_rc=$?" >"$HOSTDIR/auto.meta"
	set -e
	echo "links=$n" >>"$HOSTDIR/auto.meta"
	for m in fentry kprobe; do
		log "host: latprobe --attach $m must fail"
		set +e
		timeout 60 "$LP" --attach $m --duration 1 \
			--output "$HOSTDIR/$m.json" --port "$HOST_PORT" \
			>"$HOSTDIR/$m.out" 2>"$HOSTDIR/$m.err"
		echo "latprobe_rc=$?" >"$HOSTDIR/$m.meta"
		set -e
	done
fi

# ---- 5. checks + results ----------------------------------------------------
log "checking"
RESULTS=$ROOT/results
[ "$PAYLOAD" = latprobe ] || RESULTS=$CACHE	# stand-in: not a result
set +e
python3 "$ROOT/scripts/kernel-matrix-check.py" \
	--serial "$SERIAL" --host-dir "$HOSTDIR" --payload "$PAYLOAD" \
	--package "$PKG" --package-version "$(cat "$KDIR/version")" \
	--modes "$MODES" --port $PORT --sport-base $SPORT_BASE \
	--host-port $HOST_PORT --host-sport $HOST_SPORT \
	--count $COUNT --size $SIZE --interval-us $INTERVAL_US \
	--qemu-wall "$QEMU_WALL" --run-seconds "$(since "$T_START")" \
	--qemu-version "$(qemu-system-x86_64 --version | head -n 1)" \
	--repo "$ROOT" --results "$RESULTS"
rc=$?
set -e
log "done: $([ $rc -eq 0 ] && echo PASS || echo FAIL)"
exit $rc
