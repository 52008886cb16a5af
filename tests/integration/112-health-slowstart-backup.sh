#!/bin/bash
# tests/integration/112-health-slowstart-backup.sh: a backup server takes over when the only
# active one goes DOWN and gives back when it returns; slowstart ramps the weight (seen rising
# in show servers); "server health disable" stops the checks and counts the server as up;
# check targets that hang or answer garbage never delay traffic (one thread for everything).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/health.sh"

[ -x "$LBCTL" ] || skip_all "lbctl not found: LBCTL=$LBCTL"
start_stub P1 --http s1 || bail "stub s1"
start_stub P2 --http s2 || bail "stub s2"
start_stub P3 --http s3 || bail "stub s3"
start_target C1 --http || bail "check target 1"
start_target C3 --http || bail "check target 3"
start_target C4 --http || bail "check target 4"
echo hang >"$C3_STATE"
echo garbage >"$C4_STATE"
PF=$(free_port)
PF2=$(free_port)
CTL_SOCK=$T/admin.sock
{
	printf 'global\n\tnbthread 1\n\tstats socket %s mode 600 level admin\n' "$CTL_SOCK"
	cfg_global | sed 1d
	cat <<-EOF
	frontend f
		bind 127.0.0.1:$PF
		default_backend b
	frontend f2
		bind 127.0.0.1:$PF2
		default_backend c
	backend b
		balance roundrobin
		option httpchk GET /health
		server w1 127.0.0.1:$P1 weight 20 check port $C1 inter 150 rise 1 fall 1 slowstart 3s on-marked-up shutdown-backup-sessions
		server w2 127.0.0.1:$P2 backup
	backend c
		option httpchk GET /health
		server hang 127.0.0.1:$P3 check port $C3 inter 10s
		server junk 127.0.0.1:$P3 check port $C4 inter 200 rise 1 fall 1
		server ok 127.0.0.1:$P3
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"
wait_for 5 test -S "$CTL_SOCK" || bail "no control socket"
check "w1 checked" wait_field 3 b/w1 check '^L7OK 200'
is "$(servers_of 4)" "s1 " "the backup is idle while w1 is UP"
is "$(srv_field b/w1 eweight)" "20" "no slowstart at start-up"

# --- backup takes over and gives back, with slowstart ---
echo 503 >"$C1_STATE"
check "w1 DOWN" wait_field 3 b/w1 status '^DOWN$'
check "the DOWN line says the backup runs" wait_log \
	'Server b/w1 is DOWN, .* 0 active and 1 backup servers left\. Running on backup\.'
is "$(servers_of 4)" "s2 " "the backup serves while w1 is DOWN"
run_bg "$T/long" hcurl "http://127.0.0.1:$PF/?delay=4000"
long=$BG_PID
sleep 0.3
echo 200 >"$C1_STATE"
check "w1 UP" wait_field 3 b/w1 status '^UP$'
check "the request on the backup ends early (delay 4s)" wait_exit "$long" 3
check "on-marked-up shutdown-backup-sessions closed the session on the backup" \
	test "$(cat "$T/long")" != "s2"
is "$(servers_of 4)" "s1 " "w1 takes the traffic back from the backup"
ws=""
for i in 1 2 3 4 5 6 7; do
	ws="$ws $(srv_field b/w1 eweight)"
	sleep 0.5
done
diag "eweight every 0.5s after UP:$ws"
first=$(echo $ws | cut -d' ' -f1)
last=$(echo $ws | awk '{ print $NF }')
num_between "$first" 1 12 "slowstart: the weight starts low ($first)"
is "$last" "20" "slowstart: the weight reaches 20 after 3s"
is "$(echo $ws | tr ' ' '\n' | sort -n | tr '\n' ' ')" "$(echo $ws | tr ' ' '\n' | tr '\n' ' ')" \
	"slowstart: the weight never goes down"
num_between "$(echo $ws | tr ' ' '\n' | sort -u | wc -l)" 4 7 "slowstart: in several steps"

# --- server health disable / enable ---
echo 503 >"$C1_STATE"
check "w1 DOWN again" wait_field 3 b/w1 status '^DOWN$'
out=$(ctl server health b/w1 disable)
is "$?" 0 "server health disable exits 0"
like "$out" 'b/w1: health checks disabled' "it says so"
check "a server without checks counts as up" wait_field 3 b/w1 health '^up \(check disabled\)$'
is "$(srv_field b/w1 status)" "UP" "status UP"
n1=$(probes C1 503)
sleep 0.8
is "$(probes C1 503)" "$n1" "no check is sent while disabled"
is "$(servers_of 2)" "s1 " "the server serves"
ctl server health b/w1 enable >/dev/null
check "enable: the next check runs and fails" wait_field 3 b/w1 status '^DOWN$'
out=$(ctl server health b/w2 disable 2>&1)
is "$?" 1 "server health on a server without check fails"
like "$out" 'no health check' "and says why"
out=$("$LBCTL" -s "$CTL_SOCK" server health b/nope disable 2>&1)
like "$out" "no server 'nope'" "unknown server"

# --- hanging and garbage check targets do not delay traffic ---
check "the garbage target is DOWN (L7RSP)" wait_field 3 c/junk check '^L7RSP'
t0=$(date +%s%N)
res=""
for i in $(seq 20); do res="$res$(hcurl "http://127.0.0.1:$PF2/")"; done
t1=$(date +%s%N)
is "$res" "$(printf 's3%.0s' $(seq 20))" "20 requests answered while a check hangs"
num_between $(( (t1 - t0) / 1000000 )) 0 4000 "and answered quickly (one thread does it all)"
is "$(srv_field c/hang status)" "UP" "the hanging check has not ended yet (inter 10s)"

# --- soft stop with a check in flight: it is cancelled, lbd exits at once ---
t0=$(date +%s%N)
stop_pid "$LBD_PID" USR1 5
is "$LB_EXIT" 0 "SIGUSR1 with a hanging check in flight: exit 0"
num_between $(( ($(date +%s%N) - t0) / 1000000 )) 0 2000 "without waiting for the check"

done_testing
