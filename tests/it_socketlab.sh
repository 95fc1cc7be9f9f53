#!/usr/bin/env bash
# Quick run of the socket lab scripts (issue 5) with tiny parameters into a
# temporary results directory, then a check of each artifact's fields and
# internal consistency. Exit 0 PASS, 1 FAIL, 77 SKIPPED (with the reason).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-${LP_BUILD:-$ROOT/build}}

skip()
{
	echo "it_socketlab: SKIPPED: $*"
	exit 77
}

[ "$(uname -s)" = Linux ] || skip "needs Linux"
[ "$(id -u)" = 0 ] || skip "needs root (network namespace, BPF)"
for t in python3 strace ss ip timeout; do
	command -v "$t" >/dev/null || skip "missing $t (make deps)"
done
for b in udp_burst tcp_feed conn_load; do
	[ -x "$BUILD/$b" ] || skip "$BUILD/$b not built (make tools)"
done

out=$(mktemp -d /tmp/it_socketlab.XXXXXX)
trap 'rm -rf "$out"' EXIT
export RESULTS_DIR=$out LATPROBE_WARMUP=${LATPROBE_WARMUP:-2}
fail=0

run()
{
	local name=$1 rc
	shift
	env "$@" timeout 50 "$ROOT/scripts/$name.sh" >"$out/$name.log" 2>&1
	rc=$?
	if [ $rc -ne 0 ]; then
		echo "it_socketlab: $name.sh exited $rc:"
		tail -n 15 "$out/$name.log"
		fail=1
	fi
}

run socket_stress STRESS_TRIALS=1 STRESS_COUNT=20000 STRESS_PORT=19480
run profile_io PROFILE_CONNECTIONS=50 PROFILE_MESSAGES=20 PROFILE_PORT=18480
run socket_load LOAD_COUNTS="5 20" LOAD_TRIALS=2 LOAD_PORT=18680

python3 - "$out" <<'EOF' || fail=1
import json, os, sys

out = sys.argv[1]
errors = []


def check(cond, what):
    if not cond:
        errors.append(what)


def load(name):
    try:
        with open(os.path.join(out, name + ".json")) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        errors.append("%s.json: %s" % (name, e))
        return None
    check(os.path.getsize(os.path.join(out, name + ".txt")) > 0,
          name + ".txt empty")
    m = doc.get("metadata", {})
    for k in ("os", "kernel", "cpu_model", "compiler", "git_commit",
              "git_tree", "parameters", "date"):
        check(k in m, "%s: metadata.%s missing" % (name, k))
    return doc


d = load("socket_stress")
if d:
    check(len(d["trials"]) == 3, "socket_stress: expected 3 trials")
    for t in d["trials"]:
        check(t["loss"] == t["published"] - t["received"],
              "socket_stress: loss != published - received")
        check(t["granted_rcvbuf"] > 0, "socket_stress: no granted size")
        check(all(t["checks"].values()),
              "socket_stress: %s trial %d: %s" % (t["buffer"], t["trial"],
                                                   t["checks"]))
    lp = [t["latprobe"]["status"] for t in d["trials"]]
    print("it_socketlab: socket_stress latprobe: %s" % lp[0])

d = load("profile_io")
if d:
    a = d["passes"].get("a", {})
    pd = a.get("server_proc_delta")
    check(pd is not None, "profile_io: pass a has no /proc delta")
    if pd:
        check(abs(pd["user_s"] + pd["system_s"] - pd["cpu_s"]) < 1e-9,
              "profile_io: user + system != cpu")
    for p in ("a", "b", "c"):
        cl = d["passes"].get(p, {}).get("client")
        if p != "c" or cl:
            check(cl and cl["ok"] == 50 and cl["errors"] == 0,
                  "profile_io: pass %s client %s" % (p, cl))
    names = {r["syscall"] for r in d["passes"].get("b", {}).get("syscalls", [])}
    check(names & {"accept", "accept4"}, "profile_io: no accept in strace mix")
    check(d["conclusions"]["all_checks_pass"],
          "profile_io: %s" % d["conclusions"]["failures"])

d = load("socket_load")
if d:
    check(len(d["cells"]) == 4, "socket_load: expected 4 cells")
    for c in d["cells"]:
        check(c["ok"] == c["clients"] * c["trials"] and c["errors"] == 0,
              "socket_load: %s n=%d ok=%d" % (c["mode"], c["clients"],
                                              c["ok"]))
    for mode, s in d["servers"].items():
        check(s and s["completed"] == s["client_ok_total"],
              "socket_load: %s server/client counts differ" % mode)

for e in errors:
    print("it_socketlab: " + e)
sys.exit(1 if errors else 0)
EOF

if [ $fail -ne 0 ]; then
	echo "it_socketlab: FAIL"
	exit 1
fi
echo "it_socketlab: PASS"
