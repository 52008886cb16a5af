#!/bin/bash
# tests/integration/176-h2-front.sh: HTTP/2 towards clients: h2 over TLS picked by ALPN, h2c with
# prior knowledge on a "proto h2" bind and on a plain HTTP/1.1 bind, with curl, nghttp, h2load
# and h2_client.py; bodies both ways byte-exact (10 MiB down, 1 MiB up with and without
# content-length), 100 streams at once on one connection, one log line per stream
: "${LB_TEST_TIMEOUT:=120}"
export LB_TEST_TIMEOUT
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/integration/tls_lib.sh"
. "$top_srcdir/tests/integration/h2_lib.sh"

need_tls_tools
need_h2_tools
mk_certs "$T/c" || { diag_file "$T/c/certtool.log"; bail "cannot make certificates"; }

start_stub PA --http A || bail "stub A"
F1=$(free_port) F2=$(free_port) F3=$(free_port)
{
	cfg_global http
	cat <<-EOF
	frontend fe_tls
		bind 127.0.0.1:$F1 ssl crt $T/c/a.pem alpn h2,http/1.1
		default_backend be
	frontend fe_h2
		bind 127.0.0.1:$F2 proto h2
		default_backend be
	frontend fe_plain
		bind 127.0.0.1:$F3
		default_backend be
	backend be
		server a 127.0.0.1:$PA
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"

# --- the three ways in ---
out=$(tcurl a.test "$F1" /echo --http2 -o "$T/e1" -w '%{http_version} %{http_code}')
is "$out" "2 200" "TLS bind with alpn h2,http/1.1: curl --http2 gets HTTP/2"
like "$(cat "$T/e1")" '^GET /echo HTTP/1.1' "the h2 request reaches the HTTP/1.1 server as HTTP/1.1"
ilike "$(cat "$T/e1")" '^host: a\.test' "Host comes from :authority"
out=$(tcurl a.test "$F1" /echo --http1.1 -o /dev/null -w '%{http_version} %{http_code}')
is "$out" "1.1 200" "the same bind still serves HTTP/1.1 to a client that offers only http/1.1"

out=$(hcurl --http2-prior-knowledge "http://127.0.0.1:$F2/echo" -o /dev/null \
	-w '%{http_version} %{http_code}')
is "$out" "2 200" "proto h2 bind: curl --http2-prior-knowledge gets HTTP/2"
out=$(hcurl --http2-prior-knowledge "http://127.0.0.1:$F3/echo" -o /dev/null \
	-w '%{http_version} %{http_code}')
is "$out" "2 200" "plain bind: a client opening with the h2 preface is served in h2"
out=$(hcurl "http://127.0.0.1:$F3/echo" -o /dev/null -w '%{http_version} %{http_code}')
is "$out" "1.1 200" "plain bind: HTTP/1.1 as before"

out=$(timeout 10 nghttp -nv "https://127.0.0.1:$F1/nghttp-tls" 2>&1)
like "$out" 'recv HEADERS frame' "nghttp over TLS: a HEADERS frame comes back"
like "$out" ':status: 200' "nghttp over TLS: status 200"
out=$(timeout 10 nghttp -nv "http://127.0.0.1:$F2/nghttp-h2c" 2>&1)
like "$out" ':status: 200' "nghttp h2c (prior knowledge): status 200"
like "$out" '; END_STREAM' "nghttp h2c: the stream ends with END_STREAM"

# --- bodies ---
gen_body 10485760 "$T/big.want"
tcurl a.test "$F1" '/x?size=10485760' --http2 -o "$T/big.tls" >/dev/null
is "$(sha256 "$T/big.tls")" "$(sha256 "$T/big.want")" "10 MiB download over h2 (TLS) is byte-exact"
hcurl --http2-prior-knowledge "http://127.0.0.1:$F2/x?size=10485760" -o "$T/big.h2c"
is "$(sha256 "$T/big.h2c")" "$(sha256 "$T/big.want")" "10 MiB download over h2c is byte-exact"
out=$(h2c "$F2" req --path '/x?size=10485760&chunk=65536' --out "$T/big.chunked")
is "$(sha256 "$T/big.chunked")" "$(sha256 "$T/big.want")" "a chunked 10 MiB response reaches the h2 client byte-exact"
like "$out" '^end-stream$' "... and its stream ends normally"

gen_body 1048576 "$T/up"
hcurl --http2-prior-knowledge "http://127.0.0.1:$F2/echo" --data-binary "@$T/up" -D "$T/up.h" \
	-o /dev/null
ilike "$(cat "$T/up.h")" "^x-body-sha256: $(sha256 "$T/up")" "1 MiB upload with content-length: the server got it intact"
ilike "$(cat "$T/up.h")" '^x-body-chunked: 0' "... sent to the server with its content-length"
out=$(h2c "$F2" req --method POST --path /echo --body-file "$T/up" --no-cl)
ilike "$out" "^header x-body-sha256: $(sha256 "$T/up")" "1 MiB upload without content-length: the server got it intact"
ilike "$out" '^header x-body-chunked: 1' "... sent to the HTTP/1.1 server chunked"
out=$(tcurl a.test "$F1" /echo --http2 --data-binary "@$T/up" -D - -o /dev/null)
ilike "$out" "^x-body-sha256: $(sha256 "$T/up")" "1 MiB upload over h2 (TLS) intact"

# --- flow control: a client window of 1000 bytes, reopened only by what was read ---
out=$(h2c "$F2" req --path '/x?size=200000' --window 1000 --wait 20)
gen_body 200000 "$T/w.want"
like "$out" "^body 200000 $(sha256 "$T/w.want")" "a 1000-byte stream window: the whole body arrives"
like "$out" '^flow ok' "... and lbd never sends beyond the window"

# --- concurrency ---
out=$(h2c "$F2" streams --count 100 --path '/x?delay=200' --wait 15)
like "$out" '^streams 100 status-200=100$' "100 streams at once on one connection: all answered 200"
out=$(timeout 30 h2load -n 2000 -c 2 -m 50 "http://127.0.0.1:$F2/" 2>&1)
like "$out" 'status codes: 2000 2xx' "h2load -n 2000 -c 2 -m 50 (h2c): 2000 answers 2xx"
out=$(timeout 30 h2load -n 2000 -c 2 -m 50 "https://127.0.0.1:$F1/" 2>&1)
like "$out" 'status codes: 2000 2xx' "h2load -n 2000 -c 2 -m 50 (TLS): 2000 answers 2xx"
like "$out" 'Application protocol: h2' "h2load over TLS negotiated h2"

# --- logs: one line per stream, the request line says HTTP/2.0 ---
# HAProxy 2.6 logs the absolute form it builds from :scheme and :authority
# ("GET http://127.0.0.1:P/x HTTP/2.0"); lbd logs the path, as the request line of h1 would.
ABS=
lbd_is_haproxy && ABS='(https?://[^/ ]+)?'
timeout 10 nghttp -n "http://127.0.0.1:$F2/log-one" "http://127.0.0.1:$F2/log-two" \
	"http://127.0.0.1:$F2/log-three" >/dev/null 2>&1
LOGRE="fe_h2 be/a .*\"GET $ABS/log-(one|two|three) HTTP/2\\.0\""
wait_log_count 3 "$LOGRE" || true
is "$(log_count "$LOGRE")" 3 \
	"three streams on one connection: three log lines with \"GET /log-... HTTP/2.0\""
like "$(cat "$LBD_LOG")" "fe_tls~? be/a .* 200 .*\"GET $ABS/nghttp-tls HTTP/2\\.0\"" \
	"the TLS frontend logs h2 requests too"

# --- tune.h2.*: what lbd announces in its SETTINGS follows the global section ---
F4=$(free_port)
{
	cfg_global http "tune.h2.header-table-size 0" "tune.h2.initial-window-size 30000" \
		"tune.h2.max-concurrent-streams 7" "tune.h2.max-frame-size 32768"
	cat <<-EOF
	frontend fe_tuned
		bind 127.0.0.1:$F4 proto h2
		default_backend be
	backend be
		server a 127.0.0.1:$PA
	EOF
} >"$T/tuned.cfg"
start_lbd "$T/tuned.cfg" || bail "lbd (tuned) did not start"
out=$(timeout 10 nghttp -nv "http://127.0.0.1:$F4/tuned" 2>&1 | sed -n '/recv SETTINGS frame/,/^\[/p')
like "$out" 'SETTINGS_HEADER_TABLE_SIZE\(0x01\):0\]' "tune.h2.header-table-size is announced"
like "$out" 'SETTINGS_INITIAL_WINDOW_SIZE\(0x04\):30000\]' "tune.h2.initial-window-size is announced"
like "$out" 'SETTINGS_MAX_CONCURRENT_STREAMS\(0x03\):7\]' "tune.h2.max-concurrent-streams is announced"
like "$out" 'SETTINGS_MAX_FRAME_SIZE\(0x05\):32768\]' "tune.h2.max-frame-size is announced"
is "$(hcurl --http2-prior-knowledge "http://127.0.0.1:$F4/echo" -o /dev/null -w '%{http_code}')" \
	200 "a tuned h2c frontend serves"

done_testing
