#!/bin/bash
# tests/integration/060-soft-stop.sh: SIGUSR1 finishes in-flight requests, refuses new connections, exits; hard-stop-after bounds it
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

start_stub PA --http A --log "$T/a.log" || bail "stub A"
F1=$(free_port)
{
	cfg_global
	cat <<-EOF
	frontend fe
		bind 127.0.0.1:$F1
		default_backend be
	backend be
		server a 127.0.0.1:$PA
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"

# An idle keep-alive client connection, and a slow request in flight.
run_bg "$T/idle" "$PYTHON" "$LBCLIENT" --timeout 8 "$F1" 'send:GET / HTTP/1.1\r\nHost: x\r\n\r\n' 'recvuntil:A\n' recv
idle_pid=$BG_PID
run_bg "$T/slow" hcurl -w ' %{http_code}' "http://127.0.0.1:$F1/?delay=1500"
slow_pid=$BG_PID
wait_for 3 grep -q 'delay=1500' "$T/a.log"
wait_for 3 grep -q 'done conn=.* n=1 200' "$T/a.log"

kill -USR1 "$LBD_PID"
check "new connections are refused soon after SIGUSR1" wait_port_closed "$F1" 1
sleep 0.3
check "the daemon is still running while a request is in flight" pid_alive "$LBD_PID"
check "the idle keep-alive connection was closed" wait_exit "$idle_pid" 2
is "$(tail -n 1 "$T/idle.err")" "lbclient: EOF" "it ended with a clean close"
wait_exit "$slow_pid" 5
is "$(tr -d "\n" <"$T/slow")" "A 200" "the in-flight request completes"
check "then the daemon exits" wait_exit "$LBD_PID" 3
is "$LB_EXIT" 0 "with status 0"
check "log: the in-flight request was logged" grep -q ' be/a .* 200 .*delay=1500' "$LBD_LOG"

# hard-stop-after: a request that never ends does not keep a soft-stopping daemon alive.
F2=$(free_port)
{
	echo "global"
	echo "	hard-stop-after 1s"
	cfg_global | sed '1d'
	cat <<-EOF
	frontend fe
		bind 127.0.0.1:$F2
		timeout client 30s
		default_backend be
	backend be
		timeout server 30s
		server a 127.0.0.1:$PA
	EOF
} >"$T/lbd2.cfg"
start_lbd "$T/lbd2.cfg" || bail "second lbd did not start"
run_bg "$T/hang" hcurl -w ' %{http_code}' "http://127.0.0.1:$F2/hang"
wait_for 3 grep -q '/hang' "$T/a.log"
start=$(date +%s%N)
kill -USR1 "$LBD_PID"
check "hard-stop-after 1s: the daemon exits despite a hanging request" wait_exit "$LBD_PID" 4
num_between $(( ($(date +%s%N) - start) / 1000000 )) 700 3000 "after about 1 s"

done_testing
