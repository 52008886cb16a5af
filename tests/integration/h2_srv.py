#!/usr/bin/env python3
# tests/integration/h2_srv.py: an HTTP/2 server for the tests of lbd's h2 towards servers
# (python3-h2), clear text with prior knowledge (h2c) or TLS with ALPN.
#
# Usage: h2_srv.py PORT_FILE [--tls CERTDIR] [--alpn h2,http/1.1]
# Binds 127.0.0.1 port 0 and writes the port to PORT_FILE. Each connection is numbered and
# logged on stderr ("conn N alpn X"). The first path segment that names a command decides:
#   /size/N        N pattern bytes, with content-length
#   /nolen/N       N pattern bytes, no content-length (chunked on the h1 side)
#   /echo          the request body back; headers x-len and x-sha256 describe it, x-trailers
#                  lists the request's trailers ("name=value;...")
#   /trailers      "hello" then trailers x-checksum: abc, x-count: 2 (no content-length)
#   /status/S      an empty response with status S (204, 304...)
#   /reset         RST_STREAM (INTERNAL_ERROR) before any response head
#   /early/N       a 100 Continue head first, then N bytes
#   /later/ping    the default answer, then 200 ms later a PING on the idle connection
#                  (its acknowledgement is logged: "conn N ping acked")
#   /later/goaway  the default answer, then 200 ms later GOAWAY and the end of the connection
#   /refuse        on a connection that served before: GOAWAY saying this stream was not
#                  processed, and the end of the connection; on a new one: the default answer
#   anything else  "conn=N stream=S alpn=A path=P" (and the same for HEAD, without body)
# A TLS server whose ALPN chose http/1.1 answers "h1 path=P" in HTTP/1.1, one request per
# connection.
import hashlib
import socket
import ssl
import sys
import threading
import time

import h2.config
import h2.connection
import h2.errors
import h2.events

COUNT = [0]
LOCK = threading.Lock()


def pattern(n):
	base = bytes((i * 7 + 3) % 251 for i in range(4096))
	return (base * (n // len(base) + 1))[:n]


class Conn:
	def __init__(self, sock, cid, alpn):
		self.sock = sock
		self.cid = cid
		self.alpn = alpn
		self.h2 = h2.connection.H2Connection(
			config=h2.config.H2Configuration(client_side=False, header_encoding="utf-8"))
		self.req = {}	# stream id -> [headers, body bytearray, trailers]
		self.out = {}	# stream id -> [remaining bytes, trailers or None]
		self.later = None	# (when, "ping" or "goaway")
		self.closing = False

	def respond(self, sid):
		headers, body, trailers = self.req.pop(sid)
		h = dict(headers)
		method, path = h.get(":method", ""), h.get(":path", "/")
		segs = [s for s in path.split("?")[0].split("/") if s]
		cmd, arg = "", ""
		for i, s in enumerate(segs):
			if s in ("size", "nolen", "echo", "trailers", "status", "reset", "early",
				 "later", "refuse"):
				cmd = s
				arg = segs[i + 1] if i + 1 < len(segs) else ""
				break
		if cmd == "refuse" and sid > 1:
			self.h2.close_connection(last_stream_id=sid - 2)
			sys.stderr.write("conn %d refused stream %d\n" % (self.cid, sid))
			sys.stderr.flush()
			self.closing = True
			return
		if cmd == "reset":
			self.h2.reset_stream(sid, error_code=h2.errors.ErrorCodes.INTERNAL_ERROR)
			return
		hdrs, data, trl = [], b"", None
		status = "200"
		if cmd in ("size", "nolen", "early"):
			data = pattern(int(arg))
			if cmd == "size":
				hdrs.append(("content-length", str(len(data))))
			hdrs.append(("x-sha256", hashlib.sha256(data).hexdigest()))
			if cmd == "early":
				self.h2.send_headers(sid, [(":status", "100")])
		elif cmd == "echo":
			data = bytes(body)
			hdrs += [("content-length", str(len(data))), ("x-len", str(len(data))),
				 ("x-sha256", hashlib.sha256(data).hexdigest()),
				 ("x-trailers", ";".join("%s=%s" % t for t in trailers))]
		elif cmd == "trailers":
			data = b"hello"
			trl = [("x-checksum", "abc"), ("x-count", "2")]
		elif cmd == "status":
			status = arg
		if cmd in ("later", "refuse", ""):
			data = ("conn=%d stream=%d alpn=%s path=%s\n" %
				(self.cid, sid, self.alpn, path)).encode()
			hdrs.append(("content-length", str(len(data))))
		if cmd == "later":
			self.later = (time.monotonic() + 0.2, arg)
		if method == "HEAD" or status in ("204", "304"):
			data = b""
		end = not data and trl is None
		self.h2.send_headers(sid, [(":status", status)] + hdrs, end_stream=end)
		if not end:
			self.out[sid] = [memoryview(data), trl]

	def pump(self):
		for sid in list(self.out):
			left, trl = self.out[sid]
			while len(left):
				n = min(self.h2.local_flow_control_window(sid),
					self.h2.max_outbound_frame_size, len(left))
				if n <= 0:
					break
				self.h2.send_data(sid, bytes(left[:n]))
				left = left[n:]
			self.out[sid][0] = left
			if not len(left):
				if trl:
					self.h2.send_headers(sid, trl, end_stream=True)
				else:
					self.h2.end_stream(sid)
				del self.out[sid]

	def run(self):
		self.h2.initiate_connection()
		self.sock.sendall(self.h2.data_to_send())
		while True:
			try:
				self.sock.settimeout(max(0.01, self.later[0] - time.monotonic())
						     if self.later else None)
				data = self.sock.recv(65536)
			except socket.timeout:
				what = self.later[1]
				self.later = None
				if what == "goaway":
					self.h2.close_connection()
					self.sock.sendall(self.h2.data_to_send())
					break
				self.h2.ping(b"lbtest01")
				self.sock.sendall(self.h2.data_to_send())
				continue
			except OSError:
				break
			if not data:
				break
			for ev in self.h2.receive_data(data):
				if isinstance(ev, h2.events.RequestReceived):
					self.req[ev.stream_id] = [ev.headers, bytearray(), []]
				elif isinstance(ev, h2.events.DataReceived):
					if ev.stream_id in self.req:
						self.req[ev.stream_id][1] += ev.data
					self.h2.acknowledge_received_data(ev.flow_controlled_length,
									  ev.stream_id)
				elif isinstance(ev, h2.events.TrailersReceived):
					if ev.stream_id in self.req:
						self.req[ev.stream_id][2] = list(ev.headers)
				elif isinstance(ev, h2.events.StreamReset):
					self.req.pop(ev.stream_id, None)
					self.out.pop(ev.stream_id, None)
				elif isinstance(ev, h2.events.PingAckReceived):
					sys.stderr.write("conn %d ping acked\n" % self.cid)
					sys.stderr.flush()
				elif isinstance(ev, h2.events.ConnectionTerminated):
					self.sock.close()
					return
				if isinstance(ev, (h2.events.RequestReceived, h2.events.DataReceived,
						   h2.events.TrailersReceived)) and ev.stream_ended:
					self.respond(ev.stream_ended.stream_id)
			self.pump()
			self.sock.sendall(self.h2.data_to_send())
			if self.closing:
				break
		self.sock.close()


def serve_h1(sock):
	data = b""
	while b"\r\n\r\n" not in data:
		more = sock.recv(65536)
		if not more:
			return
		data += more
	path = data.split(b" ")[1].decode()
	body = ("h1 path=%s\n" % path).encode()
	sock.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\nconnection: close\r\n\r\n" %
		     len(body) + body)
	sock.close()


def handle(sock, ctx):
	with LOCK:
		COUNT[0] += 1
		cid = COUNT[0]
	alpn = "h2c"
	try:
		if ctx:
			sock = ctx.wrap_socket(sock, server_side=True)
			alpn = sock.selected_alpn_protocol() or "none"
		sys.stderr.write("conn %d alpn %s\n" % (cid, alpn))
		sys.stderr.flush()
		if alpn == "http/1.1":
			serve_h1(sock)
		else:
			Conn(sock, cid, alpn).run()
	except Exception as e:	# a test server: report, keep serving others
		sys.stderr.write("conn %d error %r\n" % (cid, e))
		sys.stderr.flush()


def main():
	port_file = sys.argv[1]
	ctx = None
	args = sys.argv[2:]
	alpn = ["h2"]
	while args:
		if args[0] == "--tls":
			d = args[1]
			ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
			ctx.load_cert_chain(d + "/srv.crt", d + "/srv.key")
			args = args[2:]
		elif args[0] == "--alpn":
			alpn = args[1].split(",")
			args = args[2:]
		else:
			sys.exit("unknown argument " + args[0])
	if ctx:
		ctx.set_alpn_protocols(alpn)
	ls = socket.socket()
	ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	ls.bind(("127.0.0.1", 0))
	ls.listen(64)
	with open(port_file + ".tmp", "w") as f:
		f.write(str(ls.getsockname()[1]))
	import os
	os.rename(port_file + ".tmp", port_file)
	while True:
		s, _ = ls.accept()
		threading.Thread(target=handle, args=(s, ctx), daemon=True).start()


if __name__ == "__main__":
	main()
