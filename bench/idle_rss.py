#!/usr/bin/env python3
"""Memory an idle keep-alive connection keeps after a large request.

Starts a server binary (default: the Quick Start of ./build), opens N connections that each
POST a ~1 MB JSON body to /items and then stay open, idle, and prints the server's RSS
(VmRSS) before and after: what each idle connection holds.

    bench/idle_rss.py [BINARY] [N]          # defaults: build/examples/quickstart 300
"""
import os
import re
import socket
import subprocess
import sys
import time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "build/examples/quickstart")
n = int(sys.argv[2]) if len(sys.argv) > 2 else 300

server = subprocess.Popen([binary, "--port", "0", "--workers", "2", "--max-connections",
                           str(n + 100)], stderr=subprocess.PIPE, text=True)
port = int(re.search(r":(\d+) ", server.stderr.readline()).group(1))


def rss_kib():
    with open(f"/proc/{server.pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1])
    return -1


def answer(sock):
    got = b""
    while b"\r\n\r\n" not in got:
        chunk = sock.recv(65536)
        if not chunk:
            raise SystemExit("the server closed a connection")
        got += chunk
    return got.split(b" ")[1].decode()


body = b'{"name":"' + b"a" * 1000000 + b'","price":1}'
head = (b"POST /items HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body))
try:
    warm = socket.create_connection(("127.0.0.1", port))
    warm.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
    answer(warm)
    time.sleep(0.2)
    before = rss_kib()
    conns = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(head + body)
        status = answer(s)
        conns.append(s)
    time.sleep(0.5)
    after = rss_kib()
    print(f"{os.path.relpath(binary)}: {n} idle connections, each after a {len(body)}-byte body "
          f"(answered {status}): RSS {before} KiB -> {after} KiB, "
          f"{(after - before) / n:.0f} KiB per connection")
finally:
    server.terminate()
    server.wait()
