#!/bin/bash
# tests/integration/158-mworker-tables.sh: stick-table entries survive a reload: counters
# (http_req_cnt, gpc0 set with lbctl) and "stick on" persistence are in the new worker's
# tables; a table whose key type changed in the new config starts empty.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

[ -x "$LBCTL" ] || skip_all "lbctl not found: LBCTL=$LBCTL"
start_stub PA --http A || bail "stub A"
start_stub PB --http B || bail "stub B"
PF=$(free_port)
SOCK=$T/ctl.sock
write_cfg()	# KEY-TYPE-OF-THE-FRONTEND-TABLE
{
	cfg_global http "stats socket $SOCK level admin"
	cat <<-EOF
	frontend fe
		bind 127.0.0.1:$PF
		stick-table type $1 size 100 expire 60s store http_req_cnt,gpc0
		http-request track-sc0 src
		default_backend be
	backend be
		balance roundrobin
		stick-table type ip size 100 expire 60s
		stick on src
		server a 127.0.0.1:$PA
		server b 127.0.0.1:$PB
	EOF
}
write_cfg ip >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" -W || bail "lbd -W did not start"
MASTER=$LBD_PID
wait_log "\(generation 1\) serving" || bail "no worker serves"
ctl() { "$LBCTL" -s "$SOCK" "$@"; }

first=$(hcurl "http://127.0.0.1:$PF/" | tr -d '\n')
for i in 2 3 4 5; do hcurl -o /dev/null "http://127.0.0.1:$PF/"; done
check "set table fe key 127.0.0.1 data.gpc0 7" eval "ctl set table fe key 127.0.0.1 data.gpc0 7 >/dev/null"
# row TABLE: "gpc0:http_req_cnt" (fe) or the server id (be) of 127.0.0.1's entry
row() { ctl show table "$1" | awk '$1 == "127.0.0.1" { print ($5 != "" ? $4 ":" $5 : $4) }'; }
is "$(row fe)" "7:5" "5 requests tracked before the reload (gpc0 set to 7)"

kill -USR2 "$MASTER"
check "reload 1 done" wait_log "reload 1: worker [0-9]+ \(generation 2\) serving" "$LBD_LOG" 5
is "$(row fe)" "7:5" "the frontend table's gpc0 and http_req_cnt carried over"
like "$(row be)" "^[12]$" "the backend's persistence entry (server id) carried over"
got=$(for i in 1 2 3 4; do hcurl "http://127.0.0.1:$PF/" | tr -d '\n'; echo -n " "; done)
is "$got" "$first $first $first $first " "stick on src: the same server after the reload"
is "$(row fe)" "7:9" "new requests count on top"

# the table's key type changes: it starts empty (the old keys mean nothing in it)
write_cfg string >"$T/lbd.cfg"
kill -USR2 "$MASTER"
check "reload 2 done" wait_log "reload 2: worker [0-9]+ \(generation 3\) serving" "$LBD_LOG" 5
is "$(row fe)" "" "a table of another key type starts empty"

done_testing
