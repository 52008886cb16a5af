#!/bin/bash
# tests/integration/140-ctl-sessions.sh: show sessions lists streams in flight (on every
# thread), shutdown session / shutdown sessions close them (the client sees the connection
# end, the stream is logged with termination state K), show errors keeps the bytes around a
# parser fault, show config gives the file, levels guard them, lbctl --list-commands and
# completion know the new commands.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

[ -x "$LBCTL" ] || skip_all "lbctl not found: LBCTL=$LBCTL"
start_stub P1 --http s1 || bail "stub s1"
start_stub P2 --http s2 || bail "stub s2"
PF=$(free_port)
ADMIN=$T/admin.sock OPER=$T/oper.sock USER=$T/user.sock
{
	cat <<-EOF
	global
		stats socket $ADMIN mode 600 level admin
		stats socket $OPER mode 600 level operator
		stats socket $USER mode 600 level user
		nbthread 2
		# secret-marker-140
	EOF
	cfg_global | sed 1d
	cat <<-EOF
	frontend f
		bind 127.0.0.1:$PF
		default_backend b
	backend b
		balance roundrobin
		server s1 127.0.0.1:$P1
		server s2 127.0.0.1:$P2
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"
wait_for 5 test -S "$USER" || bail "lbd did not create its control sockets"
ctl() { "$LBCTL" -s "$ADMIN" "$@"; }
# nsess FILTER: how many sessions show sessions lists whose row matches FILTER (python expr)
nsess()
{
	ctl --json show sessions | "$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)["data"]
print(sum(1 for r in d["rows"] if '"$1"'))'
}

# --- show sessions: nothing in flight, then four slow requests on both servers ---
out=$(ctl --json show sessions)
is "$?" 0 "show sessions exits 0"
like "$out" '"data":\{"total":0,"truncated":false,"rows":\[\]\}' "no sessions when idle"
for i in 1 2 3 4; do
	run_bg "$T/slow.$i" hcurl "http://127.0.0.1:$PF/slow$i?delay=4000"
	eval "SLOW_$i=\$BG_PID"
done
wait_for 5 eval '[ "$(nsess True)" = 4 ]'
is "$(nsess True)" 4 "show sessions lists the four requests in flight"
is "$(nsess 'r["server"] == "s1"')" 2 "two of them on s1"
is "$(nsess 'r["frontend"] == "f" and r["backend"] == "b" and r["state"] == "forward"')" 4 \
	"frontend, backend and state are filled"
is "$(nsess 'r["client"].startswith("127.0.0.1:")')" 4 "the client address is there"
is "$(nsess 'r["request"].startswith("GET /slow") and r["request"].endswith(" HTTP/1.1")')" 4 \
	"and the request line"
# ids are unique and name their thread (thread t's n-th stream: n * nbthread + t + 1)
is "$(ctl --json show sessions | "$PYTHON" -c '
import json, sys
rows = json.load(sys.stdin)["data"]["rows"]
print(len({r["id"] for r in rows}), all((r["id"] - 1) % 2 == r["thread"] for r in rows),
      all(r["thread"] in (0, 1) for r in rows))')" "4 True True" \
	"session ids are unique and tell their thread"
out=$(ctl show sessions)
like "$out" '^id +thread +frontend +backend +server +client +state +age_ms +idle_ms ' \
	"the table has a header"
out=$(ctl --json show sessions 1)
like "$out" '"total":4,"truncated":true' "show sessions 1: truncated, with the total"
like "$out" '"msg":"truncated: 1 of 4 sessions shown' "the message says so"

# --- shutdown session <id> ---
victim=$(ctl --json show sessions | "$PYTHON" -c '
import json, sys
rows = json.load(sys.stdin)["data"]["rows"]
print(rows[0]["id"], rows[0]["client"])')
id=${victim%% *}
"$LBCTL" -s "$OPER" shutdown session "$id" 2>/dev/null
is "$?" 1 "the operator socket cannot shut a session down (admin)"
out=$(ctl shutdown session "$id")
is "$?" 0 "shutdown session exits 0"
is "$out" "session $id closed
closed: 1" "shutdown session says which, and how many were closed"
wait_for 3 eval '[ "$(nsess True)" = 3 ]'
is "$(nsess "r['id'] == $id")" 0 "the session is gone"
check "its log line has termination state K" wait_log ' f b/s[12] .* K[A-Z-]-- ' "$LBD_LOG" 3
ctl shutdown session "$id" 2>/dev/null
is "$?" 1 "shutdown of a session that is gone: exit 1"
like "$(ctl shutdown session "$id" 2>&1)" "not-found: no session $id" "and says so"
ctl shutdown session abc 2>/dev/null
is "$?" 2 "a session id must be a number (exit 2)"

# --- shutdown sessions <be/srv> ---
left_s1=$(nsess 'r["server"] == "s1"')
left_s2=$(nsess 'r["server"] == "s2"')
out=$(ctl shutdown sessions b/s1)
is "$(printf '%s\n' "$out" | head -1)" "b/s1: $left_s1 session(s) closed" \
	"shutdown sessions b/s1 closes those on s1"
is "$(ctl --json shutdown sessions b/s1 | "$PYTHON" -c '
import json, sys; print(json.load(sys.stdin)["data"]["closed"])')" 0 "--json: data.closed"
wait_for 3 eval '[ "$(nsess "r[\"server\"] == \"s1\"")" = 0 ]'
is "$(nsess 'r["server"] == "s1"')" 0 "none left on s1"
is "$(nsess 'r["server"] == "s2"')" "$left_s2" "those on s2 go on"
ctl shutdown sessions b/nope 2>/dev/null
is "$?" 1 "shutdown sessions of an unknown server: exit 1"
for i in 1 2 3 4; do
	eval "wait_exit \$SLOW_$i 8"
done
is "$(cat "$T"/slow.[1-4] | grep -c '^s2$')" "$left_s2" \
	"the requests that were not shut down got their answer"
is "$(cat "$T"/slow.[1-4] | grep -c '^s1$')" 0 "no request on s1 got an answer"

# --- show errors ---
is "$(ctl show errors)" "no errors recorded" "show errors: nothing yet"
printf 'GET /bad HTTP/1.1\r\nHost: x\r\nX-Ok: 1\r\nBad Header: y\r\n\r\n' >"$T/bad.req"
code=$(timeout 5 "$PYTHON" -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(open(sys.argv[2], "rb").read())
print(s.recv(100).split(b" ")[1].decode())' "$PF" "$T/bad.req")
is "$code" 400 "a header name with a space is refused with 400"
out=$(ctl --json show errors | "$PYTHON" -c '
import json, sys
e = json.load(sys.stdin)["data"]
print(len(e), e[0]["dir"], e[0]["proxy"], e[0]["status"], e[0]["offset"], e[0]["capture_start"],
      e[0]["client"].startswith("127.0.0.1:"))
print(e[0]["capture"])')
is "$(printf '%s\n' "$out" | head -1)" "1 request f 400 40 0 True" \
	"show errors: the request, the frontend, 400, the fault at byte 40 (the space)"
is "$(printf '%s\n' "$out" | sed -n 2p)" \
	'GET /bad HTTP/1.1\r\nHost: x\r\nX-Ok: 1\r\nBad Header: y\r\n\r\n' \
	"the capture holds the message, escaped"
out=$(ctl show errors)
like "$out" '^\[[0-9-]+T[0-9:.]+Z\] frontend f: invalid request \(400\) from 127\.0\.0\.1:' \
	"the human view: a header line"
like "$out" 'reason: whitespace between field name and colon; fault at byte 40 of 54$' \
	"the reason, the offset and the length"
like "$out" '^  00037  Bad Header: y\\r\\n$' "the capture, line by line with offsets"
is "$(ctl show errors response)" "no errors recorded" "show errors response: none"
"$LBCTL" -s "$OPER" show errors 2>/dev/null
is "$?" 1 "the operator socket cannot read the captures (admin)"

# --- show config ---
out=$(ctl show config)
like "$out" "^# $T/lbd.cfg\$" "show config names the file"
like "$out" 'secret-marker-140' "and gives its text"
"$LBCTL" -s "$USER" show config 2>/dev/null
is "$?" 1 "the user socket cannot read the config (admin)"

# --- deferred and streamed replies (raw protocol), lbctl subscribe ---
"$PYTHON" "$top_srcdir/tests/integration/ctl_raw.py" "$ADMIN" --deferred b/s2 >"$T/raw.log" 2>&1
rc=$?
is "$rc" 0 "wait and subscribe over the raw protocol ($(grep -c '^ok' "$T/raw.log") checks)"
[ "$rc" = 0 ] || diag_file "$T/raw.log" 30
timeout 2 "$LBCTL" -s "$USER" --json subscribe stats 300ms >"$T/sub.json" 2>"$T/sub.err"
is "$?" 124 "lbctl subscribe stats runs until interrupted"
out=$("$PYTHON" -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
print(len(lines) >= 4, len({l["id"] for l in lines}), all(l["status"] == 0 for l in lines),
      all(any(r["svname"] == "BACKEND" for r in l["data"]) for l in lines))' "$T/sub.json")
is "$out" "True 1 True True" "--json: one stats line per tick, all with the same id"
# Ctrl-C once three tables are out (a fixed delay races a slow start under sanitizers)
"$LBCTL" -s "$USER" subscribe stats 200ms >"$T/sub.txt" 2>&1 &
sub_pid=$!
lb_track "$sub_pid"
wait_for 10 eval '[ "$(grep -c "^pxname" "$T/sub.txt")" -ge 3 ]'
kill -INT "$sub_pid"
wait_exit "$sub_pid" 5 || LB_EXIT=timeout
is "$LB_EXIT" 0 "Ctrl-C ends lbctl subscribe stats with exit 0"
like "$(cat "$T/sub.txt")" '^b +BACKEND ' "the tables for people"
num_between "$(grep -c '^pxname' "$T/sub.txt")" 3 8 "one table per tick"
"$LBCTL" -s "$USER" subscribe stats 50ms 2>/dev/null
is "$?" 1 "an interval under 100ms is refused"

# --- docs and completion ---
for c in "show sessions" "shutdown session" "shutdown sessions" "show errors" "show config" \
	 "wait" "subscribe stats"; do
	like "$("$LBCTL" --list-commands | cut -f1)" "^$c\$" "--list-commands lists $c"
done
like "$("$LBCTL" -s "$ADMIN" --complete shutdown sessions b/)" '^b/s1$' \
	"completion offers live server names for shutdown sessions"
like "$("$LBCTL" -s "$ADMIN" --complete wait b/s1 '')" '^removable$' \
	"completion offers empty|removable for wait"
check "lbd still serves" eval '[ "$(hcurl "http://127.0.0.1:$PF/")" != "" ]'

done_testing
