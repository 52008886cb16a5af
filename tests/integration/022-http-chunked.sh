#!/bin/bash
# tests/integration/022-http-chunked.sh: chunked and large bodies both ways, 100-continue, bodiless responses
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

start_stub PA --http A || bail "stub A"
F1=$(free_port)
{
	cfg_global
	cat <<-EOF
	frontend fe
		bind 127.0.0.1:$F1
		default_backend be
	backend be
		server a 127.0.0.1:$PA
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"
U="http://127.0.0.1:$F1"

hdr() { tr -d '\r' <"$1" | awk -v k="$(echo "$2" | tr 'A-Z' 'a-z'):" 'tolower($1) == k { print $2 }' | tail -n 1; }

# A hand-made chunked request (extension, trailer) reaches the backend decoded and intact.
out=$(rawc "$F1" 'send:POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n' \
	'recvuntil:hello world' | tr -d '\r')
ilike "$out" '^X-Body-Len: 11$' "chunked request: backend decoded 11 bytes"
like "$out" 'hello world$' "chunked request: body intact"

# 1 MiB chunked upload (curl chunks it) and 1 MiB Content-Length upload: sha256 compared.
gen_body 1048576 "$T/1m"
want=$(sha256 "$T/1m")
hcurl -D "$T/h1" -o /dev/null -H 'Transfer-Encoding: chunked' --data-binary @"$T/1m" "$U/echo"
is "$(hdr "$T/h1" X-Body-Sha256):$(hdr "$T/h1" X-Body-Len)" "$want:1048576" "1 MiB chunked upload arrives intact"
hcurl -D "$T/h2" -o /dev/null -H 'Expect:' --data-binary @"$T/1m" "$U/echo"
is "$(hdr "$T/h2" X-Body-Sha256):$(hdr "$T/h2" X-Body-Chunked)" "$want:0" "1 MiB Content-Length upload arrives intact, not chunked"

# Expect: 100-continue: the interim response goes through, the upload completes at once.
start=$(date +%s%N)
hcurl -D "$T/h3" -o /dev/null -H 'Expect: 100-continue' --expect100-timeout 3 \
	--data-binary @"$T/1m" "$U/echo"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
is "$(hdr "$T/h3" X-Body-Sha256)" "$want" "100-continue upload arrives intact"
like "$(tr -d '\r' <"$T/h3")" '^HTTP/1.1 100 Continue$' "the client receives 100 Continue"
num_between "$ms" 0 2500 "the client did not wait for the expect timeout (${ms} ms)"

# Chunked responses: small chunks and 1 MiB, decoded by the client, sha256 compared.
gen_body 100000 "$T/100k"
hcurl -D "$T/h4" -o "$T/r4" "$U/?size=100000&chunk=777"
is "$(sha256 "$T/r4")" "$(sha256 "$T/100k")" "chunked response (777-byte chunks) intact"
ilike "$(tr -d '\r' <"$T/h4")" '^Transfer-Encoding: chunked$' "response stays chunked"
hcurl -o "$T/r5" "$U/?size=1048576&chunk=16384"
is "$(sha256 "$T/r5")" "$want" "1 MiB chunked response intact"
hcurl -o "$T/r6" "$U/?size=1048576"
is "$(sha256 "$T/r6")" "$want" "1 MiB Content-Length response intact"

# Bodiless responses keep the framing: HEAD, 204, 304, then a normal request, on one connection.
out=$(rawc "$F1" 'send:HEAD /?size=5000 HTTP/1.1\r\nHost: x\r\n\r\nGET /?status=204 HTTP/1.1\r\nHost: x\r\n\r\nGET /?status=304 HTTP/1.1\r\nHost: x\r\n\r\nGET /?last HTTP/1.1\r\nHost: x\r\n\r\n' \
	'irecvuntil:X-Conn-Req: 4' 'recvuntil:A\n' | tr -d '\r')
like "$(echo "$out" | grep '^HTTP/1.1' | tr '\n' ' ')" '^HTTP/1.1 200 [^ ]* HTTP/1.1 204 [^ ]* [^ ]* HTTP/1.1 304 [^ ]* [^ ]* HTTP/1.1 200 ' \
	"HEAD, 204, 304 then GET on one connection: 4 responses in order"
ilike "$out" '^Content-Length: 5000$' "HEAD response keeps Content-Length 5000"
is "$(printf '%s' "$out" | tail -n 2 | tr '\n' '|')" "|A" "only the last response has a body"

stop_pid "$LBD_PID"
done_testing
