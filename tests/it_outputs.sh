#!/usr/bin/env bash
# Where reports are written and read, and how a run ends (issue 21): stdout,
# pipes, FIFOs and symlinks to them are written through, never replaced; an
# output that is an input, a pseudo-filesystem, a directory are refused in
# one line; `latprobe report` reads pipes and FIFOs bounded and a huge file
# in little memory; every signal that ends a run writes the report first, a
# closed stderr does not end it; no --output prints the breakdown table.
# The first half needs no privileges; the runs need root.
set -u
source "$(dirname "$0")/lib.sh"

F=$ROOT/tests/fixtures/report-a.json
G=$ROOT/tests/fixtures/report-b.json

# one_line RC WORDS CMD...: CMD exits RC, stderr is one line holding WORDS
one_line() {
	local want=$1 words=$2 rc
	shift 2
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ $rc -eq "$want" ] || fail "$*: exit $rc, want $want: $(cat "$TMP/err")"
	[ "$(grep -c '' "$TMP/err")" -eq 1 ] || fail "$*: not one line: $(cat "$TMP/err")"
	grep -q -- "$words" "$TMP/err" || fail "$*: '$words' not said: $(cat "$TMP/err")"
}
is_svg() { head -c 5 "$1" | grep -q '^<?xml' && grep -q '</svg>' "$1"; }

# --- writers write through what rename() would replace ----------------------
# a symlink to our stdout, the class /dev/stdout is in (checked first on a
# link of our own: a regression must not replace the machine's /dev/stdout)
ln -s /proc/self/fd/1 "$TMP/so"
"$LATPROBE" report "$F" --svg "$TMP/so" >"$TMP/pic" 2>"$TMP/err" ||
	fail "--svg symlink-to-stdout: $(cat "$TMP/err")"
[ -L "$TMP/so" ] || fail "--svg replaced the symlink to stdout with a file"
is_svg "$TMP/pic" || fail "--svg symlink-to-stdout: no picture on stdout: $(head -c 200 "$TMP/pic")"
"$LATPROBE" report "$F" --svg - >"$TMP/pic" 2>"$TMP/err" || fail "--svg -: $(cat "$TMP/err")"
is_svg "$TMP/pic" || fail "--svg -: stdout is not the picture alone: $(head -c 200 "$TMP/pic")"
[ ! -e ./- ] || fail "--svg - created a file named -"
before=$(ls -l /dev/stdout)
"$LATPROBE" report "$F" --html /dev/stdout 2>"$TMP/err" | grep -q '</html>' ||
	fail "--html /dev/stdout: no page through the pipe: $(cat "$TMP/err")"
[ "$(ls -l /dev/stdout)" = "$before" ] || fail "/dev/stdout changed: $(ls -l /dev/stdout)"
# a FIFO with its reader: written through, still a FIFO
mkfifo "$TMP/fifo"
cat "$TMP/fifo" >"$TMP/fifo.out" &
"$LATPROBE" report "$F" --svg "$TMP/fifo" >/dev/null 2>"$TMP/err" || fail "--svg FIFO: $(cat "$TMP/err")"
wait $!
[ -p "$TMP/fifo" ] || fail "the FIFO was replaced"
is_svg "$TMP/fifo.out" || fail "--svg FIFO: the reader got no picture"
# wsclient's --json-summary shares the writer: a feed nobody serves on
# loopback port 1 still gives a summary, through the symlink to stdout
"$BUILD/wsclient" --url ws://127.0.0.1:1/ --once --duration 1 \
	--json-summary "$TMP/so" >"$TMP/ws.out" 2>/dev/null
[ -L "$TMP/so" ] || fail "wsclient --json-summary replaced the symlink to stdout"
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["tool"] == "wsclient"' \
	"$TMP/ws.out" || fail "wsclient --json-summary: stdout is not the JSON alone: $(head -c 200 "$TMP/ws.out")"

# --- outputs refused up front, in one line -----------------------------------
cp "$F" "$TMP/run.json"
one_line 1 "refusing to overwrite an input" "$LATPROBE" report "$TMP/run.json" --svg "$TMP/run.json"
cmp -s "$F" "$TMP/run.json" || fail "--svg over its input changed the input"
ln -s run.json "$TMP/alias.json"
one_line 1 "refusing to overwrite an input" "$LATPROBE" report "$G" "$TMP/run.json" --html "$TMP/alias.json"
cmp -s "$F" "$TMP/run.json" || fail "--html over a compared input changed it"
one_line 1 "both" "$LATPROBE" report "$F" --svg "$TMP/p" --html "$TMP/p"
one_line 1 "pseudo-filesystem" "$LATPROBE" report "$F" --svg /proc/latprobe-test.svg
one_line 1 "pseudo-filesystem" "$LATPROBE" report "$F" --svg /sys/latprobe-test.svg

# --- the reader: pipes, FIFOs, directories, size, memory ----------------------
"$LATPROBE" report /dev/stdin <"$F" >"$TMP/out" 2>"$TMP/err" || fail "report /dev/stdin: $(cat "$TMP/err")"
grep -q '^total ' "$TMP/out" || fail "report /dev/stdin: no table"
cat "$F" | "$LATPROBE" report /dev/stdin >"$TMP/out" 2>"$TMP/err" || fail "report /dev/stdin (pipe): $(cat "$TMP/err")"
"$LATPROBE" report <(cat "$F") >"$TMP/out" 2>"$TMP/err" || fail "report <(cat): $(cat "$TMP/err")"
grep -q 'connections 3$' "$TMP/out" || fail "report <(cat): connections not counted: $(tail -1 "$TMP/out")"
# a FIFO whose writer comes a second later
mkfifo "$TMP/rfifo"
(sleep 1; cat "$F" >"$TMP/rfifo") &
"$LATPROBE" report "$TMP/rfifo" >"$TMP/out" 2>"$TMP/err" || fail "report FIFO: $(cat "$TMP/err")"
wait $!
# ... and one nobody writes to: ends within the 10 s bound, in one line
start=$SECONDS
one_line 1 "no data for 10 s" timeout 30 "$LATPROBE" report "$TMP/rfifo"
[ $((SECONDS - start)) -le 15 ] || fail "report FIFO without writer: $((SECONDS - start)) s"
one_line 1 "a directory" "$LATPROBE" report "$TMP"
truncate -s 13G "$TMP/sparse.json"
one_line 1 "larger than any report latprobe writes (12 GiB)" timeout 5 "$LATPROBE" report "$TMP/sparse.json"
rm -f "$TMP/sparse.json"
# 40,000 connections (~60 MiB): parsed whole, cJSON held ~40 times that
python3 - "$F" "$TMP/big.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
c = list(d["connections"].values())
d["connections"] = {"c%d" % i: c[i % len(c)] for i in range(40000)}
json.dump(d, open(sys.argv[2], "w"), indent="\t")
PY
/usr/bin/time -f '%M' -o "$TMP/rss" "$LATPROBE" report "$TMP/big.json" >"$TMP/out" 2>"$TMP/err" ||
	fail "report of 40000 connections: $(cat "$TMP/err")"
grep -q 'connections 40000$' "$TMP/out" || fail "40000 connections not counted: $(tail -1 "$TMP/out")"
rss=$(tail -1 "$TMP/rss")
info "report of $(stat -c %s "$TMP/big.json") bytes: peak RSS $rss KiB"
[ "$rss" -lt 65536 ] || fail "report of a $(stat -c %s "$TMP/big.json")-byte file took $rss KiB"
# wide N: the fixture with N more numbers outside connections (3 bytes each)
wide() {
	python3 - "$F" "$TMP/wide.json" "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["filler"] = [0] * int(sys.argv[3])
json.dump(d, open(sys.argv[2], "w"))
PY
}
# outside connections a report is bounded (4 MiB): over it, refused...
wide 1500000
one_line 1 "larger than any report latprobe writes (outside its connections)" \
	"$LATPROBE" report "$TMP/wide.json"
# ... under it, a memory error is named as one, not "invalid JSON"
wide 1000000
# ASan reserves terabytes of shadow address space: under SANITIZE=1 the
# address-space limit is the sanitizer's failure, not the reader's
if ldd "$LATPROBE" 2>/dev/null | grep -q libasan; then
	echo "  it_outputs: out-of-memory case not run under ASan (ulimit -v and its shadow memory do not mix)"
else
	one_line 1 "out of memory parsing it" bash -c "ulimit -v 40000; exec '$LATPROBE' report '$TMP/wide.json'"
fi

# --- runs: root, BPF -----------------------------------------------------------
if [ "$(id -u)" -ne 0 ]; then
	[ "${CI:-}" != true ] || fail "CI=true: the run cases need root"
	echo "SKIPPED $TEST_NAME: run cases (--output, signals): need root" >&2
	exit 77
fi
json_ok() { python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["schema"] == "latprobe/1"' "$1"; }

"$LATPROBE" --duration 1 --quiet --output - 2>"$TMP/err" | python3 -c 'import json,sys; json.load(sys.stdin)' ||
	fail "--output - | json.load: $(cat "$TMP/err")"
[ ! -e ./- ] || fail "--output - created a file named -"
"$LATPROBE" --duration 1 --quiet --output "$TMP/so" >"$TMP/out" 2>"$TMP/err" ||
	fail "--output symlink-to-stdout: $(cat "$TMP/err")"
[ -L "$TMP/so" ] || fail "--output replaced the symlink to stdout"
json_ok "$TMP/out" || fail "--output symlink-to-stdout: stdout is not the report"
before=$(ls -l /dev/stdout)
"$LATPROBE" --duration 1 --quiet --output /dev/stdout 2>"$TMP/err" | python3 -c 'import json,sys; json.load(sys.stdin)' ||
	fail "--output /dev/stdout | json.load: $(cat "$TMP/err")"
[ "$(ls -l /dev/stdout)" = "$before" ] || fail "/dev/stdout changed: $(ls -l /dev/stdout)"
one_line 1 "pseudo-filesystem" "$LATPROBE" --duration 1 --output /proc/latprobe-test.json
one_line 1 "pseudo-filesystem" "$LATPROBE" --duration 1 --output /sys/kernel/latprobe-test.json
one_line 1 "both write to stdout" "$LATPROBE" --duration 1 --live --output -
# a relative --output in the working directory (the start-up check used to
# look for its temporary file under "x.json/")
(cd "$TMP" && "$LATPROBE" --duration 1 --quiet --output rel.json) 2>"$TMP/err" ||
	fail "--output rel.json: $(cat "$TMP/err")"
json_ok "$TMP/rel.json" || fail "--output rel.json: no report"
# --pin-dir outside bpffs: refused, and nothing left behind
one_line 1 "not in a BPF filesystem" "$LATPROBE" --duration 1 --pin-dir "$TMP/pins"
[ ! -e "$TMP/pins" ] || fail "--pin-dir refused but $TMP/pins was left behind"

# no --output: the breakdown table at exit (none with --quiet); targets
# only for the flags given
"$LATPROBE" --duration 1 >"$TMP/out" 2>"$TMP/err" || fail "no --output: $(cat "$TMP/err")"
grep -q '^total ' "$TMP/out" || fail "no --output: no breakdown table on stdout: $(cat "$TMP/out")"
grep -q '^unit: ' "$TMP/out" || fail "no --output: no totals line"
"$LATPROBE" --duration 1 --quiet >"$TMP/out" 2>&1 || fail "--quiet run failed"
[ ! -s "$TMP/out" ] || fail "--quiet printed: $(head -3 "$TMP/out")"
"$LATPROBE" --duration 1 --quiet --output "$TMP/t.json" 2>"$TMP/err" || fail "run: $(cat "$TMP/err")"
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["targets"] == []' "$TMP/t.json" ||
	fail "targets without --pid/--client: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["targets"])' "$TMP/t.json")"

# --pid of a thread: its process is traced, said in one line
python3 -c 'import threading,time; threading.Thread(target=time.sleep,args=(30,)).start(); time.sleep(30)' &
py=$!
cleanup_add kill -9 $py
for _ in $(seq 1 50); do
	tid=$(ls /proc/$py/task 2>/dev/null | grep -vx "$py" | head -1)
	[ -n "$tid" ] && break
	sleep 0.1
done
[ -n "$tid" ] || fail "no thread in $py"
"$LATPROBE" --pid "$tid" --duration 1 --quiet --output "$TMP/tid.json" 2>"$TMP/err" ||
	fail "--pid TID: $(cat "$TMP/err")"
grep -q -- "--pid $tid is a thread of process $py: tracing process $py" "$TMP/err" ||
	fail "--pid TID: not said: $(cat "$TMP/err")"
python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["targets"]; assert [x["pid"] for x in t] == [int(sys.argv[2])], t' \
	"$TMP/tid.json" "$py" || fail "--pid TID: targets do not name the process"
kill -9 $py 2>/dev/null
wait $py 2>/dev/null

# every signal that ends a run writes the report first, exit 0
for sig in HUP USR1 USR2 QUIT ALRM; do
	rm -f "$TMP/sig.json"
	start_latprobe --output "$TMP/sig.json"
	kill -"$sig" "$LP_PID"
	for _ in $(seq 1 100); do
		kill -0 "$LP_PID" 2>/dev/null || break
		sleep 0.1
	done
	wait "$LP_PID"
	rc=$?
	[ $rc -eq 0 ] || fail "SIG$sig: exit $rc: $(tail -3 "$LP_ERR")"
	json_ok "$TMP/sig.json" || fail "SIG$sig: no report"
	grep -q "stopped by SIG$sig" "$LP_ERR" || fail "SIG$sig: not said: $(tail -3 "$LP_ERR")"
done
# a closed stderr (SIGPIPE, EPIPE) does not end the run
"$LATPROBE" --duration 3 --output "$TMP/pipe.json" 2>&1 | head -1 >/dev/null
rc=${PIPESTATUS[0]}
[ "$rc" -eq 0 ] || fail "2>&1 | head -1: exit $rc"
json_ok "$TMP/pipe.json" || fail "2>&1 | head -1: no full report"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["duration_seconds"] >= 2.9, d["duration_seconds"]' \
	"$TMP/pipe.json" || fail "2>&1 | head -1: the run was cut short"
pass
