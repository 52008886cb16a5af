#!/bin/bash
# tests/integration/149-dynsrv-options.sh: the options of "add server" act as on a server line,
# completed by the backend's default-server: "check" runs the backend's httpchk once the
# server leaves maintenance and a dead one goes DOWN (no request reaches it), "send-proxy"
# sends a PROXY header, "backup" only serves when no active server can; nbsrv() sees added
# servers, srv_is_up() still finds a config server after deletions moved it; a
# consistent-hash backend keeps its keys on the same servers when one is added; add/del are
# refused during a soft stop.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

[ -x "$LBCTL" ] || skip_all "lbctl not found: LBCTL=$LBCTL"
start_stub P1 --http w1 --log "$T/w1.log" || bail "stub w1"
start_stub P2 --http w2 --log "$T/w2.log" || bail "stub w2"
start_stub PP --http px --proxy --log "$T/px.log" || bail "stub px"
start_stub P3 --http w3 --log "$T/w3.log" || bail "stub w3"
PDEAD=$(free_port)
PF=$(free_port)
PG=$(free_port)
PH=$(free_port)
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
	frontend g
		bind 127.0.0.1:$PG
		acl two nbsrv(webs) ge 2
		acl a_up srv_is_up(webs/a)
		http-request return status 200 content-type text/plain string "two" if two a_up
		http-request return status 200 content-type text/plain string "fewer" if a_up
		http-request return status 503 content-type text/plain string "a down"
	frontend h
		bind 127.0.0.1:$PH
		default_backend ring
	backend webs
		balance roundrobin
		option httpchk GET /health
		default-server maxconn 33
		server x 127.0.0.1:$P1
		server a 127.0.0.1:$P1
		server b 127.0.0.1:$P1
	backend ring
		balance uri
		hash-type consistent
		server r1 127.0.0.1:$P1
		server r2 127.0.0.1:$P2
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"
wait_for 5 test -S "$SOCK" || bail "lbd did not create its control socket"
ctl() { "$LBCTL" -s "$SOCK" "$@"; }
field()	# SERVER KEY
{
	ctl --json show servers webs | "$PYTHON" -c '
import json, sys
rows = [r for r in json.load(sys.stdin)["data"] if r["server"] == sys.argv[1]]
print(rows[0][sys.argv[2]] if rows else "absent")' "$1" "$2"
}
served_by() { hcurl -D - -o /dev/null "$1" 2>/dev/null | tr -d '\r' | awk -F': ' 'tolower($1) == "x-server" { print $2 }'; }

# --- check ---
ctl add server webs/c2 127.0.0.1:$P2 check inter 100ms rise 1 fall 1 >/dev/null
is "$(field c2 maxconn)" 33 "the backend's default-server applies to an added server"
sleep 0.4
is "$(grep -c 'GET /health' "$T/w2.log")" 0 "no health check while the new server is in maintenance"
ctl enable webs/c2 >/dev/null
check "after enable, c2 is checked with the backend's httpchk" \
	wait_for 3 eval '[ "$(grep -c "GET /health" "$T/w2.log")" -ge 2 ]'
like "$(ctl show servers webs)" '^webs +c2 .* UP .* L7OK' "c2 is UP with L7OK"
ctl add server webs/dead 127.0.0.1:$PDEAD check inter 100ms fall 1 weight 5 >/dev/null
ctl enable webs/dead >/dev/null
check "a dead server added with check goes DOWN" wait_for 3 eval '[ "$(field dead status)" = DOWN ]'
codes=""
for i in $(seq 1 8); do codes="$codes$(http_code "http://127.0.0.1:$PF/")"; done
is "$codes" 200200200200200200200200 "no request is sent to the DOWN server"

# --- nbsrv / srv_is_up ---
is "$(hcurl "http://127.0.0.1:$PG/")" "two" "nbsrv(webs) counts the added servers"
for s in c2 dead b x; do ctl maint webs/$s >/dev/null; done
is "$(hcurl "http://127.0.0.1:$PG/")" "fewer" "nbsrv(webs) is 1 with c2, dead, b and x in maintenance"
ctl del server webs/dead >/dev/null
ctl del server webs/c2 >/dev/null
ctl del server webs/b >/dev/null
out=$(ctl del server webs/x)
is "$?" 0 "del of the config servers x and b (a moves to the first slot)"
# srv_is_up(webs/a) names a by its id, not by its (old) position, now taken by z
ctl add server webs/z 127.0.0.1:$P2 >/dev/null
ctl enable webs/z >/dev/null
ctl maint webs/a >/dev/null
is "$(hcurl "http://127.0.0.1:$PG/")" "a down" "srv_is_up(webs/a) follows a in maintenance (z up)"
ctl enable webs/a >/dev/null
ctl maint webs/z >/dev/null
is "$(hcurl "http://127.0.0.1:$PG/")" "fewer" "srv_is_up(webs/a) follows a back up (z in maint)"
ctl enable webs/z >/dev/null
is "$(hcurl "http://127.0.0.1:$PG/")" "two" "nbsrv(webs) counts z once enabled"

# --- send-proxy ---
ctl add server webs/p 127.0.0.1:$PP send-proxy >/dev/null
for s in a z; do ctl maint webs/$s >/dev/null; done
ctl enable webs/p >/dev/null
is "$(served_by "http://127.0.0.1:$PF/")" px "the send-proxy server answers"
like "$(cat "$T/px.log")" '^proxy conn=[0-9]+ v1 src=127.0.0.1' "it got a PROXY v1 header"

# --- backup ---
ctl add server webs/bk 127.0.0.1:$P2 backup >/dev/null
ctl enable webs/bk >/dev/null
is "$(served_by "http://127.0.0.1:$PF/")" px "a backup server is not used while an active one is"
ctl maint webs/p >/dev/null
is "$(served_by "http://127.0.0.1:$PF/")" w2 "the backup server serves when no active one can"

# --- consistent hashing: keys stay where they were, except those the new server takes ---
declare -A before
for k in $(seq 1 40); do before[$k]=$(served_by "http://127.0.0.1:$PH/k$k"); done
ctl add server ring/r3 127.0.0.1:$P3 >/dev/null
ctl enable ring/r3 >/dev/null
swapped=0 to_r3=0
for k in $(seq 1 40); do
	now=$(served_by "http://127.0.0.1:$PH/k$k")
	if [ "$now" = w3 ]; then
		to_r3=$((to_r3 + 1))
	elif [ "$now" != "${before[$k]}" ]; then
		swapped=$((swapped + 1))
	fi
done
is "$swapped" 0 "hash-type consistent: no key moved between the old servers"
num_between "$to_r3" 4 30 "the added r3 took a share of the keys ($to_r3 of 40)"

# --- soft stop: refused ---
run_bg "$T/slow.out" hcurl -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PF/slow?delay=2000"
SLOW=$BG_PID
sleep 0.3
kill -USR1 "$LBD_PID"
sleep 0.2
out=$(ctl add server webs/late 127.0.0.1:$P2 2>&1)
is "$?" 1 "add server during a soft stop fails"
like "$out" 'lbd is stopping; servers can no longer be added' "and says why"
out=$(ctl del server webs/z 2>&1)
is "$?" 1 "del server during a soft stop fails"
like "$out" 'lbd is stopping; servers can no longer be removed' "and says why"
wait_exit "$SLOW" 5
is "$(cat "$T/slow.out")" 200 "the in-flight request finished"
done_testing
