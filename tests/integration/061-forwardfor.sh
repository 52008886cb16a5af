#!/bin/bash
# tests/integration/061-forwardfor.sh: option forwardfor appends the client address to X-Forwarded-For
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

start_stub PA --http A || bail "stub A"
F1=$(free_port) F2=$(free_port) F3=$(free_port)
{
	cfg_global
	cat <<-EOF
	frontend fe_xff
		bind 127.0.0.1:$F1
		option forwardfor
		default_backend be
	frontend fe_plain
		bind 127.0.0.1:$F2
		default_backend be
	frontend fe_pp
		bind 127.0.0.1:$F3 accept-proxy
		default_backend be_xff
	backend be
		server a 127.0.0.1:$PA
	backend be_xff
		option forwardfor
		server a 127.0.0.1:$PA
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"

# xff FILE: the X-Forwarded-For values the backend received, in order, comma-joined (several
# header lines and one comma-separated line mean the same list).
xff() { tr -d '\r' <"$1" | grep -i '^X-Forwarded-For:' | sed 's/^[^:]*: *//' | paste -sd, | sed 's/, */, /g'; }

hcurl -o "$T/b1" "http://127.0.0.1:$F1/echo"
is "$(xff "$T/b1")" "127.0.0.1" "forwardfor: the backend sees X-Forwarded-For: 127.0.0.1"

hcurl -o "$T/b2" -H 'X-Forwarded-For: 203.0.113.7' "http://127.0.0.1:$F1/echo"
is "$(xff "$T/b2")" "203.0.113.7, 127.0.0.1" "forwardfor: the client's address is appended to an existing list"

hcurl -o "$T/b3" "http://127.0.0.1:$F2/echo"
is "$(xff "$T/b3")" "" "without forwardfor: no X-Forwarded-For is added"

rawc "$F3" 'send:PROXY TCP4 192.0.2.9 192.0.2.10 5555 80\r\nGET /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' recv >"$T/b4"
is "$(xff "$T/b4")" "192.0.2.9" "forwardfor in the backend, after accept-proxy: the PROXY header's client"

# Several requests on one keep-alive connection each get exactly one added value.
hcurl -o "$T/k1" "http://127.0.0.1:$F1/echo" -o "$T/k2" "http://127.0.0.1:$F1/echo"
is "$(xff "$T/k1")|$(xff "$T/k2")" "127.0.0.1|127.0.0.1" "keep-alive: each request gets its own single value"

stop_pid "$LBD_PID"
done_testing
