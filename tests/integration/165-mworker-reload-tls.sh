#!/bin/bash
# tests/integration/165-mworker-reload-tls.sh: 100 reloads in a row (SIGUSR2, 50 ms apart)
# through a "bind ... ssl crt" frontend, under a bounded load of new TLS connections (a full
# handshake each, one request) and TLS keep-alive requests: no failed handshake or request, no
# refused connection; every old worker is gone; the certificate is the same one after the
# reloads; the master's file descriptors are as many as before.
: "${LB_TEST_TIMEOUT:=150}"
export LB_TEST_TIMEOUT
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/integration/tls_lib.sh"

N=100
need_tls_tools
mk_certs "$T/c" || { diag_file "$T/c/certtool.log"; bail "cannot make certificates"; }
C=$T/c
start_stub PA --http A || bail "stub A"
start_stub PB --http B || bail "stub B"
PF=$(free_port)
{
	# no access log: thousands of requests
	cat <<-EOF
	global
		log stderr format raw local0
		maxconn 1000
		nbthread 2
		hard-stop-after 5s
	defaults
		mode http
		timeout connect 2s
		timeout client 5s
		timeout server 5s
	frontend fe
		bind 127.0.0.1:$PF ssl crt $C/a.pem
		default_backend be
	backend be
		server a 127.0.0.1:$PA
		server b 127.0.0.1:$PB
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" -W || bail "lbd -W did not start"
MASTER=$LBD_PID
wait_log "\(generation 1\) serving" || bail "no worker serves"
is "$(tcurl a.test "$PF" / -o /dev/null -w '%{http_code}')" 200 "HTTPS through the frontend (certificate verified)"
fds_before=$(ls "/proc/$MASTER/fd" | wc -l)

run_bg "$T/load" "$PYTHON" "$top_srcdir/tests/integration/reload_load.py" --tls "$C/ca.pem" a.test \
	"$PF" 120 "$T/stop" 2 2
LOAD=$BG_PID
sleep 0.5
for ((i = 1; i <= N; i++)); do
	kill -USR2 "$MASTER"
	wait_log "reload $i: worker" "$LBD_LOG" 5 || { diag "reload $i did not complete"; break; }
	sleep 0.05
done
sleep 0.3
touch "$T/stop"
wait_exit "$LOAD" 15
res=$(head -n 1 "$T/load")
diag "load: $res" "$(tail -n +2 "$T/load")" "$(head -n 5 "$T/load.err")"
val() { printf '%s\n' "$res" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

is "$(log_count '^\[NOTICE\].* reload [0-9]+: worker [0-9]+ \(generation [0-9]+\) serving')" "$N" "$N reloads completed"
is "$(val new_fail)" 0 "no handshake or request on a new TLS connection failed"
is "$(val refused)" 0 "no connection was refused"
is "$(val ka_fail)" 0 "no TLS keep-alive request failed"
num_between "$(val new_ok)" 100 100000000 "new TLS connections were served ($(val new_ok))"
num_between "$(val ka_ok)" 200 100000000 "TLS keep-alive requests went through ($(val ka_ok))"
is "$(tcurl a.test "$PF" / -o /dev/null -w '%{http_code}')" 200 "the last worker serves HTTPS with the same certificate"

# every worker of every generation but the last has exited
pids=$(sed -n 's/^\[NOTICE\].*master: worker \([0-9]*\) started (generation [0-9]*).*/\1/p' "$LBD_LOG")
last=$(sed -n 's/.*reload [0-9]*: worker \([0-9]*\) .*/\1/p' "$LBD_LOG" | tail -n 1)
alive=0
for ((i = 0; i < 100; i++)); do
	alive=0
	for p in $pids; do
		[ "$p" = "$last" ] && continue
		pid_alive "$p" && alive=$((alive + 1))
	done
	[ "$alive" = 0 ] && break
	sleep 0.1
done
is "$alive" 0 "all $(( $(echo "$pids" | wc -w) - 1 )) old workers are gone"
check "the last worker serves" pid_alive "$last"
is "$(ls "/proc/$MASTER/fd" | wc -l)" "$fds_before" "the master holds as many fds as before the reloads"

done_testing
