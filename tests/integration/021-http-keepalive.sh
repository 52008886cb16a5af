#!/bin/bash
# tests/integration/021-http-keepalive.sh: client keep-alive, server connection reuse, server-close, httpclose
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

start_stub PA --http A --log "$T/a.log" || bail "stub A"
F1=$(free_port) F2=$(free_port) F3=$(free_port) F4=$(free_port)

# One thread: idle server connections are kept per thread, and the reuse test below needs
# its two client connections to meet the same pool (with several threads the kernel may hand
# them to different threads).
{
	cfg_global http "nbthread 1"
	cat <<-EOF
	frontend ka
		bind 127.0.0.1:$F1
		option http-keep-alive
		timeout http-keep-alive 500ms
		default_backend be_ka
	frontend reuse
		bind 127.0.0.1:$F2
		default_backend be_reuse
	frontend sc
		bind 127.0.0.1:$F3
		option http-server-close
		default_backend be_sc
	frontend hc
		bind 127.0.0.1:$F4
		option httpclose
		default_backend be_hc
	backend be_ka
		option http-keep-alive
		server a 127.0.0.1:$PA
	backend be_reuse
		http-reuse always
		server a 127.0.0.1:$PA
	backend be_sc
		option http-server-close
		server a 127.0.0.1:$PA
	backend be_hc
		option httpclose
		server a 127.0.0.1:$PA
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"

# five URL: curl arguments for 5 requests of URL, bodies discarded (-o applies to one URL).
five() { local i; for i in 1 2 3 4 5; do echo "-o /dev/null $1"; done; }

# Client keep-alive: curl sends 5 requests on one connection.
# shellcheck disable=SC2046
out=$(hcurl -D "$T/h1" -w '%{http_code}/%{num_connects} ' $(five "http://127.0.0.1:$F1/"))
is "$out" "200/1 200/0 200/0 200/0 200/0 " "keep-alive: 5 requests, 1 client connection"
# Server side: the stub saw the 5 requests on one connection (X-Conn-Req 1..5, one X-Conn-Id).
ids=$(grep -i '^X-Conn-Id:' "$T/h1" | tr -d '\r' | awk '{print $2}' | sort -u | wc -l)
reqs=$(grep -i '^X-Conn-Req:' "$T/h1" | tr -d '\r' | awk '{printf "%s", $2}')
is "$ids:$reqs" "1:12345" "keep-alive: the server connection carries the 5 requests"

# timeout http-keep-alive: an idle client connection is closed after 500 ms.
start=$(date +%s%N)
rawc --timeout 4 "$F1" 'send:GET / HTTP/1.1\r\nHost: x\r\n\r\n' 'recvuntil:A\n' recv >"$T/ka.out"
end=$(date +%s%N)
is "$(rawc_end)" "EOF" "idle keep-alive connection closed by the proxy"
num_between $(( (end - start) / 1000000 )) 300 2500 "closed after about timeout http-keep-alive (500 ms)"

# Reuse across client connections (http-reuse always): the 2nd client's request lands on
# the idle server connection of the 1st.
h=$(hcurl -D - -o /dev/null "http://127.0.0.1:$F2/" | tr -d '\r')
id1=$(echo "$h" | awk 'tolower($1) == "x-conn-id:" { print $2 }')
sleep 0.2
h=$(hcurl -D - -o /dev/null "http://127.0.0.1:$F2/" | tr -d '\r')
id2=$(echo "$h" | awk 'tolower($1) == "x-conn-id:" { print $2 }')
n2=$(echo "$h" | awk 'tolower($1) == "x-conn-req:" { print $2 }')
is "$id2:$n2" "$id1:2" "http-reuse always: a new client connection reuses the idle server connection"

# http-server-close: client connection kept, but one server connection per request.
# shellcheck disable=SC2046
out=$(hcurl -D "$T/h3" -w '%{http_code}/%{num_connects} ' $(five "http://127.0.0.1:$F3/"))
is "$out" "200/1 200/0 200/0 200/0 200/0 " "http-server-close: client connection kept alive"
ids=$(grep -i '^X-Conn-Id:' "$T/h3" | tr -d '\r' | awk '{print $2}' | sort -u | wc -l)
reqs=$(grep -i '^X-Conn-Req:' "$T/h3" | tr -d '\r' | awk '{printf "%s", $2}')
is "$ids:$reqs" "5:11111" "http-server-close: a new server connection for each request"

# httpclose: the client connection closes after each response.
# shellcheck disable=SC2046
out=$(hcurl -D "$T/h4" -w '%{http_code}/%{num_connects} ' $(five "http://127.0.0.1:$F4/"))
is "$out" "200/1 200/1 200/1 200/1 200/1 " "httpclose: one client connection per request"
ilike "$(tr -d '\r' <"$T/h4")" '^Connection: close$' "httpclose: the response says Connection: close"

# A pipelined pair on one raw connection: both answered, in order.
out=$(rawc "$F1" 'send:GET /?p=1 HTTP/1.1\r\nHost: x\r\n\r\nGET /?p=2 HTTP/1.1\r\nHost: x\r\n\r\n' \
	'irecvuntil:X-Conn-Req: 2' 'recvuntil:A\n' | tr -d '\r')
is "$(echo "$out" | grep -c '^HTTP/1.1 200')" 2 "two pipelined requests get two responses"

stop_pid "$LBD_PID"
done_testing
