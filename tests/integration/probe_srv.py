#!/usr/bin/env python3
# tests/integration/probe_srv.py: one-behaviour servers for the lbcheck probe tests (100-104)
#
# Binds 127.0.0.1 on a kernel-chosen port, writes the port to --port-file once listening and
# serves until killed. Each connection:
#   --mode reply     wait for the client's first bytes (or --wait-ms), send --reply, then close
#                    (--hold: stay open and silent afterwards)
#   --mode greet     send --reply at once (server speaks first), then answer each later read
#                    with the next --then reply, then close
#   --mode silence   accept and never answer
#   --mode reset     read the first bytes, then reset the connection (RST)
#   --mode backlog   listen with backlog 0 and never accept (connects beyond the queue hang)
#   --mode tls       TLS server (--cert/--key); answers --reply to the first bytes over TLS
# --reply/--then take Python string escapes ("\r\n", "\x00"). --log FILE appends, per
# connection, "recv <hex>" of everything received and "sni <name>"/"alpn <proto>" for TLS.
import argparse
import codecs
import socket
import ssl
import struct
import sys
import threading
import time


def unesc(s):
	return codecs.decode(s.encode("latin-1"), "unicode_escape").encode("latin-1")


def main():
	ap = argparse.ArgumentParser()
	ap.add_argument("--mode", required=True)
	ap.add_argument("--port-file", required=True)
	ap.add_argument("--reply", default="")
	ap.add_argument("--then", action="append", default=[])
	ap.add_argument("--hold", action="store_true")
	ap.add_argument("--wait-ms", type=int, default=2000)
	ap.add_argument("--log")
	ap.add_argument("--cert")
	ap.add_argument("--key")
	ap.add_argument("--alpn", default="")
	a = ap.parse_args()
	lock = threading.Lock()

	def log(line):
		if a.log:
			with lock, open(a.log, "a") as f:
				f.write(line + "\n")

	s = socket.socket()
	s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	s.bind(("127.0.0.1", 0))
	s.listen(0 if a.mode == "backlog" else 64)
	with open(a.port_file + ".tmp", "w") as f:
		f.write(str(s.getsockname()[1]))
	import os
	os.rename(a.port_file + ".tmp", a.port_file)
	if a.mode == "backlog":
		while True:
			time.sleep(1)

	ctx = None
	if a.mode == "tls":
		ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
		ctx.load_cert_chain(a.cert, a.key)
		if a.alpn:
			ctx.set_alpn_protocols(a.alpn.split(","))

		def sni_cb(sock, name, c):
			log("sni %s" % name)
		ctx.sni_callback = sni_cb

	def recv_some(c, wait_ms):
		c.settimeout(wait_ms / 1000.0)
		try:
			d = c.recv(65536)
		except (socket.timeout, OSError):
			d = b""
		if d:
			log("recv " + d.hex())
		return d

	def serve(c):
		try:
			if a.mode == "silence":
				while c.recv(4096):
					pass
				return
			if a.mode == "reset":
				recv_some(c, a.wait_ms)
				c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
				c.close()
				return
			if a.mode == "tls":
				c.settimeout(5)
				try:
					c = ctx.wrap_socket(c, server_side=True)
				except (ssl.SSLError, OSError) as e:
					log("tls-error %s" % e)
					return
				log("alpn %s" % c.selected_alpn_protocol())
				recv_some(c, a.wait_ms)
				c.sendall(unesc(a.reply))
				c.close()
				return
			if a.mode == "greet":
				c.sendall(unesc(a.reply))
				for t in a.then:
					if not recv_some(c, a.wait_ms):
						break
					c.sendall(unesc(t))
				recv_some(c, 300)
			else:
				recv_some(c, a.wait_ms)
				c.sendall(unesc(a.reply))
			if a.hold:
				while c.recv(4096):
					pass
		except OSError:
			pass
		finally:
			try:
				c.close()
			except OSError:
				pass

	while True:
		c, _ = s.accept()
		threading.Thread(target=serve, args=(c,), daemon=True).start()


if __name__ == "__main__":
	sys.exit(main())
