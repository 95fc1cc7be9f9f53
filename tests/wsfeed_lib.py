# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Helpers for the wsfeed protocol checks (tests/wsfeed_*.py).

Feed: start build/wsfeed on an ephemeral loopback port, stop it.
RawWS: a minimal RFC 6455 client on a plain socket, for what a library
client hides: the server's ping frames and payloads, answering them (or
not), unsolicited pongs, close codes and reasons.
collect: the text frames of one connection, parsed; replies: the next
request replies; per_stream, in_parallel: combined payloads counted per
stream, functions run at once.
"""
import base64
import json
import os
import re
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time

FAILS = []
COUNT = [0]


def check(ok, what):
    COUNT[0] += 1
    if ok:
        print("  ok   " + what)
    else:
        FAILS.append(what)
        print("  FAIL " + what)
    sys.stdout.flush()
    return ok


def finish():
    print("%d/%d checks passed" % (COUNT[0] - len(FAILS), COUNT[0]))
    print("FAIL" if FAILS else "PASS")
    sys.exit(1 if FAILS else 0)


class Feed:
    """build/wsfeed --port 0 ARGS, bounded by --duration."""

    def __init__(self, binary, *args, duration=30):
        self.proc = subprocess.Popen(
            [binary, "--port", "0", "--duration", str(duration)] + list(args),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.port = None
        self.tls = "--tls" in args
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            m = re.search(r"listening on wss?://[^:]+:(\d+)$", line.strip())
            if m:
                self.port = int(m.group(1))
                return
        raise RuntimeError("wsfeed did not start: %s" % " ".join(args))

    def url(self, path):
        return "%s://127.0.0.1:%d%s" % ("wss" if self.tls else "ws",
                                        self.port, path)

    def stop(self):
        """SIGTERM, then the one-line summary (stdout)."""
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            out, _ = self.proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, _ = self.proc.communicate()
        return out

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def http_upgrade(port, path, tls=False):
    """Send a WebSocket upgrade request; return (status, headers, body)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    if tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        s = ctx.wrap_socket(s)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n" % (path, key)).encode())
    data = b""
    while True:
        try:
            chunk = s.recv(65536)
        except (ConnectionError, socket.timeout, ssl.SSLError):
            break
        if not chunk:
            break
        data += chunk
        if b"\r\n\r\n" in data and data.startswith(b"HTTP/1.1 101"):
            break
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode(errors="replace").split("\r\n")
    status = int(lines[0].split()[1]) if lines and lines[0] else 0
    headers = dict(l.split(": ", 1) for l in lines[1:] if ": " in l)
    return status, {k.lower(): v for k, v in headers.items()}, body


class RawWS:
    """Blocking RFC 6455 client: frames in and out as they are."""

    def __init__(self, port, path, tls=False):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=5)
        if tls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            self.s = ctx.wrap_socket(self.s)
        key = base64.b64encode(os.urandom(16)).decode()
        self.s.sendall((
            "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n" % (path, key)).encode())
        self.buf = b""
        self.closed = None
        while b"\r\n\r\n" not in self.buf:
            chunk = self.s.recv(4096)
            if not chunk:
                raise ConnectionError("closed during the handshake")
            self.buf += chunk
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 101"):
            raise ConnectionError(head.split(b"\r\n")[0].decode())

    def _need(self, n):
        while len(self.buf) < n:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv(self, timeout):
        """One frame: (opcode, payload, monotonic time), None on timeout."""
        self.s.settimeout(timeout)
        try:
            b0, b1 = self._need(2)
        except socket.timeout:
            return None
        self.s.settimeout(5)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self._need(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self._need(8))[0]
        f = (b0 & 0x0F, self._need(n), time.monotonic())
        if f[0] == 8:
            self.closed = f
        return f

    def send(self, opcode, payload=b""):
        if isinstance(payload, str):
            payload = payload.encode()
        mask = os.urandom(4)
        hdr = bytes([0x80 | opcode])
        n = len(payload)
        if n < 126:
            hdr += bytes([0x80 | n])
        elif n < 65536:
            hdr += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            hdr += bytes([0x80 | 127]) + struct.pack("!Q", n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.s.sendall(hdr + mask + masked)

    def wait_close(self, timeout, answer_pings=True):
        """Read until a close frame or EOF: (code, reason, time) or None."""
        end = time.monotonic() + timeout
        while time.monotonic() < end and not self.closed:
            try:
                f = self.recv(max(0.01, end - time.monotonic()))
            except (EOFError, ConnectionError, OSError):
                return (None, "", time.monotonic())
            if f is None:
                return None
            op, data, t = f
            if op == 9 and answer_pings:
                self.send(10, data)
        if not self.closed:
            return None
        _, data, t = self.closed
        code = struct.unpack("!H", data[:2])[0] if len(data) >= 2 else None
        return (code, data[2:].decode(errors="replace"), t)

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


def collect(port, path, secs):
    """Text frames (parsed JSON) received on PATH for SECS seconds."""
    ws = RawWS(port, path)
    out = []
    end = time.monotonic() + secs
    while time.monotonic() < end:
        try:
            f = ws.recv(max(0.01, end - time.monotonic()))
        except (EOFError, OSError):
            break
        if f is None:
            break
        if f[0] == 9:
            ws.send(10, f[1])
        elif f[0] == 1:
            out.append(json.loads(f[1]))
        elif f[0] == 8:
            break
    ws.close()
    return out


def replies(ws, n, timeout=5):
    """The next n replies (frames with "result" or "error"), and payloads."""
    out, data = [], []
    end = time.monotonic() + timeout
    while len(out) < n and time.monotonic() < end:
        try:
            f = ws.recv(end - time.monotonic())
        except (EOFError, OSError):
            break
        if f is None or f[0] == 8:
            break
        if f[0] != 1:
            continue
        j = json.loads(f[1])
        if isinstance(j, dict) and ("result" in j or "error" in j):
            out.append(j)
        else:
            data.append(j)
    return out, data


def per_stream(msgs):
    """Combined payloads counted per stream name."""
    n = {}
    for m in msgs:
        n[m["stream"]] = n.get(m["stream"], 0) + 1
    return n


def in_parallel(jobs):
    """Run each (name, function) at once; return {name: result}."""
    res = {}

    def run(name, fn):
        res[name] = fn()
    ts = [threading.Thread(target=run, args=j) for j in jobs]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return res
