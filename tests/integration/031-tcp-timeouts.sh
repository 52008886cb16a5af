#!/bin/bash
# tests/integration/031-tcp-timeouts.sh: timeout client/server end idle TCP sessions; activity keeps them; *-fin for half-closed ones
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

start_stub PE --tcp E || bail "stub E"
start_stub PH --tcp H --hold || bail "stub H"
start_stub PF --tcp F --banner --fin || bail "stub F"
F1=$(free_port) F2=$(free_port) F3=$(free_port) F4=$(free_port)
{
	cfg_global tcp
	cat <<-EOF
	frontend fe_cto
		bind 127.0.0.1:$F1
		timeout client 1s
		default_backend be_long
	frontend fe_sto
		bind 127.0.0.1:$F2
		timeout client 10s
		default_backend be_sto
	frontend fe_cfin
		bind 127.0.0.1:$F3
		timeout client 10s
		timeout client-fin 500ms
		default_backend be_fin
	frontend fe_sfin
		bind 127.0.0.1:$F4
		timeout client 10s
		default_backend be_sfin
	backend be_long
		timeout server 10s
		server e 127.0.0.1:$PE
	backend be_sto
		timeout server 1s
		server e 127.0.0.1:$PE
	backend be_fin
		timeout server 10s
		server f 127.0.0.1:$PF
	backend be_sfin
		timeout server 10s
		timeout server-fin 500ms
		server h 127.0.0.1:$PH
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# timed FE ACTION...: run rawc on FE with a 5 s bound; sets MS to the elapsed milliseconds.
timed()
{
	local s
	s=$(now_ms)
	rawc --timeout 5 "$@" >"$T/out"
	MS=$(( $(now_ms) - s ))
}

timed "$F1" 'send:hi' 'recvuntil:hi' recv
like "$(rawc_end)" '^(EOF|RESET)$' "timeout client 1s: an idle session is closed"
num_between "$MS" 800 3000 "after about 1 s ($MS ms)"
check "log: termination state cD (client timeout during data)" wait_log ' fe_cto be_long/e .* cD'

timed "$F2" 'send:hi' 'recvuntil:hi' recv
like "$(rawc_end)" '^(EOF|RESET)$' "timeout server 1s: an idle session is closed"
num_between "$MS" 800 3000 "after about 1 s ($MS ms)"
check "log: termination state sD (server timeout during data)" wait_log ' fe_sto be_sto/e .* sD'

# Activity every 300 ms for 2 s keeps a session with timeout client 1s alive.
acts=()
for i in 1 2 3 4 5 6 7; do acts+=("send:m$i;" "recvuntil:m$i;" sleep:0.3); done
timed "$F1" "${acts[@]}" shut recv
is "$(cat "$T/out")" "m1;m2;m3;m4;m5;m6;m7;" "traffic every 300 ms keeps the session past timeout client"
is "$(rawc_end)" "EOF" "and it ends with the client's FIN, not a timeout"

# The server half-closes at once; the client stays open and silent (it still holds its
# socket after the EOF): timeout client-fin (500 ms) ends the session long before timeout
# client (10 s). The log line, written when the session ends, shows its total time Tt.
timed "$F3" 'recvuntil:F\n' send:x recv sleep:2.5
check "timeout client-fin: the session ends (log line written)" wait_log ' fe_cfin be_fin/f '
tt=$(grep ' fe_cfin be_fin/f ' "$LBD_LOG" | awk '{ split($5, t, "/"); print t[3] }')
num_between "${tt:-x}" 300 2500 "after about 500 ms (Tt=$tt ms)"
like "$(grep ' fe_cfin be_fin/f ' "$LBD_LOG")" ' cD' "log: termination state cD (client-side timeout)"

# The client half-closes; the proxy passes the FIN on to the server, whose side stays open and
# silent: timeout server-fin (500 ms) ends the session before timeout server (10 s).
timed "$F4" 'send:x' 'recvuntil:x' shut recv
like "$(rawc_end)" '^(EOF|RESET)$' "timeout server-fin: a half-closed session is closed"
num_between "$MS" 300 3000 "after about 500 ms ($MS ms)"

stop_pid "$LBD_PID"
done_testing
