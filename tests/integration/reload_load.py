#!/usr/bin/env python3
# tests/integration/reload_load.py: a bounded HTTP load for the reload tests (150-159)
#
# Usage: reload_load.py [--tls CAFILE SNI] PORT SECONDS STOPFILE [NEW_THREADS] [KA_THREADS]
# With --tls every connection is TLS (server certificate verified against CAFILE for the name
# SNI, also sent as SNI): a failed handshake on a new connection counts as a failure.
# Runs until SECONDS pass or STOPFILE exists, with two kinds of clients on 127.0.0.1:PORT:
#  - "new": one TCP connection per request (Connection: close), so every request goes
#    through accept(): a refused connection or a lost queued one shows up here;
#  - "keep-alive": requests on persistent connections. A server may close an idle
#    keep-alive connection between requests (RFC 9112 section 9.3.1): a request that got no
#    byte of response before such a close is sent again on a new connection, as HTTP
#    clients do for idempotent requests, and counted as "retried", not as a failure.
# Prints one line: "new_ok=N new_fail=N refused=N ka_ok=N ka_fail=N retried=N", then the
# first failure messages (at most 5) as "# ..." lines. Exit status 0.
import os
import socket
import ssl
import sys
import threading
import time

args = sys.argv[1:]
tls_ctx, tls_name = None, None
if args[:1] == ["--tls"]:
    tls_ctx = ssl.create_default_context(cafile=args[1])
    tls_name = args[2]
    args = args[3:]
port, secs, stopfile = int(args[0]), float(args[1]), args[2]
n_new = int(args[3]) if len(args) > 3 else 2
n_ka = int(args[4]) if len(args) > 4 else 2
end = time.monotonic() + secs
lock = threading.Lock()
c = dict(new_ok=0, new_fail=0, refused=0, ka_ok=0, ka_fail=0, retried=0)
errors = []


def count(key, err=None):
    with lock:
        c[key] += 1
        if err and len(errors) < 5:
            errors.append(err)


def running():
    return time.monotonic() < end and not os.path.exists(stopfile)


def connect():
    """A connected socket (TLS: after its handshake), timeout 5 s. Raises OSError (ssl
    errors are OSErrors too)."""
    s = socket.socket()
    s.settimeout(5)
    try:
        s.connect(("127.0.0.1", port))
        if tls_ctx:
            s = tls_ctx.wrap_socket(s, server_hostname=tls_name)
    except OSError:
        s.close()
        raise
    return s


def read_response(s, buf):
    """Reads one response (Content-Length framed). Returns (status, rest, close) or raises
    EOFError when the connection ended before any byte of it."""
    got_any = len(buf) > 0
    while b"\r\n\r\n" not in buf:
        d = s.recv(65536)
        if not d:
            if got_any:
                raise ConnectionError("EOF inside a response head")
            raise EOFError()
        got_any = True
        buf += d
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    clen, close = 0, False
    for ln in lines[1:]:
        k, _, v = ln.partition(b":")
        k = k.strip().lower()
        if k == b"content-length":
            clen = int(v)
        elif k == b"connection" and v.strip().lower() == b"close":
            close = True
    while len(rest) < clen:
        d = s.recv(65536)
        if not d:
            raise ConnectionError("EOF inside a response body")
        rest += d
    return status, rest[clen:], close


def new_client():
    req = b"GET /new HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    while running():
        try:
            s = connect()
        except ConnectionRefusedError as e:
            count("refused", "refused: %s" % e)
            continue
        except OSError as e:
            count("new_fail", "connect: %r" % (e,))
            continue
        try:
            s.sendall(req)
            status, _, _ = read_response(s, b"")
            if status == 200:
                count("new_ok")
            else:
                count("new_fail", "new: status %d" % status)
        except (OSError, EOFError, ValueError, IndexError) as e:
            count("new_fail", "new: %r" % (e,))
        finally:
            s.close()


def ka_client():
    req = b"GET /ka HTTP/1.1\r\nHost: x\r\n\r\n"
    s, buf = None, b""
    while running():
        if s is None:
            try:
                s = connect()
            except OSError as e:
                count("ka_fail", "ka connect: %r" % (e,))
                s = None
                continue
            buf, fresh = b"", True
        else:
            fresh = False
        try:
            s.sendall(req)
            status, buf, close = read_response(s, buf)
        except (EOFError, BrokenPipeError, ConnectionResetError, ssl.SSLEOFError,
                ssl.SSLZeroReturnError) as e:
            # the connection was closed (TLS: with or without close_notify) before any byte
            # of the response
            s.close()
            s = None
            if fresh:
                count("ka_fail", "ka: a new connection closed before a response: %r" % (e,))
            else:
                count("retried")
            continue
        except (OSError, ValueError, IndexError) as e:
            count("ka_fail", "ka: %r" % (e,))
            s.close()
            s = None
            continue
        if status == 200:
            count("ka_ok")
        else:
            count("ka_fail", "ka: status %d" % status)
        if close:
            s.close()
            s = None
    if s:
        s.close()


threads = [threading.Thread(target=new_client) for _ in range(n_new)]
threads += [threading.Thread(target=ka_client) for _ in range(n_ka)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(" ".join("%s=%d" % (k, c[k]) for k in ("new_ok", "new_fail", "refused", "ka_ok",
                                              "ka_fail", "retried")))
for e in errors:
    print("# " + e)
