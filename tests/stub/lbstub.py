#!/usr/bin/env python3
# tests/stub/lbstub.py: the stub backends the integration tests drive (HTTP/1.1, TCP echo)
#
# One process serves one port. It is Python 3 with the standard library only: the behaviours
# the tests need (delays, hangs, resets, PROXY parsing, Upgrade, chunked both ways) are a few
# lines each in asyncio, they need no build step, and a test can read what the stub does.
#
# HTTP mode (--http NAME): HTTP/1.1 with keep-alive. Every response carries
#   X-Server: NAME, X-Conn-Id: <connection number in this process, from 1>,
#   X-Conn-Req: <requests seen on this connection, from 1>
# and, when a PROXY header was received (--proxy), X-Proxy-Version, X-Proxy-Src, X-Proxy-Dst,
# X-Proxy-Raw (hex of the header bytes exactly as received). The default body is "NAME\n".
# The behaviour is chosen by the path and the query string:
#   /echo          body = request head bytes as received + decoded request body;
#                  headers X-Body-Len, X-Body-Sha256, X-Body-Chunked (0/1)
#   /hang          never answer; close when the client closes
#   /close         close without a response (FIN)
#   /reset         send the head and `after` bytes (default 100) of a 1000-byte body, then RST;
#                  after=-1 resets before sending anything
#   /ws            (or any Upgrade: websocket) 101 Switching Protocols, then raw echo
#   status=C       the status code (204 and 304 send no body; HEAD never gets one)
#   size=N         an N-byte body (the pattern of --gen)
#   chunk=K        send the body chunked, K bytes per chunk
#   delay=MS       wait before answering
#   close=1        answer with Connection: close and close
#   early=1        answer 200 "early" at once, then read and drop the request body
# Expect: 100-continue gets "100 Continue" before the body is read (unless nocontinue=1).
# TCP mode (--tcp NAME): echo; with --banner, first send "NAME\n". When the client half-closes,
# the stub sends what is left and half-closes too (with --hold: it keeps its side open and
# silent, to exercise the proxy's half-closed timeouts); with --fin, it half-closes first (after
# the banner) and discards what it receives.
# --log FILE appends one line per event: "accept conn=ID peer=IP:PORT", "req conn=ID n=N METHOD
# TARGET" when a request head arrived, "done conn=ID n=N STATUS" when its response was sent,
# "proxy conn=ID ...", "eof conn=ID bytes=N" (tcp/tunnel), "close conn=ID". The tests use it to
# prove what the backend did or did not receive. --port 0 --port-file F: the kernel picks the port and
# the stub writes it to F once it listens (so parallel tests never race for ports).
# --gen N prints the N-byte body pattern to stdout and exits.

import argparse
import asyncio
import base64
import hashlib
import os
import signal
import socket
import struct
import sys
import urllib.parse

PATTERN = bytes(range(32, 127)) * 2  # printable, so a mismatch is readable in a diff
MAX_HEAD = 65536
PROXY_V2_SIG = b"\r\n\r\n\x00\r\nQUIT\n"


def gen_body(n):
	reps = n // len(PATTERN) + 1
	return (PATTERN * reps)[:n]


class Stub:
	def __init__(self, args):
		self.args = args
		self.name = args.http or args.tcp
		self.nconn = 0
		self.logf = open(args.log, "a", buffering=1) if args.log else None

	def log(self, line):
		if self.logf:
			self.logf.write(line + "\n")

	async def read_proxy(self, reader):
		"""Read and parse a PROXY v1 or v2 header. Returns a dict, raises ValueError."""
		first = await reader.readexactly(5)
		if first == b"PROXY":
			rest = await reader.readuntil(b"\r\n")
			raw = first + rest
			if len(raw) > 107:
				raise ValueError("v1 header too long")
			parts = raw[:-2].decode("ascii").split(" ")
			info = {"version": "1", "raw": raw}
			if parts[1] == "UNKNOWN":
				info["src"] = info["dst"] = "unknown"
				return info
			if parts[1] not in ("TCP4", "TCP6") or len(parts) != 6:
				raise ValueError("bad v1 header")
			info["src"] = fmt_addr(parts[2], parts[4])
			info["dst"] = fmt_addr(parts[3], parts[5])
			return info
		sig = first + await reader.readexactly(len(PROXY_V2_SIG) - len(first))
		if sig != PROXY_V2_SIG:
			raise ValueError("no PROXY header")
		hdr = await reader.readexactly(4)
		ver_cmd, fam, length = hdr[0], hdr[1], struct.unpack("!H", hdr[2:4])[0]
		body = await reader.readexactly(length)
		raw = sig + hdr + body
		if ver_cmd >> 4 != 2:
			raise ValueError("bad v2 version")
		info = {"version": "2", "raw": raw, "src": "local", "dst": "local"}
		if ver_cmd & 0xF == 0:		# LOCAL: no addresses
			return info
		if fam >> 4 == 1 and length >= 12:
			s, d = socket.inet_ntop(socket.AF_INET, body[0:4]), socket.inet_ntop(socket.AF_INET, body[4:8])
			sp, dp = struct.unpack("!HH", body[8:12])
		elif fam >> 4 == 2 and length >= 36:
			s, d = socket.inet_ntop(socket.AF_INET6, body[0:16]), socket.inet_ntop(socket.AF_INET6, body[16:32])
			sp, dp = struct.unpack("!HH", body[32:36])
		else:
			info["src"] = info["dst"] = "unspec"
			return info
		info["src"] = fmt_addr(s, sp)
		info["dst"] = fmt_addr(d, dp)
		return info

	async def handle(self, reader, writer):
		self.nconn += 1
		cid = self.nconn
		peer = writer.get_extra_info("peername")
		self.log(f"accept conn={cid} peer={peer[0]}:{peer[1]}")
		proxy = None
		try:
			if self.args.proxy:
				try:
					proxy = await self.read_proxy(reader)
				except (ValueError, UnicodeDecodeError, IndexError, asyncio.LimitOverrunError) as e:
					self.log(f"proxy-error conn={cid} {e}")
					return
				self.log(f"proxy conn={cid} v{proxy['version']} src={proxy['src']} "
					 f"dst={proxy['dst']} raw={proxy['raw'].hex()}")
			if self.args.tcp:
				await self.tcp_echo(reader, writer, cid)
			else:
				await self.http_loop(reader, writer, cid, proxy)
		except (asyncio.IncompleteReadError, ConnectionError, BrokenPipeError):
			pass
		finally:
			self.log(f"close conn={cid}")
			if not writer.transport.is_closing():
				writer.close()

	async def tcp_echo(self, reader, writer, cid):
		if self.args.banner:
			writer.write(self.name.encode() + b"\n")
		if self.args.fin:
			# half-close first, then swallow what the client sends until it closes
			await writer.drain()
			writer.write_eof()
			self.log(f"fin conn={cid}")
			while await asyncio.wait_for(reader.read(65536), 30):
				pass
			self.log(f"eof conn={cid}")
			return
		total = 0
		while True:
			data = await reader.read(65536)
			if not data:
				break
			total += len(data)
			writer.write(data)
			await writer.drain()
		self.log(f"eof conn={cid} bytes={total}")
		await writer.drain()
		if self.args.hold:
			# keep our side open: the peer must close (or time out) first
			await asyncio.sleep(30)
			return
		if writer.can_write_eof():
			writer.write_eof()
		# wait for the peer to close its side too, bounded
		try:
			await asyncio.wait_for(reader.read(1), 30)
		except asyncio.TimeoutError:
			pass

	async def http_loop(self, reader, writer, cid, proxy):
		nreq = 0
		while True:
			try:
				head = await reader.readuntil(b"\r\n\r\n")
			except asyncio.IncompleteReadError:
				return
			except asyncio.LimitOverrunError:
				self.log(f"error conn={cid} head too long")
				return
			nreq += 1
			lines = head[:-4].decode("latin-1").split("\r\n")
			try:
				method, target, version = lines[0].split(" ")
			except ValueError:
				self.log(f"error conn={cid} bad request line {lines[0]!r}")
				return
			hdrs = []
			for ln in lines[1:]:
				k, _, v = ln.partition(":")
				hdrs.append((k.strip().lower(), v.strip()))
			hget = lambda k: next((v for (n, v) in hdrs if n == k), None)
			url = urllib.parse.urlsplit(target)
			q = dict(urllib.parse.parse_qsl(url.query))
			path = url.path
			self.log(f"req conn={cid} n={nreq} {method} {target}")

			if path == "/close":
				return
			if path == "/hang":
				while await reader.read(65536):
					pass
				return
			if path == "/reset" and int(q.get("after", "100")) < 0:
				abort_rst(writer)
				return

			if hget("expect") and hget("expect").lower() == "100-continue" and \
			   not q.get("nocontinue"):
				writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
				await writer.drain()
			if q.get("early"):
				# answer before reading the body, then read and drop it (as servers that
				# refuse an upload early do), keeping the connection
				writer.write(b"HTTP/1.1 200 OK\r\nX-Server: " + self.name.encode() +
					     b"\r\nContent-Length: 6\r\n\r\nearly\n")
				await writer.drain()
				self.log(f"done conn={cid} n={nreq} 200")
				await read_body(reader, hget)
				continue
			body, chunked = await read_body(reader, hget)
			if int(q.get("delay", "0")) > 0:
				await asyncio.sleep(int(q["delay"]) / 1000.0)

			out = [("X-Server", self.name), ("X-Conn-Id", str(cid)), ("X-Conn-Req", str(nreq))]
			if proxy:
				out += [("X-Proxy-Version", proxy["version"]), ("X-Proxy-Src", proxy["src"]),
					("X-Proxy-Dst", proxy["dst"]), ("X-Proxy-Raw", proxy["raw"].hex())]

			upgrade = (hget("upgrade") or "").lower()
			if path == "/ws" or upgrade == "websocket":
				out += [("Upgrade", "websocket"), ("Connection", "Upgrade")]
				key = hget("sec-websocket-key")
				if key:
					acc = hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode())
					out.append(("Sec-WebSocket-Accept", base64.b64encode(acc.digest()).decode()))
				writer.write(build_head(101, out))
				await writer.drain()
				self.log(f"upgrade conn={cid}")
				await self.tcp_echo(reader, writer, cid)
				return

			status = int(q.get("status", "200"))
			if path == "/echo":
				payload = head + body
				out += [("X-Body-Len", str(len(body))),
					("X-Body-Sha256", hashlib.sha256(body).hexdigest()),
					("X-Body-Chunked", "1" if chunked else "0")]
			elif "size" in q:
				payload = gen_body(int(q["size"]))
			else:
				payload = self.name.encode() + b"\n"
			if status in (204, 304) or 100 <= status < 200:
				payload = b""

			conn_hdr = (hget("connection") or "").lower()
			closing = q.get("close") == "1" or "close" in conn_hdr or \
				(version == "HTTP/1.0" and "keep-alive" not in conn_hdr)
			if closing:
				out.append(("Connection", "close"))
			elif version == "HTTP/1.0":
				out.append(("Connection", "keep-alive"))

			if path == "/reset":
				out.append(("Content-Length", "1000"))
				writer.write(build_head(status, out) + gen_body(int(q.get("after", "100"))))
				await flush(writer)
				abort_rst(writer)
				return

			chunk = int(q.get("chunk", "0"))
			if status in (204, 304):
				writer.write(build_head(status, out))
			elif chunk > 0:
				out.append(("Transfer-Encoding", "chunked"))
				writer.write(build_head(status, out))
				if method != "HEAD":
					for i in range(0, len(payload), chunk):
						piece = payload[i:i + chunk]
						writer.write(b"%x\r\n" % len(piece) + piece + b"\r\n")
						await writer.drain()
					writer.write(b"0\r\n\r\n")
			else:
				out.append(("Content-Length", str(len(payload))))
				writer.write(build_head(status, out))
				if method != "HEAD":
					writer.write(payload)
			await writer.drain()
			self.log(f"done conn={cid} n={nreq} {status}")
			if closing:
				await flush(writer)
				return


async def read_body(reader, hget):
	"""Returns (decoded body, was_chunked)."""
	te = (hget("transfer-encoding") or "").lower()
	if "chunked" in te:
		body = bytearray()
		while True:
			line = await reader.readuntil(b"\r\n")
			size = int(line.split(b";")[0].strip(), 16)
			if size == 0:
				# trailers up to the empty line
				while (await reader.readuntil(b"\r\n")) != b"\r\n":
					pass
				return bytes(body), True
			body += await reader.readexactly(size)
			await reader.readexactly(2)
	cl = hget("content-length")
	if cl:
		return await reader.readexactly(int(cl)), False
	return b"", False


def build_head(status, hdrs):
	reasons = {100: "Continue", 101: "Switching Protocols", 200: "OK", 204: "No Content",
		   304: "Not Modified", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
		   500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
	lines = [f"HTTP/1.1 {status} {reasons.get(status, 'Status')}"]
	lines += [f"{k}: {v}" for (k, v) in hdrs]
	return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def fmt_addr(ip, port):
	return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


async def flush(writer):
	"""Wait until the kernel has every byte we wrote (bounded: 5 s)."""
	await writer.drain()
	for _ in range(500):
		if writer.transport.get_write_buffer_size() == 0:
			return
		await asyncio.sleep(0.01)


def abort_rst(writer):
	sock = writer.get_extra_info("socket")
	if sock is not None:
		sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
	writer.transport.abort()


async def main(args):
	stub = Stub(args)
	server = await asyncio.start_server(stub.handle, args.addr, args.port, limit=MAX_HEAD,
					    reuse_address=True)
	port = server.sockets[0].getsockname()[1]
	if args.port_file:
		tmp = args.port_file + ".tmp"
		with open(tmp, "w") as f:
			f.write(f"{port}\n")
		os.rename(tmp, args.port_file)	# atomic: readers never see a half-written file
	loop = asyncio.get_running_loop()
	stop = loop.create_future()
	for sig in (signal.SIGTERM, signal.SIGINT):
		loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
	async with server:
		await stop


def parse_args():
	p = argparse.ArgumentParser(description="stub backends for lb's integration tests")
	mode = p.add_mutually_exclusive_group(required=True)
	mode.add_argument("--http", metavar="NAME", help="HTTP/1.1 server naming itself NAME")
	mode.add_argument("--tcp", metavar="NAME", help="TCP echo server")
	mode.add_argument("--gen", metavar="N", type=int, help="print the N-byte body pattern")
	p.add_argument("--addr", default="127.0.0.1")
	p.add_argument("--port", type=int, default=0)
	p.add_argument("--port-file", help="write the listening port here once ready")
	p.add_argument("--proxy", action="store_true", help="expect a PROXY v1/v2 header first")
	p.add_argument("--banner", action="store_true", help="tcp: send 'NAME\\n' on connect")
	p.add_argument("--fin", action="store_true",
		       help="tcp: half-close right after the banner, then discard input until EOF")
	p.add_argument("--hold", action="store_true",
		       help="tcp: after the client's FIN, send nothing and keep the connection open")
	p.add_argument("--log", help="append connection/request events to this file")
	return p.parse_args()


if __name__ == "__main__":
	a = parse_args()
	if a.gen is not None:
		sys.stdout.buffer.write(gen_body(a.gen))
		sys.exit(0)
	try:
		asyncio.run(main(a))
	except KeyboardInterrupt:
		pass
