#!/bin/bash
# tests/integration/029-http-hardening.sh: what a hostile or unlucky peer must never achieve:
# request bytes parsed twice (smuggling through an early answer), a crash from pipelined
# local replies, a spinning CPU behind a slow reader, ambiguous targets and lengths.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

start_stub PA --http A --log "$T/a.log" || bail "stub A"
F1=$(free_port) F2=$(free_port)
{
	cfg_global http "tune.bufsize 65536"
	cat <<-EOF
	frontend fe
		bind 127.0.0.1:$F1
		default_backend be
	frontend fe_local
		bind 127.0.0.1:$F2
		http-request return status 200 content-type text/plain string "local"
	backend be
		http-reuse always
		server a 127.0.0.1:$PA
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"

# 1. The server answers a POST before reading its body (and keeps the connection) while lbd
#    still holds the end of the body. That end carries what looks like a request: it must never
#    be parsed by lbd as a second request, nor sent on a reused server connection.
python3 - "$F1" >"$T/out1" <<'PY'
import socket, sys
tail = b"GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
body = b"x" * (3 * 1024 * 1024) + tail
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"POST /up?early=1 HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n" % len(body))
try:
	s.sendall(body)
except OSError:
	pass
data = b""
try:
	while True:
		chunk = s.recv(65536)
		if not chunk:
			break
		data += chunk
except OSError:
	pass
sys.stdout.write(data.decode("latin-1"))
PY
like "$(cat "$T/out1")" 'early' "an early answer reaches the client"
sleep 0.3
unlike "$(cat "$T/a.log")" 'smuggled' "the body is never forwarded as a request"
unlike "$(cat "$LBD_LOG")" 'smuggled' "nor logged as one"
is "$(http_code "http://127.0.0.1:$F1/")" "200" "the next client is served normally"

# 2. 3000 pipelined requests answered by lbd itself on one connection (a 64 KiB buffer holds
#    2000 of them at once): no crash, all served.
python3 - "$F2" >"$T/out2" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" * 3000)
s.shutdown(socket.SHUT_WR)
data = b""
while True:
	try:
		chunk = s.recv(65536)
	except socket.timeout:
		break
	if not chunk:
		break
	data += chunk
print(data.count(b"HTTP/1.1 200"))
PY
is "$(cat "$T/out2")" "3000" "3000 pipelined local replies all answered"
check "lbd is still running" pid_alive "$LBD_PID"

# 3. A slow reader of a long (spliced) response: lbd waits for it, it does not spin.
cpu() { awk '{ print $14 + $15 }' "/proc/$LBD_PID/stat"; }
c0=$(cpu)
hcurl --limit-rate 400k -o "$T/big" "http://127.0.0.1:$F1/?size=1048576" &
cpid=$!
lb_track "$cpid"
wait "$cpid"
c1=$(cpu)
is "$(stat -c %s "$T/big")" "1048576" "a slow reader gets the whole 1 MiB body"
num_between "$((c1 - c0))" 0 60 "lbd used little CPU meanwhile ($((c1 - c0)) ticks in ~2.5 s)"

# 4. An absolute-form target whose authority differs from Host is refused.
rawc "$F1" 'send:GET http://other.example/ HTTP/1.1\r\nHost: t\r\n\r\n' recv >"$T/out4"
like "$(head -n1 "$T/out4")" '^HTTP/1.1 400' "absolute URI and Host that differ: 400"
rawc "$F1" 'send:GET http://t/echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n' recv \
	>"$T/out5"
like "$(head -n1 "$T/out5")" '^HTTP/1.1 200' "absolute URI matching Host: served"

# 5. A length sent as "6, 6" reaches the server as one plain Content-Length.
rawc "$F1" 'send:POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 6, 6\r\nConnection: close\r\n\r\nabcdef' \
	recv >"$T/out6"
like "$(head -n1 "$T/out6")" '^HTTP/1.1 200' "a repeated equal length is accepted"
ilike "$(cat "$T/out6")" 'content-length: 6'$'\r' "and the server sees one plain length"
unlike "$(cat "$T/out6")" '6, 6' "never the list"

# 6. A server that answers an HTTP/1.0 request with a chunked body breaks RFC 9112 6.1: the
#    1.0 client could not find the end of it. lbd answers 502 instead.
rawc "$F1" 'send:GET /?chunk=10&size=100 HTTP/1.0\r\nHost: t\r\n\r\n' recv >"$T/out7"
like "$(head -n1 "$T/out7")" '^HTTP/1.1 502' "chunked answer to an HTTP/1.0 request: 502"
like "$(cat "$LBD_LOG")" 'chunked response to an HTTP/1.0 request' "with a log line saying why"

stop_pid "$LBD_PID"
done_testing
