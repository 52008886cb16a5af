#!/bin/bash
# tests/integration/141-ctl-drain-load.sh: the rolling deploy of the README under a bounded
# load: "lbctl drain" stops new requests to the server at once (counted at the stub), a slow
# request already there finishes with 200, "lbctl wait ... empty --timeout" returns once it is
# done (and fails with exit 1 when the timeout comes first), "removable" needs drain or maint,
# "enable" brings the server back; the deferred reply does not hold up other clients.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

[ -x "$LBCTL" ] || skip_all "lbctl not found: LBCTL=$LBCTL"
start_stub P1 --http w1 --log "$T/w1.log" || bail "stub w1"
start_stub P2 --http w2 --log "$T/w2.log" || bail "stub w2"
PF=$(free_port)
SOCK=$T/admin.sock
{
	cat <<-EOF
	global
		stats socket $SOCK mode 600 level admin
	EOF
	cfg_global | sed 1d
	cat <<-EOF
	frontend f
		bind 127.0.0.1:$PF
		default_backend webs
	backend webs
		balance roundrobin
		server w1 127.0.0.1:$P1
		server w2 127.0.0.1:$P2
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"
wait_for 5 test -S "$SOCK" || bail "lbd did not create its control socket"
ctl() { "$LBCTL" -s "$SOCK" "$@"; }
reqs_at() { grep -c '^req ' "$1" 2>/dev/null || echo 0; }
# sessions_on SRV: the server's current sessions
sessions_on()
{
	ctl --json show servers webs | "$PYTHON" -c '
import json, sys
print([r["scur"] for r in json.load(sys.stdin)["data"] if r["server"] == sys.argv[1]][0])' "$1"
}

# slow_on_w1 NAME MS: sends slow requests (outputs $T/NAME.N) until one is in flight on w1
# (round robin: at most a few); SLOW is its curl
slow_on_w1()
{
	local i n=$(sessions_on w2)
	for i in 1 2 3 4; do
		run_bg "$T/$1.$i" hcurl -w ' %{http_code}' "http://127.0.0.1:$PF/slow?delay=$2"
		SLOW=$BG_PID
		wait_for 2 eval '[ "$(sessions_on w1)" = 1 ] || [ "$(sessions_on w2)" -gt '"$n"' ]'
		[ "$(sessions_on w1)" = 1 ] && return 0
		n=$(sessions_on w2)
	done
	return 1
}
slow_on_w1 slow 4000
is "$(sessions_on w1)" 1 "a slow request is in flight on w1"

# the bounded load: 30 sequential requests, in the background
load() { for ((i = 0; i < 30; i++)); do hcurl -o /dev/null -w '%{http_code}\n' \
	"http://127.0.0.1:$PF/load?delay=40"; done; }
run_bg "$T/load.out" load
LOAD=$BG_PID
wait_for 3 eval '[ "$(reqs_at "$T/w1.log")" -ge 4 ]'

# drain, then wait for it to empty while the load goes on
t0=$(date +%s%N)
out=$(ctl drain webs/w1)
is "$?" 0 "lbctl drain exits 0"
like "$out" 'webs/w1: drain \(was ready\)' "drain says what changed"
sleep 0.3	# a request sent to w1 just before the drain reaches the stub's log
at_drain=$(reqs_at "$T/w1.log")
out=$(ctl wait webs/w1 empty --timeout 10s)
rc=$?
t1=$(date +%s%N)
is "$rc" 0 "lbctl wait webs/w1 empty --timeout 10s exits 0"
like "$out" '^webs/w1: empty after [0-9.]+ s$' "wait says how long it took"
num_between $(( (t1 - t0) / 1000000 )) 1000 9500 "wait returned when the slow request ended"
check "the slow request was done when wait returned" eval "! pid_alive $SLOW || wait_exit $SLOW 1"
wait_exit "$SLOW" 5
like "$(cat "$T"/slow.[1-4] | grep -v '^w2')" '^w1
 200$' "the slow request on w1 finished with 200"
check "the load finished" wait_exit "$LOAD" 20
is "$(sort "$T/load.out" | uniq -c | awk '{ print $1, $2 }')" "30 200" "every load request got 200"
is "$(reqs_at "$T/w1.log")" "$at_drain" "no request reached w1 after the drain"
num_between "$(reqs_at "$T/w2.log")" 15 100 "the load went on to w2"

# removable: drain (or maint) and empty
like "$(ctl wait webs/w1 removable)" '^webs/w1: removable$' "a drained empty server is removable"
out=$(ctl wait webs/w2 removable --timeout 300ms 2>&1)
is "$?" 1 "a ready server is never removable: exit 1 after the timeout"
like "$out" "^lbctl: failed: timeout: webs/w2 is not removable after 0\\.[0-9] s \\(0 session\\(s\\), state ready\\)" \
	"the timeout message says why"

# a wait that times out, while other clients are served
ctl enable webs/w1 >/dev/null
slow_on_w1 slow2 2500
is "$(sessions_on w1)" 1 "after enable, a slow request is in flight on w1 again"
run_bg "$T/wait.out" "$LBCTL" -s "$SOCK" wait webs/w1 empty --timeout 700ms
WAITER=$BG_PID
like "$(ctl show info)" '^name: +lbd$' "other clients are answered while a wait is pending"
check "the short wait ends" wait_exit "$WAITER" 5
is "$LB_EXIT" 1 "lbctl wait exits 1 when the timeout comes first"
like "$(cat "$T/wait.out.err")" 'timeout: webs/w1 is not empty after 0\.[0-9] s \(1 session' \
	"and says how many sessions are left"
ctl wait webs/w1 empty 2>/dev/null >/dev/null
is "$?" 0 "wait with the default timeout returns once the slow request is done"
ctl wait webs/nope empty 2>/dev/null
is "$?" 1 "wait on an unknown server: exit 1"
ctl wait webs/w1 gone 2>/dev/null
is "$?" 2 "wait with a bad condition: exit 2"
ctl wait webs/w1 empty --timeout soon 2>/dev/null
is "$?" 2 "wait with a bad timeout: exit 2"
ctl show info --timeout 1s 2>/dev/null
is "$?" 2 "--timeout on a command without a delay: exit 2"

# enable brings it back
before=$(reqs_at "$T/w1.log")
for ((i = 0; i < 6; i++)); do hcurl -o /dev/null "http://127.0.0.1:$PF/"; done
num_between $(( $(reqs_at "$T/w1.log") - before )) 2 4 "after enable, w1 takes requests again"

done_testing
