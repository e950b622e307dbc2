#!/usr/bin/env python3
"""What --conn-memory trades: the largest request head accepted against the memory an idle
keep-alive connection keeps.

For each size, starts the Quick Start with --conn-memory SIZE, finds the largest head (a GET
with one padding header) answered 200 rather than 414/431 by bisection, then opens N
keep-alive connections that each make one GET / and stay open, and reports the server's RSS
growth per connection. libmicrohttpd zeroes its whole per-connection memory after every
request, so that memory is resident in every idle connection that has served one.

    bench/conn_memory.py [BINARY] [N] [SIZES...]
    # defaults: build/examples/quickstart 1000 4096 8192 16384 32768 65536
Writes bench/results/conn_memory.md.
"""
import datetime
import os
import re
import resource
import socket
import subprocess
import sys
import time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "build/examples/quickstart")
n = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
sizes = [int(a) for a in sys.argv[3:]] or [4096, 8192, 16384, 32768, 65536]
out = os.path.join(root, "bench/results/conn_memory.md")

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, n + 200)), hard))


def start(size):
    server = subprocess.Popen([binary, "--port", "0", "--workers", "2", "--conn-memory",
                               str(size), "--max-connections", str(n + 100)],
                              stderr=subprocess.PIPE, text=True)
    port = int(re.search(r":(\d+) ", server.stderr.readline()).group(1))
    return server, port


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1])
    return 0


def read_response(s):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            return None, data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    m = re.search(rb"content-length: *(\d+)", head, re.I)
    want = int(m.group(1)) if m else 0
    while len(body) < want:
        chunk = s.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(head.split()[1]), body


def status_for_head(port, pad):
    """The status of a GET / whose head is padded to `pad` bytes in all."""
    base = b"GET / HTTP/1.1\r\nHost: t\r\nX-Pad: \r\n\r\n"
    req = base.replace(b"X-Pad: ", b"X-Pad: " + b"a" * max(0, pad - len(base)))
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.settimeout(10)
        s.sendall(req)
        status, _ = read_response(s)
        return status


def answer(port, pad):
    try:
        status = status_for_head(port, pad)
    except OSError:
        status = None
    return str(status) if status is not None else "closed, no answer"


def largest_head(port, size):
    lo, hi = 64, size * 2  # lo is accepted, hi is not
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if answer(port, mid) == "200":
            lo = mid
        else:
            hi = mid
    # a head a little beyond the largest would leave no room for the response's head:
    # libkarak answers it 431; one beyond the memory itself gets libmicrohttpd's 431
    return lo, answer(port, lo + 1), answer(port, lo + 512)


def idle_rss(server, port):
    before = rss_kib(server.pid)
    conns = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        conns.append(s)
    for s in conns:
        s.settimeout(10)
        read_response(s)
    time.sleep(0.5)
    after = rss_kib(server.pid)
    for s in conns:
        s.close()
    return before, after


rows = []
for size in sizes:
    server, port = start(size)
    try:
        head, over1, over512 = largest_head(port, size)
        before, after = idle_rss(server, port)
    finally:
        server.terminate()
        server.wait(timeout=10)
    per = (after - before) / n
    rows.append((size, head, over1, over512, before, after, per))
    print(f"--conn-memory {size}: heads up to {head} bytes (1 more: {over1}; 512 more: "
          f"{over512}); "
          f"RSS {before} -> {after} KiB with {n} idle connections, {per:.1f} KiB each",
          flush=True)

with open(out, "w") as f:
    f.write(f"# --conn-memory: head size against idle memory "
            f"({datetime.datetime.utcnow():%Y-%m-%dT%H:%MZ})\n\n")
    f.write(f"`bench/conn_memory.py` (the Quick Start, 2 workers): the largest request head "
            f"answered 200 (a GET with one padding header, found by bisection) and the RSS "
            f"an idle keep-alive connection keeps after one GET /, over {n} connections.\n\n")
    f.write("| --conn-memory | largest head accepted | 1 byte more | 512 bytes more | "
            "RSS before | RSS with the idle connections | per idle connection |\n")
    f.write("|---:|---:|---|---|---:|---:|---:|\n")
    for size, head, over1, over512, before, after, per in rows:
        f.write(f"| {size} | {head} B | {over1} | {over512} | {before} KiB | {after} KiB | "
                f"{per:.1f} KiB |\n")
print(open(out).read())
