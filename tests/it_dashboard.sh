#!/usr/bin/env bash
# The Grafana dashboard against real data: latprobe --metrics traces a
# loopback flow, Debian's prometheus scrapes it every second with
# latprobe-rules.yml loaded, and every panel's query (the variables as
# "All", $__rate_interval 5s) and the instance and connection variables'
# label_values return data from Prometheus's HTTP API.
set -u
source "$(dirname "$0")/lib.sh"
need_root
for t in curl prometheus python3; do
	command -v $t >/dev/null || skip "$t not installed (scripts/install-deps.sh)"
done
[ -x "$BUILD/tcpflow" ] || skip "$BUILD/tcpflow not built (make)"
DASH=$ROOT/dist/grafana/latprobe-dashboard.json
FPORT=$((20000 + RANDOM % 20000))
PPORT=
for _ in $(seq 1 50); do
	p=$((40000 + RANDOM % 20000))
	ss -Htln "sport = :$p" | grep -q . || { PPORT=$p; break; }
done
[ -n "$PPORT" ] || fail "no free port"

start_latprobe --port "$FPORT" --metrics 127.0.0.1:0
MADDR=$(sed -n 's|^latprobe: metrics on http://\([^/]*\)/metrics$|\1|p' "$LP_ERR")
[ -n "$MADDR" ] || fail "no 'metrics on' line: $(cat "$LP_ERR")"
mkdir -p "$TMP/prom"
cp "$ROOT/dist/prometheus/latprobe-rules.yml" "$TMP/prom/"
cat >"$TMP/prom/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - latprobe-rules.yml
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

# a flow for the whole check: 50 messages a second, up to 30 s
"$BUILD/tcpflow" recv 127.0.0.1 "$FPORT" -t 40 >/dev/null &
RX=$!
cleanup_add kill -9 $RX
sleep 0.2
"$BUILD/tcpflow" send 127.0.0.1 "$FPORT" -n 1500 -m 100 -i 20000 >/dev/null &
TX=$!
cleanup_add kill -9 $TX

# every query non-empty, each retried for up to 20 s (scrapes accumulate)
python3 - "$DASH" "$PPORT" <<'PY' || fail "a panel has no data (above)"
import json, sys, time, urllib.parse, urllib.request
dash, port = json.load(open(sys.argv[1])), sys.argv[2]
api = f"http://127.0.0.1:{port}/api/v1/"
def get(path, **params):
    url = api + path + "?" + urllib.parse.urlencode(params, doseq=True)
    try:
        return json.load(urllib.request.urlopen(url, timeout=5))["data"]
    except OSError:
        return None
sub = lambda e: (e.replace("$__rate_interval", "5s").replace("$instance", ".*")
                 .replace("$connection", ".*").replace("$cgroup", ".*"))
checks = []
for v in dash["templating"]["list"]:
    if v["type"] == "query":  # label_values(SELECTOR, LABEL)
        sel, label = v["definition"][len("label_values("):-1].rsplit(",", 1)
        checks.append((f"variable {v['name']}",
                       lambda s=sub(sel), l=label.strip(): get(f"label/{l}/values", **{"match[]": s})))
for p in dash["panels"]:
    for t in p["targets"]:
        checks.append((f"panel '{p['title']}' {t['refId']}",
                       lambda e=sub(t["expr"]): (get("query", query=e) or {}).get("result")))
end, left = time.time() + 20, checks
while left and time.time() < end:
    left = [(n, f) for n, f in left if not f()]
    if left:
        time.sleep(1)
for n, _ in left:
    print(f"  no data: {n}", file=sys.stderr)
print(f"  {len(checks) - len(left)}/{len(checks)} queries returned data", file=sys.stderr)
sys.exit(1 if left else 0)
PY
kill $TX $PROM 2>/dev/null
stop_latprobe
pass "every panel's query and the variables return data from a real scrape"
