#!/usr/bin/env bash
# The client stamps ring (docs/client-stamps.md): wsclient hands each
# message's stamps to latprobe through shared memory instead of its USDT
# probe while latprobe has the ring mapped.
#  1. --client PATH, client started after latprobe: its ring is found by
#     the /proc rescan, the report says "stamps", every message is seen
#     exactly once (ring records + USDT hits = the client's own count) and
#     correlated with all its stages.
#  2. --client PID --verbose: every message through the ring, --verbose
#     names the path taken.
#  3. LP_STAMPS=0 (no ring): the USDT fallback, same exact counts.
#  4. A 64-record ring against an unpaced feed: overrun counted, and
#     messages seen + overrun + torn = what the client handled; degraded.
#  5. latprobe stopped (SIGSTOP) 2 s mid-run: 1000 messages and their
#     reads wait in the two rings; the stamps are merged with the kernel
#     records by time, so every message still meets its read (before that
#     merge, each one's read had left the 64-read history: lost).
source "$(dirname "$0")/lib.sh"
need_root
for b in wsfeed wsclient; do [ -x "$BUILD/$b" ] || fail "build/$b not built"; done

N=${N:-2000}
RATE=1000
make_netns_pair

feed() { # name rate count: background feed on a fresh port; sets PORT FEED
	PORT=$(( 20000 + RANDOM % 20000 ))
	ip netns exec "$NS_B" "$BUILD/wsfeed" --bind "$IP_B" --port $PORT --rate "$2" \
		--count "$3" --max-conns 1 --duration 60 >"$TMP/$1.feed" 2>&1 &
	FEED=$!
	cleanup_add kill -9 $FEED
	for _ in $(seq 1 100); do
		[ -n "$(ip netns exec "$NS_B" ss -Hltn "sport = :$PORT")" ] && return 0
		sleep 0.05
	done
	fail "wsfeed did not listen: $(cat "$TMP/$1.feed")"
}

client() { # name count [env...]: foreground client (retries until the feed is up)
	local name=$1 count=$2
	shift 2
	ip netns exec "$NS_A" env "$@" timeout 60 "$BUILD/wsclient" --count "$count" \
		--ping-interval 0 --backoff-ms 50 --backoff-max-ms 100 \
		--url "ws://$IP_B:$PORT/ws/btcusdt@trade?timeUnit=MICROSECOND" \
		--json-summary "$TMP/$name.client.json" >"$TMP/$name.client" 2>&1 ||
		fail "$name: wsclient failed: $(tail -3 "$TMP/$name.client")"
}

# check NAME PATH N: the report against the client's own summary
check() {
	python3 - "$TMP/$1.json" "$TMP/$1.client.json" "$2" "$3" "$1" <<'PY'
import json, sys
rep, cl = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
path, n, name = sys.argv[3], int(sys.argv[4]), sys.argv[5]
errs = []
def check(c, m):
    if not c: errs.append(m)
m, p = rep["messages"], rep["probes"]["client_message"]
st = p.get("stamps", {})
check(cl["messages"] == n, f"client handled {cl['messages']} of {n}")
check(p["used"] == path, f"client_message used {p['used']!r}, want {path!r} ({p['why']})")
check(p["why"], "no why")
check(m["seen"] == n, f"seen {m['seen']} != client's {n}")
# each message went one way: ring records + USDT hits = messages
check(st.get("records", -1) + p["hits"] == n,
      f"ring {st.get('records')} + USDT {p['hits']} != {n}")
if path == "stamps":
    check(st.get("records", 0) >= n // 4, f"only {st.get('records')} via the ring")
else:
    check(st.get("records") == 0 and st.get("rings") == 0, f"ring used with LP_STAMPS=0: {st}")
check(m["correlated"] >= 0.99 * n, f"correlated {m['correlated']} < 99% of {n}")
att = m["by_attribution"]
# a ring record names its socket by 4-tuple: every one must find it
check(att["no_socket"] == 0, f"{att['no_socket']} messages found no socket")
check(st.get("torn") == 0 and st.get("overrun") == 0, f"losses in a paced run: {st}")
for s in ("nic_to_tcp", "tcp_to_wakeup", "wakeup_to_read", "read_to_frame",
          "frame_to_parsed", "exchange_to_nic", "total"):
    check(s in rep["stages"] and rep["stages"][s]["count"] >= m["correlated"],
          f"stage {s} missing or short")
check(rep["ring_buffer"]["marks_out_of_order"] == 0, "marks out of order")
print(f"  {name}: {path}: ring {st.get('records')} + usdt {p['hits']} = seen {m['seen']}, "
      f"correlated {m['correlated']} (no_socket {att['no_socket']}, no_read {att['no_read']})",
      file=sys.stderr)
for e in errs: print("  " + e, file=sys.stderr)
sys.exit(1 if errs else 0)
PY
}

# 1. PATH: the client starts after latprobe
feed path $RATE "$N"
start_latprobe --client "$BUILD/wsclient" --port $PORT --output "$TMP/path.json"
client path "$N"
sleep 0.3
stop_latprobe
wait $FEED 2>/dev/null
check path stamps "$N" || fail "--client PATH, client started later"
check_report_keys client-stamps "$TMP/path.json"

# 2. PID: the client waits for its feed, latprobe attaches to it first
PORT=$(( 20000 + RANDOM % 20000 ))
# no timeout(1) in between: $! must be the client (--duration bounds it)
ip netns exec "$NS_A" "$BUILD/wsclient" --count "$N" --duration 60 --ping-interval 0 \
	--backoff-ms 50 --backoff-max-ms 100 \
	--url "ws://$IP_B:$PORT/ws/btcusdt@trade?timeUnit=MICROSECOND" \
	--json-summary "$TMP/pid.client.json" >"$TMP/pid.client" 2>&1 &
CL=$!
cleanup_add kill -9 $CL
sleep 0.3
start_latprobe --client $CL --verbose --output "$TMP/pid.json"
grep -q 'client_message *stamps' "$LP_ERR" ||
	fail "--verbose does not say the stamps ring is used: $(grep client_message "$LP_ERR")"
ip netns exec "$NS_B" "$BUILD/wsfeed" --bind "$IP_B" --port $PORT --rate $RATE \
	--count "$N" --max-conns 1 --duration 60 >"$TMP/pid.feed" 2>&1 &
FEED=$!
cleanup_add kill -9 $FEED
wait $CL || fail "pid: wsclient failed: $(tail -3 "$TMP/pid.client")"
sleep 0.3
stop_latprobe
wait $FEED 2>/dev/null
check pid stamps "$N" || fail "--client PID"
python3 -c "
import json, sys
p = json.load(open('$TMP/pid.json'))['probes']['client_message']
sys.exit(0 if p['hits'] == 0 else 1)" || fail "pid: USDT fired while the ring was mapped"

# 3. no ring: the USDT fallback
feed usdt $RATE "$N"
start_latprobe --client "$BUILD/wsclient" --port $PORT --output "$TMP/usdt.json"
client usdt "$N" LP_STAMPS=0
sleep 0.3
stop_latprobe
wait $FEED 2>/dev/null
check usdt usdt "$N" || fail "LP_STAMPS=0: USDT fallback"
check_report_keys client-usdt "$TMP/usdt.json"

# 4. a tiny ring overrun by an unpaced feed: losses counted, never misread
M=200000
PORT=$(( 20000 + RANDOM % 20000 ))
LP_STAMPS_RECORDS=64 ip netns exec "$NS_A" "$BUILD/wsclient" --count $M \
	--duration 60 --ping-interval 0 --backoff-ms 50 --backoff-max-ms 100 \
	--url "ws://$IP_B:$PORT/ws/btcusdt@trade?timeUnit=MICROSECOND" \
	--json-summary "$TMP/over.client.json" >"$TMP/over.client" 2>&1 &
CL=$!
cleanup_add kill -9 $CL
sleep 0.3
start_latprobe --client $CL --output "$TMP/over.json"
ip netns exec "$NS_B" "$BUILD/wsfeed" --bind "$IP_B" --port $PORT --rate 0 \
	--count $M --max-conns 1 --duration 60 >"$TMP/over.feed" 2>&1 &
FEED=$!
cleanup_add kill -9 $FEED
wait $CL || fail "overrun: wsclient failed: $(tail -3 "$TMP/over.client")"
sleep 0.3
stop_latprobe
wait $FEED 2>/dev/null
python3 - "$TMP/over.json" "$TMP/over.client.json" <<'PY' || fail "overrun accounting"
import json, sys
rep, cl = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
p = rep["probes"]["client_message"]; st = p["stamps"]
seen, n = rep["messages"]["seen"], cl["messages"]
print(f"  overrun: client {n}, seen {seen}, ring {st['records']}, overrun {st['overrun']}, "
      f"torn {st['torn']}, usdt {p['hits']}", file=sys.stderr)
assert st["overrun"] > 0, "a 64-record ring was never overrun by an unpaced feed"
assert seen == st["records"] + p["hits"], "seen is not ring + USDT"
assert seen + st["overrun"] + st["torn"] == n, "lost records not all counted"
assert rep["degraded"] and any("overwritten" in r for r in rep["degraded_reasons"]), \
    f"overrun not flagged: {rep['degraded_reasons']}"
PY
# 5. the consumer stopped for 2 s (issue 21.10): 1000 messages are stamped
# and read meanwhile; drained by time (client_stamps.c feed_before), each
# still meets its own read, none loses its kernel stages
feed stall $RATE 4000
start_latprobe --client "$BUILD/wsclient" --port $PORT --output "$TMP/stall.json"
client stall 4000 &
CL=$!
cleanup_add kill -9 $CL
sleep 1
kill -STOP "$LP_PID"
sleep 2
kill -CONT "$LP_PID"
wait $CL || fail "stall: wsclient failed"
sleep 0.3
stop_latprobe
wait $FEED 2>/dev/null
python3 - "$TMP/stall.json" <<'PY' || fail "a consumer stall with --client lost kernel stages"
import json, sys
rep = json.load(open(sys.argv[1]))
m = rep["messages"]
lost = m.get("lost_kernel_stages")
print(f"  stall: seen {m['seen']}, no_read {m['by_attribution']['no_read']}, "
      f"lost_kernel_stages {lost}, lost_events {rep['lost_events']}, "
      f"degraded {rep['degraded']} {rep['degraded_reasons']}", file=sys.stderr)
assert rep["lost_events"] == 0, "the kernel ring overflowed: the stall is too long for this test"
assert m["seen"] == 4000, f"seen {m['seen']} of 4000"
assert m["correlated"] == 4000 and lost == 0, "messages lost their reads over the stall"
assert not rep["degraded"], f"degraded: {rep['degraded_reasons']}"
PY
pass "stamps ring via PATH rescan and PID, exact counts; USDT fallback; overrun counted; a stall loses nothing"
