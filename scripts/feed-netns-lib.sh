# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The feed emulator's network namespace, shared by the demos and
# bench_probecost.sh: source it, then
#   feed_netns_up NAME VETH NET   namespace NAME$$, the host end VETH$$h of a
#                                 veth pair, NET.ID.1 (host) and NET.ID.2 (feed)
#   trap feed_netns_down EXIT     kill every pid in PIDS, remove both
# Sets NS, VH, HOST_IP, FEED_IP, ID (the /24's third byte, from the pid)
# and PIDS (the caller adds its processes).

feed_netns_up() {
	ID=$(($$ % 200 + 20))
	NS=$1$$ VH=$2$$h HOST_IP=$3.$ID.1 FEED_IP=$3.$ID.2
	PIDS=()
	ip netns add "$NS"
	ip link add "$VH" type veth peer name eth0 netns "$NS"
	ip addr add "$HOST_IP/24" dev "$VH"
	ip link set "$VH" up
	ip -n "$NS" addr add "$FEED_IP/24" dev eth0
	ip -n "$NS" link set eth0 up
	ip -n "$NS" link set lo up
}

feed_netns_down() {
	local p

	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	sleep 0.2
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	[ -n "${VH:-}" ] && ip link del "$VH" 2>/dev/null
	[ -n "${NS:-}" ] && ip netns del "$NS" 2>/dev/null
	return 0
}
