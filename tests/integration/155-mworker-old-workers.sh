#!/bin/bash
# tests/integration/155-mworker-old-workers.sh: what happens to the old worker of a reload:
# a request in flight on it completes (200), an idle keep-alive connection is closed cleanly
# between requests, it stops accepting (the new worker takes the connections); one held up
# by a hanging request lingers, and mworker-max-reloads 1 makes the master kill it at the
# second reload; without that, hard-stop-after bounds it.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
# workers_of PID: the child processes of master PID (its workers), one per line
workers_of() { cat "/proc/$1/task/"*/children 2>/dev/null | tr ' ' '\n' | grep .; }

start_stub PA --http A --log "$T/a.log" || bail "stub A"
PF=$(free_port)
write_cfg()	# EXTRA-GLOBAL-LINE
{
	cfg_global http "$1"
	cat <<-EOF
	frontend fe
		bind 127.0.0.1:$PF
		timeout client 30s
		default_backend be
	backend be
		timeout server 30s
		server a 127.0.0.1:$PA
	EOF
}
write_cfg "mworker-max-reloads 1" >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" -W || bail "lbd -W did not start"
MASTER=$LBD_PID
wait_log "\(generation 1\) serving" || bail "no worker serves"
W1=$(workers_of "$MASTER")

run_bg "$T/slow" hcurl -w ' %{http_code}' "http://127.0.0.1:$PF/?delay=1500"
SLOW=$BG_PID
run_bg "$T/hang" hcurl --max-time 20 "http://127.0.0.1:$PF/hang"
run_bg "$T/idle" "$PYTHON" "$LBCLIENT" --timeout 8 "$PF" 'send:GET / HTTP/1.1\r\nHost: x\r\n\r\n' 'recvuntil:A\n' recv
IDLE=$BG_PID
wait_for 3 grep -q 'delay=1500' "$T/a.log"
wait_for 3 grep -q '/hang' "$T/a.log"
wait_for 3 grep -q 'done conn=.* n=1 200' "$T/a.log"

kill -USR2 "$MASTER"
check "reload 1 done" wait_log "reload 1: worker [0-9]+ \(generation 2\) serving" "$LBD_LOG" 5
check "the old worker closed the idle keep-alive connection" wait_exit "$IDLE" 3
is "$(tail -n 1 "$T/idle.err")" "lbclient: EOF" "with a clean close"
wait_exit "$SLOW" 5
is "$(tr -d '\n' <"$T/slow")" "A 200" "the request in flight on the old worker completes"
is "$(hcurl "http://127.0.0.1:$PF/")" "A" "new requests are served (by the new worker)"
check "the old worker lingers: a request hangs on it" pid_alive "$W1"

kill -USR2 "$MASTER"
check "reload 2 done" wait_log "reload 2: worker [0-9]+ \(generation 3\) serving" "$LBD_LOG" 5
check "mworker-max-reloads 1: the master kills the worker at its second reload" \
	wait_log "worker $W1 \(generation 1\) still running after 2 reload\(s\), over mworker-max-reloads 1" "$LBD_LOG" 3
check "it is gone" wait_for 3 eval "! pid_alive $W1"
unlike "$(cat "$LBD_LOG")" "generation 2\) still running" "the idle worker of generation 2 just exited"
stop_pid "$MASTER"

# Without mworker-max-reloads, hard-stop-after bounds the old worker.
write_cfg "hard-stop-after 1s" >"$T/lbd2.cfg"
start_lbd "$T/lbd2.cfg" -W || bail "second lbd -W did not start"
MASTER=$LBD_PID
wait_log "\(generation 1\) serving" || bail "no worker serves"
W1=$(workers_of "$MASTER")
run_bg "$T/hang2" hcurl --max-time 20 "http://127.0.0.1:$PF/hang"
wait_for 3 eval "[ \$(grep -c '/hang' '$T/a.log') = 2 ]"
kill -USR2 "$MASTER"
check "reload done" wait_log "reload 1: worker" "$LBD_LOG" 5
start=$(date +%s%N)
check "hard-stop-after 1s: the old worker exits despite the hanging request" \
	wait_for 4 eval "! pid_alive $W1"
num_between $(( ($(date +%s%N) - start) / 1000000 )) 500 3000 "after about a second"

done_testing
