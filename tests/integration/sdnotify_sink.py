#!/usr/bin/env python3
# tests/integration/sdnotify_sink.py: what systemd does with $NOTIFY_SOCKET, for test 154:
# a unix datagram socket that appends each message it receives to OUT as one line ('\n'
# inside a message becomes ' | '). ADDR is a path, or '@name' for an abstract socket.
# Usage: sdnotify_sink.py ADDR OUT READYFILE   (READYFILE is created once it listens)
import socket
import sys

addr, out, ready = sys.argv[1], sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + addr[1:] if addr.startswith("@") else addr)
open(ready, "w").close()
while True:
    msg = s.recv(4096).decode(errors="replace")
    with open(out, "a") as f:
        f.write(msg.replace("\n", " | ") + "\n")
