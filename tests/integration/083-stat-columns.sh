#!/bin/bash
# tests/integration/083-stat-columns.sh: HAProxy's "show stat" columns through lbctl show
# stats --csv: every column that applies to lb has a value (only the features lb lacks stay
# empty), and the maxima and rates (smax, qmax, rate, req_rate, conn_rate and their maxima,
# lastsess, qlimit) follow the traffic sent; "clear counters" resets the maxima.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

start_stub P1 --http s1 || bail "stub s1"
start_stub P2 --http s2 || bail "stub s2"
PF=$(free_port)
ADMIN=$T/admin.sock
{
	cat <<-EOF
	global
		stats socket $ADMIN mode 600 level admin
	EOF
	cfg_global http "nbthread 1" | sed 1d
	cat <<-EOF
	frontend f
		bind 127.0.0.1:$PF
		default_backend b
	backend b
		timeout queue 5s
		option httpchk GET /
		server s1 127.0.0.1:$P1 maxconn 1 maxqueue 20 check inter 300ms
		server s2 127.0.0.1:$P2 maxconn 1 maxqueue 20
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"
wait_for 5 test -S "$ADMIN" || bail "no control socket"

# 6 slow requests at once: 2 served, 4 queued; then 20 quick ones
slow=""
for i in 1 2 3 4 5 6; do
	hcurl -o /dev/null "http://127.0.0.1:$PF/slow?delay=300" &
	slow="$slow $!"
	lb_track $!
done
wait_for 5 eval '"$LBCTL" -s "$ADMIN" show stats --csv | grep -q "^b,BACKEND,[1-9]"'
for p in $slow; do wait_exit "$p" 10; done
for i in $(seq 20); do hcurl -o /dev/null "http://127.0.0.1:$PF/"; done
"$LBCTL" -s "$ADMIN" show stats --csv >"$T/stat.csv"

# col PROXY SERVICE NAME: one cell of the CSV
col()
{
	"$PYTHON" - "$T/stat.csv" "$1" "$2" "$3" <<-'PY'
	import csv, sys
	rows = list(csv.reader(open(sys.argv[1])))
	hdr = [h.lstrip("# ") for h in rows[0]]
	for r in rows[1:]:
	    if r[0] == sys.argv[2] and r[1] == sys.argv[3]:
	        print(r[hdr.index(sys.argv[4])])
	PY
}

# the columns no row fills: exactly those of features lb does not have (compression,
# cookies, rate limits on sessions, agents here, rewrites, tcp-request session rules)
empty=$("$PYTHON" - "$T/stat.csv" <<-'PY'
	import csv, sys
	rows = list(csv.reader(open(sys.argv[1])))
	hdr = [h.lstrip("# ") for h in rows[0]]
	print(" ".join(h for i, h in enumerate(hdr)
	               if h and all(i >= len(r) or r[i] == "" for r in rows[1:])))
	PY
)
is "$empty" "throttle tracked rate_lim comp_in comp_out comp_byp comp_rsp last_agt agent_status agent_code agent_duration agent_desc agent_rise agent_fall agent_health cookie dcon dses wrew" \
	"every show stat column that applies to lb has a value"

num_between "$(col b BACKEND qmax)" 3 4 "backend qmax: the 4 queued requests (one may have slipped in)"
is "$(col b BACKEND smax)" 2 "backend smax: 2 sessions at once (maxconn 1 each)"
is "$(col b s1 smax)" 1 "server smax: maxconn 1"
is "$(col b s1 qlimit)" 20 "server qlimit: its maxqueue"
num_between "$(col f FRONTEND smax)" 6 7 "frontend smax: the 6 concurrent connections"
num_between "$(col f FRONTEND req_rate_max)" 4 26 "frontend req_rate_max counts requests per second"
num_between "$(col f FRONTEND conn_rate_max)" 4 26 "frontend conn_rate_max counts connections per second"
num_between "$(col b BACKEND rate_max)" 4 26 "backend rate_max"
num_between "$(col b s2 lastsess)" 0 3 "server lastsess: seconds since its last session"
sleep 2.1
"$LBCTL" -s "$ADMIN" show stats --csv >"$T/stat.csv"
is "$(col f FRONTEND req_rate)" 0 "req_rate: 0 once a whole quiet second has passed"

"$LBCTL" -s "$ADMIN" clear counters >/dev/null
"$LBCTL" -s "$ADMIN" show stats --csv >"$T/stat.csv"
is "$(col b BACKEND qmax):$(col b BACKEND smax):$(col f FRONTEND req_rate_max)" "0:0:0" \
	"clear counters resets the maxima"

done_testing
