#!/bin/bash
# tests/integration/193-http-actions.sh: http-request/http-response allow, reject, tarpit, rewrites of the target, method and headers, set-status, variables, set-log-level, stick store-response
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

start_stub PA --http A --log "$T/stub.log" || bail "stub A"
start_stub PB --http B || bail "stub B"
for v in RW LF LVL REJ TP ST; do printf -v "$v" '%s' "$(free_port)"; done
{
	cfg_global
	cat <<-EOF
	frontend fe_rw
		bind 127.0.0.1:$RW
		http-request allow if { path /allow }
		http-request set-var(txn.orig) path
		http-request set-var-fmt(txn.tag) "m=%[method]"
		http-request set-var(sess.seen) str(yes) if { path /mark }
		http-request set-var(txn.once) str(t1) if { path /mark }
		http-request set-var(txn.flag) str(on) if { req.hdr(x-flag) 1 }
		http-request unset-var(txn.flag) if { req.hdr(x-unset) 1 }
		http-request deny deny_status 429 if { var(txn.flag) -m str on }
		http-request set-log-level silent if { path /quiet }
		http-request set-path /echo if { path /setpath }
		http-request set-pathq /echo?pq=1 if { path /setpathq }
		http-request set-uri /echo?uri=%[var(txn.orig)] if { path /seturi }
		http-request replace-uri ^/ru/([a-z]+)\$ /echo?word=\1
		http-request replace-path ^/rp(/.*)?\$ /echo
		http-request set-query new=1 if { req.hdr(x-q) yes }
		http-request set-method PUT if { req.hdr(x-m) put }
		http-request replace-header X-Rh ^a(.*)\$ b\1
		http-request replace-value X-Rv ^z\$ y
		http-request set-header X-Var "%[var(txn.orig)] %[var(txn.tag)]"
		http-request set-header X-Seen "s=%[var(sess.seen)] t=%[var(txn.once)]"
		http-request set-header X-Cond hit if { var(txn.orig) -m beg /setp }
		http-request set-header X-After-Path yes if { path /echo }
		http-request deny if { path /allow }
		http-response set-header X-Res-Var "%[var(txn.orig)]"
		http-response set-status 299 reason Fine if { var(txn.orig) -m str /status }
		http-response replace-header X-Server ^(A)\$ stub-\1
		http-response deny deny_status 503 if { var(txn.orig) -m str /rdeny }
		http-response allow if { var(txn.orig) -m str /rallow }
		http-response set-header X-After-Allow yes
		default_backend be
	frontend fe_lf
		bind 127.0.0.1:$LF
		log-format "LF var=%[var(txn.v)] st=%ST"
		http-request set-var(txn.v) req.hdr(x-v)
		use_backend be_b if { var(txn.v) -m str b }
		default_backend be
	frontend fe_lvl
		bind 127.0.0.1:$LVL
		no log
		log stderr format short local0 info
		log-format "LVL %[path]"
		http-request set-log-level err if { path /err }
		http-request set-log-level debug if { path /debug }
		default_backend be
	frontend fe_rej
		bind 127.0.0.1:$REJ
		http-request reject if { path /rej }
		default_backend be
	frontend fe_tp
		bind 127.0.0.1:$TP
		timeout tarpit 700ms
		http-request tarpit if { path /tp }
		http-request tarpit deny_status 403 if { path /tp403 }
		default_backend be
	frontend fe_st
		bind 127.0.0.1:$ST
		default_backend be_st
	backend be
		server a 127.0.0.1:$PA
	backend be_b
		server b 127.0.0.1:$PB
	backend be_st
		balance roundrobin
		stick-table type string len 16 size 10
		stick match req.hdr(x-want)
		stick store-response res.hdr(x-server)
		server a 127.0.0.1:$PA
		server b 127.0.0.1:$PB
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"

# Rewrites of the request target and method, as the backend saw them (the stub's log).
target() { # PATH [CURL ARGS]: the request line the backend received for it
	local p=$1
	shift
	: >"$T/stub.log"
	hcurl -o /dev/null "$@" "http://127.0.0.1:$RW$p"
	sed -n 's/^req conn=[0-9]* n=[0-9]* //p' "$T/stub.log" | tail -n 1
}
is "$(target '/setpath?k=v')" "GET /echo?k=v" "set-path: the path changes, the query string stays"
is "$(target '/setpathq?k=v')" "GET /echo?pq=1" "set-pathq: path and query string replaced"
is "$(target '/seturi?k=v')" "GET /echo?uri=/seturi" \
	"set-uri with %[var(txn.orig)] set by an earlier set-var"
is "$(target '/ru/hello')" "GET /echo?word=hello" "replace-uri: the regex group in the result"
is "$(target '/rp/x/y?z=1')" "GET /echo?z=1" "replace-path: the path replaced, the query kept"
is "$(target '/ru/NOPE')" "GET /ru/NOPE" "replace-uri: no match, no change"
is "$(target '/echo?old=1' -H 'X-Q: yes')" "GET /echo?new=1" "set-query"
is "$(target '/echo' -H 'X-M: put')" "PUT /echo" "set-method"

# Headers, variables in header values and in conditions (the stub echoes the request head).
req=$(hcurl -H 'X-Rh: a123' -H 'X-Rv: z, w,z' "http://127.0.0.1:$RW/echo" | tr -d '\r')
ilike "$req" '^X-Rh: b123$' "replace-header: the whole value rewritten with the group"
ilike "$req" '^X-Rv: y, w,y$' "replace-value: each matching value, separators kept"
ilike "$req" '^X-Var: /echo m=GET$' "set-var and set-var-fmt read back with %[var()]"
ilike "$req" '^X-After-Path: yes$' "conditions of rewrites see the path"
req=$(hcurl "http://127.0.0.1:$RW/setpath" | tr -d '\r')
ilike "$req" '^X-Cond: hit$' "var() in a condition (-m beg)"
ilike "$req" '^X-After-Path: yes$' "a rewrite's condition sees the earlier set-path"
is "$(http_code "http://127.0.0.1:$RW/echo" -H 'X-Flag: 1')" 429 \
	"deny if { var(txn.flag) -m str on }: 429"
is "$(http_code "http://127.0.0.1:$RW/echo" -H 'X-Flag: 1' -H 'X-Unset: 1')" 200 \
	"unset-var: the condition no longer holds"

# sess variables outlive the request on the same connection, txn variables do not.
hcurl -o "$T/m1" "http://127.0.0.1:$RW/mark" -o "$T/m2" "http://127.0.0.1:$RW/echo"
seen=$(tr -d '\r' <"$T/m2" | grep -i '^X-Seen:')
is "$seen" "X-Seen: s=yes t=" "sess.* kept for the next request of the connection, txn.* not"
seen=$(hcurl "http://127.0.0.1:$RW/echo" | tr -d '\r' | grep -i '^X-Seen:')
is "$seen" "X-Seen: s= t=" "a new connection has no sess.* variables"

# allow: the rest of the section is skipped (the deny and the rewrites after it).
is "$(target '/allow')" "GET /allow" "allow: the later deny does not run"
req=$(hcurl -D "$T/h" "http://127.0.0.1:$RW/allow" | tr -d '\r')
unlike "$req" 'X-Var:' "allow: the later rewrites do not run"

# Responses.
hcurl -o /dev/null -D "$T/h" "http://127.0.0.1:$RW/status"
resp=$(tr -d '\r' <"$T/h")
like "$resp" '^HTTP/1.1 299 Fine$' "http-response set-status with a reason"
ilike "$resp" '^X-Res-Var: /status$' "a txn variable of the request, read in the response"
ilike "$resp" '^X-Server: stub-A$' "http-response replace-header"
ilike "$resp" '^X-After-Allow: yes$' "rules after a conditional allow run"
is "$(http_code "http://127.0.0.1:$RW/rdeny")" 503 "http-response deny deny_status 503"
hcurl -o /dev/null -D "$T/h" "http://127.0.0.1:$RW/rallow"
unlike "$(tr -d '\r' <"$T/h")" 'X-After-Allow' "http-response allow stops the section"
check "log: the response denied is logged 503 with PH" wait_log ' fe_rw be/a .* 503 .* PH'

# set-log-level silent: no log line for that request; other requests are logged.
hcurl -o /dev/null "http://127.0.0.1:$RW/quiet"
hcurl -o /dev/null "http://127.0.0.1:$RW/loud"
check "log: the request after it is logged" wait_log 'GET /loud '
is "$(log_count 'GET /quiet ')" 0 "set-log-level silent: no log line"

# A log-format with %[var()].
hcurl -o /dev/null -H 'X-V: hello' "http://127.0.0.1:$LF/echo"
check "log-format: %[var(txn.v)] rendered" wait_log '^LF var=hello st=200$'
is "$(hcurl -H 'X-V: b' "http://127.0.0.1:$LF/")" "B" \
	"use_backend if { var(txn.v) ... } sees the variable an http-request rule set"
is "$(hcurl -H 'X-V: c' "http://127.0.0.1:$LF/")" "A" "use_backend: otherwise default_backend"

# set-log-level: the line's syslog level (format short starts lines with "<level>"), and a
# level above the target's "info" is not sent.
for p in /err /debug /norm; do hcurl -o /dev/null "http://127.0.0.1:$LVL$p"; done
check "log: default level info (<6>)" wait_log '^<6>LVL /norm$'
check "set-log-level err: sent at level err (<3>)" wait_log '^<3>LVL /err$'
is "$(log_count 'LVL /debug')" 0 "set-log-level debug: above the target's max level, not sent"

# reject: the connection closes without a byte.
rej=$(hcurl "http://127.0.0.1:$REJ/rej" 2>"$T/rej.err")
is "$?" 52 "reject: curl sees an empty reply (exit 52)"
is "$rej" "" "reject: no response bytes"
check "log: the rejected request is logged with PR" wait_log ' fe_rej [a-z_]+/<NOSRV> .* PR'
is "$(http_code "http://127.0.0.1:$REJ/other")" 200 "reject: other requests pass"

# tarpit: held for timeout tarpit (700ms), then 500 (or deny_status).
timed() { # PATH: "<status> <milliseconds>"
	hcurl -o /dev/null -w '%{http_code} %{time_total}\n' "http://127.0.0.1:$TP$1" |
		awk '{ printf "%s %d\n", $1, $2 * 1000 }'
}
out=$(timed /tp)
is "${out% *}" 500 "tarpit: 500"
num_between "${out#* }" 650 3000 "tarpit: answered after timeout tarpit (${out#* } ms)"
out=$(timed /tp403)
is "${out% *}" 403 "tarpit deny_status 403"
num_between "${out#* }" 650 3000 "tarpit deny_status: delayed too (${out#* } ms)"
check "log: the tarpitted request is logged with PT" \
	wait_log ' fe_tp [a-z_]+/<NOSRV> .* 500 .* PT'
out=$(timed /fast)
is "${out% *}" 200 "tarpit: other requests pass"
num_between "${out#* }" 0 600 "tarpit: other requests are not delayed"

# stick store-response: the server that answered is stored under its X-Server value, and
# "stick match req.hdr(x-want)" sends requests naming it there.
hcurl -o /dev/null "http://127.0.0.1:$ST/"
hcurl -o /dev/null "http://127.0.0.1:$ST/"
got=""
for i in 1 2 3 4; do
	got="$got$(hcurl -H 'X-Want: B' "http://127.0.0.1:$ST/")"
done
is "$got" "BBBB" "store-response: X-Want: B always reaches the server that answered B"
got=""
for i in 1 2 3 4; do
	got="$got$(hcurl -H 'X-Want: A' "http://127.0.0.1:$ST/")"
done
is "$got" "AAAA" "store-response: X-Want: A always reaches server A"

stop_pid "$LBD_PID"

# Parser errors point at the word at fault.
bad() { # WANT LINE: lbd -c refuses the line with WANT in its message
	local want=$1 line=$2
	{
		cfg_global
		printf 'frontend f\n\tbind 127.0.0.1:%s\n\t%s\n\tdefault_backend b\n' "$RW" "$line"
		printf 'backend b\n\tserver a 127.0.0.1:%s\n' "$PA"
	} >"$T/bad.cfg"
	out=$("$LBD" -c -f "$T/bad.cfg" 2>&1)
	like "$out" "$want" "refused: $line"
}
bad 'bad.cfg:16:15: error: invalid variable name .foo.' 'http-request set-var(foo) str(x)'
bad 'bad.cfg:16:15: error: unknown set-var condition .ifbogus.' \
	'http-request set-var(txn.x,ifexists,ifbogus) str(a)'
bad 'bad.cfg:16:15: error: .unset-var. takes no conditions' 'http-request unset-var(txn.x,ifset)'
bad 'bad.cfg:16:34: error: invalid regex' 'http-request replace-header X-A ab( b'
bad 'bad.cfg:16:24: error: invalid log-format' 'http-request set-path %[nosuchfetch]'
bad 'bad.cfg:16:27: error: .set-status. must be between 100 and 999' 'http-response set-status 42'
bad 'bad.cfg:16:29: error: invalid value .loud.' 'http-request set-log-level loud'
bad 'bad.cfg:16:30: error: unknown fetch method .nosuchfetch.' 'http-request set-var(txn.x) nosuchfetch'
bad 'bad.cfg:16:15: error: .unset-var. expects a variable name' 'http-request unset-var'
bad "bad.cfg:16:17: error: invalid time 'xyz' for 'timeout tarpit'" 'timeout tarpit xyz'

done_testing
