#!/bin/bash
# tests/integration/181-stick-conn-limit.sh: tcp-request connection track-sc0 src + reject
# if { sc_conn_cur(0) gt 2 } in mode tcp: a third concurrent connection is closed at once,
# conn_cur goes down as connections end; tcp-request content accept/reject; in mode http,
# sc-inc-gpc0 marks a client (a trap URL) and sc_get_gpc0 / src_get_gpc0 deny it afterwards.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

[ -x "$LBCTL" ] || skip_all "lbctl not found: LBCTL=$LBCTL"
start_stub P1 --http s1 || bail "stub"
PT=$(free_port) PC=$(free_port) PH=$(free_port) PCH=$(free_port)
SOCK=$T/admin.sock
{
	cat <<-EOF
	global
		stats socket $SOCK mode 600 level admin
	EOF
	cfg_global | sed 1d
	cat <<-EOF
	listen lt
		mode tcp
		bind 127.0.0.1:$PT
		stick-table type ip size 100 expire 30s store conn_cur,conn_cnt,conn_rate(10s)
		tcp-request connection track-sc0 src
		tcp-request connection reject if { sc_conn_cur(0) gt 2 }
		server s1 127.0.0.1:$P1
	listen lc
		mode tcp
		bind 127.0.0.1:$PC
		tcp-request inspect-delay 1s
		tcp-request content accept if { src 10.0.0.0/8 }
		tcp-request content reject if { dst_port $PC }
		server s1 127.0.0.1:$P1
	frontend fh
		bind 127.0.0.1:$PH
		stick-table type ip size 100 expire 30s store gpc0,gpt0
		http-request track-sc1 src
		http-request sc-inc-gpc0(1) if { path /trap }
		http-request sc-set-gpt0(1) 4 if { path /tag }
		http-request deny deny_status 403 if { sc_get_gpc0(1) gt 0 } !{ path /trap }
		http-request deny deny_status 410 if { path /gpt } { sc1_get_gpt0 eq 4 }
		default_backend b
	frontend fch
		bind 127.0.0.1:$PCH
		stick-table type ip size 10 expire 30s store http_req_cnt,conn_cur
		tcp-request content track-sc2 src
		tcp-request content reject if { path /blocked }
		default_backend b
	backend b
		server s1 127.0.0.1:$P1
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"
wait_for 5 test -S "$SOCK" || bail "no control socket"
ctl() { "$LBCTL" -s "$SOCK" "$@"; }
field()
{
	ctl --json show table "$1" | "$PYTHON" -c '
import json, sys
rows = [r for r in json.load(sys.stdin)["data"] if r["key"] == "127.0.0.1"]
print(rows[0][sys.argv[1]] if rows else "none")' "$2"
}

# holds connections open and reports, for each, whether an HTTP exchange through it works
cat >"$T/conns.py" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
def open_one():
    s = socket.create_connection(("127.0.0.1", port), timeout=3)
    return s
def works(s):
    try:
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        return b"200" in s.recv(4096)
    except OSError:
        return False
held = [open_one(), open_one()]
print("first two:", all(works(s) for s in held))
time.sleep(0.2)
third = open_one()
print("third:", works(third))
sys.stdout.flush()
# let the test look at the table while two are held
open(sys.argv[2], "w").close()
deadline = time.time() + 5
import os
while not os.path.exists(sys.argv[3]) and time.time() < deadline:
    time.sleep(0.05)
held[0].close()
time.sleep(0.3)
again = open_one()
print("after one closed:", works(again))
PY
# start_lbd's readiness probe connected already: count from here
CNT0=$(field lt conn_cnt)
[ "$CNT0" = none ] && CNT0=0
rm -f "$T/held" "$T/go"
run_bg "$T/conns.out" "$PYTHON" "$T/conns.py" "$PT" "$T/held" "$T/go"
CONNS=$BG_PID
wait_for 10 test -e "$T/held" || diag_file "$T/conns.out.err"
is "$(field lt conn_cur)" 2 "show table: conn_cur 2 while two connections are open"
is "$(field lt conn_cnt)" $((CNT0 + 3)) "conn_cnt counts the rejected third connection too"
is "$(field lt use)" 2 "the two connections hold the entry"
touch "$T/go"
wait_exit "$CONNS" 10
is "$(cat "$T/conns.out")" "first two: True
third: False
after one closed: True" "the third concurrent connection is refused, a new one passes once one closed"
wait_for 5 eval '[ "$(field lt conn_cur)" = 0 ]'
is "$(field lt conn_cur)" 0 "conn_cur back to 0 once every connection closed"

# tcp-request content: 127.0.0.1 is not in 10/8, and the reject rule matches dst_port
is "$(http_code "http://127.0.0.1:$PC/")" 000 "tcp-request content reject closes the connection"
is "$(http_code "http://127.0.0.1:$PT/")" 200 "the other listener still forwards"

# gpc0 as a bot trap, gpt0 as a tag
is "$(http_code "http://127.0.0.1:$PH/a")" 200 "before the trap: allowed"
is "$(http_code "http://127.0.0.1:$PH/gpt")" 200 "sc1_get_gpt0 before the tag: not 4"
hcurl -o /dev/null "http://127.0.0.1:$PH/tag"
is "$(http_code "http://127.0.0.1:$PH/gpt")" 410 "sc-set-gpt0(1) 4 then sc1_get_gpt0 eq 4"
is "$(field fh gpt0)" 4 "show table: gpt0 4"
hcurl -o /dev/null "http://127.0.0.1:$PH/trap"
is "$(http_code "http://127.0.0.1:$PH/a")" 403 "after the trap: denied (sc_get_gpc0(1) gt 0)"
is "$(field fh gpc0)" 1 "show table: gpc0 1"
ctl set table fh key 127.0.0.1 data.gpc0 0 >/dev/null
is "$(http_code "http://127.0.0.1:$PH/a")" 200 "set table data.gpc0 0 lifts the ban"

# tcp-request content in mode http: per request, with request fetches
is "$(http_code "http://127.0.0.1:$PCH/ok")" 200 "mode http: tcp-request content lets /ok through"
is "$(http_code "http://127.0.0.1:$PCH/blocked")" 000 "mode http: tcp-request content reject if { path /blocked } closes without an answer"
is "$(http_code "http://127.0.0.1:$PCH/ok")" 200 "mode http: the next connection is served"
is "$(field fch http_req_cnt)" 3 "tcp-request content track-sc2 counted every request (the rejected one too)"
is "$(field fch conn_cur)" 0 "and let go of the entry after each"
done_testing
