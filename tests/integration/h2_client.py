#!/usr/bin/python3
# tests/integration/h2_client.py: a raw HTTP/2 client for the h2 tests (176, 177, 185)
#
# It writes frames itself (9-byte header + payload) and encodes and decodes header blocks with
# the hpack module of python3-h2, so it can send what a well-behaved library never would
# (floods, resets, bombs, a window that never opens) and print, frame by frame, what the proxy
# answered. Every read is bounded by --timeout, every loop by a count or a deadline.
#
# Usage: h2_client.py [--tls] [--sni NAME] [--timeout S] PORT COMMAND [OPTIONS]
# Commands (one result per line on stdout; the shell tests grep them):
#   req          one request: --method, --path, --authority, -H 'name: value' (repeatable),
#                --body-size N (the stub pattern) or --body-file F, --no-cl (no
#                content-length), --trailer 'name: value' (repeatable: request trailers),
#                --out F (the response body), --window N (announce a stream window of N bytes
#                and reopen it only by what was consumed: checks the peer keeps to it).
#                Prints: "status N", "header name: value", "trailer name: value",
#                "frames TYPE[/es] ..." (the stream's HEADERS, CONTINUATION, DATA and RST_STREAM
#                frames in order, /es: END_STREAM),
#                "body LEN SHA256", "data-frames N", "flow ok" | "flow-violation ...",
#                "end-stream" when the stream ended normally, plus any "rst ..."/"goaway ...".
#   rapid-reset  --count N pairs of HEADERS + RST_STREAM(CANCEL) on new streams
#   continuation-flood  HEADERS without END_HEADERS, then CONTINUATION frames, up to
#                --max-bytes
#   hpack-bomb   one HEADERS block that inserts a --size byte header in the dynamic table
#                and references it --refs times
#   settings-flood / ping-flood   --count N empty SETTINGS or PING frames, sent without
#                reading (a 4 KiB receive buffer: the peer's ACKs cannot drain into it);
#                prints "frames-sent N", "acks N" and "send-blocked" if the peer stopped
#                reading for 2 s (back-pressure: it does not queue answers without bound)
#   streams      --count N requests at once on one connection (--path, default /)
#   zero-window  SETTINGS_INITIAL_WINDOW_SIZE 0, one request (--path), never a WINDOW_UPDATE;
#                waits up to --wait S for the peer to end the stream or the connection;
#                prints "status N", "body N" (bytes received), "end-stream" if the stream
#                ended with END_STREAM, "ended-after S" (seconds) or "timeout (...)"
# Every command also prints what ended or answered it: "goaway last-stream=N error=NAME",
# "rst stream=N error=NAME", "closed" (EOF or reset), "timeout" (nothing more came), and a
# last line "sent-bytes N" (the bytes written to the socket). Exit status 0 unless the
# connection could not be made or the arguments are wrong (2).

import argparse
import hashlib
import socket
import ssl
import struct
import sys
import time

import hpack

FRAME_NAMES = ("DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS", "PUSH_PROMISE", "PING",
	       "GOAWAY", "WINDOW_UPDATE", "CONTINUATION")
DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY, WINDOW_UPDATE, \
	CONTINUATION = range(10)
ERROR_NAMES = ("NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR",
	       "SETTINGS_TIMEOUT", "STREAM_CLOSED", "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL",
	       "COMPRESSION_ERROR", "CONNECT_ERROR", "ENHANCE_YOUR_CALM", "INADEQUATE_SECURITY",
	       "HTTP_1_1_REQUIRED")
END_STREAM = ACK = 0x1
END_HEADERS = 0x4
PADDED = 0x8
PRIORITY_FLAG = 0x20
SETTINGS_HEADER_TABLE_SIZE, SETTINGS_ENABLE_PUSH, SETTINGS_MAX_CONCURRENT_STREAMS, \
	SETTINGS_INITIAL_WINDOW_SIZE, SETTINGS_MAX_FRAME_SIZE, SETTINGS_MAX_HEADER_LIST_SIZE = \
	range(1, 7)
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
PATTERN = bytes(range(32, 127)) * 2	# tests/stub/lbstub.py's body pattern (gen_body)
BIG_WINDOW = (1 << 31) - 1


def error_name(code):
	return ERROR_NAMES[code] if code < len(ERROR_NAMES) else "0x%x" % code


def gen_body(n):
	return (PATTERN * (n // len(PATTERN) + 1))[:n]


def hpack_int(value, prefix_bits, first=0):
	"""RFC 7541 5.1 integer with an N-bit prefix; `first` holds the pattern bits."""
	limit = (1 << prefix_bits) - 1
	if value < limit:
		return bytes([first | value])
	out = bytearray([first | limit])
	value -= limit
	while value >= 128:
		out.append((value & 0x7f) | 0x80)
		value >>= 7
	out.append(value)
	return bytes(out)


def hpack_literal_indexed(name, value):
	"""A literal header field with incremental indexing, new name, no Huffman (RFC 7541 6.2.1)."""
	return (b"\x40" + hpack_int(len(name), 7) + name + hpack_int(len(value), 7) + value)


class Closed(Exception):
	"""The peer closed or reset the connection."""


class Stream:
	def __init__(self, sid):
		self.sid = sid
		self.status = None
		self.headers = []
		self.trailers = []
		self.frames = []
		self.data_len = 0
		self.data_frames = 0
		self.sha = hashlib.sha256()
		self.out = None
		self.ended = False
		self.rst = None
		self.window = None	# what the peer may still send on this stream (None: not checked)
		self.violation = None


class Peer:
	"""One client connection: frame I/O plus the bookkeeping every command shares (SETTINGS
	acknowledged, windows tracked, header blocks decoded, GOAWAY/RST_STREAM recorded)."""

	def __init__(self, args, settings=None, open_window=True, rcvbuf=None):
		self.args = args
		self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
		if rcvbuf:
			# set before connect, so the window the kernel announces stays small
			self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
		self.sock.settimeout(args.timeout)
		self.sock.connect(("127.0.0.1", args.port))
		self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
		if args.tls:
			ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
			ctx.check_hostname = False
			ctx.verify_mode = ssl.CERT_NONE
			ctx.set_alpn_protocols(["h2"])
			self.sock = ctx.wrap_socket(self.sock, server_hostname=args.sni)
			if self.sock.selected_alpn_protocol() != "h2":
				print("alpn %s" % self.sock.selected_alpn_protocol())
				raise Closed("ALPN did not select h2")
		self.buf = b""
		self.enc = hpack.Encoder()
		self.dec = hpack.Decoder()
		self.dec.max_header_list_size = 1 << 30
		self.streams = {}
		self.next_sid = 1
		self.sent = 0
		self.closed = False
		self.goaway = None
		self.events = []	# lines to print, in arrival order
		self.peer_settings = {}
		self.peer_max_frame = 16384
		self.send_window = 65535	# connection-level window towards the peer
		self.peer_initial_window = 65535
		self.stream_send_windows = {}
		self.settings_acks = 0
		self.ping_acks = 0
		self.auto_ping = True
		self.block = None	# (sid, flags, fragments) of a header block being received
		self.recv_conn_window = None
		mine = dict(settings or {})
		mine.setdefault(SETTINGS_ENABLE_PUSH, 0)
		self.my_initial_window = mine.get(SETTINGS_INITIAL_WINDOW_SIZE, 65535)
		payload = b"".join(struct.pack(">HI", k, v) for k, v in mine.items())
		self.send_raw(PREFACE + self.frame(SETTINGS, 0, 0, payload))
		if open_window:
			self.send_frame(WINDOW_UPDATE, 0, 0, struct.pack(">I", BIG_WINDOW - 65535))

	# ---- output ----
	def frame(self, ftype, flags, sid, payload):
		return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + \
			struct.pack(">I", sid) + payload

	def send_raw(self, data):
		try:
			self.sock.sendall(data)
		except socket.timeout:
			raise	# the peer stopped reading: the caller says so (an OSError otherwise)
		except (OSError, ssl.SSLError) as e:
			self.mark_closed("send: %s" % e.__class__.__name__)
			raise Closed() from e
		self.sent += len(data)

	def send_frame(self, ftype, flags, sid, payload):
		self.send_raw(self.frame(ftype, flags, sid, payload))

	def new_stream(self):
		sid = self.next_sid
		self.next_sid += 2
		st = Stream(sid)
		self.streams[sid] = st
		self.stream_send_windows[sid] = self.peer_initial_window
		return st

	def header_block(self, method, path, authority, extra=(), scheme=None):
		scheme = scheme or ("https" if self.args.tls else "http")
		hdrs = [(":method", method), (":scheme", scheme), (":authority", authority),
			(":path", path)]
		return self.enc.encode(hdrs + list(extra))

	def send_headers(self, sid, block, end_stream):
		flags = END_STREAM if end_stream else 0
		size = self.peer_max_frame
		first, rest = block[:size], block[size:]
		self.send_frame(HEADERS, flags | (0 if rest else END_HEADERS), sid, first)
		while rest:
			piece, rest = rest[:size], rest[size:]
			self.send_frame(CONTINUATION, 0 if rest else END_HEADERS, sid, piece)

	def send_data(self, sid, data, end_stream, deadline):
		"""Send DATA within the peer's windows, reading frames (WINDOW_UPDATE) while blocked."""
		while True:
			room = min(self.send_window, self.stream_send_windows.get(sid, 0),
				   self.peer_max_frame, len(data))
			if room > 0 or (not data and end_stream):
				piece, data = data[:room], data[room:]
				last = end_stream and not data
				self.send_frame(DATA, END_STREAM if last else 0, sid, piece)
				self.send_window -= len(piece)
				self.stream_send_windows[sid] -= len(piece)
				if not data:
					return True
				continue
			if time.monotonic() > deadline or self.closed:
				self.events.append("upload-blocked remaining=%d" % len(data))
				return False
			st = self.streams.get(sid)
			if st is not None and (st.ended or st.rst is not None):
				return False
			self.read_frames(min(0.5, self.args.timeout), max_frames=1)

	# ---- input ----
	def mark_closed(self, why):
		if not self.closed:
			self.closed = True
			self.events.append("closed (%s)" % why)

	def recv_some(self, timeout):
		"""Read more bytes into self.buf; False on timeout. Raises Closed at EOF."""
		if self.closed:
			raise Closed()
		self.sock.settimeout(timeout)
		try:
			data = self.sock.recv(262144)
		except (socket.timeout, ssl.SSLWantReadError):
			return False
		except (OSError, ssl.SSLError) as e:
			self.mark_closed(e.__class__.__name__)
			raise Closed() from e
		finally:
			self.sock.settimeout(self.args.timeout)
		if not data:
			self.mark_closed("EOF")
			raise Closed()
		self.buf += data
		return True

	def next_frame(self, timeout):
		"""One frame (type, flags, sid, payload), or None when none came within timeout."""
		deadline = time.monotonic() + timeout
		while len(self.buf) < 9 or len(self.buf) < 9 + int.from_bytes(self.buf[:3], "big"):
			left = deadline - time.monotonic()
			if left <= 0 or not self.recv_some(left):
				return None
		n = int.from_bytes(self.buf[:3], "big")
		ftype, flags = self.buf[3], self.buf[4]
		sid = struct.unpack(">I", self.buf[5:9])[0] & 0x7fffffff
		payload, self.buf = self.buf[9:9 + n], self.buf[9 + n:]
		return ftype, flags, sid, payload

	def read_frames(self, timeout, max_frames=None, until=None):
		"""Handle frames until `until()` is true, max_frames were read, nothing came for
		`timeout` seconds, or the connection closed. Never raises Closed."""
		n = 0
		try:
			while until is None or not until():
				f = self.next_frame(timeout)
				if f is None:
					return False
				self.handle(*f)
				n += 1
				if max_frames is not None and n >= max_frames:
					break
		except Closed:
			return False
		return True

	def handle(self, ftype, flags, sid, payload):
		st = self.streams.get(sid)
		name = FRAME_NAMES[ftype] if ftype < len(FRAME_NAMES) else "0x%x" % ftype
		if st is not None and ftype in (DATA, HEADERS, CONTINUATION, RST_STREAM):
			st.frames.append(name + ("/es" if flags & END_STREAM and ftype != RST_STREAM else ""))
		if ftype == SETTINGS:
			if flags & ACK:
				self.settings_acks += 1
				return
			for i in range(0, len(payload) - 5, 6):
				k, v = struct.unpack(">HI", payload[i:i + 6])
				self.peer_settings[k] = v
				if k == SETTINGS_INITIAL_WINDOW_SIZE:
					delta = v - self.peer_initial_window
					self.peer_initial_window = v
					for s in self.stream_send_windows:
						self.stream_send_windows[s] += delta
				elif k == SETTINGS_MAX_FRAME_SIZE:
					self.peer_max_frame = v
			self.send_frame(SETTINGS, ACK, 0, b"")
		elif ftype == PING:
			if flags & ACK:
				self.ping_acks += 1
			elif self.auto_ping:
				self.send_frame(PING, ACK, 0, payload)
		elif ftype == WINDOW_UPDATE:
			inc = struct.unpack(">I", payload)[0] & 0x7fffffff
			if sid == 0:
				self.send_window += inc
			elif sid in self.stream_send_windows:
				self.stream_send_windows[sid] += inc
		elif ftype == GOAWAY:
			last, code = struct.unpack(">II", payload[:8])
			self.goaway = (last & 0x7fffffff, code)
			self.events.append("goaway last-stream=%d error=%s" % (last & 0x7fffffff,
									   error_name(code)))
		elif ftype == RST_STREAM:
			code = struct.unpack(">I", payload)[0]
			if st is not None:
				st.rst = code
			self.events.append("rst stream=%d error=%s" % (sid, error_name(code)))
		elif ftype in (HEADERS, CONTINUATION):
			if ftype == HEADERS:
				payload = self.strip_padding(flags, payload)
				if flags & PRIORITY_FLAG:
					payload = payload[5:]
				self.block = (sid, flags, [payload])
			elif self.block is not None:
				self.block[2].append(payload)
			if flags & END_HEADERS and self.block is not None:
				bsid, bflags, parts = self.block
				self.block = None
				self.header_block_done(bsid, bflags, b"".join(parts))
		elif ftype == DATA:
			data = self.strip_padding(flags, payload)
			if st is not None:
				st.data_len += len(data)
				st.data_frames += 1
				st.sha.update(data)
				if st.out:
					st.out.write(data)
				if st.window is not None:
					st.window -= len(payload)
					if st.window < 0 and st.violation is None:
						st.violation = "stream window exceeded by %d" % -st.window
				if flags & END_STREAM:
					st.ended = True
			self.consumed(sid, st, len(payload))

	def consumed(self, sid, st, n):
		"""Reopen the windows by what a DATA frame used (unless the command keeps them shut)."""
		if n == 0 or self.args.command == "zero-window":
			return
		self.send_frame(WINDOW_UPDATE, 0, 0, struct.pack(">I", n))
		if st is not None and not st.ended and st.rst is None:
			if st.window is not None:
				st.window += n
			self.send_frame(WINDOW_UPDATE, 0, sid, struct.pack(">I", n))

	@staticmethod
	def strip_padding(flags, payload):
		if flags & PADDED and payload:
			pad = payload[0]
			return payload[1:len(payload) - pad]
		return payload

	def header_block_done(self, sid, flags, block):
		try:
			hdrs = self.dec.decode(block, raw=True)
		except Exception as e:
			self.events.append("hpack-error stream=%d %s" % (sid, e))
			return
		hdrs = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in hdrs]
		st = self.streams.get(sid)
		if st is None:
			self.events.append("headers on unknown stream %d" % sid)
			return
		status = [v for k, v in hdrs if k == ":status"]
		if status and status[0].startswith("1"):
			st.frames[-1] += "(%s)" % status[0]	# 100-continue and friends
		elif st.status is None:
			st.status = int(status[0]) if status else -1
			st.headers = hdrs
		else:
			st.trailers = hdrs
		if flags & END_STREAM:
			st.ended = True

	def done(self, st):
		return st.ended or st.rst is not None or self.closed

	def report(self):
		for line in self.events:
			print(line)
		print("sent-bytes %d" % self.sent)


# ---- commands ---------------------------------------------------------------------------

def split_header(text):
	name, _, value = text.partition(":")
	return name.strip().lower(), value.strip()


def cmd_req(args):
	settings = {}
	if args.window is not None:
		settings[SETTINGS_INITIAL_WINDOW_SIZE] = args.window
	peer = Peer(args, settings, open_window=args.window is None)
	st = peer.new_stream()
	if args.window is not None:
		st.window = args.window
	if args.out:
		st.out = open(args.out, "wb")
	body = None
	if args.body_file:
		with open(args.body_file, "rb") as f:
			body = f.read()
	elif args.body_size is not None:
		body = gen_body(args.body_size)
	extra = [split_header(h) for h in args.header]
	if body is not None and not args.no_cl:
		extra.append(("content-length", str(len(body))))
	block = peer.header_block(args.method, args.path, args.authority, extra)
	deadline = time.monotonic() + args.wait
	try:
		has_more = body is not None or bool(args.trailer)
		peer.send_headers(st.sid, block, end_stream=not has_more)
		if body is not None:
			peer.send_data(st.sid, body, end_stream=not args.trailer, deadline=deadline)
		if args.trailer:
			tblock = peer.enc.encode([split_header(t) for t in args.trailer])
			peer.send_headers(st.sid, tblock, end_stream=True)
	except Closed:
		pass
	while not peer.done(st) and time.monotonic() < deadline:
		if not peer.read_frames(min(args.timeout, deadline - time.monotonic()),
					until=lambda: peer.done(st)):
			break
	if not peer.done(st):
		peer.events.append("timeout")
	if st.out:
		st.out.close()
	if st.status is not None:
		print("status %d" % st.status)
	for k, v in st.headers:
		if not k.startswith(":"):
			print("header %s: %s" % (k, v))
	for k, v in st.trailers:
		print("trailer %s: %s" % (k, v))
	print("frames " + " ".join(st.frames))
	print("body %d %s" % (st.data_len, st.sha.hexdigest()))
	print("data-frames %d" % st.data_frames)
	if args.window is not None:
		print("flow " + ("violation: " + st.violation if st.violation else "ok"))
	if st.ended:
		print("end-stream")
	peer.report()


def cmd_rapid_reset(args):
	peer = Peer(args)
	pairs = 0
	try:
		while pairs < args.count and not peer.closed and peer.goaway is None:
			batch = b""
			for _ in range(min(args.batch, args.count - pairs)):
				st = peer.new_stream()
				# the same header block each time: the encoder's dynamic table makes the
				# later copies tiny, as a real attacker's are
				block = peer.header_block("GET", args.path, args.authority)
				batch += peer.frame(HEADERS, END_HEADERS | END_STREAM, st.sid, block)
				batch += peer.frame(RST_STREAM, 0, st.sid, struct.pack(">I", 8))
				pairs += 1
			peer.send_raw(batch)
			peer.read_frames(0.001)	# whatever already came (a GOAWAY stops the loop)
	except (Closed, socket.timeout):
		pass
	print("pairs-sent %d" % pairs)
	peer.read_frames(args.wait if peer.goaway is None else 1.0)
	if not peer.closed and peer.goaway is None:
		peer.events.append("timeout")
	answered = sum(1 for s in peer.streams.values() if s.status is not None)
	print("answered %d" % answered)
	peer.report()


def cmd_continuation_flood(args):
	peer = Peer(args)
	peer.read_frames(0.2)	# the peer's SETTINGS first: its max frame size
	st = peer.new_stream()
	block = peer.header_block("GET", args.path, args.authority)
	frames = 0
	# valid HPACK in every CONTINUATION: literal fields without indexing, so the peer has to
	# decode (or count) them rather than fail on garbage
	field = b"\x00" + hpack_int(7, 7) + b"x-flood" + hpack_int(1000, 7) + b"f" * 1000
	piece = field * max(1, (min(peer.peer_max_frame, 16384) - 16) // len(field))
	try:
		peer.send_frame(HEADERS, 0, st.sid, block)
		frames = 1
		while peer.sent < args.max_bytes and not peer.closed and peer.goaway is None:
			peer.send_frame(CONTINUATION, 0, st.sid, piece)
			frames += 1
			if frames % 16 == 0:
				peer.read_frames(0.001)
	except (Closed, socket.timeout) as e:
		if isinstance(e, socket.timeout):
			peer.events.append("send-blocked (the peer stopped reading)")
	print("frames-sent %d" % frames)
	peer.read_frames(args.wait if peer.goaway is None else 1.0)
	if st.status is not None:
		print("status %d" % st.status)
	if not peer.closed and peer.goaway is None and st.rst is None:
		peer.events.append("timeout")
	peer.report()


def cmd_hpack_bomb(args):
	peer = Peer(args)
	peer.read_frames(0.2)
	st = peer.new_stream()
	block = peer.header_block("GET", args.path, args.authority)
	block += hpack_literal_indexed(b"x-bomb", b"b" * args.size)
	# index 62 is the newest dynamic entry: the one just inserted
	block += hpack_int(62, 7, 0x80) * args.refs
	print("block-bytes %d decoded-bytes %d" % (len(block), (args.size + 6) * (args.refs + 1)))
	try:
		peer.send_headers(st.sid, block, end_stream=True)
	except (Closed, socket.timeout):
		pass
	peer.read_frames(args.wait, until=lambda: peer.done(st) or peer.goaway is not None)
	if st.status is not None:
		print("status %d" % st.status)
	if not peer.done(st) and peer.goaway is None:
		peer.events.append("timeout")
	peer.report()


def flood(args, ftype):
	# a small receive buffer: the answers (ACKs) pile up on the peer's side, not in ours
	peer = Peer(args, rcvbuf=4096)
	peer.auto_ping = False
	peer.read_frames(0.2)
	payload = b"\0" * 8 if ftype == PING else b""
	sent = 0
	peer.sock.settimeout(2.0)	# a peer that stops reading blocks sendall: say so after 2 s
	try:
		while sent < args.count and not peer.closed:
			n = min(args.batch, args.count - sent)
			peer.send_raw(peer.frame(ftype, 0, 0, payload) * n)
			sent += n
	except Closed:
		pass
	except socket.timeout:
		peer.events.append("send-blocked (the peer stopped reading)")
	print("frames-sent %d" % sent)
	peer.read_frames(args.wait, until=lambda: peer.goaway is not None and peer.closed)
	print("acks %d" % (peer.ping_acks if ftype == PING else peer.settings_acks))
	if not peer.closed:
		peer.events.append("open")
	peer.report()


def cmd_streams(args):
	peer = Peer(args)
	peer.read_frames(0.2)
	batch = b""
	for _ in range(args.count):
		st = peer.new_stream()
		block = peer.header_block("GET", args.path, args.authority)
		batch += peer.frame(HEADERS, END_HEADERS | END_STREAM, st.sid, block)
	try:
		peer.send_raw(batch)
	except (Closed, socket.timeout):
		pass
	deadline = time.monotonic() + args.wait
	alldone = lambda: all(peer.done(s) for s in peer.streams.values())
	while not alldone() and time.monotonic() < deadline:
		if not peer.read_frames(min(args.timeout, deadline - time.monotonic()), until=alldone):
			break
	counts = {}
	for s in peer.streams.values():
		if s.ended and s.status is not None:
			key = "status-%d" % s.status
		elif s.rst is not None:
			key = "rst-" + error_name(s.rst)
		else:
			key = "unanswered"
		counts[key] = counts.get(key, 0) + 1
	print("streams %d " % args.count + " ".join("%s=%d" % kv for kv in sorted(counts.items())))
	print("max-concurrent-streams %s" % peer.peer_settings.get(SETTINGS_MAX_CONCURRENT_STREAMS,
								     "unlimited"))
	for line in peer.events:
		if not line.startswith("rst "):	# summarised above
			print(line)
	print("sent-bytes %d" % peer.sent)


def cmd_zero_window(args):
	peer = Peer(args, {SETTINGS_INITIAL_WINDOW_SIZE: 0}, open_window=False)
	st = peer.new_stream()
	start = time.monotonic()
	try:
		peer.send_headers(st.sid, peer.header_block("GET", args.path, args.authority), True)
	except (Closed, socket.timeout):
		pass
	deadline = start + args.wait
	while not peer.done(st) and peer.goaway is None and time.monotonic() < deadline:
		peer.read_frames(min(1.0, max(0.01, deadline - time.monotonic())),
				 until=lambda: peer.done(st) or peer.goaway is not None)
	elapsed = time.monotonic() - start
	if st.status is not None:
		print("status %d" % st.status)
	print("body %d" % st.data_len)
	if st.ended:
		print("end-stream")	# HAProxy 2.6 ends the stalled stream so, its body cut short
	if peer.closed or st.rst is not None or peer.goaway is not None or st.ended:
		print("ended-after %.1f" % elapsed)
	else:
		peer.events.append("timeout (still open after %.1f s)" % elapsed)
	peer.report()


COMMANDS = {
	"req": cmd_req,
	"rapid-reset": cmd_rapid_reset,
	"continuation-flood": cmd_continuation_flood,
	"hpack-bomb": cmd_hpack_bomb,
	"settings-flood": lambda a: flood(a, SETTINGS),
	"ping-flood": lambda a: flood(a, PING),
	"streams": cmd_streams,
	"zero-window": cmd_zero_window,
}


def main():
	ap = argparse.ArgumentParser(description="raw HTTP/2 test client")
	ap.add_argument("--tls", action="store_true", help="TLS with ALPN h2 (no verification)")
	ap.add_argument("--sni", default="localhost")
	ap.add_argument("--timeout", type=float, default=5.0, help="socket timeout, seconds")
	ap.add_argument("port", type=int)
	ap.add_argument("command", choices=sorted(COMMANDS))
	ap.add_argument("--method", default="GET")
	ap.add_argument("--path", default="/")
	ap.add_argument("--authority", default="h2.test")
	ap.add_argument("-H", "--header", action="append", default=[])
	ap.add_argument("--trailer", action="append", default=[])
	ap.add_argument("--body-size", type=int)
	ap.add_argument("--body-file")
	ap.add_argument("--no-cl", action="store_true")
	ap.add_argument("--out")
	ap.add_argument("--window", type=int)
	ap.add_argument("--count", type=int, default=1000)
	ap.add_argument("--batch", type=int, default=100)
	ap.add_argument("--max-bytes", type=int, default=32 << 20)
	ap.add_argument("--size", type=int, default=4000)
	ap.add_argument("--refs", type=int, default=12000)
	ap.add_argument("--wait", type=float, default=5.0,
			help="how long to wait for the answer, seconds")
	args = ap.parse_args()
	try:
		COMMANDS[args.command](args)
	except (OSError, Closed) as e:
		print("connect-failed %s" % e)
		return 2
	return 0


if __name__ == "__main__":
	sys.exit(main())
