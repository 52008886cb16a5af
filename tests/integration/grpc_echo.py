#!/usr/bin/python3
# tests/integration/grpc_echo.py: a gRPC echo server and the client that drives it, with
# python3-grpcio and no protoc: generic handlers on raw bytes (no serializers), so what crosses
# the proxy is exactly what the test chose
#
# Usage:
#   grpc_echo.py serve [--port 0] --port-file F
#       service lb.Echo: Unary (the message back; trailing metadata x-seen-client: the value of
#       the client's x-client metadata, x-len: the message length), ServerStream (a message
#       holding N answers with N messages "msg-0".."msg-N-1"), ClientStream (the messages
#       joined with "|"), Bidi (each message back in upper case, as it comes), Fail (status
#       PERMISSION_DENIED with a message of non-ASCII text, spaces and a %, and trailing
#       metadata x-why: because).
#   grpc_echo.py client TARGET [--tls CA --name NAME] [--timeout S]
#       runs every call once and prints one line per call: "unary ok", "server-stream ok 50",
#       "client-stream ok 20", "bidi ok 30", "status ok PERMISSION_DENIED", "big ok 4194304",
#       or "<call> FAIL: why". Exit status 0 when every call was right, 1 otherwise.
# Messages up to 16 MiB are allowed both ways (the big call sends and receives 4 MiB).

import argparse
import concurrent.futures
import hashlib
import os
import queue
import sys
import time

import grpc

SERVICE = "lb.Echo"
MAX_MSG = 16 << 20
OPTIONS = [("grpc.max_receive_message_length", MAX_MSG),
	   ("grpc.max_send_message_length", MAX_MSG)]
FAIL_DETAILS = "denied: caf\u00e9 \u00fcber 100% sure"


# ---- server ----

def unary(request, context):
	seen = dict(context.invocation_metadata()).get("x-client", "")
	context.set_trailing_metadata((("x-seen-client", seen), ("x-len", str(len(request)))))
	return request


def server_stream(request, context):
	for i in range(int(request)):
		yield b"msg-%d" % i


def client_stream(request_iterator, context):
	return b"|".join(request_iterator)


def bidi(request_iterator, context):
	for msg in request_iterator:
		yield msg.upper()


def fail(request, context):
	context.set_trailing_metadata((("x-why", "because"),))
	context.abort(grpc.StatusCode.PERMISSION_DENIED, FAIL_DETAILS)


def serve(args):
	handler = grpc.method_handlers_generic_handler(SERVICE, {
		"Unary": grpc.unary_unary_rpc_method_handler(unary),
		"ServerStream": grpc.unary_stream_rpc_method_handler(server_stream),
		"ClientStream": grpc.stream_unary_rpc_method_handler(client_stream),
		"Bidi": grpc.stream_stream_rpc_method_handler(bidi),
		"Fail": grpc.unary_unary_rpc_method_handler(fail),
	})
	server = grpc.server(concurrent.futures.ThreadPoolExecutor(max_workers=8), options=OPTIONS)
	server.add_generic_rpc_handlers((handler,))
	port = server.add_insecure_port("127.0.0.1:%d" % args.port)
	server.start()
	if args.port_file:
		with open(args.port_file + ".tmp", "w") as f:
			f.write("%d\n" % port)
		os.rename(args.port_file + ".tmp", args.port_file)
	server.wait_for_termination()


# ---- client ----

def check_unary(ch, t):
	call = ch.unary_unary("/%s/Unary" % SERVICE)
	reply, info = call.with_call(b"hello grpc", timeout=t, metadata=(("x-client", "c1"),))
	trailers = dict(info.trailing_metadata())
	assert reply == b"hello grpc", "reply %r" % reply
	assert trailers.get("x-seen-client") == "c1", "trailers %r" % trailers
	assert info.code() == grpc.StatusCode.OK
	return "ok"


def check_server_stream(ch, t):
	got = list(ch.unary_stream("/%s/ServerStream" % SERVICE)(b"50", timeout=t))
	assert got == [b"msg-%d" % i for i in range(50)], "got %d messages" % len(got)
	return "ok %d" % len(got)


def check_client_stream(ch, t):
	msgs = [b"part-%d" % i for i in range(20)]
	reply = ch.stream_unary("/%s/ClientStream" % SERVICE)(iter(msgs), timeout=t)
	assert reply == b"|".join(msgs), "reply %r" % reply[:80]
	return "ok %d" % len(msgs)


def check_bidi(ch, t):
	"""Each answer is read before the next message is sent: proves both directions stream
	(a proxy that buffered a whole direction would stall here until the deadline)."""
	call = ch.stream_stream("/%s/Bidi" % SERVICE)
	q = queue.Queue()
	done = object()

	def requests():
		for i in range(30):
			yield b"ping-%d" % i
			item = q.get(timeout=t)
			if item is done:
				return
	answers = call(requests(), timeout=t)
	n = 0
	try:
		for msg in answers:
			assert msg == b"PING-%d" % n, "answer %r" % msg
			n += 1
			q.put(msg)
	finally:
		q.put(done)
	assert n == 30, "%d answers" % n
	return "ok %d" % n


def check_status(ch, t):
	try:
		ch.unary_unary("/%s/Fail" % SERVICE).with_call(b"x", timeout=t)
	except grpc.RpcError as e:
		trailers = dict(e.trailing_metadata() or ())
		assert e.code() == grpc.StatusCode.PERMISSION_DENIED, "code %s" % e.code()
		assert e.details() == FAIL_DETAILS, "details %r" % e.details()
		assert trailers.get("x-why") == "because", "trailers %r" % trailers
		return "ok %s" % e.code().name
	raise AssertionError("the call succeeded")


def check_big(ch, t):
	msg = os.urandom(4 << 20)
	reply = ch.unary_unary("/%s/Unary" % SERVICE)(msg, timeout=t)
	assert hashlib.sha256(reply).digest() == hashlib.sha256(msg).digest(), \
		"%d bytes back, content differs" % len(reply)
	return "ok %d" % len(reply)


CHECKS = (("unary", check_unary), ("server-stream", check_server_stream),
	  ("client-stream", check_client_stream), ("bidi", check_bidi),
	  ("status", check_status), ("big", check_big))


def client(args):
	if args.tls:
		with open(args.tls, "rb") as f:
			creds = grpc.ssl_channel_credentials(root_certificates=f.read())
		ch = grpc.secure_channel(args.target, creds, options=OPTIONS + [
			("grpc.ssl_target_name_override", args.name)])
	else:
		ch = grpc.insecure_channel(args.target, options=OPTIONS)
	failed = 0
	with ch:
		try:
			grpc.channel_ready_future(ch).result(timeout=args.timeout)
		except grpc.FutureTimeoutError:
			print("connect FAIL: channel not ready after %.0f s" % args.timeout)
			return 1
		for name, fn in CHECKS:
			start = time.monotonic()
			try:
				print("%s %s" % (name, fn(ch, args.timeout)))
			except grpc.RpcError as e:
				failed += 1
				print("%s FAIL: %s %s (%.1f s)" % (name, e.code(), e.details(),
								  time.monotonic() - start))
			except Exception as e:
				failed += 1
				print("%s FAIL: %s" % (name, e))
			sys.stdout.flush()
	return 1 if failed else 0


def main():
	ap = argparse.ArgumentParser(description="gRPC echo server and client (raw bytes)")
	sub = ap.add_subparsers(dest="mode", required=True)
	s = sub.add_parser("serve")
	s.add_argument("--port", type=int, default=0)
	s.add_argument("--port-file")
	c = sub.add_parser("client")
	c.add_argument("target", help="host:port")
	c.add_argument("--tls", metavar="CA", help="TLS, trusting this CA")
	c.add_argument("--name", default="localhost", help="the name the certificate must carry")
	c.add_argument("--timeout", type=float, default=10.0)
	args = ap.parse_args()
	if args.mode == "serve":
		serve(args)
		return 0
	return client(args)


if __name__ == "__main__":
	sys.exit(main())
