#!/usr/bin/env python3
"""W7 memory: RSS of an echo server per idle connection.

Starts SERVER (an echo server taking --port 0 and printing "listening on HOST:PORT", such
as examples/echo_server), opens N connections, makes one round trip on each (so every
connection's task exists and waits in a read), and prints the growth of the server's
VmRSS divided by N. Kernel socket buffers are not in RSS.

    benchmarks/idle_connections.py build-release/examples/echo_server [N] [-- server args]
"""
import resource
import socket
import subprocess
import sys
import time


def rss(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def main():
    args = sys.argv[1:]
    extra = []
    if "--" in args:
        i = args.index("--")
        args, extra = args[:i], args[i + 1:]
    server = args[0]
    n = int(args[1]) if len(args) > 1 else 10000
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, n + 1000)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    proc = subprocess.Popen([server, "--port", "0"] + extra, stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        port = int(line.strip().rsplit(":", 1)[1])
        time.sleep(0.3)
        base = rss(proc.pid)
        conns = [socket.create_connection(("127.0.0.1", port)) for _ in range(n)]
        for s in conns:
            s.sendall(b"x")
        for s in conns:
            s.recv(16)
        time.sleep(0.5)
        after = rss(proc.pid)
        print(f"RESULT idle_connections={n} server={server} args={' '.join(extra) or '-'} "
              f"rss_before={base} rss_after={after} bytes_per_connection={(after - base) / n:.0f}")
        for s in conns:
            s.close()
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
