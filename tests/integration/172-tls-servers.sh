#!/bin/bash
# tests/integration/172-tls-servers.sh: TLS to servers (server ... ssl) against Python's
# http.server with an SSLContext: verify required with ca-file, a wrong CA (503 and a log
# line), verify none, sni str() / req.hdr(host), alpn, a client certificate (crt), session
# resumption towards the server, keep-alive reuse of a TLS server connection, POST bodies,
# TLS on both sides, and configuration errors
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/integration/tls_lib.sh"

need_tls_tools
mk_certs "$T/c" || { diag_file "$T/c/certtool.log"; bail "cannot make certificates"; }
C=$T/c

# tls_backend VAR [verify-clients]: start tests/integration/tls_srv.py, its port in VAR
tls_backend()
{
	local var=$1 pf="$T/$1.port"
	shift
	"$PYTHON" "$top_srcdir/tests/integration/tls_srv.py" "$pf" "$C" "$@" 2>"$T/$var.err" &
	lb_track $!
	wait_for 5 test -s "$pf" || { diag_file "$T/$var.err"; return 1; }
	printf -v "$var" '%s' "$(cat "$pf")"
}
tls_backend PS || bail "TLS backend"
tls_backend PM mtls || bail "mTLS backend"
F1=$(free_port) F2=$(free_port) F3=$(free_port)
{
	cfg_global http
	cat <<-EOF
	frontend fe
		bind 127.0.0.1:$F1
		bind 127.0.0.1:$F2 ssl crt $C/a.pem
		use_backend be_badca if { path_beg /badca }
		use_backend be_none if { path_beg /none }
		use_backend be_hdr if { path_beg /hdr }
		use_backend be_mtls if { path_beg /mtls }
		default_backend be
	backend be
		server s1 127.0.0.1:$PS ssl verify required ca-file $C/ca.pem sni str(localhost) alpn http/1.1
	backend be_badca
		retries 1
		server s2 127.0.0.1:$PS ssl ca-file $C/other.pem sni str(localhost)
	backend be_none
		server s3 127.0.0.1:$PS ssl verify none
	backend be_hdr
		server s4 127.0.0.1:$PS ssl verify required ca-file $C/ca.pem sni req.hdr(host)
	backend be_mtls
		server s5 127.0.0.1:$PM ssl ca-file $C/ca.pem sni str(localhost) crt $C/client.pem
	frontend fe_tcp
		mode tcp
		bind 127.0.0.1:$F3
		default_backend be_tcp
	backend be_tcp
		mode tcp
		server t1 127.0.0.1:$PS ssl ca-file $C/ca.pem sni str(localhost)
	EOF
} >"$T/lbd.cfg"
cat "$C/client.crt" "$C/client.key" >"$C/client.pem"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"

out=$(hcurl "http://127.0.0.1:$F1/one")
like "$out" '^tls-backend path=/one sni=localhost resumed=False alpn=http/1.1 cert=$' \
	"verify required + ca-file: the request reaches the TLS server (SNI localhost, ALPN http/1.1)"
out=$(hcurl "http://127.0.0.1:$F1/k1" -o /dev/null --next "http://127.0.0.1:$F1/k2")
like "$out" '^tls-backend path=/k2 sni=localhost ' "keep-alive: a second request on one client connection"
check "log: both went to be/s1 over one server connection (Tc 0 for the second)" \
	wait_log ' be/s1 [0-9]+/[0-9]+/0/[0-9]+/[0-9]+ 200 .*"GET /k2 HTTP/1.1"'
# resumption: a new server connection offers the session the earlier one left
res=""
for i in 1 2 3 4; do
	res="$res $(hcurl "http://127.0.0.1:$F1/r$i" | sed -n 's/.*resumed=\([A-Za-z]*\).*/\1/p')"
done
like "$res" 'True' "session resumption towards the server (resumed:$res)"

gen_body 200000 "$T/body"
out=$(hcurl "http://127.0.0.1:$F1/post" --data-binary "@$T/body")
like "$out" "len=200000 sha256=$(sha256 "$T/body")\$" "POST of 200 KB to a TLS server intact"

is "$(http_code "http://127.0.0.1:$F1/badca/x")" 503 "a server certificate from an unknown CA: 503"
check "log: the verification failure is logged with the server's name" \
	wait_log 'backend be_badca, server s2: TLS handshake failed: certificate verification failed'
check "log: the request line says SC (server, connect)" wait_log ' be_badca/s2 .* 503 .* SC-- '

like "$(hcurl "http://127.0.0.1:$F1/none")" '^tls-backend path=/none sni=None ' "verify none: served, no SNI sent"
out=$(hcurl "http://127.0.0.1:$F1/hdr" -H 'Host: localhost:1234')
like "$out" '^tls-backend path=/hdr sni=localhost ' "sni req.hdr(host): the Host header without its port"
is "$(http_code "http://127.0.0.1:$F1/hdr" -H 'Host: wrong.test')" 503 \
	"sni req.hdr(host) with verify required: a name the certificate lacks is refused"
like "$(hcurl "http://127.0.0.1:$F1/mtls")" 'cert=client one$' "crt: the server sees lbd's client certificate"

out=$(tcurl a.test "$F2" /both)
like "$out" '^tls-backend path=/both sni=localhost ' "TLS on both sides"
out=$(tcurl a.test "$F2" /big --data-binary "@$T/body")
like "$out" "len=200000 sha256=$(sha256 "$T/body")\$" "TLS on both sides: 200 KB POST intact"
out=$(hcurl "http://127.0.0.1:$F3/tcp" --data-binary "@$T/body")
like "$out" "^tls-backend path=/tcp sni=localhost .*len=200000 sha256=$(sha256 "$T/body")\$" \
	"TCP mode: clear text in, TLS to the server, 200 KB intact"
stop_pid "$LBD_PID"

# configuration errors
{
	cfg_global http
	printf 'backend b\n\tserver s 127.0.0.1:1 ssl\n'
} >"$T/bad.cfg"
like "$("$LBD" -c -f "$T/bad.cfg" 2>&1)" "bad.cfg:[0-9]+:[0-9]+: error: server 's': 'verify required' \(the default with 'ssl'\) needs 'ca-file" \
	"ssl without ca-file: verify required needs a CA (as HAProxy)"
{
	cfg_global http
	printf 'backend b\n\tserver s 127.0.0.1:1 ssl verify none sni localhost\n'
} >"$T/bad.cfg"
like "$("$LBD" -c -f "$T/bad.cfg" 2>&1)" "error: 'sni localhost': expected str\(<name>\)" "sni takes an expression"
done_testing
