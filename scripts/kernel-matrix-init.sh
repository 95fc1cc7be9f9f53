#!/bin/busybox sh
# shellcheck shell=dash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# /init of the kernel-matrix initramfs (packed by scripts/kernel-matrix.sh).
# Traces the known flow (kmatrix_flow) once per attach mode and prints every
# artifact on the serial console, base64 between markers:
#   ==KMX-BEGIN name==  ...base64...  ==KMX-END name==
# then powers off. Settings come from /kmx.conf, written by the host.
# The network is the guest's own loopback only.

/bin/busybox --install -s /bin
export PATH=/bin:/lp
umask 022

mkdir -p /proc /sys /dev /tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
mount -t bpf bpf /sys/fs/bpf
mount -t tracefs tracefs /sys/kernel/tracing
mount -t debugfs debugfs /sys/kernel/debug
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up
exec </dev/null

# shellcheck source=/dev/null # written by scripts/kernel-matrix.sh
. /kmx.conf
# shellcheck source=/dev/null # this guest's settings (KMX_DEMO)
[ -f /kmx-guest.conf ] && . /kmx-guest.conf

uptime_ms()
{
	read -r up _ </proc/uptime
	echo $((${up%.*} * 1000 + 1${up#*.} * 10 - 1000))
}

# alive PID: running and not a zombie (kill -0 succeeds on zombies)
alive()
{
	[ -r "/proc/$1/status" ] && ! grep -q '^State:.*Z' "/proc/$1/status"
}

# emit NAME FILE: FILE base64-encoded between markers (empty if missing)
emit()
{
	echo "==KMX-BEGIN $1=="
	[ -f "$2" ] && base64 <"$2"
	echo "==KMX-END $1=="
}

# Number of BPF links and perf events the process holds: attach progress.
nlinks()
{
	n=0
	for f in /proc/"$1"/fd/*; do
		case $(readlink "$f" 2>/dev/null) in
		*bpf_link* | *perf_event*) n=$((n + 1)) ;;
		esac
	done
	echo $n
}

# Wait until PID holds links and their number is stable for 1 s, or exits.
wait_attached()
{
	pid=$1
	last=-1
	stable=0
	i=0
	while [ $i -lt $((KMX_ATTACH_WAIT * 5)) ]; do
		alive "$pid" || return 1
		n=$(nlinks "$pid")
		if [ "$n" -gt 0 ] && [ "$n" -eq "$last" ]; then
			stable=$((stable + 1))
			[ $stable -ge 5 ] && return 0
		else
			stable=0
		fi
		last=$n
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}

echo "KMX-INIT uptime_ms=$(uptime_ms)"
# kernel messages go to the dmesg artifact, not into the base64 blocks
dmesg -n 1

# The kTLS modules the host found in the image, dependencies first
# (/modules/modules.load); ktls: loaded, builtin, absent or failed.
ktls=absent
[ -d /sys/module/tls ] && ktls=builtin
if [ $ktls = absent ] && grep -qx tls.ko /modules/modules.load 2>/dev/null; then
	ktls=loaded
	while read -r m; do
		[ -n "$m" ] || continue
		insmod "/modules/$m" 2>>/tmp/insmod.err || ktls=failed
	done </modules/modules.load
fi
{
	echo "uname_r=$(uname -r)"
	echo "proc_version=$(cat /proc/version)"
	[ -r /sys/kernel/btf/vmlinux ] && echo "btf_vmlinux=yes" || echo "btf_vmlinux=no"
	echo "btf_vmlinux_bytes=$(wc -c </sys/kernel/btf/vmlinux 2>/dev/null)"
	for e in sock/sock_recv_length sock/sock_send_length sock/sk_data_ready \
		tcp/tcp_probe tcp/tcp_rcv_space_adjust net/netif_receive_skb \
		sock/inet_sock_set_state sock/sock_rcvqueue_full; do
		[ -d "/sys/kernel/tracing/events/$e" ] && v=yes || v=no
		echo "tracepoint_${e#*/}=$v"
	done
	grep -qw tcp_recvmsg /sys/kernel/tracing/available_filter_functions &&
		echo "ftrace_tcp_recvmsg=yes" || echo "ftrace_tcp_recvmsg=no"
	echo "ktls_module=$ktls"
	echo "ktls_modules=$(tr '\n' ' ' </modules/modules.load 2>/dev/null)"
	echo "insmod_errors=$(tr '\n' ' ' </tmp/insmod.err 2>/dev/null)"
	[ "$(cat /sys/kernel/realtime 2>/dev/null)" = 1 ] &&
		echo "preempt_rt=yes" || echo "preempt_rt=no"
	# threaded interrupt handlers (every one on PREEMPT_RT)
	echo "irq_threads=$(cat /proc/[0-9]*/comm 2>/dev/null | grep -c '^irq/')"
	echo "payload=$KMX_PAYLOAD"
} >/tmp/guest.txt
emit guest /tmp/guest.txt

# run_mode NAME MODE SPORT [FLOW_ARGS]: latprobe --attach MODE traces one
# kmatrix_flow from SPORT; artifacts NAME.{meta,flow,err,out,json}
run_mode()
{
	name=$1
	mode=$2
	sport=$3
	shift 3
	echo "KMX-MODE $name start uptime_ms=$(uptime_ms)"
	t0=$(uptime_ms)
	lrc=0
	attached=0
	if [ "$KMX_PAYLOAD" = latprobe ]; then
		# shellcheck disable=SC2086 # KMX_EXTRA_ARGS: several arguments
		latprobe --attach "$mode" --duration "$KMX_DURATION" \
			--output "/tmp/$name.json" --port "$KMX_PORT" $KMX_EXTRA_ARGS \
			>"/tmp/$name.out" 2>"/tmp/$name.err" &
		pid=$!
		wait_attached "$pid" && attached=1
		links=$(nlinks "$pid")
	else
		# stand-in until latprobe builds: prove kernel, BTF and the flow
		links=0
		attached=1
	fi
	t1=$(uptime_ms)
	# -u: UDP wake-ups first, which no mode may count as sk_data_ready's
	kmatrix_flow -p "$KMX_PORT" -s "$sport" -n "$KMX_COUNT" \
		-m "$KMX_SIZE" -i "$KMX_INTERVAL_US" -u 50 "$@" >"/tmp/$name.flow" 2>&1
	frc=$?
	t2=$(uptime_ms)
	if [ "$KMX_PAYLOAD" = latprobe ]; then
		sleep 1
		kill -INT "$pid" 2>/dev/null
		i=0
		while alive "$pid" && [ $i -lt 100 ]; do
			sleep 0.2
			i=$((i + 1))
		done
		if alive "$pid"; then
			echo "latprobe did not exit 20 s after SIGINT" >>"/tmp/$name.err"
			kill -KILL "$pid"
		fi
		wait "$pid"
		lrc=$?
	else
		cat >"/tmp/$name.json" <<EOF
{"standin": true, "mode": "$mode", "kernel": "$(uname -r)"}
EOF
	fi
	t3=$(uptime_ms)
	{
		echo "mode=$mode"
		echo "latprobe_rc=$lrc"
		echo "attached=$attached"
		echo "links=$links"
		echo "flow_rc=$frc"
		echo "source_port=$sport"
		echo "attach_ms=$((t1 - t0))"
		echo "flow_ms=$((t2 - t1))"
		echo "stop_ms=$((t3 - t2))"
	} >"/tmp/$name.meta"
	emit "$name.meta" "/tmp/$name.meta"
	emit "$name.flow" "/tmp/$name.flow"
	emit "$name.err" "/tmp/$name.err"
	emit "$name.out" "/tmp/$name.out"
	emit "$name.json" "/tmp/$name.json"
	echo "KMX-MODE $name done rc=$lrc uptime_ms=$(uptime_ms)"
}

idx=0
for mode in $KMX_MODES; do
	idx=$((idx + 1))
	run_mode "$mode" "$mode" $((KMX_SPORT_BASE + idx))
done

# The kTLS receive path: the same flow with kTLS on both ends, traced once
# per kernel-function mechanism (the TLS hooks have no tracepoint).
if [ "$ktls" = loaded ] || [ "$ktls" = builtin ]; then
	idx=0
	for mode in fentry kprobe; do
		idx=$((idx + 1))
		run_mode "ktls-$mode" "$mode" $((KMX_KTLS_SPORT + idx)) -t
	done
else
	echo "KMX-KTLS skipped: tls module $ktls"
fi

# The demo's message path (wsfeed -> wss -> wsclient, latprobe --client) on
# the guests the host marked (KMX_DEMO=1): the stage breakdown per message.
if [ "${KMX_DEMO:-0}" = 1 ] && [ "$KMX_PAYLOAD" = latprobe ]; then
	echo "KMX-MODE demo start uptime_ms=$(uptime_ms)"
	wsfeed --tls --bind 127.0.0.1 --port "$KMX_DEMO_PORT" \
		--rate "$KMX_DEMO_RATE" --depth-follows-rate \
		--duration $((KMX_DEMO_SECS + 60)) >/tmp/demo.feed 2>&1 &
	fpid=$!
	# shellcheck disable=SC2086 # KMX_EXTRA_ARGS: several arguments
	latprobe --client /lp/wsclient --duration "$KMX_DURATION" \
		--output /tmp/demo.json $KMX_EXTRA_ARGS \
		>/tmp/demo.out 2>/tmp/demo.err &
	pid=$!
	wait_attached "$pid"
	wsclient --insecure --duration "$KMX_DEMO_SECS" \
		--url "wss://127.0.0.1:$KMX_DEMO_PORT/stream?streams=btcusdt@trade/ethusdt@depth@100ms&timeUnit=MICROSECOND" \
		--json-summary /tmp/demo.client.json >/tmp/demo.client 2>&1
	echo "client_rc=$?" >/tmp/demo.meta
	sleep 1
	kill -INT "$pid" 2>/dev/null
	i=0
	while alive "$pid" && [ $i -lt 100 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	alive "$pid" && kill -KILL "$pid"
	wait "$pid"
	echo "latprobe_rc=$?" >>/tmp/demo.meta
	kill "$fpid" 2>/dev/null
	wait "$fpid"
	emit demo.meta /tmp/demo.meta
	emit demo.err /tmp/demo.err
	emit demo.client /tmp/demo.client
	emit demo.json /tmp/demo.json
	echo "KMX-MODE demo done uptime_ms=$(uptime_ms)"
fi

dmesg >/tmp/dmesg.txt
emit dmesg /tmp/dmesg.txt
echo "KMX-DONE uptime_ms=$(uptime_ms)"
sync
poweroff -f
