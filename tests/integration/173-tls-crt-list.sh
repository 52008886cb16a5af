#!/bin/bash
# tests/integration/173-tls-crt-list.sh: "crt-list <file>" on bind lines: SNI filters (exact,
# wildcard, "!" exclusions) that replace the certificates' names, the first line as the
# default certificate, per-line options ([alpn], [ssl-min-ver], [ciphers], [verify ca-file])
# over the bind line's, strict-sni with a list, and errors at the list file's line and column
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/integration/tls_lib.sh"

need_tls_tools
mk_certs "$T/c" || { diag_file "$T/c/certtool.log"; bail "cannot make certificates"; }
C=$T/c

(D=$C; _leaf bec ecdsa bec.test b.test) >>"$C/certtool.log" 2>&1 || bail "certtool"
F1=$(free_port) F2=$(free_port) F3=$(free_port) F4=$(free_port)
cat >"$T/list1" <<EOF
# the first line is the default certificate
$C/a.pem [ssl-min-ver TLSv1.3 alpn http/1.0] a.test alias.test
$C/w.pem *.w.test !secret.w.test
  "$C/b.pem"   [ verify required ca-file $C/ca.pem ]   b.test secret.w.test   # a comment

$C/srv.pem [ssl-max-ver TLSv1.2 ciphers ECDHE-ECDSA-AES128-GCM-SHA256] old.test
EOF
printf '%s\n' "$C/b.pem b.test" >"$T/list2"
{
	cfg_global http
	cat <<-EOF
	frontend fe_list
		bind 127.0.0.1:$F1 ssl crt-list $T/list1 alpn http/1.1
		http-request return status 200 content-type text/plain lf-string "%[ssl_fc_sni] %sslv %sslc %[ssl_fc_alpn] used=%[ssl_c_used]\n"
	frontend fe_strict
		bind 127.0.0.1:$F2 ssl crt $C/a.pem crt-list $T/list2 strict-sni
		http-request return status 200 content-type text/plain lf-string "%[ssl_fc_sni]\n"
	frontend fe_keys
		bind 127.0.0.1:$F4 ssl crt $C/a.pem crt $C/bec.pem crt $C/b.pem
		http-request return status 200
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"

# --- SNI filters ---
is "$(peer_cn "$F1" -servername a.test)" "a.test" "filter a.test: the first line's certificate"
is "$(peer_cn "$F1" -servername alias.test)" "a.test" "filter alias.test (a name the certificate lacks) picks it too"
is "$(peer_cn "$F1" -servername x.w.test)" "*.w.test" "wildcard filter *.w.test"
is "$(peer_cn "$F1" -servername secret.w.test -tls1_3 -cert "$C/client.crt" -key "$C/client.key")" "b.test" \
	"!secret.w.test excludes the wildcard line; the line naming secret.w.test answers"
is "$(peer_cn "$F1" -servername nope.test)" "a.test" "unknown name: the first line is the default"
is "$(peer_cn "$F1" -noservername)" "a.test" "no SNI: the default"
is "$(peer_cn "$F1" -servername old.test -tls1_2)" "localhost" "filter old.test picks srv.pem (whose own names are localhost)"
is "$(peer_cn "$F1" -servername localhost)" "a.test" "with a positive filter, the certificate's own names no longer count"

# --- per-line options ---
is "$(peer_cn "$F1" -servername a.test -tls1_2)" "" "[ssl-min-ver TLSv1.3]: TLS 1.2 refused for a.test"
is "$(peer_cn "$F1" -servername x.w.test -tls1_2)" "*.w.test" "... while the bind line's TLS 1.2 still serves x.w.test"
out=$(timeout 5 openssl s_client -connect "127.0.0.1:$F1" -servername a.test -alpn http/1.0,http/1.1 </dev/null 2>/dev/null)
like "$out" 'ALPN protocol: http/1.0' "[alpn http/1.0]: the line's ALPN for a.test"
is "$(tcurl a.test "$F1" /)" "a.test TLSv1.3 TLS_AES_256_GCM_SHA384  used=0" "curl offering h2,http/1.1 to a.test: no ALPN agreed, served"
out=$(timeout 5 openssl s_client -connect "127.0.0.1:$F1" -servername x.w.test -alpn http/1.0,http/1.1 </dev/null 2>/dev/null)
like "$out" 'ALPN protocol: http/1.1' "the bind line's alpn http/1.1 for the other certificates"
out=$(hcurl --cacert "$C/ca.pem" --resolve "old.test:$F1:127.0.0.1" -k "https://old.test:$F1/")
is "$out" "old.test TLSv1.2 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 http/1.1 used=0" \
	"[ssl-max-ver TLSv1.2 ciphers ...]: TLS 1.2 with the line's cipher for old.test"
is "$(peer_cn "$F1" -servername old.test -tls1_3)" "" "[ssl-max-ver TLSv1.2]: TLS 1.3 refused for old.test"
is "$(tcurl b.test "$F1" / -o /dev/null -w '%{http_code}' 2>/dev/null)" "000" "[verify required]: b.test without a client certificate is refused"
is "$(tcurl b.test "$F1" / --cert "$C/client.crt" --key "$C/client.key")" "b.test TLSv1.3 TLS_AES_256_GCM_SHA384 http/1.1 used=1" \
	"[verify required ca-file]: b.test with a client certificate is served"
is "$(tcurl a.test "$F1" / --cert "$C/client.crt" --key "$C/client.key" | sed 's/.*used=//')" "0" \
	"a.test does not ask for a client certificate"

# --- strict-sni with crt and crt-list ---
is "$(tcurl b.test "$F2" /)" "b.test" "crt and crt-list on one line: b.test from the list"
is "$(tcurl a.test "$F2" /)" "a.test" "... a.test from crt"
is "$(peer_cn "$F2" -servername nope.test)" "" "strict-sni: a name no line has is refused"

# --- two certificates for one name: the key type the client accepts ---
is "$(peer_cn "$F4" -servername b.test)" "bec.test" "ECDSA and RSA certificates for b.test: a client accepting ECDSA gets the first (ECDSA)"
is "$(peer_cn "$F4" -servername b.test -sigalgs rsa_pss_rsae_sha256:rsa_pkcs1_sha256)" "b.test" \
	"a client signing with RSA only gets the RSA one"
stop_pid "$LBD_PID"

# --- errors: position in the crt-list file ---
list_err()	# LINES...: lbd -c on a bind line with a crt-list holding these lines
{
	printf '%s\n' "$@" >"$T/bad.list"
	{
		cfg_global http
		printf 'frontend f\n\tbind 127.0.0.1:%s ssl crt-list %s\n\thttp-request return status 200\n' "$F3" "$T/bad.list"
	} >"$T/bad.cfg"
	"$LBD" -c -f "$T/bad.cfg" 2>&1
	echo "exit=$?"
}
out=$(list_err "$C/a.pem" "$C/b.pem [alpn http/1.1 nope 1] b.test")
like "$out" "bad.list:2:[0-9]+: error: unknown crt-list option 'nope'" "unknown option: the list's file:line:col"
like "$out" "exit=1" "... and lbd -c fails"
like "$(list_err "$C/a.pem [npn http/1.1]")" "bad.list:1:[0-9]+: error: crt-list option 'npn' is not supported yet" "npn: not supported yet"
like "$(list_err "$C/a.pem [alpn http/1.1 a.test")" "bad.list:1:[0-9]+: error: crt-list: '\[' without its '\]'" "a '[' without ']'"
like "$(list_err "# only" "$C/nothere.pem")" "bad.list:2:1: error: crt-list: certificate '$C/nothere.pem'" "a missing certificate"
like "$(list_err "$C/a.pem a.*.test")" "bad.list:1:[0-9]+: error: crt-list: SNI filter 'a.\*.test'" "a malformed filter"
like "$(list_err "$C/a.pem [verify required]")" "bad.list:1:[0-9]+: error: crt-list: 'verify' needs 'ca-file'" "verify without ca-file on the line or the bind line"
like "$(list_err "# nothing")" "bad.cfg:[0-9]+:[0-9]+: error: 'crt-list .*': no certificate in it" "an empty list"
like "$(list_err "$C/a.pem [ssl-min-ver TLSv9]")" "bad.list:1:[0-9]+: error: 'ssl-min-ver' does not accept 'TLSv9'" "a bad version"
done_testing
