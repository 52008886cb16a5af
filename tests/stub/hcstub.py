#!/usr/bin/env python3
# tests/stub/hcstub.py: a health-check target whose answer a test changes by writing a file
#
# One process serves one port (127.0.0.1), in one of two modes:
#   --http   answers each request (one per connection) as the state file says:
#              "200", "404", "503", ... a status code (body "ok\n")
#              "garbage"  bytes that are not HTTP, then close
#              "close"    close without answering
#              "hang"     read the request and never answer (closed when the peer closes)
#   --agent  HAProxy's agent protocol: on each connection, send the state file's first line
#            (e.g. "drain", "75%", "weight:3", "down#disk full") plus "\n", then close.
# The state file is read again for every connection, so a test flips the answer with
# `echo 503 > FILE`; a missing or empty file means "200" (--http) or "up" (--agent).
# --log FILE appends "probe T ANSWER" per connection, T being CLOCK_MONOTONIC in ms, so a test
# can measure the intervals between checks. --port 0 --port-file F: the kernel picks the port.

import argparse
import asyncio
import os
import sys
import time


def now_ms():
	return int(time.monotonic() * 1000)


class Target:
	def __init__(self, args):
		self.args = args

	def state(self, default):
		try:
			with open(self.args.state) as f:
				line = f.readline().strip()
		except OSError:
			line = ""
		return line or default

	def log(self, what):
		if self.args.log:
			with open(self.args.log, "a") as f:
				f.write("probe %d %s\n" % (now_ms(), what))

	async def serve_http(self, reader, writer):
		answer = self.state("200")
		self.log(answer)
		try:
			head = b""
			while b"\r\n\r\n" not in head and len(head) < 65536:
				chunk = await reader.read(4096)
				if not chunk:
					break
				head += chunk
			if answer == "hang":
				while await reader.read(4096):
					pass
			elif answer == "garbage":
				writer.write(b"\x00\x01garbage that is not HTTP\r\n\r\n")
				await writer.drain()
			elif answer.isdigit():
				body = b"ok\n"
				head = b"HTTP/1.1 %s Status\r\nContent-Length: %d\r\n" % (
					answer.encode(), len(body))
				writer.write(head + b"Connection: close\r\n\r\n" + body)
				await writer.drain()
		except (ConnectionError, OSError):
			pass
		finally:
			writer.close()

	async def serve_agent(self, reader, writer):
		answer = self.state("up")
		self.log(answer)
		try:
			writer.write(answer.encode() + b"\n")
			await writer.drain()
		except (ConnectionError, OSError):
			pass
		finally:
			writer.close()


async def main():
	ap = argparse.ArgumentParser()
	ap.add_argument("--port", type=int, default=0)
	ap.add_argument("--port-file")
	ap.add_argument("--state", required=True)
	ap.add_argument("--log")
	mode = ap.add_mutually_exclusive_group(required=True)
	mode.add_argument("--http", action="store_true")
	mode.add_argument("--agent", action="store_true")
	args = ap.parse_args()
	t = Target(args)
	cb = t.serve_http if args.http else t.serve_agent
	server = await asyncio.start_server(cb, "127.0.0.1", args.port)
	port = server.sockets[0].getsockname()[1]
	if args.port_file:
		tmp = args.port_file + ".tmp"
		with open(tmp, "w") as f:
			f.write("%d\n" % port)
		os.rename(tmp, args.port_file)
	async with server:
		await server.serve_forever()


if __name__ == "__main__":
	try:
		asyncio.run(main())
	except KeyboardInterrupt:
		sys.exit(0)
