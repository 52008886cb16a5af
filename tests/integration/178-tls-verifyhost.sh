#!/bin/bash
# tests/integration/178-tls-verifyhost.sh: "verifyhost <name>" on server lines: without SNI,
# the server's certificate must carry that name (a wrong name is a 503 and a log line); with
# an SNI the SNI is what is checked, as HAProxy does; without either only the chain is
# checked; and it goes through default-server
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/integration/tls_lib.sh"

need_tls_tools
mk_certs "$T/c" || { diag_file "$T/c/certtool.log"; bail "cannot make certificates"; }
C=$T/c
"$PYTHON" "$top_srcdir/tests/integration/tls_srv.py" "$T/ps.port" "$C" 2>"$T/ps.err" &
lb_track $!
wait_for 5 test -s "$T/ps.port" || { diag_file "$T/ps.err"; bail "TLS backend"; }
PS=$(cat "$T/ps.port")
F1=$(free_port)
{
	cfg_global http
	cat <<-EOF
	frontend fe
		bind 127.0.0.1:$F1
		use_backend be_$(echo '%[path,field(2,/)]')
	backend be_good
		server s1 127.0.0.1:$PS ssl verify required ca-file $C/ca.pem verifyhost localhost
	backend be_bad
		retries 1
		server s2 127.0.0.1:$PS ssl verify required ca-file $C/ca.pem verifyhost other.test
	backend be_sni
		server s3 127.0.0.1:$PS ssl verify required ca-file $C/ca.pem verifyhost other.test sni str(localhost)
	backend be_chain
		server s4 127.0.0.1:$PS ssl verify required ca-file $C/ca.pem
	backend be_dflt
		retries 1
		default-server ssl verify required ca-file $C/ca.pem verifyhost nope.test
		server s5 127.0.0.1:$PS
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"

like "$(hcurl "http://127.0.0.1:$F1/good/x")" '^tls-backend path=/good/x sni=None ' \
	"verifyhost localhost, no SNI: the certificate (localhost) matches, served"
is "$(http_code "http://127.0.0.1:$F1/bad/x")" 503 "verifyhost other.test: the certificate does not carry it, 503"
check "log: the name mismatch is logged with the server" \
	wait_log 'backend be_bad, server s2: TLS handshake failed: certificate verification failed'
like "$(hcurl "http://127.0.0.1:$F1/sni/x")" '^tls-backend path=/sni/x sni=localhost ' \
	"with sni str(localhost) the SNI is checked, not verifyhost (as HAProxy)"
like "$(hcurl "http://127.0.0.1:$F1/chain/x")" '^tls-backend path=/chain/x sni=None ' \
	"neither SNI nor verifyhost: only the chain is checked"
is "$(http_code "http://127.0.0.1:$F1/dflt/x")" 503 "verifyhost from default-server applies"
like "$("$LBD" -c -f <(printf 'backend b\n\tserver s 127.0.0.1:1 ssl verify required ca-file %s verifyhost\n' "$C/ca.pem") 2>&1)" \
	"error: .*verifyhost" "verifyhost without a name: an error"
done_testing
