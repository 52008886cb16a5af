#!/bin/bash
# tests/integration/153-mworker-state.sh: run-time changes survive a reload: a server drained
# with lbctl stays drained (and gets no request), a weight and a maxconn set with lbctl are
# kept; counters carry over (show stats does not reset); but when the new config changes
# that same setting of that server, the config wins (documented in lbd(8)). Servers added
# with lbctl add server are re-created by the new worker, with their state and counters.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

[ -x "$LBCTL" ] || skip_all "lbctl not found: LBCTL=$LBCTL"
start_stub PA --http A || bail "stub A"
start_stub PB --http B || bail "stub B"
start_stub PC --http C || bail "stub C"
PF=$(free_port)
SOCK=$T/ctl.sock
write_cfg()	# WEIGHT-OF-C
{
	cfg_global http "stats socket $SOCK level admin"
	cat <<-EOF
	frontend fe
		bind 127.0.0.1:$PF
		default_backend be
	backend be
		server a 127.0.0.1:$PA
		server b 127.0.0.1:$PB
		server c 127.0.0.1:$PC weight $1
	EOF
}
write_cfg 10 >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" -W || bail "lbd -W did not start"
MASTER=$LBD_PID
wait_log "\(generation 1\) serving" || bail "no worker serves"
ctl() { "$LBCTL" -s "$SOCK" "$@"; }
# field SRV KEY: a field of "show servers" for server SRV of backend be
field()
{
	ctl --json show servers be | "$PYTHON" -c '
import json, sys
print([r[sys.argv[2]] for r in json.load(sys.stdin)["data"] if r["server"] == sys.argv[1]][0])' "$1" "$2"
}

# stat PX SV KEY: a field of "show stats"
stat()
{
	ctl --json show stats | "$PYTHON" -c '
import json, sys
print([r.get(sys.argv[3]) for r in json.load(sys.stdin)["data"] if r["pxname"] == sys.argv[1] and r["svname"] == sys.argv[2]][0])' "$@"
}
for i in 1 2 3 4; do hcurl -o /dev/null "http://127.0.0.1:$PF/"; done
wait_for 3 eval '[ "$(stat fe FRONTEND req_tot)" = 4 ]'
is "$(stat fe FRONTEND req_tot)" 4 "4 requests counted before the reload"
check "lbctl drain be/a" eval "ctl drain be/a >/dev/null"
check "lbctl weight be/b 7" eval "ctl weight be/b 7 >/dev/null"
check "lbctl server maxconn be/b 33" eval "ctl server maxconn be/b 33 >/dev/null"
check "lbctl weight be/c 3" eval "ctl weight be/c 3 >/dev/null"

kill -USR2 "$MASTER"
check "reload 1 done" wait_log "reload 1: worker [0-9]+ \(generation 2\) serving" "$LBD_LOG" 5
like "$(cat "$LBD_LOG")" "run-time state of 3 server\(s\) carried over" "the new worker took the state of 3 servers"
is "$(field a admin)" "drain" "be/a is still drained"
is "$(field b weight)" "7" "be/b keeps the weight set at run time"
is "$(field b maxconn)" "33" "be/b keeps the maxconn set at run time"
is "$(field c weight)" "3" "be/c keeps its run-time weight (its config weight did not change)"
is "$(stat fe FRONTEND req_tot)" 4 "the frontend's request counter carried over"
is "$(stat be BACKEND stot)" 4 "so did the backend's"
is "$(( $(stat be a stot) + $(stat be b stot) + $(stat be c stot) ))" 4 "and the servers'"
got=""
for i in 1 2 3 4 5 6; do got="$got$(hcurl "http://127.0.0.1:$PF/")"; done
unlike "$got" "A" "the drained server gets no request after the reload"
wait_for 3 eval '[ "$(stat fe FRONTEND req_tot)" = 10 ]'
is "$(stat fe FRONTEND req_tot)" 10 "new requests add to the carried counters"

# The config now says weight 20 for c: the config changed that setting, it wins.
write_cfg 20 >"$T/lbd.cfg"
kill -USR2 "$MASTER"
check "reload 2 done" wait_log "reload 2: worker [0-9]+ \(generation 3\) serving" "$LBD_LOG" 5
is "$(field c weight)" "20" "a weight changed in the config wins over the run-time one"
is "$(field a admin)" "drain" "be/a is still drained after a second reload"
check "lbctl enable be/a" eval "ctl enable be/a >/dev/null"
kill -USR2 "$MASTER"
check "reload 3 done" wait_log "reload 3: worker [0-9]+ \(generation 4\) serving" "$LBD_LOG" 5
is "$(field a admin)" "ready" "a server made ready again stays ready"

# A server added at run time survives a reload: same address, options, state, weight and
# counters; one added and left in maintenance stays there.
check "lbctl add server be/d" eval "ctl add server be/d 127.0.0.1:$PB weight 5 >/dev/null"
check "lbctl enable be/d" eval "ctl enable be/d >/dev/null"
check "lbctl add server be/e" eval "ctl add server be/e 127.0.0.1:$PC >/dev/null"
for i in 1 2 3 4 5 6 7 8; do hcurl -o /dev/null "http://127.0.0.1:$PF/"; done
d_before=$(stat be d stot)
num_between "$d_before" 1 8 "be/d took part of the traffic before the reload"
kill -USR2 "$MASTER"
check "reload 4 done" wait_log "reload 4: worker [0-9]+ \(generation 5\) serving" "$LBD_LOG" 5
like "$(cat "$LBD_LOG")" "2 server\(s\) added at run time carried over" "the new worker re-created both"
is "$(field d addr)" "127.0.0.1:$PB" "be/d is back with its address"
is "$(field d admin):$(field d weight)" "ready:5" "be/d: still in service, weight 5"
is "$(field e admin)" "maint" "be/e: still in maintenance"
is "$(stat be d stot)" "$d_before" "be/d's counters carried over"
for i in 1 2 3 4 5 6 7 8 9 10; do hcurl -o /dev/null "http://127.0.0.1:$PF/"; done
num_between $(( $(stat be d stot) - d_before )) 1 10 "be/d serves after the reload"
check "lbctl del server be/e" eval "ctl del server be/e >/dev/null"
kill -USR2 "$MASTER"
check "reload 5 done" wait_log "reload 5: worker [0-9]+ \(generation 6\) serving" "$LBD_LOG" 5
unlike "$(ctl show servers be)" " e " "a deleted server does not come back"

done_testing
