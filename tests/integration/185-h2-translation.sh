#!/bin/bash
# tests/integration/185-h2-translation.sh: requests that change protocol in lbd: an HTTP/1.1
# client to an h2 server (h2c and h2 over TLS) and an h2 client to an HTTP/1.1 server; Host and
# :authority, cookies, bodies with and without a length, chunked bodies and trailers both ways,
# HEAD, 204 and 304 without a body
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/integration/tls_lib.sh"
. "$top_srcdir/tests/integration/h2_lib.sh"

need_tls_tools
need_h2_tools
mk_certs "$T/c" || { diag_file "$T/c/certtool.log"; bail "cannot make certificates"; }

start_h2srv S2 --name h2c || bail "h2 server"
start_h2srv S1 --name h1 --h1 || bail "HTTP/1.1 server"
start_h2srv S3 --name h2tls --tls "$T/c/srv.pem" || bail "h2 TLS server"
F1=$(free_port) F2=$(free_port) F3=$(free_port)
{
	cfg_global http
	cat <<-EOF
	frontend fe_h1
		bind 127.0.0.1:$F1
		default_backend be_h2
	frontend fe_h2
		bind 127.0.0.1:$F2 proto h2
		default_backend be_h1
	frontend fe_h1tls
		bind 127.0.0.1:$F3
		default_backend be_h2tls
	backend be_h2
		server s 127.0.0.1:$S2 proto h2
	backend be_h1
		server s 127.0.0.1:$S1
	backend be_h2tls
		server s 127.0.0.1:$S3 ssl verify none alpn h2
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"

gen_body 100000 "$T/body"
SHA=$(sha256 "$T/body")

# ---- HTTP/1.1 client -> h2 server ----
hcurl "http://127.0.0.1:$F1/a/b?c=1" -H 'Host: h.test' -H 'Cookie: x=1; y=2' \
	-H 'Connection: keep-alive, x-hop' -H 'Keep-Alive: timeout=5' -H 'X-Hop: 1' >"$T/e1"
is "$(jpy 'd["proto"], d["method"], d["path"]' <"$T/e1")" "('h2', 'GET', '/a/b?c=1')" \
	"h1 -> h2c: the server gets an h2 GET with the path and query"
# RFC 9113 8.3.1 lets an intermediary keep Host; HAProxy 2.6 sends an origin-form request's
# Host as a host header and no :authority. Either is right; a different value is not.
is "$(jpy 'sorted(set([d["authority"]] + hdr("host")) - {None})' <"$T/e1")" "['h.test']" \
	"h1 -> h2c: the Host reaches the h2 server (as :authority or host), unchanged"
is "$(jpy 'hdr("cookie")' <"$T/e1")" "['x=1; y=2']" "h1 -> h2c: the cookie header passes"
is "$(jpy 'hdr("connection") + hdr("keep-alive") + hdr("transfer-encoding")' <"$T/e1")" "[]" \
	"h1 -> h2c: no connection-specific header reaches the h2 server"
# RFC 9110 7.6.1; HAProxy 2.6 drops only the standard hop-by-hop fields
lbd_is_haproxy && LB_TODO="HAProxy 2.6 forwards the fields named in Connection"
is "$(jpy 'hdr("x-hop")' <"$T/e1")" "[]" "h1 -> h2c: nor a header the Connection header names"
LB_TODO=

hcurl "http://127.0.0.1:$F1/post" --data-binary "@$T/body" >"$T/e2"
is "$(jpy 'd["body_len"], d["body_sha256"], hdr("content-length")' <"$T/e2")" \
	"(100000, '$SHA', ['100000'])" "h1 -> h2c: a body with content-length arrives intact, with its length"
hcurl "http://127.0.0.1:$F1/post" -H 'Transfer-Encoding: chunked' --data-binary "@$T/body" >"$T/e3"
is "$(jpy 'd["body_len"], d["body_sha256"]' <"$T/e3")" "(100000, '$SHA')" \
	"h1 -> h2c: a chunked request body arrives intact as DATA"
is "$(jpy 'hdr("transfer-encoding")' <"$T/e3")" "[]" "h1 -> h2c: no transfer-encoding in h2"

out=$(rawc "$F1" 'send:POST /t HTTP/1.1\r\nHost: h.test\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\nX-Req-Trailer: yes\r\nX-Other: 2\r\n\r\n' recv)
body=$(printf '%s' "$out" | sed -n '/^{/p')
is "$(jpy 'd["body_len"], d["chunked"]' <<<"$body")" "(11, False)" "h1 -> h2c: chunked body with trailers: the body"
is "$(jpy 'sorted((k.lower(), v) for k, v in d["trailers"])' <<<"$body")" \
	"[('x-other', '2'), ('x-req-trailer', 'yes')]" "h1 -> h2c: the chunked trailers arrive as h2 trailers"

out=$(rawc "$F1" 'send:GET /trailers HTTP/1.1\r\nHost: h.test\r\nTE: trailers\r\nConnection: close\r\n\r\n' recv)
ilike "$out" '^transfer-encoding: chunked' "h2 response with trailers -> h1 client: chunked"
like "$out" 'trailers follow' "... the body"
ilike "$out" "^0$(printf '\r')?$" "... the last chunk"
ilike "$out" '^x-trailer-one: 1' "... then the h2 trailers as chunked trailers"
ilike "$out" '^x-body-sha256: e3b0c442' "... all of them"

out=$(hcurl "http://127.0.0.1:$F1/?size=100" -I -o /dev/null -w '%{http_code} %{size_download}\n' \
	--next "http://127.0.0.1:$F1/?status=204" -o /dev/null -w '%{http_code} %{size_download}\n' \
	--next "http://127.0.0.1:$F1/?status=304" -o /dev/null -w '%{http_code} %{size_download}\n' \
	--next "http://127.0.0.1:$F1/?size=7" -o /dev/null -w '%{http_code} %{size_download} %{num_connects}\n')
is "$(echo $out)" "200 0 204 0 304 0 200 7 0" \
	"h1 -> h2c: HEAD, 204 and 304 have no body, and the connection goes on to the next answer"
out=$(hcurl "http://127.0.0.1:$F1/?size=100" -I)
ilike "$out" '^content-length: 100' "h1 -> h2c: HEAD keeps the content-length of the GET"

# ---- HTTP/1.1 client -> h2 over TLS (server ... ssl verify none alpn h2) ----
hcurl "http://127.0.0.1:$F3/tls?x=1" -H 'Host: t.test' --data-binary "@$T/body" >"$T/e4"
is "$(jpy 'd["proto"], d["scheme"], sorted(set([d["authority"]] + hdr("host")) - {None}), d["body_sha256"]' <"$T/e4")" \
	"('h2', 'https', ['t.test'], '$SHA')" "h1 -> h2 over TLS (alpn h2): an https request with its body"
out=$(rawc "$F3" 'send:GET /trailers HTTP/1.1\r\nHost: t.test\r\nConnection: close\r\n\r\n' recv)
ilike "$out" '^x-trailer-one: 1' "h1 -> h2 over TLS: response trailers reach the h1 client"
gen_body 3000000 "$T/big"
hcurl "http://127.0.0.1:$F3/?size=3000000" -o "$T/big.got"
is "$(sha256 "$T/big.got")" "$(sha256 "$T/big")" "h1 -> h2 over TLS: a 3 MB response intact"

# ---- h2 client -> HTTP/1.1 server ----
h2c "$F2" req --path '/q?a=1' --authority h2.test -H 'cookie: a=1' -H 'cookie: b=2' \
	-H 'x-custom: v' --out "$T/e5" >"$T/r5"
is "$(jpy 'd["proto"], d["method"], d["path"]' <"$T/e5")" "('h1', 'GET', '/q?a=1')" \
	"h2 -> h1: the server gets an HTTP/1.1 GET with the path and query"
is "$(jpy 'hdr("host")' <"$T/e5")" "['h2.test']" "h2 -> h1: Host comes from :authority"
is "$(jpy 'hdr("cookie")' <"$T/e5")" "['a=1; b=2']" "h2 -> h1: the cookie headers are joined with \"; \""
is "$(jpy 'hdr("x-custom")' <"$T/e5")" "['v']" "h2 -> h1: other headers pass"

h2c "$F2" req --method POST --path /cl --body-file "$T/body" --out "$T/e6" >/dev/null
is "$(jpy 'd["chunked"], d["body_len"], d["body_sha256"], hdr("content-length")' <"$T/e6")" \
	"(False, 100000, '$SHA', ['100000'])" "h2 -> h1: a body with content-length is sent with it"
h2c "$F2" req --method POST --path /nocl --body-file "$T/body" --no-cl --out "$T/e7" >/dev/null
is "$(jpy 'd["chunked"], d["body_len"], d["body_sha256"]' <"$T/e7")" "(True, 100000, '$SHA')" \
	"h2 -> h1: a body without content-length is sent chunked"
h2c "$F2" req --method POST --path /tr --body-size 5000 --no-cl --trailer 'x-req-trailer: yes' \
	--trailer 'x-two: 2' --out "$T/e8" >/dev/null
is "$(jpy 'd["chunked"], d["body_len"]' <"$T/e8")" "(True, 5000)" "h2 -> h1: a body followed by trailers is sent chunked"
is "$(jpy 'sorted((k.lower(), v) for k, v in d["trailers"])' <"$T/e8")" \
	"[('x-req-trailer', 'yes'), ('x-two', '2')]" "h2 -> h1: the h2 trailers become chunked trailers"

out=$(h2c "$F2" req --path /trailers)
like "$out" '^frames HEADERS (DATA )+HEADERS/es$' "h1 chunked response with trailers -> h2: HEADERS, DATA, then a trailing HEADERS"
like "$out" '^trailer x-trailer-one: 1$' "h1 -> h2: the chunked trailers arrive in the trailing HEADERS"
like "$out" '^end-stream$' "... which ends the stream"
unlike "$out" '^header transfer-encoding' "h1 -> h2: no transfer-encoding in h2"

out=$(h2c "$F2" req --method HEAD --path '/?size=100')
like "$out" '^frames HEADERS/es$' "h2 -> h1: HEAD is answered with HEADERS only (END_STREAM)"
like "$out" '^header content-length: 100$' "... carrying the content-length of the GET"
for st in 204 304; do
	out=$(h2c "$F2" req --path "/?status=$st")
	like "$out" "^status $st" "h2 -> h1: status $st"
	like "$out" '^frames HEADERS/es$' "h2 -> h1: $st has no DATA frame"
done
gen_body 2000000 "$T/big2"
out=$(h2c "$F2" req --path '/?size=2000000&nocl=1' --out "$T/big2.got")
is "$(sha256 "$T/big2.got")" "$(sha256 "$T/big2")" "h2 -> h1: a 2 MB chunked response intact as DATA"

done_testing
