#!/usr/bin/env bash
# dist/prometheus: promtool check rules and promtool test rules (the unit
# tests in latprobe-rules.test.yml), and the tests catch a changed threshold.
# dist/grafana: the dashboard is JSON Grafana provisions (uid, datasource
# variable on every panel), every panel's query is valid PromQL (promtool
# parses it as a rule) and names only metrics latprobe exports
# (docs/metrics.md's table) or Prometheus's up.
set -u
source "$(dirname "$0")/lib.sh"
for t in promtool python3; do
	command -v $t >/dev/null || skip "$t not installed (scripts/install-deps.sh)"
done
P=$ROOT/dist/prometheus
promtool check rules "$P/latprobe-rules.yml" >"$TMP/check" 2>&1 ||
	fail "promtool check rules: $(cat "$TMP/check")"
(cd "$P" && promtool test rules latprobe-rules.test.yml) >"$TMP/test" 2>&1 ||
	fail "promtool test rules: $(cat "$TMP/test")"
# the unit tests fail when an alert's threshold moves
cp "$P/latprobe-rules.test.yml" "$TMP/"
sed 's/{stage="total"} > 0.001$/{stage="total"} > 0.01/' "$P/latprobe-rules.yml" >"$TMP/latprobe-rules.yml"
cmp -s "$P/latprobe-rules.yml" "$TMP/latprobe-rules.yml" && fail "no p99 threshold to change"
(cd "$TMP" && promtool test rules latprobe-rules.test.yml) >/dev/null 2>&1 &&
	fail "the rule tests pass with a p99 threshold of 10 ms"

# the names latprobe exports: docs/metrics.md's table
sed -n 's/^| `\([a-z_]*\)` |.*/\1/p' "$ROOT/docs/metrics.md" >"$TMP/names"
[ "$(wc -l <"$TMP/names")" -ge 10 ] || fail "docs/metrics.md: no metric table"
python3 - "$ROOT/dist/grafana/latprobe-dashboard.json" "$P/latprobe-rules.yml" \
	"$TMP/names" "$TMP/panels.yml" <<'PY' || fail "dashboard: see above"
import json, re, sys
dash = json.load(open(sys.argv[1]))
rules = open(sys.argv[2]).read()
names = set(open(sys.argv[3]).read().split()) | {"up"}
recorded = set(re.findall(r"record: (\S+)", rules))
bad = []
assert dash.get("uid") and dash.get("title"), "uid and title"
vars_ = {v["name"]: v for v in dash["templating"]["list"]}
assert vars_["datasource"]["type"] == "datasource", "a datasource variable"
for v in ("instance", "cgroup", "connection"):
    assert v in vars_ and "label_values(" in vars_[v]["definition"], v
exprs = [vars_[v]["definition"][len("label_values("):].rsplit(",", 1)[0]
         for v in ("instance", "cgroup", "connection")]
kinds = set()
for p in dash["panels"]:
    kinds.add(p["type"])
    if p["datasource"] != {"type": "prometheus", "uid": "${datasource}"}:
        bad.append(f"{p['title']}: datasource {p['datasource']}")
    if not p.get("targets"):
        bad.append(f"{p['title']}: no query")
    exprs += [t["expr"] for t in p.get("targets", [])]
for k in ("timeseries", "heatmap"):
    if k not in kinds:
        bad.append(f"no {k} panel")
out = open(sys.argv[4], "w")
out.write("groups:\n  - name: panels\n    rules:\n")
for i, e in enumerate(exprs):
    e = (e.replace("$__rate_interval", "1m").replace("$instance", ".*")
          .replace("$connection", ".*").replace("$cgroup", ".*"))
    if "$" in e:
        bad.append(f"unknown variable in {e}")
    out.write(f"      - record: panel_{i}\n        expr: {json.dumps(e)}\n")
    for m in re.findall(r"\b([a-z_:]+)(?:\{|\[)", e):
        m = re.sub(r"_(bucket|sum|count)$", "", m)
        if m not in names and m not in recorded:
            bad.append(f"{m}: not a metric latprobe exports (docs/metrics.md)")
print("\n".join(bad), file=sys.stderr)
print(f"  {len(exprs)} queries, {len(dash['panels'])} panels", file=sys.stderr)
sys.exit(1 if bad else 0)
PY
promtool check rules "$TMP/panels.yml" >"$TMP/pcheck" 2>&1 ||
	fail "a dashboard query is not valid PromQL: $(grep -v SUCCESS "$TMP/pcheck" | head -5)"
pass "$(sed -n 's/.*SUCCESS: \([0-9]*\) rules found/\1/p' "$TMP/check") rules pass their unit tests; dashboard queries valid"
