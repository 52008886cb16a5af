#!/bin/bash
# tests/integration/027-maxconn-queue.sh: server maxconn queues the excess; timeout queue answers 503
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

start_stub PA --http A --log "$T/a.log" || bail "stub A"
F1=$(free_port) F2=$(free_port) F3=$(free_port) F4=$(free_port)
SOCK="$T/admin.sock"
{
	cfg_global http "stats socket $SOCK mode 600 level admin"
	cat <<-EOF
	frontend fe_q
		bind 127.0.0.1:$F1
		default_backend be_q
	frontend fe_qto
		bind 127.0.0.1:$F2
		default_backend be_qto
	backend be_q
		timeout queue 5s
		server a 127.0.0.1:$PA maxconn 1
	backend be_qto
		timeout queue 300ms
		server a 127.0.0.1:$PA maxconn 1
	frontend fe_grow
		bind 127.0.0.1:$F3
		default_backend be_grow
	backend be_grow
		timeout queue 5s
		server a 127.0.0.1:$PA maxconn 1
	frontend fe_mq
		bind 127.0.0.1:$F4
		default_backend be_mq
	backend be_mq
		timeout queue 5s
		server a 127.0.0.1:$PA maxconn 1 maxqueue 1
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"

# Two concurrent 800 ms requests through maxconn 1: the second waits for the first.
start=$(date +%s%N)
run_bg "$T/r1" hcurl -w ' %{http_code}' "http://127.0.0.1:$F1/?delay=800&r=1"
p1=$BG_PID
wait_for 3 grep -q 'r=1' "$T/a.log"
run_bg "$T/r2" hcurl -w ' %{http_code}' "http://127.0.0.1:$F1/?delay=800&r=2"
p2=$BG_PID
wait_exit "$p1" 5
wait_exit "$p2" 5
ms=$(( ($(date +%s%N) - start) / 1000000 ))
is "$(tr '\n' ' ' <"$T/r1") / $(tr '\n' ' ' <"$T/r2")" "A  200 / A  200" "both queued requests succeed"
num_between "$ms" 1500 4000 "they ran one after the other (~1600 ms; took $ms ms)"
# In the stub's log, each "req" line is followed by its "done" line before the next "req":
# never two requests in progress at once.
check "the server never had 2 requests at once" \
	awk '/^req / { n++ } /^done / { n-- } n > 1 { bad = 1 } END { exit bad }' "$T/a.log"
wait_log 'r=2 HTTP'
tw=$(grep 'r=2 HTTP' "$LBD_LOG" | awk '{ split($5, t, "/"); print t[2] }')
num_between "${tw:-x}" 500 3000 "log: the 2nd request's Tw (time in queue) is about 800 ms ($tw)"

# timeout queue 300 ms: while the server is busy for 1.5 s, the next request gets 503.
run_bg "$T/r3" hcurl -w ' %{http_code}' "http://127.0.0.1:$F2/?delay=1500&r=3"
p3=$BG_PID
wait_for 3 grep -q 'r=3' "$T/a.log"
start=$(date +%s%N)
code=$(http_code "http://127.0.0.1:$F2/?r=4")
ms=$(( ($(date +%s%N) - start) / 1000000 ))
is "$code" 503 "queue timeout: 503"
num_between "$ms" 200 1400 "after about timeout queue (300 ms; took $ms ms)"
check "log: 503 with termination state sQ" wait_log ' be_qto/[^ ]+ [-+0-9/]+ 503 .* sQ'
wait_exit "$p3" 5
is "$(tr '\n' ' ' <"$T/r3")" "A  200" "the request holding the server still succeeds"
unlike "$(cat "$T/a.log")" 'r=4' "the timed-out request never reached the server"

# Raising maxconn at run time lets a queued request in at once, without waiting for the
# request that holds the only slot.
if [ "${LBD##*/}" = haproxy ]; then LB_TODO="HAProxy's CLI is not lbctl"; fi
run_bg "$T/r5" hcurl -w ' %{http_code}' "http://127.0.0.1:$F3/?delay=2500&r=5"
p5=$BG_PID
wait_for 3 grep -q 'r=5' "$T/a.log"
run_bg "$T/r6" hcurl -w ' %{http_code}' "http://127.0.0.1:$F3/?r=6"
p6=$BG_PID
sleep 0.3
unlike "$(cat "$T/a.log")" 'r=6' "the second request waits in the queue"
check "lbctl raises maxconn to 2" "$LBCTL" -s "$SOCK" server maxconn be_grow/a 2
wait_exit "$p6" 2
is "$(tr '\n' ' ' <"$T/r6")" "A  200" "the queued request is served at once"
check "while the first one still runs" pid_alive "$p5"
wait_exit "$p5" 5
LB_TODO=""

# maxqueue: with the only slot busy and one request already waiting, the next is refused at
# once (HAProxy would send it to the backend queue; lbd has one queue per backend, which the
# servers' maxqueue values bound).
if [ "${LBD##*/}" = haproxy ]; then LB_TODO="HAProxy sends it to the backend queue instead"; fi
run_bg "$T/r7" hcurl -w ' %{http_code}' "http://127.0.0.1:$F4/?delay=1500&r=7"
p7=$BG_PID
wait_for 3 grep -q 'r=7' "$T/a.log"
run_bg "$T/r8" hcurl -w ' %{http_code}' "http://127.0.0.1:$F4/?r=8"
p8=$BG_PID
sleep 0.3
start=$(date +%s%N)
code=$(http_code "http://127.0.0.1:$F4/?r=9")
ms=$(( ($(date +%s%N) - start) / 1000000 ))
is "$code" 503 "maxqueue reached: 503"
num_between "$ms" 0 700 "at once ($ms ms)"
wait_exit "$p7" 5
wait_exit "$p8" 5
is "$(tr '\n' ' ' <"$T/r8")" "A  200" "the request already queued is served"
LB_TODO=""

stop_pid "$LBD_PID"
done_testing
