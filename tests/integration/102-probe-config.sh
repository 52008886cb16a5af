#!/bin/bash
# tests/integration/102-probe-config.sh: lbcheck probe -f: the checks of a configuration as
# lbd would run them (defaults inheritance, http-check rules, tcp-check scripts, agents,
# disable-on-404), selectors, and configuration errors (exit 2, file:line:col)
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/integration/probe_lib.sh"

start_stub PA --http a --log "$T/a.log" || bail "stub a"
start_stub PE --tcp e || bail "stub echo"
start_psrv AG --mode reply --reply '75% drain\n' --log "$T/agent.log" || bail "agent"
DEAD=$(free_port)

cat >"$T/lb.cfg" <<EOF
defaults
	mode http
	timeout connect 1s
	timeout client 5s
	timeout server 5s
	timeout check 1s
	option httpchk GET /alive
	http-check send hdr Host probe.example
	http-check expect status 200

backend web
	server ok 127.0.0.1:$PA check
	server down 127.0.0.1:$DEAD check
	server nocheck 127.0.0.1:$PA
	server off 127.0.0.1:$PA check disabled
	server ag 127.0.0.1:$PA check agent-check agent-port $AG agent-send "hello\n"

backend drain
	http-check disable-on-404
	server nf 127.0.0.1:$PA check port $PA

backend pcre
	http-check expect rstatus ^\\d{3}$
	server p 127.0.0.1:$PA check

backend echo
	mode tcp
	option tcp-check
	tcp-check comment "say hello"
	tcp-check send "HELLO\r\n"
	tcp-check expect string HELLO
	tcp-check send-binary 4259450d0a
	tcp-check expect rstring ^BYE
	server e 127.0.0.1:$PE check
EOF

probe -f "$T/lb.cfg"
is "$RC" 1 "one server down: exit 1"
is "$(row_col web/ok 4)" "L7OK" "web/ok: L7OK (defaults' option httpchk)"
is "$(row_col web/ok 5)" "200" "web/ok: code 200"
is "$(row_col web/down 4)" "L4CON" "web/down: L4CON"
unlike "$OUT" "web/nocheck" "a server without 'check' is not probed"
unlike "$OUT" "web/off" "a disabled server is not probed"
is "$(printf '%s\n' "$OUT" | awk '$1 == "web/ag" { print $3 "=" $4 }' | sort | tr '\n' ' ')" \
	"agent=L7OK http=L7OK " "web/ag: the health check and the agent check"
like "$OUT" "web/ag +127\.0\.0\.1:$AG +agent +L7OK +- +[0-9]+ms +agent: 75% drain" "agent reply in the reason"
like "$OUT" "echo/e +127\.0\.0\.1:$PE +tcp-check +L7OK" "tcp-check script passes against the echo stub"
check "the http check sent GET /alive" grep -q "req conn=[0-9]* n=1 GET /alive" "$T/a.log"
check "the agent got agent-send" grep -q "recv 68656c6c6f0a" "$T/agent.log"

like "$OUT" "pcre/p +127\.0\.0\.1:$PA +http +L7OK" \
	"regexes are PCRE as in HAProxy (rstatus ^\\d{3}\$ matches 200)"

# order: rows follow the configuration
is "$(printf '%s\n' "$OUT" | awk 'NR > 1 { print $1 }' | tr '\n' ' ')" \
	"web/ok web/down web/ag web/ag drain/nf pcre/p echo/e " "rows in configuration order"

# selectors
probe -f "$T/lb.cfg" web/ok echo
is "$RC" 0 "selected servers all pass: exit 0"
is "$(printf '%s\n' "$OUT" | awk 'NR > 1 { print $1 }' | tr '\n' ' ')" "web/ok echo/e " \
	"backend and backend/server selectors"
probe -f "$T/lb.cfg" web/nocheck
is "$RC" 0 "a named server is probed even without 'check'"
like "$OUT" "web/nocheck .* http +L7OK" "... with its backend's check type"
probe -f "$T/lb.cfg" web/nope
is "$RC" 2 "unknown server: exit 2"
like "$ERR" "'web/nope' matches no server" "unknown server: message"
probe -f "$T/lb.cfg" nope
is "$RC" 2 "unknown backend: exit 2"

# JSON and --parallel 1 give the same statuses
probe -f "$T/lb.cfg" --json --parallel 1
is "$RC" 1 "json: exit 1"
is "$(printf '%s' "$OUT" | "$PYTHON" -c '
import json, sys
print(" ".join(o["server"] + ":" + o["status"] for o in json.load(sys.stdin)))')" \
	"web/ok:L7OK web/down:L4CON web/ag:L7OK web/ag:L7OK drain/nf:L7OK pcre/p:L7OK echo/e:L7OK" \
	"json: every probe, in order"
is "$(jfield agent.weight 3)" "75" "json: the agent's weight"
is "$(jfield agent.weight_pct 3)" "true" "json: ... as a percentage"
is "$(jfield agent.admin 3)" "drain" "json: the agent's drain"

# disable-on-404: a 404 is L7OKC (a pass that drains), exit 0
cat >"$T/nf.cfg" <<EOF
defaults
	mode http
	timeout connect 1s
	timeout client 1s
	timeout server 1s
backend b
	option httpchk GET /x?status=404
	http-check disable-on-404
	server s 127.0.0.1:$PA check
EOF
probe -f "$T/nf.cfg" --json
is "$RC" 0 "disable-on-404: exit 0"
is "$(jfield status)" "L7OKC" "disable-on-404: L7OKC"
is "$(jfield nolb)" "true" "disable-on-404: nolb"
sed -i '/disable-on-404/d' "$T/nf.cfg"
probe -f "$T/nf.cfg"
is "$(row_col b/s 4)" "L7STS" "without disable-on-404 a 404 is L7STS"

# timeout check bounds the reply; the connect has its own timeout
start_psrv SIL --mode silence || bail "silent server"
cat >"$T/to.cfg" <<EOF
defaults
	timeout connect 1s
	timeout client 1s
	timeout server 1s
	timeout check 300ms
backend b
	mode tcp
	option redis-check
	server s 127.0.0.1:$SIL check inter 10s
EOF
probe -f "$T/to.cfg" --json
is "$(jfield status)" "L7TOUT" "timeout check: L7TOUT"
num_between "$(jfield duration_ms)" 250 1500 "timeout check: ended after about 300ms, not inter"

# configuration errors: printed like lbcheck lint, exit 2
cat >"$T/bad.cfg" <<EOF
backend b
	http-check expect stauts 200
	server s 127.0.0.1:80 check agent-check
EOF
probe -f "$T/bad.cfg"
is "$RC" 2 "config error: exit 2"
like "$ERR" "bad.cfg:2:20: error: unknown match 'stauts' for 'http-check expect'.*did you mean 'status'\?" \
	"config error: file:line:col and did-you-mean"
probe -f "$T/missing.cfg"
is "$RC" 2 "missing file: exit 2"
cat >"$T/none.cfg" <<EOF
backend b
	server s 127.0.0.1:80
EOF
probe -f "$T/none.cfg"
is "$RC" 2 "nothing to probe: exit 2"
like "$ERR" "no server in .* has 'check' or 'agent-check'" "nothing to probe: message"

no_sanitizer_report
done_testing
