#!/usr/bin/env bash
# /metrics after hostile clients (issue 21.2): 80 clients that send part of
# a request and close, 20 that send part of a request and stay idle
# (slowloris) and a slow scraper reading its answer a few bytes at a time;
# beside them a normal scrape answers within 3 s, the idle ones are closed
# by the server, no socket is left in CLOSE-WAIT, and after 40 idle
# connections from one address (more than its share) a scrape answers
# within the idle timeout.
set -u
source "$(dirname "$0")/lib.sh"
need_root
for t in curl python3 ss; do
	command -v $t >/dev/null || skip "$t not installed (scripts/install-deps.sh)"
done

start_latprobe --port 1 --metrics 127.0.0.1:0
MADDR=$(sed -n 's|^latprobe: metrics on http://\([^/]*\)/metrics$|\1|p' "$LP_ERR")
[ -n "$MADDR" ] || fail "no 'metrics on' line: $(cat "$LP_ERR")"
MPORT=${MADDR##*:}
for _ in $(seq 1 30); do # the first render tick
	[ "$(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://$MADDR/metrics")" = 200 ] && break
	sleep 0.2
done

python3 - "$MPORT" <<'PY' || fail "hostile clients: see above"
import socket, subprocess, sys, threading, time
port = int(sys.argv[1])
url = f"http://127.0.0.1:{port}/metrics"
errs = []

def scrape(limit):
    t0 = time.monotonic()
    r = subprocess.run(["curl", "-s", "-m", str(limit), "-o", "/dev/null",
                        "-w", "%{http_code}", url], capture_output=True, text=True)
    return r.stdout, time.monotonic() - t0

def conn(data):
    s = socket.create_connection(("127.0.0.1", port), timeout=2)
    s.sendall(data)
    return s

def slow_scraper(out):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
    s.settimeout(20)
    s.connect(("127.0.0.1", port))
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    got = b""
    while True:
        b = s.recv(256)
        if not b:
            break
        got += b
        time.sleep(0.05)
    out.append(got)

slow = []
th = threading.Thread(target=slow_scraper, args=(slow,))
th.start()
idle = [conn(b"GET /metrics HTTP/1.1\r\nHost: x\r\n") for _ in range(20)]
stuck = 0
for _ in range(80):
    try:
        conn(b"GET /metr").close()
    except OSError:
        stuck += 1 # the backlog is full: the server stopped accepting
if stuck:
    errs.append(f"{stuck} of 80 partial-request clients could not connect")
code, dt = scrape(3)
print(f"  scrape beside 20 idle and 80 closed partial requests: {code} in {dt:.2f} s", file=sys.stderr)
if code != "200":
    errs.append(f"scrape beside hostile clients: HTTP '{code}' after {dt:.1f} s")

# the server closes idle connections: each sees EOF within 5 s + margin
deadline = time.monotonic() + 9
closed = 0
for s in idle:
    s.settimeout(max(0.1, deadline - time.monotonic()))
    try:
        if s.recv(1) == b"":
            closed += 1
    except OSError:
        pass
    s.close()
print(f"  idle connections closed by the server: {closed}/20", file=sys.stderr)
if closed != 20:
    errs.append(f"{20 - closed} of 20 idle connections not closed by the server")
th.join(25)
if not slow or b" 200 " not in slow[0].split(b"\r\n")[0] or b"latprobe_events_total" not in slow[0]:
    errs.append("the slow scraper got no full answer")
cw = subprocess.run(["ss", "-Htn", "state", "close-wait", f"( sport = :{port} )"],
                    capture_output=True, text=True).stdout.split("\n")
cw = [l for l in cw if l.strip()]
if cw:
    errs.append(f"{len(cw)} sockets in CLOSE-WAIT on the metrics port")

# more idle connections from one address than its share: a scrape still
# answers once the idle timeout frees a slot
idle = []
for _ in range(40):
    try:
        idle.append(conn(b"GET / HTTP/1.1\r\n"))
    except OSError:
        pass
t0 = time.monotonic()
ok = False
while time.monotonic() - t0 < 10 and not ok:
    ok = scrape(2)[0] == "200"
    if not ok:
        time.sleep(0.2)
print(f"  scrape after 40 idle connections: {'200' if ok else 'none'} in {time.monotonic() - t0:.2f} s", file=sys.stderr)
if not ok:
    errs.append("no scrape answered within 10 s of 40 idle connections")
for s in idle:
    s.close()
for e in errs:
    print("  " + e, file=sys.stderr)
sys.exit(1 if errs else 0)
PY
kill -0 "$LP_PID" 2>/dev/null || fail "latprobe exited: $(tail -3 "$LP_ERR")"
stop_latprobe
pass "scrapes answer beside partial, idle and slow clients"
