#!/usr/bin/env bash
# --live under tmux: the full-screen view appears, redraws in place each
# second (header stays on the first row, clock moves), shows the stages and
# the traced connection, fits 80 columns whole and a small terminal, and Ctrl-C ends it cleanly.
source "$(dirname "$0")/lib.sh"
need_root
command -v tmux >/dev/null || skip "tmux not installed (scripts/install-deps.sh)"

PORT=$((20000 + RANDOM % 20000))
S=lplive$$
cap() { tmux capture-pane -p -t "$S" >"$1"; }

"$BUILD/tcpflow" recv 127.0.0.1 "$PORT" -t 20 >/dev/null &
RX=$!
cleanup_add kill -9 $RX
tmux new-session -d -s "$S" -x 100 -y 24 \
	"'$LATPROBE' --port $PORT --live 2>'$TMP/err'; echo \$? >'$TMP/rc'; sleep 30" ||
	fail "tmux new-session"
cleanup_add tmux kill-session -t "$S"

# wait for the view, then traffic
for _ in $(seq 1 100); do
	cap "$TMP/s0"
	grep -q '^latprobe --live' "$TMP/s0" && break
	sleep 0.1
done
grep -q '^latprobe --live' "$TMP/s0" || fail "no live view: $(cat "$TMP/s0" "$TMP/err")"
"$BUILD/tcpflow" send 127.0.0.1 "$PORT" -n 200 -m 200 -i 1000 >/dev/null || fail "sender"
sleep 1.2
cap "$TMP/s1"
sleep 1.1
cap "$TMP/s2"

head -1 "$TMP/s2" | grep -q '^latprobe --live' || fail "header not on the first row: $(head -3 "$TMP/s2")"
[ "$(head -1 "$TMP/s1" | awk '{print $3}')" != "$(head -1 "$TMP/s2" | awk '{print $3}')" ] ||
	fail "view did not refresh: $(head -1 "$TMP/s1")"
grep -Eq '^total +[0-9]+ +[0-9.]+ +[0-9.]+' "$TMP/s2" || fail "no total row: $(cat "$TMP/s2")"
grep -Eq '^wakeup_to_read +[0-9]+' "$TMP/s2" || fail "no wakeup_to_read row"
grep -q "^127.0.0.1:$PORT <- 127.0.0.1:[0-9]* *tcpflow" "$TMP/s2" ||
	fail "connection row missing: $(cat "$TMP/s2")"
awk 'length > 100 { bad = 1 } END { exit bad }' "$TMP/s2" || fail "line wider than the pane"
[ "$(grep -c '^latprobe --live' "$TMP/s2")" -eq 1 ] || fail "screen not redrawn in place"

# 80 columns: nothing cut that matters (it needed ~110): the header's unit,
# the connection's p99 and slowest stage, every line within 80, reads/s
# (the rate counted batch records, not reads)
tmux resize-window -t "$S" -x 80 -y 24 2>/dev/null || tmux resize-pane -t "$S" -x 80 -y 24
sleep 1.3
cap "$TMP/s4"
awk 'length > 80 { bad = 1 } END { exit bad }' "$TMP/s4" || fail "80 columns: a line wider than 80: $(cat "$TMP/s4")"
grep -Eq '^latprobe --live .* [0-9]+ reads/s  lost [0-9]+$' "$TMP/s4" || fail "80 columns: header row 1: $(head -2 "$TMP/s4")"
grep -Eq '^sockets open [0-9]+ tracked [0-9]+  unit: read$' "$TMP/s4" || fail "80 columns: no 'unit: read': $(head -2 "$TMP/s4")"
grep -q "^127.0.0.1:$PORT <- 127.0.0.1:[0-9]* *tcpflow *[0-9]" "$TMP/s4" ||
	fail "80 columns: connection row missing: $(cat "$TMP/s4")"
grep -Eq '^    total p50 [0-9.]+  p99 [0-9.]+  slowest [a-z_]+ [0-9.]+$' "$TMP/s4" ||
	fail "80 columns: the connection's p50, p99 and slowest stage are cut: $(cat "$TMP/s4")"

# a small terminal: still one screen, header on top
tmux resize-window -t "$S" -x 60 -y 12 2>/dev/null || tmux resize-pane -t "$S" -x 60 -y 12
sleep 1.3
cap "$TMP/s3"
head -1 "$TMP/s3" | grep -q '^latprobe --live' || fail "small terminal: header scrolled away: $(cat "$TMP/s3")"

tmux send-keys -t "$S" C-c
for _ in $(seq 1 50); do
	[ -s "$TMP/rc" ] && break
	sleep 0.1
done
[ "$(cat "$TMP/rc" 2>/dev/null)" = 0 ] || fail "exit after Ctrl-C: $(cat "$TMP/rc" 2>/dev/null) $(cat "$TMP/err")"
pass "view refreshes in place, stages + connection shown, Ctrl-C exits 0"
