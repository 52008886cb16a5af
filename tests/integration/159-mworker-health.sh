#!/bin/bash
# tests/integration/159-mworker-health.sh: health state across reloads (lbd(8) RELOADS). A
# server DOWN by its health check stays DOWN through 3 reloads (the new worker does not start
# it UP for its first check interval): no request reaches it, show servers/show stats keep its
# last check and counters; an agent's "down" is kept the same way; once its check passes again
# the newest worker brings it UP and it serves. A server whose address changed in the new
# config is another server (HAProxy's server-state-file rule): its health starts afresh (UP).
: "${LB_TEST_TIMEOUT:=90}"
export LB_TEST_TIMEOUT
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/health.sh"

[ -x "$LBCTL" ] || skip_all "lbctl not found: LBCTL=$LBCTL"
start_stub PA --http A || bail "stub A"
start_stub PB --http B --log "$T/b.log" || bail "stub B"
start_stub PB2 --http B2 || bail "stub B2"
start_target CA --http || bail "check target a"
start_target CB --http || bail "check target b"
start_target CD --agent || bail "agent target d"
PF=$(free_port)
CTL_SOCK=$T/admin.sock
# b's checks are slow while it is down (inter/downinter 2s): a new worker that started it UP
# would send it requests for up to 2 s before its first check; fastinter finds a change fast.
# b is the last of 3 probes: a new worker's first check of it comes 2/3 of 2 s after start.
write_cfg()	# B-PORT
{
	printf 'global\n\tstats socket %s mode 600 level admin\n' "$CTL_SOCK"
	cfg_global | sed 1d
	cat <<-EOF
	frontend fe
		bind 127.0.0.1:$PF
		default_backend be
	backend ag
		server d 127.0.0.1:$PA agent-check agent-port $CD agent-inter 2s
	backend be
		balance roundrobin
		option httpchk GET /health
		server a 127.0.0.1:$PA check port $CA inter 300 rise 2 fall 2
		server b 127.0.0.1:$1 check port $CB inter 2s fastinter 100 downinter 2s rise 2 fall 2
	EOF
}
write_cfg "$PB" >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" -W || bail "lbd -W did not start"
MASTER=$LBD_PID
wait_log "\(generation 1\) serving" || bail "no worker serves"
wait_for 5 test -S "$CTL_SOCK" || bail "no control socket"
reqs_b() { grep -c '^req ' "$T/b.log"; }
stat()	# PX SV KEY: a field of show stats
{
	ctl --json show stats | "$PYTHON" -c '
import json, sys
print([r.get(sys.argv[3]) for r in json.load(sys.stdin)["data"] if r["pxname"] == sys.argv[1] and r["svname"] == sys.argv[2]][0])' "$@"
}

check "b's first check passes" wait_field 5 be/b check '^L7OK 200'
is "$(servers_of 4)" "A B " "both servers serve"
echo 503 >"$CB_STATE"
echo "down#disk full" >"$CD_STATE"
check "b goes DOWN (its check fails)" wait_field 6 be/b status '^DOWN$'
check "d goes DOWN (its agent says down)" wait_field 5 ag/d status '^DOWN$'
is "$(stat be b chkdown)" 1 "b went down once"
before=$(reqs_b)

# A client sends requests all along the reloads: none may reach b
run_bg "$T/loop" bash -c 'while [ ! -e "$1" ]; do curl -sf --max-time 2 --noproxy "*" "http://127.0.0.1:$2/" || echo FAIL; sleep 0.02; done' loop "$T/stop" "$PF"
LOOP=$BG_PID
for g in 2 3 4; do
	kill -USR2 "$MASTER"
	check "reload $((g - 1)) done" wait_log "reload $((g - 1)): worker [0-9]+ \(generation $g\) serving" "$LBD_LOG" 5
	is "$(srv_field be/b status)" "DOWN" "b is DOWN in generation $g as soon as it serves"
	is "$(servers_of 6)" "A " "generation $g sends b nothing"
	is "$(srv_field ag/d status)" "DOWN" "d (agent down) is DOWN in generation $g"
done
like "$(srv_field be/b check)" "^L7STS 503 " "b's last check result is still shown"
is "$(stat be b chkdown)" 1 "its chkdown counter carried over (no new transition)"
like "$(srv_field be/a check)" "^L7OK 200 " "a: its last check result carried over too"
sleep 0.5
touch "$T/stop"
wait_exit "$LOOP" 5
is "$(( $(reqs_b) - before ))" 0 "no request reached b during the 3 reloads"
is "$(grep -c '^B$' "$T/loop")" 0 "the client saw no answer from b"
num_between "$(grep -c '^A$' "$T/loop")" 10 100000 "the client was served by a all along"
is "$(grep -cv '^A$' "$T/loop")" 0 "and every one of its requests got a's answer"

# b's check passes again: the newest worker brings it back
echo 200 >"$CB_STATE"
check "b comes UP in the new worker" wait_field 8 be/b status '^UP$'
like "$(srv_field be/b check)" "^L7OK 200 " "with a passing check"
is "$(servers_of 4)" "A B " "b serves again"
echo up >"$CD_STATE"
check "d comes UP when its agent says up" wait_field 8 ag/d status '^UP$'

# b down again, then a reload that moves it to another port: another server, fresh health
echo 503 >"$CB_STATE"
check "b DOWN again" wait_field 6 be/b status '^DOWN$'
write_cfg "$PB2" >"$T/lbd.cfg"
kill -USR2 "$MASTER"
check "reload 4 done" wait_log "reload 4: worker [0-9]+ \(generation 5\) serving" "$LBD_LOG" 5
like "$(cat "$LBD_LOG")" "be/b moved from 127\.0\.0\.1:$PB to 127\.0\.0\.1:$PB2: its health starts afresh" \
	"the address change is logged"
is "$(srv_field be/b addr)" "127.0.0.1:$PB2" "b has its new address"
is "$(srv_field be/b check)" "-" "no check result carried for the moved server"

done_testing
