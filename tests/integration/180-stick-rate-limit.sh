#!/bin/bash
# tests/integration/180-stick-rate-limit.sh: HAProxy's canonical rate limit (stick-table
# type ipv6 ... store http_req_rate(10s) / http-request track-sc0 src / deny 429 if
# sc_http_req_rate(0) gt 100): exactly the requests over the limit get 429, the entry
# expires and the limit lifts; show table lists the entry and its counters, clear table and
# set table change it live.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

[ -x "$LBCTL" ] || skip_all "lbctl not found: LBCTL=$LBCTL"
start_stub P1 --http s1 || bail "stub"
PF=$(free_port)
SOCK=$T/admin.sock
{
	cat <<-EOF
	global
		stats socket $SOCK mode 600 level admin
		nbthread 2
	EOF
	cfg_global | sed 1d
	cat <<-EOF
	frontend fe
		bind 127.0.0.1:$PF
		stick-table type ipv6 size 1m expire 2s store http_req_rate(10s),http_req_cnt,conn_cur,http_err_cnt
		http-request track-sc0 src
		http-request deny deny_status 429 if { sc_http_req_rate(0) gt 100 }
		default_backend b
	backend b
		server s1 127.0.0.1:$P1
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"
wait_for 5 test -S "$SOCK" || bail "no control socket"
ctl() { "$LBCTL" -s "$SOCK" "$@"; }
KEY=::ffff:127.0.0.1

# burst N: N requests on keep-alive connections (one curl), their status codes counted
burst()
{
	local urls=() i
	for ((i = 0; i < $1; i++)); do urls+=(-o /dev/null "http://127.0.0.1:$PF/r$i"); done
	hcurl --max-time 20 -w '%{http_code}\n' "${urls[@]}" 2>/dev/null | sort | uniq -c |
		awk '{ printf "%s:%s ", $2, $1 }'
}
# field NAME: a counter of the client's entry from show table (JSON)
field()
{
	ctl --json show table fe | "$PYTHON" -c '
import json, sys
rows = [r for r in json.load(sys.stdin)["data"] if r["key"] == sys.argv[1]]
print(rows[0][sys.argv[2]] if rows else "none")' "$KEY" "$1"
}

is "$(burst 150)" "200:100 429:50 " "150 requests in a burst: 100 pass, the 50 over the limit get 429"
is "$(field http_req_cnt)" 150 "show table: http_req_cnt counts every request"
is "$(field http_req_rate)" 150 "show table: http_req_rate over the 10s window"
is "$(field http_err_cnt)" 50 "show table: the 429s are HTTP errors"
is "$(field use)" 0 "show table: no stream holds the entry between requests"
is "$(field conn_cur)" 0 "conn_cur went back to 0 when the streams ended"
is "$(http_code "http://127.0.0.1:$PF/x")" 429 "still limited right after the burst"

like "$(ctl show table)" "fe +ipv6 +1048576 +1 " "show table without a name lists the tables (name, type, size, used)"
like "$(ctl show table fe data.http_req_cnt gt 100)" "$KEY" "show table filter data.<type> gt: the entry matches"
unlike "$(ctl show table fe data.http_req_cnt lt 100)" "ffff" "show table filter data.<type> lt: it does not"
like "$(ctl show table fe key 127.0.0.1)" "$KEY" "show table filter key (an IPv4 address in an ipv6 table)"
like "$(ctl show table nope 2>&1)" "no stick-table called 'nope'" "show table: unknown table"
like "$(ctl show table fe data.gpc0 gt 1 2>&1)" "does not store 'gpc0'" "show table: filter on a type not stored"

like "$(ctl clear table fe key $KEY)" "key $KEY removed" "clear table key: removed"
is "$(field http_req_cnt)" none "clear table key: the entry is gone"
is "$(http_code "http://127.0.0.1:$PF/x")" 200 "after clear table the client passes again"

like "$(ctl set table fe key $KEY data.http_req_rate 500 data.http_req_cnt 7)" "updated" "set table: two values"
is "$(field http_req_cnt)" 7 "set table: value visible in show table"
is "$(http_code "http://127.0.0.1:$PF/x")" 429 "set table: a rate of 500 limits the next request"
like "$(ctl set table fe key $KEY data.gpc0 1 2>&1)" "does not store 'data.gpc0'" "set table: a type not stored is refused"
like "$(ctl set table fe key nope data.http_req_cnt 1 2>&1)" "not a key of table 'fe'" "set table: a bad key is refused"

# the limit lifts once the entry expires (expire 2s after the last request)
burst 120 >/dev/null
is "$(http_code "http://127.0.0.1:$PF/x")" 429 "limited again after another burst"
sleep 2.5
is "$(field http_req_cnt)" none "the entry expired 2s after its last use"
is "$(http_code "http://127.0.0.1:$PF/x")" 200 "after expiry the client passes"
is "$(field http_req_cnt)" 1 "a new entry starts from 1"

like "$(ctl clear table fe)" "1 entry removed" "clear table: every entry"
is "$(ctl --json show table fe | "$PYTHON" -c "import json, sys; print(len(json.load(sys.stdin)[\"data\"]))")" 0 "show table: empty after clear"
done_testing
