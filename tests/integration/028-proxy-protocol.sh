#!/bin/bash
# tests/integration/028-proxy-protocol.sh: accept-proxy (v1, v2) on bind; send-proxy and send-proxy-v2 bytes to servers
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

start_stub PP --http P --proxy --log "$T/p.log" || bail "stub P"
start_stub PA --http A || bail "stub A"
F1=$(free_port) F2=$(free_port) F3=$(free_port) F4=$(free_port)
{
	cfg_global
	cat <<-EOF
	frontend fe_accept
		bind 127.0.0.1:$F1 accept-proxy
		default_backend be_plain
	frontend fe_v1
		bind 127.0.0.1:$F2
		default_backend be_v1
	frontend fe_v2
		bind 127.0.0.1:$F3
		default_backend be_v2
	frontend fe_chain
		bind 127.0.0.1:$F4 accept-proxy
		default_backend be_v1
	backend be_plain
		server a 127.0.0.1:$PA
	backend be_v1
		server p 127.0.0.1:$PP send-proxy
	backend be_v2
		server p 127.0.0.1:$PP send-proxy-v2
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"

hdr() { tr -d '\r' <"$1" | awk -v k="$(echo "$2" | tr 'A-Z' 'a-z'):" 'tolower($1) == k { print $2 }' | tail -n 1; }
# hexf FORMAT ARGS...: the hex of printf's output (trailing newlines kept, unlike $(...)).
hexf() { printf "$@" | od -An -tx1 | tr -d ' \n'; }
REQ='GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'

# accept-proxy: the log shows the client named by the PROXY header, v1 and v2.
out=$(rawc "$F1" "send:PROXY TCP4 192.0.2.1 192.0.2.2 56324 443\r\n$REQ" recv | tr -d '\r')
like "$out" '^HTTP/1.1 200 ' "accept-proxy: request after a v1 header is served"
check "log: the client is 192.0.2.1:56324 (from the v1 header)" \
	wait_log '^192\.0\.2\.1:56324 \[.* fe_accept be_plain/a '
out=$(rawc "$F1" proxy2:198.51.100.7:40000:203.0.113.9:8443 "send:$REQ" recv | tr -d '\r')
like "$out" '^HTTP/1.1 200 ' "accept-proxy: request after a v2 header is served"
check "log: the client is 198.51.100.7:40000 (from the v2 header)" \
	wait_log '^198\.51\.100\.7:40000 \[.* fe_accept be_plain/a '

# accept-proxy: a connection without the header gets no HTTP service.
out=$(rawc --timeout 3 "$F1" "send:$REQ" recv)
unlike "$out" '200 OK' "accept-proxy: a request without a PROXY header is not served"
like "$(rawc_end)" '^(EOF|RESET)$' "accept-proxy: that connection is closed"

# send-proxy: the stub received exactly "PROXY TCP4 <client> <frontend> <cport> <fport>\r\n".
hcurl -D "$T/h1" -o /dev/null -w '%{local_port}' "http://127.0.0.1:$F2/" >"$T/cport1"
want=$(hexf 'PROXY TCP4 127.0.0.1 127.0.0.1 %s %s\r\n' "$(cat "$T/cport1")" "$F2")
is "$(hdr "$T/h1" X-Proxy-Raw)" "$want" "send-proxy: the server receives the exact v1 header"

# send-proxy-v2: signature, PROXY/TCP over IPv4, 12 address bytes, no TLV.
hcurl -D "$T/h2" -o /dev/null -w '%{local_port}' "http://127.0.0.1:$F3/" >"$T/cport2"
want=$(printf '0d0a0d0a000d0a515549540a2111000c7f0000017f000001%04x%04x' "$(cat "$T/cport2")" "$F3")
is "$(hdr "$T/h2" X-Proxy-Raw)" "$want" "send-proxy-v2: the server receives the exact v2 header"
is "$(hdr "$T/h2" X-Proxy-Src)" "127.0.0.1:$(cat "$T/cport2")" "send-proxy-v2: source is the client"

# accept-proxy in, send-proxy out: the server learns the original client.
rawc "$F4" "send:PROXY TCP4 192.0.2.44 192.0.2.45 1234 80\r\n$REQ" recv >"$T/r4"
is "$(hdr "$T/r4" X-Proxy-Raw)" "$(hexf 'PROXY TCP4 192.0.2.44 192.0.2.45 1234 80\r\n')" \
	"accept-proxy then send-proxy: the server sees the original client and destination"

stop_pid "$LBD_PID"
done_testing
