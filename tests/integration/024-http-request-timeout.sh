#!/bin/bash
# tests/integration/024-http-request-timeout.sh: a client that sends half a request gets 408 after timeout http-request
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

start_stub PA --http A --log "$T/a.log" || bail "stub A"
F1=$(free_port)
{
	cfg_global
	cat <<-EOF
	frontend fe
		bind 127.0.0.1:$F1
		timeout http-request 700ms
		default_backend be
	backend be
		server a 127.0.0.1:$PA
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"

# Half a request head, then silence.
start=$(date +%s%N)
out=$(rawc --timeout 4 "$F1" 'send:GET /slow HTTP/1.1\r\nHost: x\r\n' recv | tr -d '\r')
ms=$(( ($(date +%s%N) - start) / 1000000 ))
like "$out" '^HTTP/1.[01] 408 ' "half a request head: 408"
is "$(rawc_end)" "EOF" "then the connection is closed"
num_between "$ms" 500 2500 "408 after about timeout http-request (700 ms; took $ms ms)"
check "log: a 408 line with termination state cR" wait_log ' fe/<NOSRV> [-0-9/]+ 408 .* cR'
check "the backend received nothing" test ! -s "$T/a.log"

# Only the request line, no CRLF at all.
out=$(rawc --timeout 4 "$F1" 'send:GET / HTT' recv | tr -d '\r')
like "$out" '^HTTP/1.[01] 408 ' "partial request line: 408"

# A request sent slowly, but complete within the timeout, is served.
out=$(rawc --timeout 4 "$F1" 'send:GET / HTTP/1.1\r\n' sleep:0.2 'send:Host: x\r\n' sleep:0.2 \
	'send:Connection: close\r\n\r\n' recv | tr -d '\r')
like "$out" '^HTTP/1.1 200 ' "a slow but complete head within the timeout: 200"
is "$(printf '%s' "$out" | tail -n 1)" "A" "with the backend's body"

# A connection that sends nothing at all is closed too (no 408 is owed to an empty one,
# HAProxy sends none then; lbd may send one): the socket must not stay open.
rawc --timeout 4 "$F1" recv >/dev/null
is "$(rawc_end)" "EOF" "an idle new connection is closed after timeout http-request"

stop_pid "$LBD_PID"
done_testing
