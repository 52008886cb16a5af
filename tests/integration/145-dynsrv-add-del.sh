#!/bin/bash
# tests/integration/145-dynsrv-add-del.sh: "add server" / "del server" (HAProxy semantics): a
# new server starts in maintenance with counters at 0 and shows in show servers, show stats,
# Prometheus, the stats page and lbtop; after "enable" it gets traffic (counted at its stub);
# "del server" is refused while it is not in maintenance or still has a session, accepted
# after; duplicate names, bad addresses, bad options, unknown backends and map-based hashing
# are refused with a clear message and change nothing.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

[ -x "$LBCTL" ] || skip_all "lbctl not found: LBCTL=$LBCTL"
: "${LBTOP:=$top_builddir/lbtop/lbtop}"
start_stub P1 --http w1 --log "$T/w1.log" || bail "stub w1"
start_stub P2 --http w2 --log "$T/w2.log" || bail "stub w2"
PF=$(free_port)
PM=$(free_port)
SOCK=$T/admin.sock
{
	cat <<-EOF
	global
		stats socket $SOCK mode 600 level admin
	EOF
	cfg_global | sed 1d
	cat <<-EOF
	frontend f
		bind 127.0.0.1:$PF
		default_backend webs
	frontend m
		bind 127.0.0.1:$PM
		http-request use-service prometheus-exporter if { path /metrics }
		stats enable
		stats uri /lbstats
	backend webs
		balance roundrobin
		server w1 127.0.0.1:$P1
	backend maphash
		balance source
		server m1 127.0.0.1:$P1
	backend conshash
		balance source
		hash-type consistent
		server c1 127.0.0.1:$P1
	backend static
		balance static-rr
		server s1 127.0.0.1:$P1
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"
wait_for 5 test -S "$SOCK" || bail "lbd did not create its control socket"
ctl() { "$LBCTL" -s "$SOCK" "$@"; }
reqs_at() { grep -c '^req ' "$1" 2>/dev/null; }
# field SERVER KEY: one column of show servers webs
field()
{
	ctl --json show servers webs | "$PYTHON" -c '
import json, sys
rows = [r for r in json.load(sys.stdin)["data"] if r["server"] == sys.argv[1]]
print(rows[0][sys.argv[2]] if rows else "absent")' "$1" "$2"
}

# --- add ---
out=$(ctl add server webs/w2 127.0.0.1:$P2 weight 3 maxconn 50)
is "$?" 0 "add server exits 0"
like "$out" '^webs/w2 added in maintenance \(id 2\); .enable webs/w2. puts it in service \(workers paused [0-9]+ us\)$' \
	"add server says it starts in maintenance and how long the workers paused"
pause_us=$(sed -n 's/.*paused \([0-9]*\) us.*/\1/p' <<<"$out")
num_between "$pause_us" 0 50000 "the workers paused less than 50 ms ($pause_us us)"
is "$(field w2 admin)" maint "the new server is in maintenance"
is "$(field w2 weight)" 3 "its weight option was applied (config option table)"
is "$(field w2 maxconn)" 50 "its maxconn option was applied"
is "$(field w2 stot)" 0 "its session counter starts at 0"
like "$(ctl show stats --csv)" '^webs,w2,0,0,0,0,50,0,0,0,' "show stats --csv has a w2 row with counters at 0"
like "$(hcurl "http://127.0.0.1:$PM/metrics")" 'haproxy_server_sessions_total\{proxy="webs",server="w2"\} 0' \
	"Prometheus exports the new server"
like "$(hcurl "http://127.0.0.1:$PM/lbstats;csv")" '^webs,w2,' "the stats page lists the new server"
like "$("$LBTOP" --once -d 0.2 -s "$SOCK")" '^webs/w2 +MAINT ' "lbtop shows webs/w2 in MAINT"
for i in 1 2 3 4; do hcurl -o /dev/null "http://127.0.0.1:$PF/"; done
is "$(reqs_at "$T/w2.log")" 0 "a server in maintenance gets no request"

# --- refusals: clear messages, nothing changes ---
refused()	# DESC PATTERN ARGS...
{
	local desc=$1 pat=$2 o rc
	shift 2
	o=$(ctl "$@" 2>&1)
	rc=$?
	is "$rc" 1 "$desc: exit 1"
	like "$o" "$pat" "$desc: message"
}
refused "duplicate name" "^lbctl: failed: backend 'webs' already has a server 'w2'$" \
	add server webs/w2 127.0.0.1:$P1
refused "bad address" "'nohost' is not a numeric address" add server webs/w3 nohost:80
o=$(ctl add server webs/w3 127.0.0.1 2>&1)
is "$?" 2 "address without port: lbctl refuses it (usage, exit 2)"
like "$o" "'127.0.0.1' is not <addr>:<port>" "address without port: message"
refused "port out of range" "^lbctl: failed: server 'w3': port '70000' out of range \(1 to 65535\)$" \
	add server webs/w3 127.0.0.1:70000
refused "bad name" "character ' ' is not permitted in server name 'w 3'" \
	add server 'webs/w 3' 127.0.0.1:$P2
refused "ssl without a CA" "'verify required' \\(the default with 'ssl'\\) needs 'ca-file <file>'" \
	add server webs/w3 127.0.0.1:$P2 ssl
refused "ssl with an unreadable CA" "'ca-file /nonexistent': cannot read it" \
	add server webs/w3 127.0.0.1:$P2 ssl ca-file /nonexistent
like "$(ctl add server webs/wtls 127.0.0.1:$P2 ssl verify none 2>&1)" "webs/wtls added in maintenance" \
	"a TLS server can be added (its credentials built on the control thread)"
like "$(ctl del server webs/wtls 2>&1)" "wtls" "and deleted"
refused "unknown option" "unknown server option 'wieght'.*did you mean 'weight'" \
	add server webs/w3 127.0.0.1:$P2 wieght 2
refused "weight out of range" "'weight' must be between 0 and 256, got 300" \
	add server webs/w3 127.0.0.1:$P2 weight 300
refused "unknown backend" "^lbctl: failed: no backend 'nope'$" add server nope/w3 127.0.0.1:$P2
refused "map-based hashing" "backend 'maphash' uses map-based hashing; dynamic servers need 'hash-type consistent'" \
	add server maphash/m2 127.0.0.1:$P2
refused "static-rr" "backend 'static' uses 'balance static-rr'" add server static/s2 127.0.0.1:$P2
is "$(field w3 admin)" absent "no refused add left a server behind"
out=$(ctl add server conshash/c2 127.0.0.1:$P2)
is "$?" 0 "a backend with hash-type consistent takes a dynamic server"

# --- enable: traffic ---
ctl enable webs/w2 >/dev/null
for i in $(seq 1 8); do hcurl -o /dev/null "http://127.0.0.1:$PF/"; done
num_between "$(reqs_at "$T/w2.log")" 5 8 "after enable, w2 gets its weighted share (3 of 4)"
num_between "$(field w2 stot)" 5 8 "its counters count"

# --- del: refused while in service or busy ---
refused "del of a server not in maintenance" "cannot remove webs/w2: it is not in maintenance" \
	del server webs/w2
run_bg "$T/slow.out" hcurl -w '%{http_code}' "http://127.0.0.1:$PF/slow?delay=2500"
SLOW=$BG_PID
wait_for 3 eval '[ "$(field w2 scur)" = 1 ] || [ "$(field w1 scur)" = 1 ]'
if [ "$(field w2 scur)" != 1 ]; then	# round robin sent it to w1: once more
	wait_exit "$SLOW" 5
	run_bg "$T/slow.out" hcurl -w '%{http_code}' "http://127.0.0.1:$PF/slow?delay=2500"
	SLOW=$BG_PID
	wait_for 3 eval '[ "$(field w2 scur)" = 1 ]'
fi
is "$(field w2 scur)" 1 "a slow request is in flight on w2"
ctl maint webs/w2 >/dev/null
refused "del of a server with a session" "cannot remove webs/w2: it still has 1 session\(s\)" \
	del server webs/w2
like "$(ctl wait webs/w2 removable --timeout 10s)" '^webs/w2: removable after' \
	"wait removable returns once the slow request is done"
wait_exit "$SLOW" 5
is "$(tail -c 3 "$T/slow.out")" 200 "the slow request finished with 200"
out=$(ctl del server webs/w2)
is "$?" 0 "del server exits 0 once the server is idle in maintenance"
like "$out" '^webs/w2 removed \(workers paused [0-9]+ us\)$' "del server says so"
is "$(field w2 admin)" absent "the server is gone from show servers"
unlike "$(ctl show stats --csv)" '^webs,w2,' "and from show stats"
refused "del of an unknown server" "no server 'w2' in backend 'webs'" del server webs/w2
n=$(reqs_at "$T/w2.log")
for i in 1 2 3 4; do is "$(http_code "http://127.0.0.1:$PF/")" 200 "request $i after del: 200"; done
is "$(reqs_at "$T/w2.log")" "$n" "the removed server gets no more requests"

# --- a server of the config file can go too, and a new one can take its name ---
ctl add server webs/w2 127.0.0.1:$P2 >/dev/null
ctl enable webs/w2 >/dev/null
ctl maint webs/w1 >/dev/null
out=$(ctl del server webs/w1)
is "$?" 0 "a server of the config file can be removed"
is "$(field w2 id)" 2 "a re-added server takes the next free id (HAProxy)"
for i in 1 2 3; do is "$(http_code "http://127.0.0.1:$PF/")" 200 "request $i on the re-added w2: 200"; done
like "$(ctl show servers webs)" '^webs +w2 +2 ' "show servers lists it"
unlike "$(ctl show servers webs)" '^webs +w1 ' "and not the removed w1"

check "lbd is still running" pid_alive "$LBD_PID"
done_testing
