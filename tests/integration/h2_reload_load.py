#!/usr/bin/python3
# tests/integration/h2_reload_load.py: HTTP/2 clients that keep requesting while lbd reloads
#
# usage: h2_reload_load.py HOST:PORT[:tls] SECONDS STOPFILE CONNS STREAMS
# CONNS connections, each keeping STREAMS requests in flight (GET /), until STOPFILE exists
# or SECONDS pass. A client behaves as RFC 9113 asks: after a GOAWAY it opens no new stream
# on that connection, lets the streams the GOAWAY covers (id <= last-stream-id) finish, and
# resends the others on a new connection. What counts as a failure is what a user would see:
# a stream the server accepted (id <= last-stream-id, or no GOAWAY) that ended without its
# whole response (reset, connection closed), a response that is not 200, a refused or reset
# connection. Prints one line "ok=N fail=N refused=N goaway=N resent=N conns=N", then the
# first failures, one per line.
import os
import socket
import ssl
import sys
import threading
import time

import h2.config
import h2.connection
import h2.events
import h2.exceptions

lock = threading.Lock()
stats = {"ok": 0, "fail": 0, "refused": 0, "goaway": 0, "resent": 0, "conns": 0}
failures = []


def add(key, n=1, why=None):
	with lock:
		stats[key] += n
		if why and len(failures) < 20:
			failures.append(why)


def connect(host, port, tls):
	s = socket.create_connection((host, port), timeout=5)
	s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
	if tls:
		ctx = ssl.create_default_context()
		ctx.check_hostname = False
		ctx.verify_mode = ssl.CERT_NONE
		ctx.set_alpn_protocols(["h2"])
		s = ctx.wrap_socket(s, server_hostname="localhost")
		if s.selected_alpn_protocol() != "h2":
			raise OSError("ALPN did not select h2")
	return s


def one_connection(host, port, tls, nstreams, pending, deadline, stopfile):
	"""Runs one connection until GOAWAY/close/stop. Returns the requests to resend."""
	try:
		s = connect(host, port, tls)
	except OSError as e:
		add("refused", why="connect: %s" % e)
		time.sleep(0.05)
		return pending
	add("conns")
	conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True))
	conn.initiate_connection()
	s.sendall(conn.data_to_send())
	inflight = {}	# stream id -> [status, ended]
	goaway_last = None
	resend = 0

	def open_stream():
		sid = conn.get_next_available_stream_id()
		conn.send_headers(sid, [(":method", "GET"), (":path", "/"), (":scheme",
				  "https" if tls else "http"), (":authority", "%s:%d" % (host, port))],
				  end_stream=True)
		inflight[sid] = [None, False]

	def ended(sid, st):
		if sid not in inflight:
			return
		del inflight[sid]
		if st == b"200":
			add("ok")
		else:
			add("fail", why="stream %d: status %s" % (sid, st))

	def reset(sid, code):
		if sid not in inflight:
			return
		del inflight[sid]
		if goaway_last is not None and sid > goaway_last:
			add("resent")
			return 1
		add("fail", why="stream %d reset (%s)" % (sid, code))
		return 0

	# python-h2 closes its state machine on GOAWAY and then refuses the frames of the
	# streams the GOAWAY lets finish, so frames are split here, and after a GOAWAY decoded
	# by hand (HEADERS through the connection's HPACK decoder, DATA/RST_STREAM flags).
	buf = b""
	block = {}
	try:
		while True:
			stopping = os.path.exists(stopfile) or time.time() > deadline
			if goaway_last is None and not stopping:
				while resend and len(inflight) < nstreams:
					open_stream()
					resend -= 1
				while pending and len(inflight) < nstreams:
					open_stream()
					pending -= 1
				while len(inflight) < nstreams:
					open_stream()
				s.sendall(conn.data_to_send())
			if not inflight:
				break
			data = s.recv(65536)
			if not data:
				raise ConnectionError("closed by lbd")
			buf += data
			while len(buf) >= 9:
				flen = int.from_bytes(buf[0:3], "big")
				if len(buf) < 9 + flen:
					break
				frame, buf = buf[:9 + flen], buf[9 + flen:]
				if goaway_last is None:
					for ev in conn.receive_data(frame):
						if isinstance(ev, h2.events.ResponseReceived):
							if ev.stream_id in inflight:
								inflight[ev.stream_id][0] = dict(ev.headers).get(b":status")
						elif isinstance(ev, h2.events.DataReceived):
							conn.acknowledge_received_data(ev.flow_controlled_length,
										       ev.stream_id)
						elif isinstance(ev, h2.events.StreamEnded):
							ended(ev.stream_id, inflight.get(ev.stream_id, [None])[0])
						elif isinstance(ev, h2.events.StreamReset):
							resend += reset(ev.stream_id, ev.error_code) or 0
						elif isinstance(ev, h2.events.ConnectionTerminated):
							add("goaway")
							goaway_last = ev.last_stream_id
							for sid in [k for k in inflight if k > goaway_last]:
								resend += reset(sid, "goaway") or 0
					s.sendall(conn.data_to_send())
					continue
				ftype, flags = frame[3], frame[4]
				sid = int.from_bytes(frame[5:9], "big") & 0x7fffffff
				payload = frame[9:]
				if ftype in (1, 9):	# HEADERS, CONTINUATION
					if ftype == 1:
						if flags & 0x8:
							payload = payload[1:len(payload) - payload[0]]
						if flags & 0x20:
							payload = payload[5:]
						block[sid] = [payload, flags & 0x1]
					else:
						block[sid][0] += payload
					if flags & 0x4:	# END_HEADERS
						b, end = block.pop(sid)
						hdrs = dict(conn.decoder.decode(b, raw=True))
						if sid in inflight and b":status" in hdrs:
							inflight[sid][0] = hdrs[b":status"]
						if end:
							ended(sid, inflight.get(sid, [None])[0])
				elif ftype == 0 and flags & 0x1:	# DATA, END_STREAM
					ended(sid, inflight.get(sid, [None])[0])
				elif ftype == 3:	# RST_STREAM
					resend += reset(sid, int.from_bytes(payload[:4], "big")) or 0
				elif ftype == 7:	# another GOAWAY
					last = int.from_bytes(payload[:4], "big") & 0x7fffffff
					goaway_last = min(goaway_last, last)
					for k in [k for k in inflight if k > goaway_last]:
						resend += reset(k, "goaway") or 0
	except (OSError, ConnectionError, h2.exceptions.ProtocolError) as e:
		for sid in list(inflight):
			if goaway_last is not None and sid > goaway_last:
				resend += 1
				add("resent")
			else:
				add("fail", why="stream %d lost: %s" % (sid, e))
		inflight.clear()
	finally:
		s.close()
	return pending + resend


def client(host, port, tls, nstreams, deadline, stopfile):
	pending = 0
	while not os.path.exists(stopfile) and time.time() < deadline:
		pending = one_connection(host, port, tls, nstreams, pending, deadline, stopfile)


def main():
	target, seconds, stopfile, nconns, nstreams = sys.argv[1:6]
	parts = target.split(":")
	host, port, tls = parts[0], int(parts[1]), len(parts) > 2 and parts[2] == "tls"
	deadline = time.time() + float(seconds)
	threads = [threading.Thread(target=client, args=(host, port, tls, int(nstreams), deadline,
							  stopfile), daemon=True)
		   for _ in range(int(nconns))]
	for t in threads:
		t.start()
	for t in threads:
		t.join(float(seconds) + 10)
	print(" ".join("%s=%d" % (k, stats[k]) for k in
		       ("ok", "fail", "refused", "goaway", "resent", "conns")))
	for f in failures:
		print(f)


if __name__ == "__main__":
	main()
