#!/bin/bash
# tests/integration/150-mworker-supervise.sh: master-worker mode (-W and "master-worker"): the
# master binds and forks a worker that serves on the inherited sockets; a worker killed with
# SIGKILL is logged with its signal and replaced, and the service comes back; SIGTERM to the
# master ends every process and removes the control socket file; SIGUSR1 soft-stops them all
# (new connections refused, requests in flight finish); a worker that cannot start makes the
# master exit with status 1.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
# workers_of PID: the child processes of master PID (its workers), one per line
workers_of() { cat "/proc/$1/task/"*/children 2>/dev/null | tr ' ' '\n' | grep .; }

start_stub PA --http A || bail "stub A"
PF=$(free_port)
SOCK=$T/ctl.sock
{
	cfg_global http "stats socket $SOCK level admin"
	cat <<-EOF
	frontend fe
		bind 127.0.0.1:$PF
		default_backend be
	backend be
		server a 127.0.0.1:$PA
	EOF
} >"$T/lbd.cfg"

start_lbd "$T/lbd.cfg" -W || bail "lbd -W did not start"
MASTER=$LBD_PID
wait_log "master: worker [0-9]+ \(generation 1\) serving" || bail "no worker serves"
W1=$(workers_of "$MASTER")
is "$(echo "$W1" | wc -w)" 1 "the master has one worker process"
is "$(hcurl "http://127.0.0.1:$PF/")" "A" "the worker serves on the socket the master bound"
like "$(cat "$LBD_LOG")" "worker $W1 started \(generation 1\)" "the master logs the worker's pid and generation"
check "the control socket answers (served by the worker)" eval "\"\$LBCTL\" -s \"\$SOCK\" show info >/dev/null"

kill -KILL "$W1"
check "a killed worker is logged with its signal" \
	wait_log "worker $W1 \(generation 1\) died unexpectedly: killed by signal 9" "$LBD_LOG" 5
check "and a new worker (generation 2) serves" \
	wait_log "master: worker [0-9]+ \(generation 2\) serving" "$LBD_LOG" 5
W2=$(workers_of "$MASTER")
check "the new worker is another process" test -n "$W2" -a "$W2" != "$W1"
is "$(hcurl "http://127.0.0.1:$PF/")" "A" "the service is back"
check "the master is the same process" pid_alive "$MASTER"

kill -TERM "$MASTER"
check "SIGTERM to the master: it exits" wait_exit "$MASTER" 5
is "$LB_EXIT" 0 "with status 0"
check "its worker is gone too" eval "! pid_alive $W2"
check "the control socket file is removed" test ! -e "$SOCK"
check "the port is closed" eval "! port_open $PF"

# "master-worker" in global does the same as -W.
PF2=$(free_port)
sed -e "s/:$PF\$/:$PF2/" -e 's/^global$/global\n\tmaster-worker/' "$T/lbd.cfg" >"$T/kw.cfg"
start_lbd "$T/kw.cfg" || bail "lbd with master-worker did not start"
check "master-worker in global: a worker serves" \
	wait_log "master: worker [0-9]+ \(generation 1\) serving" "$LBD_LOG"
is "$(hcurl "http://127.0.0.1:$PF2/")" "A" "and answers"
# SIGUSR1 to the master: every worker soft-stops; in-flight requests finish, new
# connections are refused at once, then the master exits.
run_bg "$T/slow" hcurl -w ' %{http_code}' "http://127.0.0.1:$PF2/?delay=1000"
SLOW=$BG_PID
sleep 0.3
kill -USR1 "$LBD_PID"
check "SIGUSR1 to the master: new connections are refused soon" wait_port_closed "$PF2" 1
wait_exit "$SLOW" 5
is "$(tr -d '\n' <"$T/slow")" "A 200" "the request in flight completes"
check "then the master exits" wait_exit "$LBD_PID" 3
is "$LB_EXIT" 0 "with status 0"

# A worker that fails to start (its user does not exist: it drops privileges after the
# master bound everything): the master does not loop, it exits with status 1.
PF3=$(free_port)
sed -e "s/:$PF\$/:$PF3/" -e 's/^global$/global\n\tuser no-such-user-lbtest/' \
	-e "s#$SOCK#$T/ctl3.sock#" "$T/lbd.cfg" >"$T/bad.cfg"
"$LBD" -W -f "$T/bad.cfg" >"$T/bad.out" 2>"$T/lbd.bad.log" &
BAD=$!
lb_track "$BAD"
check "a worker that cannot start: the master exits" wait_exit "$BAD" 5
is "$LB_EXIT" 1 "with status 1"
like "$(cat "$T/lbd.bad.log")" "died during start-up: exit status 1; exiting" "and says why"

done_testing
