#!/usr/bin/python3
# tests/integration/h2_echo_srv.py: the echo server of the HTTP/2 tests (176-185): h2c (prior
# knowledge), h2 over TLS (--tls PEM, ALPN h2) or HTTP/1.1 (--h1), the same behaviours in each
# protocol, so a translation test can compare what either kind of server saw
#
# One process serves one port (--port 0 --port-file F: the kernel picks it, written to F once
# listening). python3-h2 does the h2 framing; the HTTP/1.1 side is a few lines of asyncio.
# Every response carries "x-server: NAME". The behaviour is chosen by the path and the query:
#   (default)      a JSON echo of the request: {"proto": "h2"|"h1", "method", "path",
#                  "authority" (h2 :authority, h1 null), "scheme", "headers": [[name, value]...]
#                  as received, in order, "body_len", "body_sha256", "chunked" (h1: the body
#                  came chunked), "trailers": [[name, value]...], "server"}
#   /trailers      body "trailers follow\n", then the trailers x-trailer-one: 1 and
#                  x-body-sha256: <sha256 of the request body> (h2: a HEADERS frame after the
#                  DATA; h1: chunked with a Trailer header)
#   size=N         an N-byte body, the pattern of tests/stub/lbstub.py --gen (h2: sent as the
#                  flow-control windows allow; nocl=1: no content-length, h1 then chunked)
#   status=C       the status (204 and 304 never carry a body, nor does any answer to HEAD)
#   delay=MS       wait before answering
# --log FILE appends one line per request: "req PROTO METHOD PATH" and, when the client reset a
# stream, "reset STREAM".

import argparse
import asyncio
import hashlib
import json
import os
import ssl
import sys
import urllib.parse

import h2.config
import h2.connection
import h2.events
import h2.exceptions

PATTERN = bytes(range(32, 127)) * 2
NO_BODY_STATUS = (204, 304)


def gen_body(n):
	return (PATTERN * (n // len(PATTERN) + 1))[:n]


class Request:
	"""What a request carried, protocol-neutral; plan() turns it into the response."""

	def __init__(self, proto):
		self.proto = proto
		self.method = self.path = self.authority = self.scheme = None
		self.headers = []
		self.trailers = []
		self.body_len = 0
		self.sha = hashlib.sha256()
		self.chunked = False

	def add_body(self, data):
		self.body_len += len(data)
		self.sha.update(data)

	def plan(self, name):
		"""Returns (status, headers, body, trailers, delay_seconds)."""
		url = urllib.parse.urlsplit(self.path or "/")
		q = dict(urllib.parse.parse_qsl(url.query))
		status = int(q.get("status", "200"))
		delay = int(q.get("delay", "0")) / 1000.0
		hdrs = [("x-server", name)]
		trailers = []
		if url.path == "/trailers":
			body = b"trailers follow\n"
			hdrs.append(("content-type", "text/plain"))
			trailers = [("x-trailer-one", "1"), ("x-body-sha256", self.sha.hexdigest())]
		elif "size" in q:
			body = gen_body(int(q["size"]))
			hdrs.append(("content-type", "application/octet-stream"))
		else:
			body = json.dumps({
				"proto": self.proto, "method": self.method, "path": self.path,
				"authority": self.authority, "scheme": self.scheme,
				"headers": self.headers, "body_len": self.body_len,
				"body_sha256": self.sha.hexdigest(), "chunked": self.chunked,
				"trailers": self.trailers, "server": name}).encode() + b"\n"
			hdrs.append(("content-type", "application/json"))
		if status in NO_BODY_STATUS:
			body, trailers = b"", []
		elif not trailers and q.get("nocl") != "1":
			hdrs.append(("content-length", str(len(body))))
		if self.method == "HEAD":
			body, trailers = b"", []
		return status, hdrs, body, trailers, delay


# ---- HTTP/2 ------------------------------------------------------------------------------

class H2Server(asyncio.Protocol):
	def __init__(self, srv):
		self.srv = srv
		self.conn = h2.connection.H2Connection(h2.config.H2Configuration(
			client_side=False, header_encoding="utf-8"))
		self.requests = {}
		self.tasks = {}
		self.window_open = asyncio.Event()
		self.can_write = asyncio.Event()
		self.can_write.set()
		self.transport = None

	def connection_made(self, transport):
		self.transport = transport
		self.conn.initiate_connection()
		self.flush()

	def flush(self):
		data = self.conn.data_to_send()
		if data and not self.transport.is_closing():
			self.transport.write(data)

	def pause_writing(self):
		self.can_write.clear()

	def resume_writing(self):
		self.can_write.set()

	def connection_lost(self, exc):
		for t in self.tasks.values():
			t.cancel()
		self.window_open.set()
		self.can_write.set()

	def data_received(self, data):
		try:
			events = self.conn.receive_data(data)
		except h2.exceptions.ProtocolError as e:
			self.srv.log("protocol-error %s" % e)
			self.flush()
			self.transport.close()
			return
		for ev in events:
			self.event(ev)
		self.flush()

	def event(self, ev):
		if isinstance(ev, h2.events.RequestReceived):
			req = Request("h2")
			for k, v in ev.headers:
				if k == ":method":
					req.method = v
				elif k == ":path":
					req.path = v
				elif k == ":authority":
					req.authority = v
				elif k == ":scheme":
					req.scheme = v
				else:
					req.headers.append([k, v])
			self.requests[ev.stream_id] = req
			self.srv.log("req h2 %s %s" % (req.method, req.path))
		elif isinstance(ev, h2.events.DataReceived):
			req = self.requests.get(ev.stream_id)
			if req:
				req.add_body(ev.data)
			self.conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
		elif isinstance(ev, h2.events.TrailersReceived):
			req = self.requests.get(ev.stream_id)
			if req:
				req.trailers = [list(h) for h in ev.headers]
		elif isinstance(ev, h2.events.StreamEnded):
			req = self.requests.get(ev.stream_id)
			if req:
				self.tasks[ev.stream_id] = asyncio.ensure_future(
					self.respond(ev.stream_id, req))
		elif isinstance(ev, h2.events.StreamReset):
			self.srv.log("reset %d" % ev.stream_id)
			t = self.tasks.pop(ev.stream_id, None)
			if t:
				t.cancel()
			self.requests.pop(ev.stream_id, None)
		elif isinstance(ev, (h2.events.WindowUpdated, h2.events.RemoteSettingsChanged)):
			self.window_open.set()
		elif isinstance(ev, h2.events.ConnectionTerminated):
			self.transport.close()

	async def respond(self, sid, req):
		try:
			status, hdrs, body, trailers, delay = req.plan(self.srv.name)
			if delay:
				await asyncio.sleep(delay)
			end_now = not body and not trailers
			self.conn.send_headers(sid, [(":status", str(status))] + hdrs, end_stream=end_now)
			self.flush()
			while body:
				await self.can_write.wait()
				room = min(self.conn.local_flow_control_window(sid),
					   self.conn.max_outbound_frame_size, len(body))
				if room <= 0:
					self.window_open.clear()
					await self.window_open.wait()
					if self.transport.is_closing():
						return
					continue
				piece, body = body[:room], body[room:]
				self.conn.send_data(sid, piece, end_stream=not body and not trailers)
				self.flush()
			if trailers:
				self.conn.send_headers(sid, trailers, end_stream=True)
				self.flush()
		except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError):
			pass
		finally:
			self.tasks.pop(sid, None)
			self.requests.pop(sid, None)


# ---- HTTP/1.1 ----------------------------------------------------------------------------

async def read_head_lines(reader):
	lines = []
	while True:
		line = await reader.readline()
		if not line:
			raise EOFError
		if line in (b"\r\n", b"\n"):
			return lines
		name, _, value = line.decode("latin-1").rstrip("\r\n").partition(":")
		lines.append([name, value.strip()])


async def h1_conn(srv, reader, writer):
	try:
		while True:
			line = await reader.readline()
			if not line:
				break
			req = Request("h1")
			req.method, req.path, _ = line.decode("latin-1").split(" ", 2)
			req.headers = await read_head_lines(reader)
			get = lambda n: [v for k, v in req.headers if k.lower() == n]
			srv.log("req h1 %s %s" % (req.method, req.path))
			if "chunked" in ",".join(get("transfer-encoding")).lower():
				req.chunked = True
				while True:
					size = int((await reader.readline()).split(b";")[0], 16)
					if size == 0:
						req.trailers = await read_head_lines(reader)
						break
					req.add_body(await reader.readexactly(size))
					await reader.readexactly(2)
			elif get("content-length"):
				req.add_body(await reader.readexactly(int(get("content-length")[0])))
			status, hdrs, body, trailers, delay = req.plan(srv.name)
			if delay:
				await asyncio.sleep(delay)
			chunked = status not in NO_BODY_STATUS and \
				not any(k == "content-length" for k, _ in hdrs)
			head = ["HTTP/1.1 %d X" % status] + ["%s: %s" % h for h in hdrs]
			if chunked:
				head.append("Transfer-Encoding: chunked")
				if trailers:
					head.append("Trailer: " + ", ".join(k for k, _ in trailers))
			out = ("\r\n".join(head) + "\r\n\r\n").encode()
			if req.method != "HEAD" and chunked:
				for i in range(0, len(body), 16384):
					piece = body[i:i + 16384]
					out += b"%x\r\n%s\r\n" % (len(piece), piece)
				out += b"0\r\n" + "".join("%s: %s\r\n" % t for t in trailers).encode() + \
					b"\r\n"
			elif req.method != "HEAD":
				out += body
			writer.write(out)
			await writer.drain()
			if any(v.lower() == "close" for v in get("connection")):
				break
	except (EOFError, ConnectionError, asyncio.IncompleteReadError, ValueError):
		pass
	finally:
		writer.close()


# ---- main --------------------------------------------------------------------------------

class Srv:
	def __init__(self, args):
		self.name = args.name
		self.logf = open(args.log, "a", buffering=1) if args.log else None

	def log(self, line):
		if self.logf:
			self.logf.write(line + "\n")


async def serve(args):
	srv = Srv(args)
	ctx = None
	if args.tls:
		ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
		ctx.load_cert_chain(args.tls)
		ctx.set_alpn_protocols(["http/1.1"] if args.h1 else ["h2"])
	if args.h1:
		server = await asyncio.start_server(lambda r, w: h1_conn(srv, r, w), "127.0.0.1",
						    args.port, ssl=ctx)
	else:
		loop = asyncio.get_running_loop()
		server = await loop.create_server(lambda: H2Server(srv), "127.0.0.1", args.port,
						  ssl=ctx)
	port = server.sockets[0].getsockname()[1]
	if args.port_file:
		tmp = args.port_file + ".tmp"
		with open(tmp, "w") as f:
			f.write("%d\n" % port)
		os.rename(tmp, args.port_file)
	async with server:
		await server.serve_forever()


def main():
	ap = argparse.ArgumentParser(description="HTTP/2 (and HTTP/1.1) test server")
	ap.add_argument("--port", type=int, default=0)
	ap.add_argument("--port-file")
	ap.add_argument("--name", default="h2srv")
	ap.add_argument("--tls", metavar="PEM", help="serve TLS with this certificate and key")
	ap.add_argument("--h1", action="store_true", help="serve HTTP/1.1 instead of h2")
	ap.add_argument("--log")
	args = ap.parse_args()
	try:
		asyncio.run(serve(args))
	except KeyboardInterrupt:
		pass
	return 0


if __name__ == "__main__":
	sys.exit(main())
