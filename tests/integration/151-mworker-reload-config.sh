#!/bin/bash
# tests/integration/151-mworker-reload-config.sh: a reload (SIGUSR2, SIGHUP) parses the new
# config first: with errors, the master logs every one with file:line:col and the serving
# worker (same PID) goes on as before; a good config starts generation N+1, which serves the
# new backend and a new bind line while an unchanged bind line keeps its socket; the old
# worker exits; a removed bind line stops accepting once the old worker is gone.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
# workers_of PID: the child processes of master PID (its workers), one per line
workers_of() { cat "/proc/$1/task/"*/children 2>/dev/null | tr ' ' '\n' | grep .; }

start_stub PA --http A || bail "stub A"
start_stub PB --http B || bail "stub B"
PF=$(free_port)
PF2=$(free_port)
PF3=$(free_port)
write_cfg()	# SERVER-PORT BIND-PORT...
{
	local srv=$1 p
	shift
	cfg_global http
	echo "frontend fe"
	for p in "$@"; do printf '\tbind 127.0.0.1:%s\n' "$p"; done
	printf '\tdefault_backend be\nbackend be\n\tserver s 127.0.0.1:%s\n' "$srv"
}
write_cfg "$PA" "$PF" "$PF2" >"$T/lbd.cfg"
# sock_inodes PID: the socket inodes PID holds, sorted (what "the same socket" means)
sock_inodes() { ls -l "/proc/$1/fd" 2>/dev/null | grep -o 'socket:\[[0-9]*\]' | sort; }

start_lbd "$T/lbd.cfg" -W || bail "lbd -W did not start"
MASTER=$LBD_PID
wait_log "\(generation 1\) serving" || bail "no worker serves"
W1=$(workers_of "$MASTER")
is "$(hcurl "http://127.0.0.1:$PF/")" "A" "generation 1 serves backend A"
SOCKS1=$(sock_inodes "$MASTER")

# A config with errors on two lines: nothing changes.
{ write_cfg "$PA" "$PF" "$PF2"; printf '\tbogus-keyword on\n\tserver t 127.0.0.1:notaport\n'; } >"$T/lbd.cfg"
kill -USR2 "$MASTER"
check "a bad config: the master says the reload failed" \
	wait_log "reload failed: the configuration has errors" "$LBD_LOG" 5
like "$(cat "$LBD_LOG")" "lbd\.cfg:[0-9]+:2: error: unknown keyword 'bogus-keyword'" \
	"the first error is logged with file:line:col"
like "$(cat "$LBD_LOG")" "lbd\.cfg:[0-9]+:[0-9]+: error: server 't': invalid port" \
	"so is the second one"
is "$(workers_of "$MASTER")" "$W1" "the same worker process goes on"
is "$(hcurl "http://127.0.0.1:$PF/")" "A" "and serves as before"
unlike "$(cat "$LBD_LOG")" "generation 2" "no new worker was started"

# A good config: backend B, bind PF kept, PF2 removed, PF3 added (SIGHUP this time).
write_cfg "$PB" "$PF" "$PF3" >"$T/lbd.cfg"
kill -HUP "$MASTER"
check "a good config: generation 2 serves" wait_log "reload 1: worker [0-9]+ \(generation 2\) serving" "$LBD_LOG" 5
W2=$(workers_of "$MASTER" | grep -vx "$W1")
is "$(hcurl "http://127.0.0.1:$PF/")" "B" "the kept bind line serves the new backend"
is "$(hcurl "http://127.0.0.1:$PF3/")" "B" "the new bind line serves"
check "the old worker exits" wait_exit "$W1" 5
check "the removed bind line refuses connections" wait_port_closed "$PF2" 3
SOCKS2=$(sock_inodes "$MASTER")
common=$(comm -12 <(echo "$SOCKS1") <(echo "$SOCKS2") | wc -l)
num_between "$common" 1 99 "the master kept the socket(s) of the unchanged bind line"
shared=$(comm -12 <(echo "$SOCKS2") <(sock_inodes "$W2") | wc -l)
num_between "$shared" 2 99 "the new worker serves the master's very sockets (inherited, not bound)"

done_testing
