#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# make kernel-matrix: prove every attach path of latprobe on other kernels.
#
#  1. Finds the newest package apt serves for each guest in KERNELS (6.12
#     PREEMPT_RT, 6.12 cloud, 6.1 cloud: the one most likely to fail first),
#     fetches it with apt-get download and unpacks vmlinuz, its config and
#     the kTLS modules (tls, gcm, ghash, ctr and what they depend on), cached
#     under build/kmatrix/kernel/PKG, never installed into /boot.
#  2. Builds build/latprobe-static, build/kmatrix_flow (mk/static.mk) and
#     wsfeed/wsclient for the demo path.
#  3. Per guest, packs them with busybox-static into an initramfs (a shared
#     member plus the guest's modules) whose /init
#     (scripts/kernel-matrix-init.sh) loads the kTLS modules, traces the same
#     known loopback flow with --attach auto, fentry, kprobe and tracepoint,
#     the kTLS flow (kmatrix_flow -t) with fentry and kprobe, the demo path
#     on the 6.12 guests, and prints the artifacts on the serial console
#     (base64 between markers); boots it under QEMU TCG with no network
#     device and a hard timeout. A guest whose QEMU fails ends the run.
#  4. On this host: --attach auto must pick tracepoints, forced fentry and
#     kprobe must fail with a one-line error and a non-zero exit, ktls_recv
#     is absent.
#  5. scripts/kernel-matrix-check.py checks everything and writes
#     results/kernel-matrix.txt and results/kernel-matrix.json.
#
# Exit 0: all checks pass. 1: a check or a step failed. 2: a dependency is
# missing (run `make deps`).
#
# Environment: KMATRIX_PAYLOAD=standin boots the guests without latprobe (for
# developing the harness); KMATRIX_TIMEOUT (s, QEMU hard limit per guest,
# default 420); KMATRIX_KERNEL="PKG..." runs these packages instead of the
# list; KMATRIX_DEMO_RE picks the demo guests (regex on the package);
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
KTLS_SPORT=47020	# the kTLS flow's client port
HOST_PORT=47101		# same flow on the host
HOST_SPORT=47102
COUNT=200		# messages
SIZE=512		# bytes per message (one segment each)
INTERVAL_US=2000	# one message every 2 ms
DURATION=120		# latprobe --duration: upper bound; stopped by SIGINT
ATTACH_WAIT=60		# s to wait for latprobe to attach (guest, TCG is slow)
# The demo's message path (wsfeed, wss, wsclient) runs on the guests whose
# package matches DEMO_RE: the 6.12 RT kernel and its non-RT twin.
DEMO_RE=${KMATRIX_DEMO_RE:-'^linux-image-6\.12'}
DEMO_PORT=47443
DEMO_RATE=200		# trade messages/s (depth follows the rate)
DEMO_SECS=4

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
for c in qemu-system-x86_64 cpio gzip xz objcopy python3 apt-get apt-cache dpkg-deb \
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

# ---- 1. kernels ------------------------------------------------------------
# The guests, the one most likely to fail first (a PREEMPT_RT generic image,
# then the newest cloud kernel, then the 6.1 cloud kernel the matrix began
# with): "label regex" per line, the newest package apt serves per regex.
KERNELS='rt-6.12 ^linux-image-6\.12\.[0-9]+\+deb[0-9]+-rt-amd64$
cloud-6.12 ^linux-image-6\.12\.[0-9]+\+deb[0-9]+-cloud-amd64$
cloud-6.1 ^linux-image-6\.1\.0-[0-9]+-cloud-amd64$'
# Modules the kTLS check loads (with what they depend on), when the image
# ships them: the TLS ULP and the AES-GCM pieces that are modules in Debian
# (ctr is one in 6.1, built in from 6.12; gcm finds it by name, no depends=).
KTLS_MODULES="tls gcm ghash-generic ctr"

find_kernel()
{
	apt-cache search --names-only "$1" | awk '{print $1}' | sort -V |
		tail -n 1
}

# mod_file DIR NAME: the module file NAME (- or _) under DIR, or nothing
mod_file()
{
	find "$1" \( -name "$2.ko*" -o -name "$(echo "$2" | tr - _).ko*" -o \
		-name "$(echo "$2" | tr _ -).ko*" \) -print -quit
}

# mod_order DIR NAME...: the modules NAME need, dependencies first
mod_order()
{
	local dir=$1 m f deps
	shift
	for m in "$@"; do
		f=$(mod_file "$dir" "$m")
		[ -n "$f" ] || continue
		case " $MOD_SEEN " in *" $(basename "$f")"*) continue ;; esac
		MOD_SEEN="$MOD_SEEN $(basename "$f")"
		case $f in
		*.xz) xz -dc "$f" >"$WORK/mod.ko" ;;
		*.zst) zstd -qdc "$f" >"$WORK/mod.ko" ;;
		*) cp "$f" "$WORK/mod.ko" ;;
		esac
		deps=$(objcopy -O binary --only-section=.modinfo "$WORK/mod.ko" \
			/dev/stdout | tr '\0' '\n' | sed -n 's/^depends=//p' |
			tr , ' ')
		# shellcheck disable=SC2086 # a list of names
		[ -z "$deps" ] || mod_order "$dir" $deps
		echo "$f"
	done
}

# fetch_kernel PKG: vmlinuz, config, version and the kTLS modules (plain
# .ko, in load order in modules.load) cached under $CACHE/kernel/PKG
fetch_kernel()
{
	local pkg=$1 kdir=$CACHE/kernel/$1 dl=$WORK/dl deb f
	if [ -s "$kdir/vmlinuz" ] && [ -s "$kdir/version" ] &&
		[ -e "$kdir/modules.load" ] &&
		[ "$(cat "$kdir/modules.want" 2>/dev/null)" = "$KTLS_MODULES" ]; then
		log "kernel $pkg $(cat "$kdir/version") (cached)"
		return 0
	fi
	log "fetching $pkg"
	rm -rf "$dl"
	mkdir -p "$dl"
	(cd "$dl" && apt-get download -q -o APT::Sandbox::User=root "$pkg") \
		>"$WORK/apt.log" 2>&1 || {
		tail -n 5 "$WORK/apt.log" >&2
		fail "apt-get download $pkg"
	}
	deb=$(ls "$dl"/*.deb)
	dpkg-deb -x "$deb" "$dl/x"
	rm -rf "$kdir"
	mkdir -p "$kdir/modules"
	cp "$dl"/x/boot/vmlinuz-* "$kdir/vmlinuz"
	cp "$dl"/x/boot/config-* "$kdir/config"
	MOD_SEEN=
	# shellcheck disable=SC2086 # a list of names
	for f in $(mod_order "$dl/x/lib/modules" $KTLS_MODULES); do
		m=$(basename "$f")
		m=${m%%.ko*}.ko
		case $f in
		*.xz) xz -dc "$f" >"$kdir/modules/$m" ;;
		*.zst) zstd -qdc "$f" >"$kdir/modules/$m" ;;
		*) cp "$f" "$kdir/modules/$m" ;;
		esac
		echo "$m"
	done >"$kdir/modules.load"
	echo "$KTLS_MODULES" >"$kdir/modules.want"
	dpkg-deb -f "$deb" Version >"$kdir/version"
	rm -rf "$dl"
	log "kernel $pkg $(cat "$kdir/version") cached in ${kdir#"$ROOT"/}" \
		"(modules: $(tr '\n' ' ' <"$kdir/modules.load"))"
}

GUESTS=
if [ -n "${KMATRIX_KERNEL:-}" ]; then
	GUESTS=$KMATRIX_KERNEL
else
	log "discovering the newest Debian kernel per guest"
	while read -r label re; do
		pkg=$(find_kernel "$re")
		if [ -z "$pkg" ] && [ -z "${APT_UPDATED:-}" ]; then
			log "apt lists lack $label: apt-get update"
			apt-get update -qq >/dev/null 2>&1 || true
			APT_UPDATED=1
			pkg=$(find_kernel "$re")
		fi
		if [ -z "$pkg" ]; then
			# offline: the newest kernel of this kind already cached
			pkg=$(find "$CACHE/kernel" -mindepth 1 -maxdepth 1 \
				-printf '%f\n' 2>/dev/null | grep -E "$re" |
				sort -V | tail -n 1)
			[ -n "$pkg" ] || missing "apt serves no $re and none is cached"
			log "apt has no $label kernel; using cached $pkg"
		fi
		GUESTS="$GUESTS $pkg"
	done <<<"$KERNELS"
fi
for pkg in $GUESTS; do
	fetch_kernel "$pkg"
	grep -q '^CONFIG_DEBUG_INFO_BTF=y' "$CACHE/kernel/$pkg/config" ||
		fail "$pkg has no BTF"
done

# ---- 2. binaries ------------------------------------------------------------
log "building ($PAYLOAD payload)"
targets="build/kmatrix_flow"
[ "$PAYLOAD" = latprobe ] &&
	targets="latprobe build/latprobe-static build/wsfeed build/wsclient $targets"
# shellcheck disable=SC2086
make -C "$ROOT" --no-print-directory $targets >"$WORK/make.log" 2>&1 || {
	tail -n 30 "$WORK/make.log" >&2
	fail "make $targets"
}

# ---- 3. initramfs + QEMU, one boot per guest --------------------------------
log "packing the initramfs"
R=$WORK/root
mkdir -p "$R"/{bin,dev,proc,sys,tmp,lp,etc,modules}
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
KMX_KTLS_SPORT=$KTLS_SPORT
KMX_COUNT=$COUNT
KMX_SIZE=$SIZE
KMX_INTERVAL_US=$INTERVAL_US
KMX_DURATION=$DURATION
KMX_ATTACH_WAIT=$ATTACH_WAIT
KMX_EXTRA_ARGS="${KMATRIX_LATPROBE_ARGS:-}"
KMX_DEMO_PORT=$DEMO_PORT
KMX_DEMO_RATE=$DEMO_RATE
KMX_DEMO_SECS=$DEMO_SECS
EOF
(cd "$R" && find . | cpio -o -H newc --quiet | gzip -1) >"$WORK/base.gz"
log "initramfs $(du -h "$WORK/base.gz" | cut -f1) + each guest's modules"

# with_libs DEST BIN...: BIN into DEST/lp and the shared objects ldd lists
with_libs()
{
	local dest=$1 b so
	shift
	mkdir -p "$dest/lp"
	for b in "$@"; do
		cp "$b" "$dest/lp/"
		ldd "$b" >/dev/null 2>&1 || continue
		for so in $(ldd "$b" | grep -oE '/[^ ]+'); do
			mkdir -p "$dest$(dirname "$so")"
			cp -L "$so" "$dest$so"
		done
	done
}

# boot_guest PKG: boots it, appends "PKG VERSION SERIAL QEMU_WALL" to
# $WORK/guests; fails the run at once when QEMU fails (fail fast)
boot_guest()
{
	local pkg=$1 kdir=$CACHE/kernel/$1 g=$WORK/g-$1 serial qrc wall q0
	serial=$CACHE/serial-$pkg.log
	mkdir -p "$g/modules"
	cp "$kdir/modules.load" "$g/modules/"
	while read -r m; do
		[ -n "$m" ] && cp "$kdir/modules/$m" "$g/modules/"
	done <"$kdir/modules.load"
	if [ "$PAYLOAD" = latprobe ] && [[ $pkg =~ $DEMO_RE ]]; then
		with_libs "$g" "$OUT/wsfeed" "$OUT/wsclient"
		echo "KMX_DEMO=1" >"$g/kmx-guest.conf"
	fi
	# a second cpio member: the kernel unpacks both into one rootfs
	(cd "$g" && find . | cpio -o -H newc --quiet | gzip -1) >"$WORK/mods.gz"
	cat "$WORK/base.gz" "$WORK/mods.gz" >"$WORK/initramfs.gz"
	log "booting $pkg under QEMU TCG (hard timeout ${QEMU_TIMEOUT}s)"
	q0=$(date +%s.%N)
	set +e
	timeout --kill-after=10 "$QEMU_TIMEOUT" qemu-system-x86_64 -accel tcg \
		-m 1024 -smp 1 -nographic -nic none -no-reboot \
		-kernel "$kdir/vmlinuz" -initrd "$WORK/initramfs.gz" \
		-append 'console=ttyS0 quiet loglevel=3 panic=-1 rdinit=/init' \
		</dev/null >"$serial" 2>"$WORK/qemu.err" &
	QEMU_PID=$!
	# progress: follow the guest's KMX- lines while it runs
	(tail -n +1 -F --pid=$QEMU_PID "$serial" 2>/dev/null |
		grep --line-buffered -aoE 'KMX-(INIT|MODE|KTLS|DONE) .*' |
		tr -d '\r' | sed -u 's/^/[kernel-matrix   guest] /') &
	TAIL_PID=$!
	wait $QEMU_PID
	qrc=$?
	QEMU_PID=
	wait $TAIL_PID 2>/dev/null
	set -e
	wall=$(since "$q0")
	log "QEMU ($pkg) exited rc=$qrc after ${wall}s"
	if [ $qrc -eq 124 ] || [ $qrc -eq 137 ]; then
		tail -n 20 "$serial" | tr -d '\r' >&2
		fail "$pkg: QEMU hit the ${QEMU_TIMEOUT}s timeout (serial log: ${serial#"$ROOT"/})"
	fi
	[ $qrc -eq 0 ] || {
		cat "$WORK/qemu.err" >&2
		fail "$pkg: QEMU failed (rc $qrc)"
	}
	echo "$pkg $(cat "$kdir/version") $serial $wall" >>"$WORK/guests"
}

: >"$WORK/guests"
for pkg in $GUESTS; do
	boot_guest "$pkg"
done

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
	--guests "$WORK/guests" --host-dir "$HOSTDIR" --payload "$PAYLOAD" \
	--modes "$MODES" --port $PORT --sport-base $SPORT_BASE \
	--ktls-sport $KTLS_SPORT --demo-rate $DEMO_RATE --demo-secs $DEMO_SECS \
	--host-port $HOST_PORT --host-sport $HOST_SPORT \
	--count $COUNT --size $SIZE --interval-us $INTERVAL_US \
	--run-seconds "$(since "$T_START")" \
	--qemu-version "$(qemu-system-x86_64 --version | head -n 1)" \
	--repo "$ROOT" --results "$RESULTS"
rc=$?
set -e
log "done: $([ $rc -eq 0 ] && echo PASS || echo FAIL)"
exit $rc
