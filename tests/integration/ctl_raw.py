#!/usr/bin/env python3
# tests/integration/ctl_raw.py: talks the control protocol byte by byte to check how lbd
# answers bad frames (truncated, oversized, wrong types, deep nesting, wrong version) and
# that it keeps serving. A tiny msgpack encoder/decoder of its own, so that the test does not
# depend on a msgpack package and can build frames a correct encoder never would.
# usage: ctl_raw.py SOCKET   (exit 0 when every check passed; prints one line per check)
#        ctl_raw.py SOCKET --deferred BE/SRV   (wait and subscribe: order, streams, clients
#        that leave; BE/SRV must be ready and idle)
import socket
import struct
import sys


def enc(o):
    if o is None:
        return b"\xc0"
    if o is True:
        return b"\xc3"
    if o is False:
        return b"\xc2"
    if isinstance(o, int):
        if 0 <= o < 128:
            return bytes([o])
        if 0 <= o < 2**32:
            return b"\xce" + struct.pack(">I", o)
        if -32 <= o < 0:
            return struct.pack(">b", o)
        return b"\xd3" + struct.pack(">q", o)
    if isinstance(o, str):
        b = o.encode()
        if len(b) < 32:
            return bytes([0xA0 | len(b)]) + b
        return b"\xdb" + struct.pack(">I", len(b)) + b
    if isinstance(o, (list, tuple)):
        return b"\xdd" + struct.pack(">I", len(o)) + b"".join(enc(x) for x in o)
    if isinstance(o, dict):
        return b"\xdf" + struct.pack(">I", len(o)) + b"".join(
            enc(k) + enc(v) for k, v in o.items())
    raise TypeError(o)


def dec(b, i=0):
    t = b[i]
    if t <= 0x7F:
        return t, i + 1
    if t >= 0xE0:
        return t - 256, i + 1
    if 0x80 <= t <= 0x8F:
        return dec_map(b, i + 1, t & 0x0F)
    if 0x90 <= t <= 0x9F:
        return dec_arr(b, i + 1, t & 0x0F)
    if 0xA0 <= t <= 0xBF:
        n = t & 0x1F
        return b[i + 1:i + 1 + n].decode(), i + 1 + n
    if t == 0xC0:
        return None, i + 1
    if t in (0xC2, 0xC3):
        return t == 0xC3, i + 1
    sizes = {0xCC: ">B", 0xCD: ">H", 0xCE: ">I", 0xCF: ">Q",
             0xD0: ">b", 0xD1: ">h", 0xD2: ">i", 0xD3: ">q", 0xCA: ">f", 0xCB: ">d"}
    if t in sizes:
        f = sizes[t]
        n = struct.calcsize(f)
        return struct.unpack(f, b[i + 1:i + 1 + n])[0], i + 1 + n
    if t in (0xD9, 0xDA, 0xDB):
        f = {0xD9: ">B", 0xDA: ">H", 0xDB: ">I"}[t]
        h = struct.calcsize(f)
        n = struct.unpack(f, b[i + 1:i + 1 + h])[0]
        s = i + 1 + h
        return b[s:s + n].decode(), s + n
    if t in (0xDC, 0xDD):
        f = ">H" if t == 0xDC else ">I"
        h = struct.calcsize(f)
        return dec_arr(b, i + 1 + h, struct.unpack(f, b[i + 1:i + 1 + h])[0])
    if t in (0xDE, 0xDF):
        f = ">H" if t == 0xDE else ">I"
        h = struct.calcsize(f)
        return dec_map(b, i + 1 + h, struct.unpack(f, b[i + 1:i + 1 + h])[0])
    raise ValueError("type 0x%02x" % t)


def dec_arr(b, i, n):
    out = []
    for _ in range(n):
        v, i = dec(b, i)
        out.append(v)
    return out, i


def dec_map(b, i, n):
    out = {}
    for _ in range(n):
        k, i = dec(b, i)
        v, i = dec(b, i)
        out[k] = v
    return out, i


def frame(payload):
    return struct.pack(">I", len(payload)) + payload


def req(cmd, args=(), rid=1, v=1):
    return frame(enc({"v": v, "id": rid, "cmd": cmd, "args": list(args)}))


class Conn:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(5)
        self.s.connect(path)
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def reply(self):
        while True:
            if len(self.buf) >= 4:
                n = struct.unpack(">I", self.buf[:4])[0]
                if len(self.buf) >= 4 + n:
                    p, self.buf = self.buf[4:4 + n], self.buf[4 + n:]
                    return dec(p)[0]
            d = self.s.recv(65536)
            if not d:
                return None
            self.buf += d

    def closed(self):
        try:
            while True:
                d = self.s.recv(65536)
                if not d:
                    return True
        except (socket.timeout, OSError):
            return False


failures = 0


def check(name, cond, detail=""):
    global failures
    print("%s: %s%s" % ("ok" if cond else "FAIL", name, (" (%s)" % (detail,)) if detail else ""))
    if not cond:
        failures += 1


def main(path):
    c = Conn(path)
    # 1. garbage payload: bad frame, then the same connection still serves
    c.send(frame(b"\xc1"))
    r = c.reply()
    check("invalid msgpack -> bad-frame", r and r["status"] == 1, r)
    c.send(req("show info", rid=2))
    r = c.reply()
    check("same connection serves after a bad frame", r and r["status"] == 0 and r["id"] == 2)
    # 2. empty frame
    c.send(struct.pack(">I", 0))
    r = c.reply()
    check("empty frame -> bad-frame", r and r["status"] == 1, r)
    # 3. not a map; a map with wrong types keeps its id
    c.send(frame(enc(["show", "info"])))
    r = c.reply()
    check("array payload -> bad-request", r and r["status"] == 2, r)
    c.send(frame(enc({"v": 1, "id": 77, "cmd": 5})))
    r = c.reply()
    check("cmd of the wrong type -> bad-request with the id", r and r["status"] == 2
          and r["id"] == 77, r)
    c.send(frame(enc({"v": 1, "id": 78, "cmd": "show servers", "args": [1]})))
    r = c.reply()
    check("integer argument -> bad-request", r and r["status"] == 2 and r["id"] == 78, r)
    # 4. truncated payload (the length covers only half the map)
    full = enc({"v": 1, "id": 5, "cmd": "show info"})
    c.send(struct.pack(">I", len(full) // 2) + full[:len(full) // 2])
    r = c.reply()
    check("truncated payload -> bad-frame", r and r["status"] == 1, r)
    # 5. deep nesting; an array announcing 4G elements
    deep = {"v": 1, "id": 6, "cmd": "show info", "x": [[[[[[[[1]]]]]]]]}
    c.send(frame(enc(deep)))
    r = c.reply()
    check("deep nesting -> bad-frame", r and r["status"] == 1, r)
    c.send(frame(b"\xdd\xff\xff\xff\xff\xc0"))
    r = c.reply()
    check("lying array length -> bad-frame", r and r["status"] == 1, r)
    # 6. version, unknown command, usage
    c.send(req("show info", rid=9, v=99))
    r = c.reply()
    check("wrong version -> version", r and r["status"] == 3 and r["id"] == 9, r)
    c.send(req("show nothing", rid=10))
    r = c.reply()
    check("unknown command -> unknown-command", r and r["status"] == 4, r)
    c.send(req("server state", ["b/s1"], rid=11))
    r = c.reply()
    check("missing argument -> usage", r and r["status"] == 6, r)
    # 7. pipelining: three requests in one write, three replies in order
    c.send(req("show info", rid=21) + req("show backends", rid=22) + req("help", rid=23))
    ids = [c.reply()["id"] for _ in range(3)]
    check("pipelined replies in order", ids == [21, 22, 23], ids)
    # 8. a frame over the limit: error reply, then the connection closes
    c.send(struct.pack(">I", (1 << 20) + 1))
    r = c.reply()
    check("oversized frame -> too-big", r and r["status"] == 9, r)
    check("connection closed after too-big", c.closed())
    # 9. half-close after the request: the reply still comes
    h = Conn(path)
    h.send(req("show info", rid=31))
    h.s.shutdown(socket.SHUT_WR)
    r = h.reply()
    check("reply after the client's half-close", r and r["id"] == 31 and r["status"] == 0)
    # 10. and the daemon still serves new clients
    n = Conn(path)
    n.send(req("show servers", rid=41))
    r = n.reply()
    check("daemon still serving", r and r["status"] == 0 and isinstance(r["data"], list), r)
    return 1 if failures else 0


def deferred(path, srv):
    """Replies that come later (wait) or repeatedly (subscribe stats); srv is a ready,
    idle be/srv of the daemon."""
    import time
    c = Conn(path)
    # 1. a deferred reply holds back the next one: order is kept
    t0 = time.time()
    c.send(req("wait", [srv, "removable", "300ms"], rid=51) + req("show info", rid=52))
    r1, r2 = c.reply(), c.reply()
    check("wait then show info: replies in request order", r1 and r2 and
          [r1["id"], r2["id"]] == [51, 52], (r1, r2))
    check("a ready server is not removable: failed after the timeout",
          r1 and r1["status"] == 8 and time.time() - t0 >= 0.25, r1)
    # 2. a client that goes away during a wait: the daemon goes on serving
    g = Conn(path)
    g.send(req("wait", [srv, "removable", "2s"], rid=61))
    time.sleep(0.2)
    g.s.close()
    c.send(req("show info", rid=62))
    r = c.reply()
    check("a client gone during its wait: others are still served", r and r["id"] == 62, r)
    # 3. half-close during a wait: the reply still comes
    h = Conn(path)
    h.send(req("wait", [srv, "empty", "1s"], rid=63))
    h.s.shutdown(socket.SHUT_WR)
    r = h.reply()
    check("wait answered after the client's half-close", r and r["id"] == 63
          and r["status"] == 0, r)
    # 4. subscribe: the first reply, then more with the same id, others in between
    s = Conn(path)
    s.send(req("subscribe stats", ["200ms"], rid=71))
    r = s.reply()
    check("subscribe stats: the first reply is a stats table", r and r["id"] == 71
          and r["status"] == 0 and isinstance(r["data"], list) and r["data"]
          and "pxname" in r["data"][0], r and r["status"])
    s.send(req("show backends", rid=72))
    got, other = 0, None
    deadline = time.time() + 3
    while time.time() < deadline and (got < 3 or other is None):
        r = s.reply()
        if r is None:
            break
        if r["id"] == 71:
            got += 1
        elif r["id"] == 72:
            other = r
    check("subscribe stats: ticks keep coming with the subscription id", got >= 3, got)
    check("a request on a subscribed connection is answered in between",
          other is not None and other["status"] == 0, other)
    s.send(req("subscribe stats", ["1s"], rid=73))
    r = s.reply()
    while r is not None and r["id"] == 71:
        r = s.reply()
    check("a second subscription on one connection -> failed", r and r["id"] == 73
          and r["status"] == 8, r)
    s.s.close()
    c.send(req("subscribe stats", ["10ms"], rid=74))
    r = c.reply()
    check("an interval under 100ms -> usage", r and r["id"] == 74 and r["status"] == 6, r)
    c.send(req("show servers", rid=75))
    r = c.reply()
    check("daemon still serving after the subscriber left", r and r["id"] == 75
          and r["status"] == 0, r)
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) > 3 and sys.argv[2] == "--deferred":
        sys.exit(deferred(sys.argv[1], sys.argv[3]))
    sys.exit(main(sys.argv[1]))
