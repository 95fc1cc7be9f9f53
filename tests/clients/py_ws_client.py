#!/usr/bin/python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""A market-data client nobody here wrote the stack of: Python `websockets`
(Debian's python3-websockets 10.4) over ws:// or wss://, run with
/usr/bin/python3. It records its own ground truth as JSON:

  messages, message_bytes     what the application received
  ssl_reads, ssl_read_bytes   SSLObject.read calls that returned data, and
                              their bytes: each is one SSL_read_ex in
                              CPython's _ssl, what latprobe's TLS probes see

asyncio does its TLS through a memory BIO: the socket is read by the event
loop (recv_into) and SSL_read_ex only decrypts what was already fed to it.

--wait-file: import everything (so libssl is mapped) and print "ready", then
wait until the file exists before connecting, so a tracer can attach first.
"""
import argparse
import asyncio
import json
import os
import ssl
import sys
import time

import websockets

SSL_READS = 0
SSL_READ_BYTES = 0
_orig_read = ssl.SSLObject.read


def counting_read(self, *args, **kw):
    global SSL_READS, SSL_READ_BYTES
    r = _orig_read(self, *args, **kw)
    n = r if isinstance(r, int) else len(r)
    if n > 0:
        SSL_READS += 1
        SSL_READ_BYTES += n
    return r


ssl.SSLObject.read = counting_read


async def run(a):
    ctx = None
    if a.url.startswith("wss://"):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE  # the feed's self-signed test cert
    got = nbytes = 0
    deadline = time.monotonic() + a.duration
    async with websockets.connect(a.url, ssl=ctx, max_size=None,
                                  compression=None) as ws:
        while got < a.count:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                m = await asyncio.wait_for(ws.recv(), timeout=left)
            except asyncio.TimeoutError:
                break
            got += 1
            nbytes += len(m)
    return got, nbytes


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--count", type=int, default=100)
    p.add_argument("--duration", type=float, default=20.0)
    p.add_argument("--json", required=True)
    p.add_argument("--wait-file")
    a = p.parse_args()
    if a.wait_file:
        print("ready", flush=True)
        for _ in range(300):  # at most 30 s
            if os.path.exists(a.wait_file):
                break
            time.sleep(0.1)
        else:
            print("py_ws_client: wait file never appeared", file=sys.stderr)
            return 1
    got, nbytes = asyncio.run(run(a))
    with open(a.json, "w") as f:
        json.dump({"pid": os.getpid(), "messages": got,
                   "message_bytes": nbytes, "ssl_reads": SSL_READS,
                   "ssl_read_bytes": SSL_READ_BYTES}, f)
    return 0 if got == a.count else 1


if __name__ == "__main__":
    sys.exit(main())
