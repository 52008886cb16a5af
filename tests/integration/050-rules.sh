#!/bin/bash
# tests/integration/050-rules.sh: http-request/http-response header rules, return, deny, redirect, errorfile
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

start_stub PA --http A || bail "stub A"
for v in HDR RET DENY DENY2 RLOC RPFX RSCH ERRF; do printf -v "$v" '%s' "$(free_port)"; done
printf 'HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain\r\nCache-Control: no-cache\r\n\r\ncustom 503 page\n' >"$T/503.http"
{
	cfg_global
	cat <<-EOF
	frontend fe_hdr
		bind 127.0.0.1:$HDR
		http-request set-header X-Set set-by-lb
		http-request add-header X-Add added-by-lb
		http-request del-header X-Del
		http-request set-header X-Client "%[src]"
		http-response set-header X-Resp resp-by-lb
		http-response add-header X-Resp-Add two
		http-response del-header X-Conn-Id
		default_backend be
	frontend fe_ret
		bind 127.0.0.1:$RET
		http-request return status 201 content-type text/plain string "made by lb"
	frontend fe_deny
		bind 127.0.0.1:$DENY
		http-request deny
	frontend fe_deny2
		bind 127.0.0.1:$DENY2
		http-request deny deny_status 429
	frontend fe_rloc
		bind 127.0.0.1:$RLOC
		http-request redirect location /new/place code 301
	frontend fe_rpfx
		bind 127.0.0.1:$RPFX
		http-request redirect prefix https://example.test code 302
	frontend fe_rsch
		bind 127.0.0.1:$RSCH
		http-request redirect scheme https code 308
	frontend fe_errf
		bind 127.0.0.1:$ERRF
		default_backend be_down
	backend be
		server a 127.0.0.1:$PA
	backend be_down
		errorfile 503 $T/503.http
		server a 127.0.0.1:$PA disabled
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"

# Request header rules, as the backend received them (the stub echoes the request head).
hcurl -D "$T/h" -o "$T/b" -H 'X-Set: from-client' -H 'X-Add: from-client' -H 'X-Del: gone' \
	"http://127.0.0.1:$HDR/echo"
req=$(tr -d '\r' <"$T/b")
resp=$(tr -d '\r' <"$T/h")
ilike "$req" '^X-Set: set-by-lb$' "set-header: the backend sees the new value"
is "$(echo "$req" | grep -ci '^X-Set:')" 1 "set-header: replaces the client's X-Set (one line left)"
ilike "$req" '^X-Client: 127\.0\.0\.1$' "set-header with a log-format value (%[src])"
del=$(echo "$req" | grep -ci '^X-Del:')
is "$del" 0 "del-header: the backend does not see X-Del"

hcurl -o "$T/b2" -H 'X-Add: from-client' "http://127.0.0.1:$HDR/echo"
adds=$(tr -d '\r' <"$T/b2" | grep -i '^X-Add:' | sed 's/^[^:]*: //' | tr '\n' ' ')
is "$adds" "from-client added-by-lb " "add-header: appended after the client's header"

ilike "$resp" '^X-Resp: resp-by-lb$' "http-response set-header: visible at the client"
ilike "$resp" '^X-Resp-Add: two$' "http-response add-header: visible at the client"
is "$(echo "$resp" | grep -ci '^X-Conn-Id:')" 0 "http-response del-header: removed before the client"
ilike "$resp" '^X-Server: A$' "other response headers pass"

# http-request return.
body=$(hcurl -D "$T/h" "http://127.0.0.1:$RET/anything")
resp=$(tr -d '\r' <"$T/h")
is "$body" "made by lb" "return: the body"
like "$resp" '^HTTP/1.1 201 ' "return: the status"
ilike "$resp" '^Content-Type: text/plain$' "return: the content type"
ilike "$resp" '^Content-Length: 10$' "return: the content length"

# deny.
is "$(http_code "http://127.0.0.1:$DENY/")" 403 "deny: 403"
is "$(http_code "http://127.0.0.1:$DENY2/")" 429 "deny deny_status 429: 429"
check "log: the denied request is logged with 403 and state PR" \
	wait_log ' fe_deny fe_deny/<NOSRV> [-0-9/]+ 403 .* PR'

# redirect.
loc() { hcurl -o /dev/null -w '%{http_code} %header{location}' "$@"; }
is "$(loc "http://127.0.0.1:$RLOC/old?x=1")" "301 /new/place" "redirect location, code 301"
is "$(loc "http://127.0.0.1:$RPFX/old/path?x=1")" "302 https://example.test/old/path?x=1" \
	"redirect prefix keeps the path and query, code 302"
is "$(loc -H 'Host: www.example.test' "http://127.0.0.1:$RSCH/p?q=2")" \
	"308 https://www.example.test/p?q=2" "redirect scheme https uses the Host, code 308"

# errorfile replaces the 503 body.
body=$(hcurl -D "$T/h" "http://127.0.0.1:$ERRF/")
is "$body" "custom 503 page" "errorfile: the 503 body comes from the file"
like "$(tr -d '\r' <"$T/h")" '^HTTP/1.[01] 503 ' "errorfile: status 503"

stop_pid "$LBD_PID"
done_testing
