#!/usr/bin/env python3
# tests/stub/lbclient.py: a raw TCP client for tests that need exact bytes on the wire
#
# Usage: lbclient.py [--timeout S] PORT ACTION...
# Actions run in order:
#   send:TEXT        send TEXT; backslash escapes \r \n \t \0 \xHH are decoded
#   sendhex:HEX      send raw bytes
#   sendfile:PATH    send a file's bytes
#   proxy2:SRC:SPORT:DST:DPORT   send a PROXY v2 PROXY/TCP4 header (IPv4 addresses)
#   sleep:SECONDS    pause
#   shut             half-close (shutdown write)
#   recvuntil:TEXT   read until TEXT was received (escapes as for send)
#   irecvuntil:TEXT  the same, ignoring ASCII case (header names may change case in a proxy)
#   recvn:N          read until N more bytes were received
#   recv             read until the peer closes
# Everything received goes to stdout. The last line on stderr says how the connection ended:
# "lbclient: EOF", "lbclient: RESET", "lbclient: TIMEOUT" or "lbclient: OPEN" (still open after
# the last action). After EOF the remaining actions still run (the socket stays open until the
# end: a half-closed peer can still receive); after RESET or TIMEOUT they are skipped. The exit status is 0 unless the connection could not be made (2) or a read
# action timed out (1). Every read is bounded by --timeout (default 5 s).

import socket
import struct
import sys
import time


def unescape(s):
	return s.encode("latin-1").decode("unicode_escape").encode("latin-1")


def main():
	args = sys.argv[1:]
	timeout = 5.0
	if len(args) >= 2 and args[0] == "--timeout":
		timeout = float(args[1])
		args = args[2:]
	if not args:
		sys.stderr.write(__doc__ or "usage: lbclient.py PORT ACTION...\n")
		return 2
	port = int(args[0])
	try:
		sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
	except OSError as e:
		sys.stderr.write(f"lbclient: connect: {e}\n")
		return 2
	out = sys.stdout.buffer
	state = "OPEN"
	pending = b""

	def read_some():
		nonlocal state
		try:
			data = sock.recv(65536)
		except socket.timeout:
			state = "TIMEOUT"
			return None
		except ConnectionResetError:
			state = "RESET"
			return None
		if not data:
			state = "EOF"
			return None
		out.write(data)
		out.flush()
		return data

	rc = 0
	for act in args[1:]:
		verb, _, arg = act.partition(":")
		try:
			if verb == "send":
				sock.sendall(unescape(arg))
			elif verb == "sendhex":
				sock.sendall(bytes.fromhex(arg))
			elif verb == "sendfile":
				with open(arg, "rb") as f:
					sock.sendall(f.read())
			elif verb == "proxy2":
				src, sport, dst, dport = arg.split(":")
				addr = socket.inet_aton(src) + socket.inet_aton(dst) + \
					struct.pack("!HH", int(sport), int(dport))
				sock.sendall(b"\r\n\r\n\x00\r\nQUIT\n" + bytes([0x21, 0x11]) +
					     struct.pack("!H", len(addr)) + addr)
			elif verb == "sleep":
				time.sleep(float(arg))
			elif verb == "shut":
				sock.shutdown(socket.SHUT_WR)
			elif verb in ("recv", "recvuntil", "irecvuntil", "recvn"):
				# `pending` holds what arrived but no earlier read action consumed, so
				# "recvuntil:A" then "recvuntil:B" works when A and B came in one packet.
				nocase = verb == "irecvuntil"
				if nocase:
					verb = "recvuntil"
				want = unescape(arg) if verb == "recvuntil" else None
				if nocase:
					want = want.lower()
				need = int(arg) if verb == "recvn" else 0
				deadline = time.monotonic() + timeout
				met = False
				while True:
					if verb == "recvuntil":
						hay = pending.lower() if nocase else pending
						i = hay.find(want)
						if i >= 0:
							pending = pending[i + len(want):]
							met = True
							break
					if verb == "recvn" and len(pending) >= need:
						pending = pending[need:]
						met = True
						break
					if state != "OPEN":
						break
					sock.settimeout(max(0.01, deadline - time.monotonic()))
					data = read_some()
					if data is None:
						break
					pending += data
				if verb == "recv":
					pending = b""
					if state == "TIMEOUT":
						rc = 1
				elif not met:
					rc = 1
				if state in ("TIMEOUT", "RESET"):
					break
			else:
				sys.stderr.write(f"lbclient: unknown action {act!r}\n")
				return 2
		except (BrokenPipeError, ConnectionResetError):
			state = "RESET"
			break
	sys.stderr.write(f"lbclient: {state}\n")
	sock.close()
	return rc


if __name__ == "__main__":
	sys.exit(main())
