#!/bin/bash
# tests/integration/170-tls-bind.sh: TLS termination (bind ... ssl crt): HTTP over TLS (GET,
# POST, keep-alive, chunked, a large body), SNI picking exact and wildcard certificates, the
# default certificate, a directory of certificates, strict-sni, ALPN, version bounds, ciphers,
# ssl_fc in a redirect, TLS fetches in headers and log tokens
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/integration/tls_lib.sh"

need_tls_tools
mk_certs "$T/c" || { diag_file "$T/c/certtool.log"; bail "cannot make certificates"; }
mkdir "$T/dir" && cp "$T/c/a.pem" "$T/c/b.pem" "$T/c/w.pem" "$T/dir/"

start_stub PA --http A || bail "stub A"
F1=$(free_port) F2=$(free_port) F3=$(free_port) F4=$(free_port) F5=$(free_port)
F6=$(free_port) F7=$(free_port)
TWO=ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256
{
	cfg_global http
	cat <<-EOF
	frontend fe_tls
		bind 127.0.0.1:$F1 ssl crt $T/c/a.pem crt $T/c/b.pem crt $T/c/w.pem alpn http/1.1
		bind 127.0.0.1:$F4
		log-format "%ft %sslv %[ssl_fc_sni] %ST %{+Q}r"
		http-request redirect scheme https code 301 unless { ssl_fc }
		http-request set-header X-TLS "%[ssl_fc] %[ssl_fc_sni] %[ssl_fc_protocol] %[ssl_fc_alpn]"
		default_backend be
	frontend fe_dir
		bind 127.0.0.1:$F2 ssl crt $T/dir strict-sni ssl-min-ver TLSv1.3
		default_backend be
	frontend fe_old
		bind 127.0.0.1:$F3 ssl crt $T/c/a.pem ssl-max-ver TLSv1.2 ciphers ECDHE-ECDSA-AES128-GCM-SHA256
		http-request return status 200 content-type text/plain lf-string "%sslv %sslc\n"
	frontend fe_srvpref
		bind 127.0.0.1:$F6 ssl crt $T/c/a.pem ssl-max-ver TLSv1.2 ciphers $TWO
		http-request return status 200
	frontend fe_clipref
		bind 127.0.0.1:$F7 ssl crt $T/c/a.pem ssl-max-ver TLSv1.2 ciphers $TWO prefer-client-ciphers
		http-request return status 200
	frontend fe_prio
		bind 127.0.0.1:$F5 ssl crt $T/c/a.pem curves P-384 gnutls-priority NORMAL:-VERS-TLS1.3
		http-request return status 200 content-type text/plain lf-string "%sslv\n"
	backend be
		server a 127.0.0.1:$PA
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"

# --- HTTP over TLS ---
out=$(tcurl a.test "$F1" /echo -D "$T/h1")
like "$out" '^GET /echo HTTP/1.1' "GET over TLS reaches the server"
ilike "$out" '^x-tls: 1 a\.test TLSv1\.3 http/1\.1' "set-header with ssl_fc, ssl_fc_sni, ssl_fc_protocol, ssl_fc_alpn"
like "$(cat "$T/h1")" '^HTTP/1.1 200' "status 200 over TLS"

gen_body 300000 "$T/body"
out=$(tcurl a.test "$F1" /echo --data-binary "@$T/body" -D "$T/h2" -o /dev/null -w '%{http_code}')
is "$out" 200 "POST of 300 KB over TLS"
ilike "$(cat "$T/h2")" "^x-body-sha256: $(sha256 "$T/body")" "the server got the POST body intact"

out=$(tcurl a.test "$F1" /echo -H 'Transfer-Encoding: chunked' --data-binary "@$T/body" -D "$T/h3" -o /dev/null -w '%{http_code}')
ilike "$(cat "$T/h3")" "^x-body-sha256: $(sha256 "$T/body")" "chunked request body over TLS intact ($out)"

tcurl a.test "$F1" '/x?size=1000000' -o "$T/big" -w '%{http_code}' >/dev/null
gen_body 1000000 "$T/big.want"
is "$(sha256 "$T/big")" "$(sha256 "$T/big.want")" "1 MB response over TLS intact (no splice on TLS)"

tcurl a.test "$F1" '/x?size=70000&chunk=7000' -o "$T/ch" >/dev/null
gen_body 70000 "$T/ch.want"
is "$(sha256 "$T/ch")" "$(sha256 "$T/ch.want")" "chunked response over TLS intact"

out=$(tcurl a.test "$F1" /one -o /dev/null -w '%{num_connects}\n' --next \
	--cacert "$T/c/ca.pem" --resolve "a.test:$F1:127.0.0.1" "https://a.test:$F1/two" \
	-o /dev/null -w '%{num_connects}\n' | tr '\n' ' ')
is "$out" "1 0 " "keep-alive: the second request reuses the TLS connection"

# --- certificates and SNI ---
is "$(peer_cn "$F1" -servername a.test)" "a.test" "SNI a.test: the ECDSA certificate"
is "$(peer_cn "$F1" -servername b.test)" "b.test" "SNI b.test: the RSA certificate"
is "$(peer_cn "$F1" -servername x.w.test)" "*.w.test" "SNI x.w.test: the wildcard certificate"
is "$(peer_cn "$F1" -servername nope.test)" "a.test" "unknown SNI: the first certificate (default)"
is "$(peer_cn "$F1" -noservername)" "a.test" "no SNI: the default certificate"
is "$(tcurl x.w.test "$F1" / -o /dev/null -w '%{http_code}')" 200 "curl verifies the wildcard certificate for x.w.test"
is "$(peer_cn "$F2" -servername b.test)" "b.test" "crt <dir>: b.test found in the directory"
is "$(peer_cn "$F2" -servername y.w.test)" "*.w.test" "crt <dir>: wildcard from the directory"
is "$(peer_cn "$F2" -servername nope.test)" "" "strict-sni: an unknown name is refused"
is "$(peer_cn "$F2" -noservername)" "" "strict-sni: no SNI is refused"
out=$(timeout 5 gnutls-cli --x509cafile="$T/c/ca.pem" --sni-hostname=nope.test -p "$F2" 127.0.0.1 </dev/null 2>&1)
like "$out" 'Handshake has failed.*|alert' "gnutls-cli: strict-sni refusal is a handshake failure with an alert"

# --- ALPN and versions ---
out=$(timeout 5 openssl s_client -connect "127.0.0.1:$F1" -servername a.test -alpn h2,http/1.1 </dev/null 2>/dev/null)
like "$out" 'ALPN protocol: http/1.1' "ALPN: http/1.1 chosen when h2 is also offered"
out=$(timeout 5 gnutls-cli --x509cafile="$T/c/ca.pem" --alpn=http/1.1 -p "$F1" --sni-hostname=a.test --verify-hostname=a.test 127.0.0.1 </dev/null 2>&1)
like "$out" 'Application protocol: http/1.1' "gnutls-cli: ALPN http/1.1 negotiated"
is "$(peer_cn "$F2" -servername a.test -tls1_2)" "" "ssl-min-ver TLSv1.3: TLS 1.2 is refused"
is "$(peer_cn "$F2" -servername a.test -tls1_3)" "a.test" "ssl-min-ver TLSv1.3: TLS 1.3 is served"
is "$(tcurl a.test "$F3" /)" "TLSv1.2 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" \
	"ssl-max-ver TLSv1.2 and ciphers: TLS 1.2 with the named cipher (%sslv %sslc)"
is "$(peer_cn "$F3" -servername a.test -tls1_3)" "" "ssl-max-ver TLSv1.2: TLS 1.3 is refused"
cipher_of()	# PORT: the TLS 1.2 cipher chosen when the client prefers AES128 over AES256
{
	timeout 5 openssl s_client -connect "127.0.0.1:$1" -servername a.test -tls1_2 \
		-cipher ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384 </dev/null \
		2>/dev/null | sed -n 's/.*Cipher is //p' | head -n 1
}
is "$(cipher_of "$F6")" "ECDHE-ECDSA-AES256-GCM-SHA384" "ciphers: the server's order decides by default"
is "$(cipher_of "$F7")" "ECDHE-ECDSA-AES128-GCM-SHA256" "prefer-client-ciphers: the client's order decides"
out=$(timeout 5 openssl s_client -connect "127.0.0.1:$F5" -servername a.test </dev/null 2>/dev/null)
like "$out" 'Server Temp Key: ECDH, (secp384r1|P-384)' "curves P-384: the key exchange uses P-384"
is "$(tcurl a.test "$F5" /)" "TLSv1.2" "gnutls-priority NORMAL:-VERS-TLS1.3: TLS 1.2 is negotiated"

# --- ssl_fc on clear text, logs ---
out=$(hcurl -o /dev/null -w '%{http_code} %{redirect_url}' "http://127.0.0.1:$F4/p?q=1")
is "$out" "301 https://127.0.0.1:$F4/p?q=1" "clear text: redirect scheme https unless { ssl_fc }"
check "log: %ft with '~', %sslv and ssl_fc_sni" wait_log 'fe_tls~ TLSv1\.3 a\.test 200 "GET /echo HTTP/1\.1"'
check "log: clear text has no '~' and '-' for TLS tokens" wait_log 'fe_tls - - 301 "GET /p\?q=1 HTTP/1\.1"'

# the daemon is still healthy after refused handshakes
is "$(tcurl b.test "$F1" / -o /dev/null -w '%{http_code}')" 200 "served after refused handshakes"
stop_pid "$LBD_PID"
done_testing
