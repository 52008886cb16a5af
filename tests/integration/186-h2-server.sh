#!/bin/bash
# tests/integration/186-h2-server.sh: HTTP/2 towards servers: an HTTP/1.1 client (curl) ->
# lbd -> an h2c server ("proto h2", prior knowledge) and an h2 server over TLS ("ssl alpn
# h2"), both tests/integration/h2_srv.py (python3-h2). GET and POST of 1 MiB byte-exact both
# ways, a chunked request body with trailers, response trailers as chunked trailers, 204 /
# 304 / HEAD, 100 Continue, an HTTP/1.0 client, a stream reset (502), a server gone (503),
# one server connection for several requests, PING and GOAWAY on a parked connection, the
# access log; ALPN falling back to http/1.1; configuration errors.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/integration/tls_lib.sh"

if ! "$PYTHON" -c 'import h2' 2>/dev/null; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-h2 >/dev/null 2>&1
	"$PYTHON" -c 'import h2' 2>/dev/null || skip_all "python3-h2 is not installed and cannot be"
fi
need_tls_tools
mk_certs "$T/c" || { diag_file "$T/c/certtool.log"; bail "cannot make certificates"; }
C=$T/c

# h2_backend VAR ARGS...: start tests/integration/h2_srv.py, its port in VAR, its log in
# $T/VAR.err
h2_backend()
{
	local var=$1 pf="$T/$1.port"
	shift
	"$PYTHON" "$top_srcdir/tests/integration/h2_srv.py" "$pf" "$@" 2>"$T/$var.err" &
	lb_track $!
	wait_for 5 test -s "$pf" || { diag_file "$T/$var.err"; return 1; }
	printf -v "$var" '%s' "$(cat "$pf")"
}
h2_backend PC || bail "h2c backend"
h2_backend PT --tls "$C" || bail "h2 TLS backend"
h2_backend PH --tls "$C" --alpn http/1.1 || bail "http/1.1-only TLS backend"
F1=$(free_port) GONE=$(free_port)
{
	cfg_global http
	cat <<-EOF
	frontend fe
		bind 127.0.0.1:$F1
		use_backend be_tls if { path_beg /tls/ }
		use_backend be_h1 if { path_beg /h1/ }
		use_backend be_gone if { path_beg /gone/ }
		default_backend be
	backend be
		server s1 127.0.0.1:$PC proto h2
	backend be_tls
		server s2 127.0.0.1:$PT ssl verify required ca-file $C/ca.pem sni str(localhost) alpn h2
	backend be_h1
		server s3 127.0.0.1:$PH ssl ca-file $C/ca.pem sni str(localhost) alpn h2,http/1.1
	backend be_gone
		retries 1
		server s4 127.0.0.1:$GONE proto h2
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"
U=http://127.0.0.1:$F1

# ---- h2c ----
hcurl -D "$T/h" -o "$T/get" "$U/size/1048576"
is "$(stat -c %s "$T/get")" 1048576 "h2c GET: 1 MiB with content-length"
is "$(sha256 "$T/get")" "$(sed -n 's/^x-sha256: \([0-9a-f]*\).*/\1/p' "$T/h")" "h2c GET: byte-exact"
hcurl -D "$T/h" -o "$T/get" "$U/nolen/1048576"
like "$(cat "$T/h")" 'transfer-encoding: chunked' "h2c GET without content-length: chunked to the h1 client"
is "$(sha256 "$T/get")" "$(sed -n 's/^x-sha256: \([0-9a-f]*\).*/\1/p' "$T/h")" \
	"h2c GET without content-length: 1 MiB byte-exact"
hcurl --http1.0 -D "$T/h" -o "$T/get" "$U/nolen/100000"
unlike "$(cat "$T/h")" 'transfer-encoding' "an HTTP/1.0 client: no chunked coding ..."
is "$(sha256 "$T/get")" "$(sed -n 's/^x-sha256: \([0-9a-f]*\).*/\1/p' "$T/h")" \
	"... the body ends with the connection, byte-exact"
gen_body 1048576 "$T/body"
hcurl -o "$T/echo" --data-binary "@$T/body" "$U/echo"
is "$(sha256 "$T/echo")" "$(sha256 "$T/body")" "h2c POST: 1 MiB up and back byte-exact"
hcurl -D "$T/h" -o "$T/echo" -H 'Transfer-Encoding: chunked' --data-binary "@$T/body" "$U/echo"
like "$(cat "$T/h")" 'x-len: 1048576' "chunked POST: the server got 1 MiB in DATA frames"
is "$(sha256 "$T/echo")" "$(sha256 "$T/body")" "chunked POST: byte-exact"
out=$(rawc "$F1" 'send:POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTE: trailers\r\nConnection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 42\r\nX-Who: me\r\n\r\n' recv)
like "$out" 'x-trailers: x-sum=42;x-who=me' "request trailers become a trailing HEADERS frame"
like "$out" 'hello world$' "chunked request with trailers: the body intact"
out=$(hcurl --raw "$U/trailers" | od -An -c | tr -d ' \n')
is "$out" '5\r\nhello\r\n0\r\nx-checksum:abc\r\nx-count:2\r\n\r\n' \
	"response trailers reach the h1 client as chunked trailers"
out=$(hcurl -i "$U/status/204")
like "$out" '^HTTP/1.1 204 ' "204 from the h2 server"
unlike "$out" 'content-length|transfer-encoding' "204: no body framing"
like "$(hcurl -i "$U/status/304")" '^HTTP/1.1 304 ' "304 from the h2 server"
out=$(hcurl -sI "$U/size/1000" --next "$U/after-head")
like "$out" 'content-length: 1000' "HEAD: the length of the body not sent"
like "$out" 'conn=[0-9]+ stream=3 alpn=h2c path=/after-head' \
	"HEAD: the next request follows on the same server connection (stream 3)"
like "$(hcurl -i "$U/early/10" | tr -d '\r')" '^HTTP/1.1 100 Continue

HTTP/1.1 200 OK' "an interim 100 head passes to the client"
is "$(http_code "$U/reset")" 502 "the server resets the stream before its head: 502"
check "log: the reset is logged SH (server, headers)" \
	wait_log ' be/s1 [-0-9/]+ 502 [0-9]+ - - SH-- .*"GET /reset HTTP/1.1"'
is "$(http_code "$U/gone/x")" 503 "h2 server not listening: 503"
check "log: SC (server, connect) with its retries" \
	wait_log ' be_gone/s4 [-0-9/]+ 503 [0-9]+ - - SC-- .*"GET /gone/x HTTP/1.1"'

# reuse: one client connection, four requests, one server connection, streams 1 3 5 7
n0=$(grep -c '^conn ' "$T/PC.err")
out=$(hcurl "$U/r1" --next "$U/r2" --next "$U/r3" --next "$U/r4")
is "$(echo "$out" | sed -n 's/.*stream=\([0-9]*\).*/\1/p' | tr '\n' ' ')" "1 3 5 7 " \
	"four requests on one h2 connection: streams 1 3 5 7"
is "$(echo "$out" | sed -n 's/^conn=\([0-9]*\).*/\1/p' | sort -u | wc -l)" 1 "... one connection"
is "$(($(grep -c '^conn ' "$T/PC.err") - n0))" 1 "the server saw one new connection for them"
check "access log: the h1 request line, the server and the status" \
	wait_log ' fe be/s1 [0-9]+/[0-9]+/[0-9]+/[0-9]+/[0-9]+ 200 [0-9]+ - - ---- .*"GET /r4 HTTP/1.1"'
# a parked connection answers the server's PING and serves again; a GOAWAY ends it
later()	# WHAT: two requests on one client connection, 500 ms apart
{
	rawc "$F1" "send:GET /later/$1 HTTP/1.1\r\nHost: x\r\n\r\n" "recvuntil:path=/later/$1\n" \
		sleep:0.5 'send:GET /next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' recv |
		sed -n 's/^conn=\([0-9]*\) stream=\([0-9]*\).*/\1 \2/p' | tr '\n' ' '
}
# a GOAWAY refusing a request sent on a reused connection: the request goes again on a new
# one (as after an idle connection closed by the server)
out=$(rawc "$F1" 'send:GET /one HTTP/1.1\r\nHost: x\r\n\r\n' 'recvuntil:path=/one\n' \
	'send:GET /refuse HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' recv |
	sed -n 's/^conn=\([0-9]*\) stream=\([0-9]*\).*/\1 \2/p' | tr '\n' ' ')
like "$out" '^([0-9]+) 1 [0-9]+ 1 $' "refused by GOAWAY on a reused connection: replayed on a new one ($out)"
unlike "$out" '^([0-9]+) 1 \1 ' "... another connection"
check "... after the server refused it on the first one (stream 3)" \
	grep -q "^conn ${out%% *} refused stream 3" "$T/PC.err"
check "log: the replayed request is logged once, 200" \
	wait_log ' be/s1 [-0-9/]+ 200 [0-9]+ - - ---- .*"GET /refuse HTTP/1.1"'

out=$(later ping)
like "$out" '^([0-9]+) 1 \1 3 $' "PING on an idle connection: answered, the connection serves the next request ($out)"
check "the server got its PING acknowledged" grep -q 'ping acked' "$T/PC.err"
out=$(later goaway)
like "$out" '^[0-9]+ 1 [0-9]+ [0-9]+ $' "GOAWAY on an idle connection: the next request is served ($out)"
unlike "$out" '^([0-9]+) 1 \1 ' "... on another connection than the one that went away"

# ---- h2 over TLS (ALPN) ----
like "$(hcurl "$U/tls/x")" '^conn=[0-9]+ stream=1 alpn=h2 path=/tls/x$' "TLS: ALPN h2, :path as sent"
hcurl -D "$T/h" -o "$T/get" "$U/tls/size/1048576"
is "$(sha256 "$T/get")" "$(sed -n 's/^x-sha256: \([0-9a-f]*\).*/\1/p' "$T/h")" "TLS h2 GET: 1 MiB byte-exact"
hcurl -o "$T/echo" --data-binary "@$T/body" "$U/tls/echo"
is "$(sha256 "$T/echo")" "$(sha256 "$T/body")" "TLS h2 POST: 1 MiB byte-exact"
like "$(hcurl "$U/h1/x")" '^h1 path=/h1/x$' "alpn h2,http/1.1 and a server choosing http/1.1: spoken to in h1"
stop_pid "$LBD_PID"

# ---- configuration errors ----
bad()	# EXTRA-LINES ERE DESC
{
	{ cfg_global http; printf '%b\n' "$1"; } >"$T/bad.cfg"
	like "$("$LBD" -c -f "$T/bad.cfg" 2>&1)" "$2" "$3"
}
bad 'backend b\n\tmode tcp\n\tserver s 127.0.0.1:1 proto h2' \
	"bad.cfg:[0-9]+:[0-9]+: error: server 's': 'proto h2' needs 'mode http' \(backend 'b' is in mode tcp\)" \
	"proto h2 in a tcp backend: refused"
bad 'backend b\n\tserver s 127.0.0.1:1 proto h3' \
	"error: invalid value 'h3' for 'proto' \(expected one of: h1, h2\)" "proto h3: refused"
bad 'backend b\n\tserver s 127.0.0.1:1 ssl verify none alpn h2,spdy/3' \
	"error: 'alpn h2,spdy/3': protocol 'spdy/3' is not one lb speaks to servers" "alpn spdy/3: refused"
{ cfg_global http; printf 'backend b\n\tserver s 127.0.0.1:1 proto h2\n\tserver t 127.0.0.1:1 ssl verify none alpn h2,http/1.1\n'; } >"$T/good.cfg"
"$LBD" -c -f "$T/good.cfg" >"$T/good.out" 2>&1
is "$?" 0 "proto h2 and alpn h2,http/1.1 are accepted"
done_testing
