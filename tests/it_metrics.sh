#!/usr/bin/env bash
# --metrics: latprobe serves /metrics while it traces two loopback TCP flows;
# `promtool check metrics` is clean on a real scrape, bucket counts and the
# connection cap hold, and Debian's real prometheus server scraping every
# second has the series in its query API. A bad --metrics flag exits 2 and
# a busy port 1, each with one line.
set -u
source "$(dirname "$0")/lib.sh"
need_root
for t in curl promtool prometheus python3; do
	command -v $t >/dev/null || skip "$t not installed (scripts/install-deps.sh)"
done

FPORT=$((20000 + RANDOM % 20000))

start_latprobe --port "$FPORT" --metrics 127.0.0.1:0 --metrics-max-connections 1
MADDR=$(sed -n 's|^latprobe: metrics on http://\([^/]*\)/metrics$|\1|p' "$LP_ERR")
[ -n "$MADDR" ] || fail "no 'metrics on' line: $(cat "$LP_ERR")"

# the HTTP thread faces the network: it starts after the capability drop,
# so every thread (not only the main one) holds CAP_DAC_OVERRIDE at most
nthreads=0
for st in /proc/"$LP_PID"/task/*/status; do
	nthreads=$((nthreads + 1))
	for c in CapEff CapPrm CapBnd; do
		v=$(awk -v k="$c:" '$1 == k { print $2 }' "$st")
		[ "$v" = 0000000000000002 ] ||
			fail "thread $(basename "$(dirname "$st")"): $c $v, want 0000000000000002"
	done
	[ "$(awk '$1 == "NoNewPrivs:" { print $2 }' "$st")" = 1 ] ||
		fail "thread $(basename "$(dirname "$st")"): NoNewPrivs not set"
done
[ "$nthreads" -ge 2 ] || fail "no HTTP thread: $nthreads thread(s)"

# bad flags: exit 2 and one line; a busy port: exit 1 and one line, before
# attaching anything
# expect_err RC LINE ARGS...: latprobe ARGS exits RC, its stderr is just LINE
expect_err() {
	local want=$1 line=$2 rc
	shift 2
	"$LATPROBE" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ $rc -eq "$want" ] || fail "latprobe $*: exit $rc, want $want ($(cat "$TMP/err"))"
	[ "$(grep -c '' "$TMP/err")" -eq 1 ] || fail "latprobe $*: not one line: $(cat "$TMP/err")"
	[ "$(cat "$TMP/err")" = "$line" ] ||
		fail "latprobe $*: got '$(cat "$TMP/err")', want '$line'"
}
for bad in nope 127.0.0.1 127.0.0.1:70000 ::1:80 '[::1]'; do
	expect_err 2 "latprobe: invalid --metrics (ADDR:PORT) '$bad'" \
		--metrics "$bad" --duration 1
done
expect_err 2 "latprobe: invalid --metrics-max-connections (0-1000) '1001'" \
	--metrics 127.0.0.1:0 --metrics-max-connections 1001 --duration 1
expect_err 1 "latprobe: --metrics $MADDR: cannot listen: Address already in use" \
	--metrics "$MADDR" --duration 1

# two connections, one after the other: the cap exports the first only
for i in 1 2; do
	"$BUILD/tcpflow" recv 127.0.0.1 "$FPORT" -t 10 >"$TMP/recv$i.out" &
	rx=$!
	cleanup_add kill -9 $rx
	sleep 0.2
	"$BUILD/tcpflow" send 127.0.0.1 "$FPORT" -n 150 -m 200 -i 500 \
		>/dev/null || fail "sender $i failed"
	wait $rx || fail "receiver $i failed"
done
sleep 1.3 # one render tick

curl -sf -o "$TMP/m.txt" -D "$TMP/h.txt" "http://$MADDR/metrics" || fail "curl /metrics"
grep -qi '^content-type: text/plain; version=0.0.4' "$TMP/h.txt" || fail "content type: $(cat "$TMP/h.txt")"
promtool check metrics <"$TMP/m.txt" >"$TMP/promtool.out" 2>&1 ||
	fail "promtool check metrics: $(head -5 "$TMP/promtool.out")"
curl -s -o /dev/null -w '%{http_code}' "http://$MADDR/nope" | grep -q 404 || fail "404 for other paths"

python3 - "$TMP/m.txt" "$FPORT" "$TMP/recv1.out" <<'PY' || fail "exposition content"
import re, sys
text, fport = open(sys.argv[1]).read(), sys.argv[2]
rx = dict(kv.split("=") for kv in open(sys.argv[3]).read().split()[-2:])
errs = []
def check(c, m):
    if not c: errs.append(m)
val = {}
for line in text.splitlines():
    if line and not line.startswith("#"):
        k, v = line.rsplit(" ", 1)
        val[k] = float(v)
check(val.get("latprobe_events_total", 0) > 0, "events_total > 0")
check("latprobe_lost_events_total" in val, "lost_events_total present")
check(val.get("latprobe_connections_unexported_total", 0) >= 1, "second connection unexported")
conns = {m.group(1) for m in re.finditer(r'connection="([^"]*)"', text)}
own = [c for c in conns if c != "other"]
check(len(own) == 1 and own[0].startswith(f"127.0.0.1:{fport} -> "), f"one exported connection: {conns}")
check("other" in conns, "connection=\"other\" sums the rest")
check('connection="other",cgroup="other"' in text, "the rest: cgroup=\"other\"")
if own:
    # its owner's cgroup v2 path (docs/cgroups.md), the same on every series
    cgs = set(re.findall(r'connection="%s",cgroup="([^"]*)"' % re.escape(own[0]), text))
    check(len(cgs) == 1 and next(iter(cgs)).startswith("/"), f"one cgroup label: {cgs}")
    cg = next(iter(cgs), "")
    lab = f'connection="{own[0]}",cgroup="{cg}"'
    reads = val.get(f'latprobe_connection_reads_total{{{lab}}}')
    check(reads == int(rx["reads"]), f"reads {reads} == receiver {rx['reads']}")
    # cumulative buckets: non-decreasing, +Inf == _count
    pre = f'latprobe_stage_seconds_bucket{{stage="total",{lab},le='
    b = [(k, v) for k, v in val.items() if k.startswith(pre)]
    check(len(b) == 22, f"22 buckets, got {len(b)}")
    vs = [v for _, v in b]
    check(vs == sorted(vs), "buckets cumulative")
    cnt = val.get(f'latprobe_stage_seconds_count{{stage="total",{lab}}}')
    check(vs and vs[-1] == cnt and cnt > 0, f"+Inf {vs[-1] if vs else None} == count {cnt}")
check(re.search(r'latprobe_probe_info\{probe="tcp_recvmsg",mechanism="(fentry|kprobe|tracepoint)"\} 1', text), "probe_info")
for e in errs: print("  " + e, file=sys.stderr)
sys.exit(1 if errs else 0)
PY

# Debian's prometheus scraping latprobe every second
PPORT=$(free_port)
mkdir -p "$TMP/prom"
cat >"$TMP/prom/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: latprobe
    static_configs:
      - targets: ['$MADDR']
EOF
prometheus --config.file="$TMP/prom/prometheus.yml" \
	--storage.tsdb.path="$TMP/prom/data" \
	--web.listen-address="127.0.0.1:$PPORT" >"$TMP/prom.log" 2>&1 &
PROM=$!
cleanup_add kill -9 $PROM
q() { curl -sf --get "http://127.0.0.1:$PPORT/api/v1/query" --data-urlencode "query=$1"; }
got=
for _ in $(seq 1 40); do
	kill -0 $PROM 2>/dev/null || fail "prometheus exited: $(tail -3 "$TMP/prom.log")"
	got=$(q latprobe_events_total | python3 -c '
import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r and float(r[0]["value"][1]) > 0 else "")' 2>/dev/null)
	[ -n "$got" ] && break
	sleep 0.5
done
[ -n "$got" ] || fail "prometheus has no latprobe_events_total > 0: $(q 'up' 2>&1 | head -c 300)"
q 'up{job="latprobe"}' | grep -q '"1"\]' || fail "up{job=latprobe} != 1"
q 'histogram_quantile(0.5, sum by (le) (latprobe_stage_seconds_bucket{stage="total"}))' \
	>"$TMP/p50.json" || fail "histogram_quantile query"
p50=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["data"]["result"][0]["value"][1])' "$TMP/p50.json") ||
	fail "no total p50 in prometheus: $(cat "$TMP/p50.json")"
kill $PROM
stop_latprobe
pass "promtool clean, cap 1 + other, prometheus: events_total=$got, total p50 ~${p50} s"
