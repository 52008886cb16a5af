#!/bin/bash
# tests/integration/025-http-malformed.sh: requests RFC 9112 says to reject get 400 and never reach the backend
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

start_stub PA --http A --log "$T/a.log" || bail "stub A"
F1=$(free_port)
{
	cfg_global
	cat <<-EOF
	frontend fe
		bind 127.0.0.1:$F1
		default_backend be
	backend be
		server a 127.0.0.1:$PA
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"

# bad DESC HAPROXY_TODO CLOSE_TODO REQUEST: the request gets a 400 and the connection closes.
# HAPROXY_TODO non-empty: HAProxy 2.6 accepts this request (a documented leniency), so the
# 400 assertion is marked TODO when the daemon under test is HAProxy; the "connection closed"
# one too when CLOSE_TODO is "yes" (HAProxy then keeps the connection alive).
bad()
{
	local desc=$1 todo=$2 out
	[ -n "$todo" ] && lbd_is_haproxy && LB_TODO="HAProxy 2.6 $todo"
	out=$(rawc --timeout 2 "$F1" "send:$4" recv | tr -d '\r' | head -n 1)
	like "$out" '^HTTP/1.[01] 400 ' "$desc: 400"
	[ "$3" = yes ] || LB_TODO=""
	like "$(rawc_end)" '^(EOF|RESET)$' "$desc: connection closed"
	LB_TODO=""
}

bad "both Content-Length and Transfer-Encoding" "removes Content-Length and accepts (RFC 9112 6.3 allows it)" no \
	'POST /cl-te HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'
bad "bad chunk size" "" no \
	'POST /chunk HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n'
bad "obs-fold header continuation" "unfolds the line and accepts (RFC 9112 5.2 allows it)" yes \
	'GET /fold HTTP/1.1\r\nHost: x\r\nX-Fold: a\r\n b\r\n\r\n'
bad "HTTP/1.1 without Host" "accepts a missing Host" yes \
	'GET /nohost HTTP/1.1\r\nUser-Agent: t\r\n\r\n'
bad "NUL byte in a header value" "forwards a NUL inside a header value" yes \
	'GET /nul HTTP/1.1\r\nHost: x\r\nX-Nul: a\0b\r\n\r\n'
bad "space before the colon" "" no \
	'GET /space HTTP/1.1\r\nHost : x\r\n\r\n'
bad "two different Content-Length values" "" no \
	'POST /cl2 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd'
bad "non-numeric Content-Length" "" no \
	'POST /clx HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\nab'
bad "Transfer-Encoding other than chunked last" "" no \
	'POST /te HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n'

# None of them reached the backend (the TODO cases above did on HAProxy: only count the others).
got=$(grep -E '^req ' "$T/a.log" | grep -Ev ' /(cl-te|fold|nohost|nul)$' | tr '\n' ' ')
is "$got" "" "the backend received none of the rejected requests"
if ! lbd_is_haproxy; then
	is "$(grep -c '^req ' "$T/a.log")" 0 "the backend received no request at all"
fi
check "log: 400 lines for the rejected requests" wait_log ' fe/<NOSRV> [-0-9/]+ 400 '

# The daemon keeps serving others.
is "$(hcurl "http://127.0.0.1:$F1/")" "A" "a good request is still served"
stop_pid "$LBD_PID"
done_testing
