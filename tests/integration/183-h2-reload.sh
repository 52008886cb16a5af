#!/bin/bash
# tests/integration/183-h2-reload.sh: 100 reloads in a row under HTTP/2 load, over TLS (ALPN
# h2) and in clear text (proto h2): the old worker sends each connection a GOAWAY, finishes
# the streams it covers and closes; the clients resend the others on a new connection, as
# RFC 9113 asks. No stream the server accepted fails, no connection is refused.
: "${LB_TEST_TIMEOUT:=150}"
export LB_TEST_TIMEOUT
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/integration/tls_lib.sh"

need_tls_tools
"$PYTHON" -c 'import h2' 2>/dev/null ||
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-h2 >/dev/null 2>&1
"$PYTHON" -c 'import h2' 2>/dev/null || skip_all "python3-h2 is not installed and cannot be"
mk_certs "$T/c" >/dev/null 2>&1 || bail "certificates"

N=100
start_stub PA --http A || bail "stub A"
start_stub PB --http B || bail "stub B"
PT=$(free_port)
PC=$(free_port)
cat >"$T/lbd.cfg" <<CFG
global
	log stderr format raw local0
	nbthread 2
	hard-stop-after 5s
defaults
	mode http
	timeout connect 2s
	timeout client 5s
	timeout server 5s
frontend fe
	bind 127.0.0.1:$PT ssl crt $T/c/a.pem alpn h2,http/1.1
	bind 127.0.0.1:$PC proto h2
	default_backend be
backend be
	server a 127.0.0.1:$PA
	server b 127.0.0.1:$PB
CFG
start_lbd "$T/lbd.cfg" -W || bail "lbd -W did not start"
MASTER=$LBD_PID
wait_log "\(generation 1\) serving" || bail "no worker serves"

run_bg "$T/tls" "$PYTHON" "$top_srcdir/tests/integration/h2_reload_load.py" "127.0.0.1:$PT:tls" \
	100 "$T/stop" 3 5
LT=$BG_PID
run_bg "$T/clear" "$PYTHON" "$top_srcdir/tests/integration/h2_reload_load.py" "127.0.0.1:$PC" \
	100 "$T/stop" 3 5
LC=$BG_PID
sleep 0.5
for ((i = 1; i <= N; i++)); do
	kill -USR2 "$MASTER"
	wait_log "reload $i: worker" "$LBD_LOG" 5 || { diag "reload $i did not complete"; break; }
	sleep 0.05
done
sleep 0.3
touch "$T/stop"
wait_exit "$LT" 20
wait_exit "$LC" 20
is "$(log_count '^\[NOTICE\].* reload [0-9]+: worker [0-9]+ \(generation [0-9]+\) serving')" "$N" "$N reloads completed"
for side in tls clear; do
	res=$(head -n 1 "$T/$side")
	diag "$side: $res" "$(tail -n +2 "$T/$side" | head -5)"
	val() { printf '%s\n' "$res" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
	is "$(val fail)" 0 "$side: no accepted stream failed"
	is "$(val refused)" 0 "$side: no connection refused"
	num_between "$(val ok)" 500 100000000 "$side: streams answered ($(val ok))"
	num_between "$(val goaway)" 10 100000 "$side: the old workers said GOAWAY ($(val goaway) times)"
done
done_testing
