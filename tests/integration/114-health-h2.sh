#!/bin/bash
# tests/integration/114-health-h2.sh: HTTP health checks over HTTP/2: an h2c-only server
# and an h2-over-TLS server (tests/integration/h2_health_srv.py, python3-h2, HTTP/1 refused)
# checked by lbd ("check-proto h2", a "proto h2" server, "check-ssl check-alpn h2",
# "http-check connect proto h2"): UP with the http-check send request as HTTP/2, DOWN on
# 503, a stream reset or a stopped server, with HAProxy's log lines; and by lbcheck probe
# (--proto h2, ALPN h2: the status line and exit codes); configuration errors.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/integration/tls_lib.sh"
. "$top_srcdir/tests/health.sh"

[ -x "$LBCTL" ] || skip_all "lbctl not found: LBCTL=$LBCTL"
if ! "$PYTHON" -c 'import h2' 2>/dev/null; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-h2 >/dev/null 2>&1
	"$PYTHON" -c 'import h2' 2>/dev/null || skip_all "python3-h2 is not installed and cannot be"
fi
need_tls_tools
mk_certs "$T/c" || { diag_file "$T/c/certtool.log"; bail "cannot make certificates"; }

# h2_target VAR [--tls]: start h2_health_srv.py; port in VAR, answer in ${VAR}_STATE,
# requests in ${VAR}_REQ, PID in ${VAR}_PID
h2_target()
{
	local var=$1 pf="$T/$1.port" pid
	shift
	printf -v "${var}_STATE" '%s' "$T/$var.state"
	printf -v "${var}_REQ" '%s' "$T/$var.req"
	: >"$T/$var.req"
	"$PYTHON" "$top_srcdir/tests/integration/h2_health_srv.py" "$pf" "$T/$var.state" \
		"$T/$var.req" ${1:+"$1" "$T/c"} 2>"$T/$var.err" &
	pid=$!
	lb_track "$pid"
	printf -v "${var}_PID" '%s' "$pid"
	wait_for 5 test -s "$pf" || { diag_file "$T/$var.err"; return 1; }
	printf -v "$var" '%s' "$(cat "$pf")"
}
h2_target HC || bail "h2c target"
h2_target HT --tls || bail "h2 TLS target"

# ---- lbcheck probe ----
probe()
{
	OUT=$("$LBCHECK" probe "$@" 2>"$T/probe.err")
	RC=$?
	ERR=$(cat "$T/probe.err")
	cat "$T/probe.err" >>"$T/probe.all.err"
}
row() { printf '%s\n' "$OUT" | awk 'NR == 2 { print $3, $4, $5 }'; }

probe --type http --proto h2 --uri /probe "127.0.0.1:$HC"
is "$RC" 0 "probe --proto h2 of the h2c server: exit 0"
is "$(row)" "http+h2 L7OK 200" "status line: http+h2 L7OK 200"
like "$(tail -n 1 "$HC_REQ")" "^req OPTIONS /probe authority=127.0.0.1:$HC scheme=http " \
	"the server got OPTIONS /probe over HTTP/2, :authority from the address"
probe --type http --uri /probe "127.0.0.1:$HC"
is "$RC" 1 "the same probe in HTTP/1.1 fails (exit 1)"
like "$(row)" "^http L7(RSP|TOUT) " "an h2-only server does not answer HTTP/1.1"
probe --type http --proto h2 --method GET --uri /s --expect-string health=200 \
	"127.0.0.1:$HC"
is "$RC:$(row)" "0:http+h2 L7OK 200" "--expect-string matches the HTTP/2 body"
probe --type http --proto h2 --uri /s --expect-string nope "127.0.0.1:$HC"
is "$RC:$(row)" "1:http+h2 L7RSP 200" "a string not in the body: L7RSP, exit 1"
probe --type tls --proto h2 --sni localhost --uri /t "127.0.0.1:$HT"
is "$RC:$(row)" "0:http+tls+h2 L7OK 200" "--type tls --proto h2: ALPN h2 offered, L7OK"
like "$(tail -n 1 "$HT_REQ")" "^req OPTIONS /t .* scheme=https " ":scheme https over TLS"
probe --type tls --alpn h2 --uri /a "127.0.0.1:$HT"
is "$RC:$(row)" "0:http+tls L7OK 200" "ALPN h2 chosen by the server: the check speaks h2"
echo 503 >"$HC_STATE"
probe --type http --proto h2 --uri /down "127.0.0.1:$HC"
is "$RC:$(row)" "1:http+h2 L7STS 503" "a 503 over HTTP/2: L7STS 503, exit 1"
echo reset >"$HC_STATE"
probe --type http --proto h2 --uri /reset "127.0.0.1:$HC"
is "$RC:$(row)" "1:http+h2 L7RSP -" "a stream reset: L7RSP"
like "$OUT" "stream reset by the server \(INTERNAL_ERROR\)" "the reason names the reset"
echo 200 >"$HC_STATE"
probe --type http --proto h3 "127.0.0.1:$HC"
is "$RC" 2 "--proto h3: usage error (exit 2)"
like "$ERR" "unknown protocol 'h3' \(h1, h2\)" "and says which protocols exist"
probe --type redis --proto h2 "127.0.0.1:$HC"
is "$RC" 2 "--proto with a non-HTTP type: usage error"
like "$ERR" "needs an HTTP check" "it says why"
check "no sanitizer report from lbcheck probe" \
	eval "! grep -Eq 'Sanitizer|runtime error:' '$T/probe.all.err'"

# ---- lbd ----
PF=$(free_port)
CTL_SOCK=$T/admin.sock
{
	printf 'global\n\tstats socket %s mode 600 level admin\n' "$CTL_SOCK"
	cfg_global | sed 1d
	cat <<-EOF
	frontend f
		bind 127.0.0.1:$PF
		default_backend bc
	backend bc
		option httpchk
		http-check send meth POST uri /health hdr X-Probe yes body ping
		http-check expect status 200
		server c1 127.0.0.1:$HC check check-proto h2 inter 200 rise 1 fall 2
	backend bp
		option httpchk GET /p
		server p1 127.0.0.1:$HC proto h2 check inter 300
	backend bt
		option httpchk GET /t
		server t1 127.0.0.1:$HT check check-ssl check-alpn h2 check-sni localhost inter 200 fall 2
		server t2 127.0.0.1:$HT check check-ssl check-proto h2 inter 300
	backend bx
		option httpchk
		http-check connect proto h2
		http-check send meth GET uri /x
		http-check expect string health=200
		server x1 127.0.0.1:$HC check inter 300
	backend b1
		option httpchk GET /h1
		server h1 127.0.0.1:$HC check check-proto h1 inter 300
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"
wait_for 5 test -S "$CTL_SOCK" || bail "no control socket"

check "check-proto h2: UP (L7OK 200)" wait_field 4 bc/c1 check '^L7OK 200 [0-9]+ms$'
is "$(srv_field bc/c1 status)" UP "c1 is UP"
like "$(grep ' /health ' "$HC_REQ" | tail -n 1)" \
	"^req POST /health authority=127.0.0.1:$HC scheme=http x-probe=yes body=ping status=200$" \
	"http-check send as HTTP/2: method, uri, header, body"
check "a 'proto h2' server's checks speak h2" wait_field 4 bp/p1 check '^L7OK 200 '
check "ALPN h2 over TLS (check-alpn h2)" wait_field 4 bt/t1 check '^L7OK 200 '
check "check-proto h2 over TLS" wait_field 4 bt/t2 check '^L7OK 200 '
check "http-check connect proto h2 with expect string" wait_field 4 bx/x1 check '^L7OK 200 '
check "check-proto h1 against the h2-only server fails" wait_field 4 b1/h1 status '^DOWN$'

echo 503 >"$HC_STATE"
check "c1 goes DOWN on 503" wait_field 5 bc/c1 status '^DOWN$'
like "$(srv_field bc/c1 check)" '^L7STS 503 [0-9]+ms$' "last check: L7STS 503"
check "DOWN is logged in HAProxy's words" wait_log \
	'^Server bc/c1 is DOWN, reason: Layer7 wrong status, code: 503, (info: "[^"]*", )?check duration: [0-9]+ms\. 0 active and 0 backup servers left\.'
echo 200 >"$HC_STATE"
check "c1 comes back UP" wait_field 5 bc/c1 status '^UP$'
check "and that is logged" wait_log '^Server bc/c1 is UP, reason: Layer7 check passed, code: 200'
echo reset >"$HC_STATE"
check "a stream reset takes it DOWN" wait_field 5 bc/c1 status '^DOWN$'
like "$(srv_field bc/c1 check)" '^L7RSP ' "last check: L7RSP"
echo 200 >"$HC_STATE"
check "UP again" wait_field 5 bc/c1 status '^UP$'

stop_pid "$HT_PID"
check "the TLS server stopped: t1 DOWN" wait_field 5 bt/t1 status '^DOWN$'
check "logged as a connection problem" wait_log \
	'^Server bt/t1 is DOWN, reason: Layer4 connection problem'

# ---- configuration ----
bad()
{
	{ cfg_global; printf '%s\n' "backend b" "$@"; } >"$T/bad.cfg"
	OUT=$("$LBD" -c -f "$T/bad.cfg" 2>&1)
	RC=$?
}
bad "	server s 127.0.0.1:80 check check-proto h2"
isnt_zero() { [ "$1" != 0 ]; }
check "check-proto h2 without option httpchk is refused" isnt_zero "$RC"
like "$OUT" "bad.cfg:[0-9]+:[0-9]+: error: server 's': 'check-proto h2' needs an HTTP health check" \
	"with the reason, at the server line"
bad "	option httpchk" "	server s 127.0.0.1:80 check check-proto h3"
like "$OUT" "bad.cfg:[0-9]+:[0-9]+: error: invalid value 'h3' for 'check-proto'" \
	"check-proto h3: file:line:col error"
bad "	option httpchk" "	http-check connect proto h3"
like "$OUT" "bad.cfg:[0-9]+:[0-9]+: error: .*unknown HTTP protocol 'h3'" \
	"http-check connect proto h3 is refused"
bad "	option tcp-check" "	tcp-check connect proto h2"
like "$OUT" "bad.cfg:[0-9]+:[0-9]+: error: .*unknown TCP protocol 'h2'" \
	"tcp-check connect proto h2 is refused (not a TCP protocol)"

done_testing
