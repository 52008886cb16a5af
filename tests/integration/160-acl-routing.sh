#!/bin/bash
# tests/integration/160-acl-routing.sh: ACLs: host/path routing with use_backend if/unless,
# deny with a condition, a -f IP denylist, http-response rules with conditions
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

start_stub PA --http API || bail "stub API"
start_stub PS --http STATIC || bail "stub STATIC"
start_stub PW --http WEB || bail "stub WEB"
F=$(free_port) D=$(free_port) L=$(free_port)
# the denylist has the test client's network (127.0.0.0/8) only for frontend fe_deny_all
printf '# blocked networks\n10.0.0.0/8\n\n192.0.2.7\n2001:db8::/32\n' >"$T/deny.lst"
printf '127.0.0.0/8\n' >"$T/deny_local.lst"
{
	cfg_global
	cat <<-EOF
	frontend fe
		bind 127.0.0.1:$F
		acl host_api hdr(host),lower -m str api.example.com
		acl is_static path_beg /static/ /img/
		acl is_static path_end .css .js
		acl admin path_beg /admin
		acl from_lan src -f $T/deny.lst
		acl is_get method GET
		http-request deny deny_status 403 if admin !{ hdr(x-admin-token) -m str s3cret }
		http-request deny deny_status 429 if from_lan
		http-request return status 200 content-type text/plain string "reg ok" if { path_reg ^/reg/[0-9]+$ }
		http-request set-header X-Routed yes if host_api || is_static
		http-response set-header X-Ok yes if { status 200 } { res.hdr(x-server) WEB }
		http-response set-header X-Never yes if { status 500 }
		use_backend be_api if host_api
		use_backend be_static if is_static is_get
		use_backend be_api if !{ path_beg / } || !HTTP_1.1
		default_backend be_web
	frontend fe_deny_all
		bind 127.0.0.1:$D
		acl blocked src -f $T/deny_local.lst
		http-request deny if blocked
		default_backend be_web
	frontend fe_local
		bind 127.0.0.1:$L
		use_backend be_api if LOCALHOST { url_param(b) -m str api }
		use_backend be_static if { req.cook(route) static } || { query -m sub to=static }
		use_backend be_web if { nbsrv(be_api) ge 1 } FALSE
		use_backend be_api unless METH_GET || METH_HEAD
		default_backend be_web
	backend be_api
		server a 127.0.0.1:$PA
	backend be_static
		server s 127.0.0.1:$PS
	backend be_web
		server w 127.0.0.1:$PW
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"

server() { hcurl -D - -o /dev/null "$@" 2>/dev/null | tr -d '\r' | awk -F': ' 'tolower($1) == "x-server" { print $2 }'; }

is "$(server -H 'Host: API.example.com' "http://127.0.0.1:$F/x")" API "host routing: Host API.example.com (lower) -> be_api"
is "$(server -H 'Host: www.example.com' "http://127.0.0.1:$F/x")" WEB "host routing: another Host -> default_backend"
is "$(server "http://127.0.0.1:$F/static/a.png")" STATIC "path routing: path_beg /static/ -> be_static"
is "$(server "http://127.0.0.1:$F/site/main.css")" STATIC "path routing: second acl line ORed (path_end .css)"
is "$(server -X POST "http://127.0.0.1:$F/static/a.png")" WEB "implicit AND: POST to /static/ is not routed (is_get fails)"
is "$(server -H 'Host: api.example.com' "http://127.0.0.1:$F/static/a.png")" API "use_backend lines in order: the first match wins"
is "$(server --http1.0 "http://127.0.0.1:$F/x")" API "! binds tighter than ||: HTTP/1.0 request -> be_api"

is "$(http_code "http://127.0.0.1:$F/admin/x")" 403 "deny if admin without token: 403"
is "$(http_code "http://127.0.0.1:$F/admin/x" -H 'X-Admin-Token: s3cret')" 200 "deny: negated anonymous ACL lets the token through"
is "$(http_code "http://127.0.0.1:$F/public")" 200 "deny: non-matching request passes"
is "$(hcurl "http://127.0.0.1:$F/reg/123")" "reg ok" "return if path_reg: matching"
is "$(server "http://127.0.0.1:$F/reg/12a")" WEB "return if path_reg: not matching goes on"

hcurl -o "$T/echo" -H 'Host: api.example.com' "http://127.0.0.1:$F/echo"
ilike "$(tr -d '\r' <"$T/echo")" '^X-Routed: yes$' "set-header with a condition: applied when it holds"
hcurl -o "$T/echo2" "http://127.0.0.1:$F/echo"
unlike "$(tr -d '\r' <"$T/echo2")" '[Xx]-[Rr]outed' "set-header with a condition: not applied otherwise"

hdrs=$(hcurl -D - -o /dev/null "http://127.0.0.1:$F/public" | tr -d '\r')
ilike "$hdrs" '^X-Ok: yes$' "http-response set-header if status and res.hdr: applied"
unlike "$hdrs" '[Xx]-[Nn]ever' "http-response set-header if another status: not applied"

is "$(http_code "http://127.0.0.1:$D/")" 403 "-f denylist: 127.0.0.0/8 listed -> 403"
is "$(http_code "http://127.0.0.1:$F/public")" 200 "-f denylist: client not in the other list passes"

is "$(server "http://127.0.0.1:$L/?b=api")" API "url_param + LOCALHOST"
is "$(server -H 'Cookie: a=1; route=static' "http://127.0.0.1:$L/")" STATIC "req.cook"
is "$(server "http://127.0.0.1:$L/?x=1&to=static")" STATIC "query -m sub"
is "$(server "http://127.0.0.1:$L/")" WEB "FALSE in an AND: rule skipped, default_backend"
is "$(server -X DELETE "http://127.0.0.1:$L/")" API "unless METH_GET || METH_HEAD: DELETE is routed"

# errors at load time: file:line:col with a suggestion (heredoc lines start at column 1)
cat >"$T/bad.cfg" <<-EOF
	frontend fe
		mode http
		bind 127.0.0.1:$F
		acl a pth_beg /x
		use_backend be if { path_beg /a } ||
		use_backend be if nope
	backend be
		server w 127.0.0.1:$PW
EOF
out=$("$LBD" -c -f "$T/bad.cfg" 2>&1)
like "$out" "bad.cfg:4:7: error: unknown fetch method 'pth_beg' in ACL expression \(did you mean 'path_beg'\?\)" "unknown fetch: position and suggestion"
like "$out" "bad.cfg:5:35: error: missing term after '\|\|'" "dangling ||"
like "$out" "bad.cfg:6:19: error: unknown ACL 'nope'" "unknown ACL name"

done_testing
