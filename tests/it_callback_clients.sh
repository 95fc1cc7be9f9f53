#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# --callback on two clients latprobe did not build, each against the feed
# emulator over veth (feed in its own namespace): a websocketpp + simdjson
# client whose handler md::Handler::on_message(const char *, size_t) is
# probed (--payload-arg 2,3), and a libwebsockets client whose protocol
# callback is probed (--callback-style lws). Each client writes its own
# ground truth; latprobe must agree with it:
#   messages seen == the client's count, callback p50 a few us above the
#   client's own handler time, total (E -> callback return) p50 close to
#   the client's own now - E, probes placed after endbr64.
source "$(dirname "$0")/lib.sh"
need_root
for b in wsfeed wspp_client lws_client; do
	[ -x "$BUILD/$b" ] || fail "build/$b not built (make tests)"
done

N=${N:-2000}
RATE=1000
STREAM='/ws/btcusdt@trade?timeUnit=MICROSECOND'
make_netns_pair

# run_case NAME CLIENT-BINARY LATPROBE-FLAGS -- CLIENT-ARGS...
run_case() {
	local name=$1 bin=$2 port=$(( 20000 + RANDOM % 20000 )) flags=()
	shift 2
	while [ "$1" != -- ]; do flags+=("$1"); shift; done
	shift
	ip netns exec "$NS_B" "$BUILD/wsfeed" --bind "$IP_B" --port $port \
		--rate $RATE --count "$N" --max-conns 1 --duration 60 \
		>"$TMP/$name.feed" 2>&1 &
	local feed=$!
	cleanup_add kill -9 $feed
	start_latprobe --client "$bin" "${flags[@]}" --port $port \
		--output "$TMP/$name.json"
	sleep 0.2
	ip netns exec "$NS_A" timeout 60 "$bin" "${@//PORT/$port}" \
		>"$TMP/$name.client" 2>&1 || info "$name client: $(cat "$TMP/$name.client")"
	sleep 0.3
	stop_latprobe
	cp "$LP_ERR" "$TMP/$name.err"
	wait $feed 2>/dev/null
}

check_case() { # name
	python3 - "$TMP/$1.json" "$TMP/$1.client.json" "$N" "$1" <<'PY'
import json, os, sys
rep, cl, n, name = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), int(sys.argv[3]), sys.argv[4]
errs = []
def check(c, m):
    if not c: errs.append(m)
def timing(c, m): # against the client's own clock: judged in the release run
    if os.environ.get("LP_SANITIZED") and not c:
        print(f"  NOTE (ASan client build, not checked): {m}", file=sys.stderr)
    else:
        check(c, m)
m, st, cb = rep["messages"], rep["stages"], rep["callback"]
check(cl["messages"] == n, f"client handled {cl['messages']} of {n}")
check(m["unit"] == "message", f"unit {m['unit']}")
check(m["seen"] == cl["messages"], f"latprobe saw {m['seen']} messages, the client handled {cl['messages']}")
check(m["correlated"] >= 0.99 * n, f"correlated {m['correlated']} < 99% of {n}")
check(rep["lost_events"] == 0, f"lost {rep['lost_events']}")
check(cb["placement"]["attach_point"] == "entry+4", f"placement {cb['placement']}")
check(rep["probes"]["client_callback"]["used"] == "uprobe", "probe not attached")
for s in ("exchange_to_nic", "nic_to_tcp", "tcp_to_wakeup", "wakeup_to_read",
          "read_to_callback", "callback", "nic_to_user", "total"):
    check(s in st and st[s]["count"] >= m["correlated"], f"stage {s} missing or short")
for s in ("read_to_frame", "frame_to_parsed"):
    check(s not in st, f"stage {s} present without the client's USDT probe")
ours, theirs = st["callback"]["p50"], cl["handler_p50_us"]
# the probes time the call from outside: a little more, never less (the
# prologue and epilogue outside the handler's own clock grow with the code:
# under ASan the lws handler's 11 us took 17 us from outside)
timing(theirs - 0.5 <= ours <= theirs + max(5, 0.5 * theirs),
      f"callback p50 {ours} us vs the client's handler p50 {theirs} us")
tot, age = st["total"]["p50"], cl["now_minus_E_p50_us"]
timing(abs(tot - age) <= max(0.10 * age, 20), f"total p50 {tot} us vs the client's now-E p50 {age} us")
print(f"  {name}: seen {m['seen']} (client {cl['messages']}), callback p50 {ours} us "
      f"(client handler {theirs} us), total p50 {tot} us (client now-E {age} us), "
      f"read_to_callback p50 {st['read_to_callback']['p50']} us", file=sys.stderr)
for e in errs: print("  " + e, file=sys.stderr)
sys.exit(1 if errs else 0)
PY
}

run_case wspp "$BUILD/wspp_client" --callback md::Handler::on_message \
	--payload-arg 2,3 -- "ws://$IP_B:PORT$STREAM" "$N" "$TMP/wspp.client.json"
check_case wspp || fail "websocketpp client"
check_report_keys callback "$TMP/wspp.json"

run_case lws "$BUILD/lws_client" --callback md_lws_callback \
	--callback-style lws -- "$IP_B" PORT "$STREAM" "$N" "$TMP/lws.client.json"
check_case lws || fail "libwebsockets client"
python3 - "$TMP/lws.json" <<'PY' || fail "lws: other callback reasons were not filtered"
import json, sys
cb = json.load(open(sys.argv[1]))["callback"]
# connection set-up, writable, close...: calls that are not messages
assert cb["filtered"] > 0 and cb["calls"] >= cb["messages"] + cb["filtered"], cb
PY
pass "websocketpp and libwebsockets clients: counts, callback and total agree with the clients' own"
