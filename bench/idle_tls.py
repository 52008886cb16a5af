#!/usr/bin/python3
"""bench/idle_tls.py: hold N idle TLS keep-alive connections to a proxy, report its RSS cost

Usage: idle_tls.py <host> <port> <count> <pid> [sni]
Each connection completes a TLS handshake and one HTTP/1.1 keep-alive request (so the
proxy is in its idle keep-alive state, as a browser leaves it), then stays open. The RSS
of <pid> (VmRSS, /proc) is read before and after; the line printed is
"<count> conns: <delta KiB> KiB, <per-conn bytes> bytes per idle TLS connection".
"""
import socket
import ssl
import sys
import time


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise SystemExit("no VmRSS for pid %s" % pid)


def main():
    host, port, count, pid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    sni = sys.argv[5] if len(sys.argv) > 5 else None
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    req = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
    time.sleep(0.2)
    before = rss_kib(pid)
    conns = []
    for _ in range(count):
        raw = socket.create_connection((host, port), timeout=10)
        s = ctx.wrap_socket(raw, server_hostname=sni)
        s.sendall(req)
        got = b""
        while b"\r\n\r\n" not in got:
            chunk = s.recv(4096)
            if not chunk:
                raise SystemExit("connection closed before a response")
            got += chunk
        conns.append(s)
    time.sleep(0.5)
    after = rss_kib(pid)
    delta = after - before
    print("%d conns: %d KiB, %d bytes per idle TLS connection"
          % (count, delta, delta * 1024 // count))
    for s in conns:
        s.close()


if __name__ == "__main__":
    main()
