#!/bin/bash
# tests/integration/110-health-rise-fall.sh: HTTP health checks in lbd: a server starts UP,
# goes DOWN after `fall` failed checks (fastinter between them), is probed every downinter
# while down, comes back after `rise` good ones; a DOWN server gets no traffic; one log line
# per change in HAProxy's words; chkfail/chkdown/check columns in show servers and show stats.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/health.sh"

[ -x "$LBCTL" ] || skip_all "lbctl not found: LBCTL=$LBCTL"
start_stub P1 --http s1 || bail "stub s1"
start_stub P2 --http s2 || bail "stub s2"
start_target C1 --http || bail "check target"
start_target C2 --http || bail "check target 2"
start_target C3 --http || bail "check target 3"
start_target C4 --http || bail "check target 4"
PF=$(free_port)
CTL_SOCK=$T/admin.sock
{
	printf 'global\n\tstats socket %s mode 600 level admin\n' "$CTL_SOCK"
	cfg_global | sed 1d
	cat <<-EOF
	frontend f
		bind 127.0.0.1:$PF
		default_backend b
	backend b
		balance roundrobin
		log global
		log file@$T/be.log local0
		option httpchk GET /health
		server w1 127.0.0.1:$P1 check port $C1 inter 400 fastinter 100 downinter 250 rise 2 fall 3
		server w2 127.0.0.1:$P2
	backend spread
		option httpchk GET /health
		server x2 127.0.0.1:$P2 check port $C2 inter 1200
		server x3 127.0.0.1:$P2 check port $C3 inter 1200
		server x4 127.0.0.1:$P2 check port $C4 inter 1200 disabled
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"
wait_for 5 test -S "$CTL_SOCK" || bail "no control socket"

# --- start: UP, checked ---
check "the first check passes" wait_field 3 b/w1 check '^L7OK 200 [0-9]+ms$'
is "$(srv_field b/w1 status)" "UP" "w1 is UP"
is "$(srv_field b/w1 health)" "up" "w1 is fully up after one good check"
is "$(srv_field b/w2 check)" "-" "w2 has no check"
is "$(servers_of 6)" "s1 s2 " "both servers serve"
unlike "$(cat "$LBD_LOG")" "do not run health checks" "no 'checks do not run' warning any more"

# --- spread: the n-th of N=4 probes starts n/N of its interval after start-up ---
wait_for 3 test -s "$C3_LOG"
t2=$(awk 'NR == 1 { print $2 }' "$C2_LOG")
t3=$(awk 'NR == 1 { print $2 }' "$C3_LOG")
num_between "$((t3 - t2))" 200 450 "first checks are spread over inter (x2 -> x3: $((t3 - t2))ms, want ~300)"
sleep 1
is "$(probes C4 200)" "0" "a disabled (maintenance) server is not checked"
is "$(srv_field spread/x4 status)" "MAINT" "it shows MAINT"

# --- failing: DOWN after fall=3 failures ---
echo 503 >"$C1_STATE"
check "w1 goes DOWN" wait_field 5 b/w1 status '^DOWN$'
n=$(probes C1 503)
num_between "$n" 3 4 "DOWN after 3 failed checks (saw $n)"
is "$(srv_field b/w1 chkfail)" "3" "chkfail counts the 3 failures"
is "$(srv_field b/w1 chkdown)" "1" "chkdown is 1"
like "$(srv_field b/w1 check)" '^L7STS 503 [0-9]+ms$' "show servers: last check L7STS 503"
check "DOWN is logged in HAProxy's words" wait_log \
	'^Server b/w1 is DOWN, reason: Layer7 wrong status, code: 503, (info: "[^"]*", )?check duration: [0-9]+ms\. 1 active and 0 backup servers left\. [0-9]+ sessions active, 0 requeued, 0 remaining in queue\.'
is "$(log_count '^Server b/w1 is DOWN')" "1" "one line for one change"
check "and goes to the backend's own log target too" wait_log 'Server b/w1 is DOWN, reason' "$T/be.log"
is "$(log_count 'Server b/w1 is DOWN' "$T/be.log")" "1" "once"
is "$(servers_of 8)" "s2 " "a DOWN server gets no traffic"

gaps=$(probe_gaps C1 503 | head -n 2 | tr '\n' ' ')
ok=1
for g in $gaps; do [ "$g" -ge 60 ] && [ "$g" -le 260 ] || ok=0; done
is "$ok" 1 "failures 2 and 3 come fastinter (100ms) apart (gaps: $gaps)"
sleep 1.2
gaps=$(probe_gaps C1 503 | sed -n '4,6p' | tr '\n' ' ')
ok=1
for g in $gaps; do [ "$g" -ge 200 ] && [ "$g" -le 450 ] || ok=0; done
[ -n "$gaps" ] || ok=0
is "$ok" 1 "while DOWN, checks come downinter (250ms) apart (gaps: $gaps)"
is "$(srv_field b/w1 chkfail)" "3" "failures while DOWN do not count in chkfail"

# --- recovering: UP after rise=2 ---
echo 200 >"$C1_STATE"
check "w1 comes back UP" wait_field 5 b/w1 status '^UP$'
n=$(probes C1 200)
check "UP is logged" wait_log \
	'^Server b/w1 is UP, reason: Layer7 check passed, code: 200, (info: "[^"]*", )?check duration: [0-9]+ms\. 2 active and 0 backup servers online\. 0 sessions requeued, 0 total in queue\.'
is "$(servers_of 6)" "s1 s2 " "w1 serves again"
like "$(ctl show servers b)" '^b +w1 .* UP +ready +up +L7OK 200 [0-9]+ms +3 +1 ' \
	"show servers table: health, check, chkfail, chkdown"
csv=$(ctl show stats --csv | grep '^b,w1,')
like "$csv" ',L7OK,200,' "show stats --csv: check_status and check_code"
like "$(ctl --json show stats)" '"check_rise":2,"check_fall":3,"check_health":4' \
	"show stats: check_rise, check_fall, check_health"
sleep 1
g=$(probe_gaps C1 200 | tail -n 1)
num_between "$g" 330 650 "once fully UP, checks come inter (400ms) apart (last gap: $g)"

# --- SIGTERM: clean stop with checks in flight ---
stop_pid "$LBD_PID"
is "$LB_EXIT" 0 "lbd exits 0 on SIGTERM with checks running"

done_testing
