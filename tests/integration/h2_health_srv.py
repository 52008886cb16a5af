#!/usr/bin/env python3
# tests/integration/h2_health_srv.py: an HTTP/2-only health-check target for 114-health-h2
# (python3-h2): h2c with prior knowledge, or TLS offering ALPN h2 only. Anything that is not
# HTTP/2 (an HTTP/1.1 request, ALPN http/1.1) gets the connection closed.
#
# Usage: h2_health_srv.py PORT_FILE STATE_FILE LOG_FILE [--tls CERTDIR]
# Every request is answered with the status in STATE_FILE (200 when missing), the header
# x-health: <status> and the body "health=<status>". Each request is logged in LOG_FILE as
# one line: "req <method> <path> authority=<a> scheme=<s> x-probe=<v> body=<b> status=<n>".
# A STATE_FILE holding "reset" resets the stream instead of answering.
import socket
import ssl
import sys
import threading

import h2.config
import h2.connection
import h2.errors
import h2.events


def serve(sock, state, log):
	conn = h2.connection.H2Connection(
		config=h2.config.H2Configuration(client_side=False, header_encoding="utf-8"))
	conn.initiate_connection()
	sock.sendall(conn.data_to_send())
	reqs = {}
	try:
		while True:
			data = sock.recv(65536)
			if not data:
				return
			for ev in conn.receive_data(data):
				if isinstance(ev, h2.events.RequestReceived):
					reqs[ev.stream_id] = [dict(ev.headers), b""]
				elif isinstance(ev, h2.events.DataReceived):
					reqs[ev.stream_id][1] += ev.data
					conn.acknowledge_received_data(len(ev.data), ev.stream_id)
				elif isinstance(ev, h2.events.StreamEnded):
					h, body = reqs.pop(ev.stream_id)
					try:
						with open(state) as f:
							st = f.read().strip() or "200"
					except OSError:
						st = "200"
					with open(log, "a") as f:
						f.write("req %s %s authority=%s scheme=%s x-probe=%s body=%s "
							"status=%s\n" % (h.get(":method"), h.get(":path"),
									 h.get(":authority", "-"), h.get(":scheme"),
									 h.get("x-probe", "-"),
									 body.decode() or "-", st))
					if st == "reset":
						conn.reset_stream(ev.stream_id,
								  error_code=h2.errors.ErrorCodes.INTERNAL_ERROR)
					else:
						payload = ("health=%s" % st).encode()
						conn.send_headers(ev.stream_id, [
							(":status", st), ("x-health", st),
							("content-length", str(len(payload)))])
						conn.send_data(ev.stream_id, payload, end_stream=True)
			sock.sendall(conn.data_to_send())
	except Exception as e:	# not HTTP/2, or the peer went away: close
		sys.stderr.write("connection error %r\n" % e)
	finally:
		sock.close()


def main():
	pf, state, log = sys.argv[1:4]
	ctx = None
	if len(sys.argv) > 5 and sys.argv[4] == "--tls":
		ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
		ctx.load_cert_chain(sys.argv[5] + "/srv.crt", sys.argv[5] + "/srv.key")
		ctx.set_alpn_protocols(["h2"])
	ls = socket.socket()
	ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	ls.bind(("127.0.0.1", 0))
	ls.listen(64)
	with open(pf + ".tmp", "w") as f:
		f.write(str(ls.getsockname()[1]))
	import os
	os.rename(pf + ".tmp", pf)
	while True:
		s, _ = ls.accept()
		if ctx:
			try:
				s = ctx.wrap_socket(s, server_side=True)
			except (ssl.SSLError, OSError) as e:
				sys.stderr.write("tls error %r\n" % e)
				s.close()
				continue
			if s.selected_alpn_protocol() != "h2":
				s.close()
				continue
		threading.Thread(target=serve, args=(s, state, log), daemon=True).start()


main()
