#!/bin/bash
# tests/integration/020-http-roundrobin.sh: roundrobin alternates, weights split, leastconn avoids the busy server
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

start_stub PA --http A --log "$T/a.log" || bail "stub A"
start_stub PB --http B --log "$T/b.log" || bail "stub B"
F1=$(free_port) F2=$(free_port) F3=$(free_port)

{
	cfg_global
	cat <<-EOF
	frontend rr
		bind 127.0.0.1:$F1
		default_backend be_rr
	frontend weighted
		bind 127.0.0.1:$F2
		default_backend be_weighted
	frontend lc
		bind 127.0.0.1:$F3
		default_backend be_lc
	backend be_rr
		balance roundrobin
		server a 127.0.0.1:$PA
		server b 127.0.0.1:$PB
	backend be_weighted
		balance roundrobin
		server a 127.0.0.1:$PA weight 1
		server b 127.0.0.1:$PB weight 2
	backend be_lc
		balance leastconn
		server a 127.0.0.1:$PA
		server b 127.0.0.1:$PB
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"

# 10 requests, one connection each: the answers alternate exactly.
seq=""
for i in $(seq 10); do
	seq="$seq$(hcurl "http://127.0.0.1:$F1/")"
done
like "$seq" '^(AB){5}$|^(BA){5}$' "roundrobin: 10 requests alternate between the 2 servers ($seq)"

# weights 1:2 -> over 30 requests, exactly 10 for a and 20 for b.
seq=""
for i in $(seq 30); do
	seq="$seq$(hcurl "http://127.0.0.1:$F2/")"
done
na=$(printf '%s' "$seq" | tr -cd A | wc -c)
nb=$(printf '%s' "$seq" | tr -cd B | wc -c)
is "$na:$nb" "10:20" "roundrobin weights 1:2 give a 10:20 split over 30 requests"
unlike "$seq" 'AA' "the weighted rotation never sends 2 requests in a row to the lighter server"

# leastconn: while a slow request is pending on one server, the next goes to the other.
for round in 1 2; do
	run_bg "$T/slow.$round" hcurl "http://127.0.0.1:$F3/?delay=1500"
	slow_pid=$BG_PID
	# the slow request has reached a stub when one of the logs shows its delay
	wait_for 3 grep -q "delay=1500" "$T/a.log" "$T/b.log" 2>/dev/null
	sleep 0.1
	fast=$(hcurl "http://127.0.0.1:$F3/")
	wait_exit "$slow_pid" 5
	slow=$(cat "$T/slow.$round")
	like "$slow$fast" '^(AB|BA)$' "leastconn round $round: fast request avoids the busy server (slow=$slow fast=$fast)"
	: >"$T/a.log"
	: >"$T/b.log"
done

# access log: one line per request, naming the backend and server.
wait_log_count 44 ' (be_rr|be_weighted|be_lc)/[ab] '
is "$(log_count ' (be_rr|be_weighted|be_lc)/[ab] ')" 44 "one log line per request (44)"

stop_pid "$LBD_PID" TERM 3
check "lbd exits on SIGTERM" test "$LB_EXIT" != ""
done_testing
