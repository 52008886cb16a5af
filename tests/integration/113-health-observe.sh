#!/bin/bash
# tests/integration/113-health-observe.sh: passive checks: "observe layer7" counts 5xx
# answers of real traffic; after error-limit of them in a row, on-error mark-down takes the
# server DOWN at once (logged as "Health analyze"), on-marked-down shutdown-sessions closes the
# sessions still on it, and the next check (brought forward to fastinter) brings it back.
# "observe layer4" counts refused connects the same way.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/health.sh"

[ -x "$LBCTL" ] || skip_all "lbctl not found: LBCTL=$LBCTL"
start_stub P1 --http s1 || bail "stub s1"
start_stub P2 --http s2 || bail "stub s2"
start_target C1 --http || bail "check target"
start_target C3 --http || bail "check target 3"
PF=$(free_port)
PF2=$(free_port)
DEAD=$(free_port)	# nothing listens there: connects are refused
CTL_SOCK=$T/admin.sock
{
	printf 'global\n\tstats socket %s mode 600 level admin\n' "$CTL_SOCK"
	cfg_global | sed 1d
	cat <<-EOF
	frontend f
		bind 127.0.0.1:$PF
		default_backend b
	frontend f2
		bind 127.0.0.1:$PF2
		default_backend c
	backend b
		balance first
		option httpchk GET /health
		server w1 127.0.0.1:$P1 check port $C1 inter 5s fastinter 1s rise 1 observe layer7 error-limit 3 on-error mark-down on-marked-down shutdown-sessions
		server w2 127.0.0.1:$P2
	backend c
		balance first
		retries 0
		option httpchk GET /health
		server dead 127.0.0.1:$DEAD check port $C3 inter 5s observe layer4 error-limit 2 on-error mark-down
		server w3 127.0.0.1:$P2
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"
wait_for 5 test -S "$CTL_SOCK" || bail "no control socket"
check "w1 checked" wait_field 3 b/w1 check '^L7OK 200'
is "$(servers_of 3)" "s1 " "balance first: w1 takes everything"

# a long request on w1, to be cut when w1 is marked down
run_bg "$T/long" hcurl "http://127.0.0.1:$PF/?delay=8000"
long=$BG_PID
sleep 0.3
is "$(http_code "http://127.0.0.1:$PF/?status=503")" "503" "a first 503 from w1"
is "$(http_code "http://127.0.0.1:$PF/?status=500")" "500" "a second 5xx"
is "$(srv_field b/w1 status)" "UP" "two errors: still UP (error-limit 3)"
is "$(http_code "http://127.0.0.1:$PF/")" "200" "a good answer resets the count"
http_code "http://127.0.0.1:$PF/?status=500" >/dev/null
http_code "http://127.0.0.1:$PF/?status=500" >/dev/null
is "$(srv_field b/w1 status)" "UP" "two errors in a row again: still UP"
http_code "http://127.0.0.1:$PF/?status=502" >/dev/null
check "the third error in a row marks w1 DOWN" wait_field 2 b/w1 status '^DOWN$'
check "logged as a health analysis" wait_log \
	'Server b/w1 is DOWN, reason: Health analyze, info: "Detected 3 consecutive errors, last one was: invalid or 5xx response"'
is "$(srv_field b/w1 chkdown)" "1" "chkdown 1"
like "$(ctl --json show stats)" '"svname":"w1"[^}]*"hanafail":5' "hanafail counts the 5 errors"
check "the long request on w1 ends early (delay 8s)" wait_exit "$long" 3
check "shutdown-sessions closed the long request on w1" test "$(cat "$T/long")" != "s1"
is "$(servers_of 3)" "s2 " "traffic moves to w2"
check "the check, brought forward to fastinter, brings w1 back" wait_field 3 b/w1 status '^UP$'
is "$(servers_of 2)" "s1 " "w1 serves again"

# --- observe layer4 ---
is "$(http_code "http://127.0.0.1:$PF2/")" "503" "a refused connect (retries 0): 503"
is "$(srv_field c/dead status)" "UP" "one connect error: still UP (error-limit 2)"
http_code "http://127.0.0.1:$PF2/" >/dev/null
check "the second refused connect marks it DOWN" wait_field 2 c/dead status '^DOWN$'
check "logged" wait_log 'Server c/dead is DOWN, reason: Health analyze, info: "Detected 2 consecutive errors, last one was: connection error"'
is "$(PF=$PF2 servers_of 2)" "s2 " "and traffic goes to w3"

done_testing
