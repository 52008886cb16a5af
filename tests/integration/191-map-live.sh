#!/bin/bash
# tests/integration/191-map-live.sh: live edits of ACL and map files through the control
# socket (lbctl), without reload: a denylist that refuses the first request after
# "add acl", a map route changed by "set map", "prepare"/"commit" replacing a whole list
# atomically while traffic runs, "show acl|map", access levels
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

[ -x "$LBCTL" ] || skip_all "lbctl not found: LBCTL=$LBCTL"
start_stub PA --http API || bail "stub API"
start_stub PW --http WEB || bail "stub WEB"
F=$(free_port)
SOCK=$T/admin.sock USOCK=$T/user.sock
printf '# denied clients\n192.0.2.1\n' >"$T/deny.acl"
printf 'api.example.com be_api\n' >"$T/hosts.map"
printf '/blocked/a\n' >"$T/paths.acl"
{
	cat <<-EOF
	global
		stats socket $SOCK mode 600 level admin
		stats socket $USOCK mode 600 level user
		nbthread 2
	EOF
	cfg_global | sed 1d
	cat <<-EOF
	frontend fe
		bind 127.0.0.1:$F
		acl denied src -f $T/deny.acl
		acl bad_path path -f $T/paths.acl
		http-request deny deny_status 403 if denied
		http-request deny deny_status 404 if bad_path
		use_backend %[req.hdr(host),lower,map($T/hosts.map,be_web)]
	backend be_api
		server a 127.0.0.1:$PA
	backend be_web
		server w 127.0.0.1:$PW
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"
wait_for 5 test -S "$SOCK" || bail "lbd did not create its control socket"
ctl() { "$LBCTL" -s "$SOCK" "$@"; }
server() { hcurl -D - -o /dev/null "$@" 2>/dev/null | tr -d '\r' | awk -F': ' 'tolower($1) == "x-server" { print $2 }'; }
URL=http://127.0.0.1:$F/x

is "$(http_code "$URL")" 200 "before the edit: 127.0.0.1 is not denied"
like "$(ctl show acl)" "deny.acl +1" "show acl: the file and its size"
out=$(ctl add acl "$T/deny.acl" 127.0.0.1 2>&1); rc=$?
is "$rc" 0 "add acl: exit 0 ($out)"
start=$(date +%s%N)
code=$(http_code "$URL")
ms=$(( ($(date +%s%N) - start) / 1000000 ))
is "$code" 403 "the first request after add acl is refused (no reload)"
num_between "$ms" 0 1000 "and it took less than a second"
like "$(ctl show acl "$T/deny.acl")" "127.0.0.1" "show acl <file>: the new pattern"
like "$(ctl show acl '#0')" "192.0.2.1" "show acl #0: by id"
ctl del acl "$T/deny.acl" 127.0.0.1 >/dev/null
is "$(http_code "$URL")" 200 "del acl: allowed again at once"
out=$(ctl del acl "$T/deny.acl" 127.0.0.1 2>&1); rc=$?
check "del acl of an absent pattern fails (exit $rc)" test "$rc" != 0
like "$out" "no pattern '127.0.0.1'" "and says why"
out=$(ctl add acl "$T/deny.acl" not-an-ip 2>&1); rc=$?
check "add acl refuses what the matcher cannot take (exit $rc)" test "$rc" != 0
like "$out" "'not-an-ip' is not an IPv4 or IPv6 address" "with the matcher's message"
out=$(ctl add acl "$T/nope.acl" 1.2.3.4 2>&1)
like "$out" "no ACL file '.*nope.acl' in use" "add acl to a file no rule uses"

# maps
is "$(server -H 'Host: new.example.com' "$URL")" WEB "map: unknown host -> default value be_web"
ctl add map "$T/hosts.map" new.example.com be_api >/dev/null
is "$(server -H 'Host: new.example.com' "$URL")" API "add map: routed by the new entry at once"
ctl set map "$T/hosts.map" new.example.com be_web >/dev/null
is "$(server -H 'Host: new.example.com' "$URL")" WEB "set map: the new value applies at once"
like "$(ctl show map "$T/hosts.map")" "new.example.com +be_web" "show map <file>: key and value"
ctl del map "$T/hosts.map" api.example.com >/dev/null
is "$(server -H 'Host: api.example.com' "$URL")" WEB "del map: the key is gone"
like "$(ctl clear map "$T/hosts.map")" "1 removed" "clear map: says how many"
is "$(ctl show map "$T/hosts.map" | grep -c example)" 0 "clear map: empty"

# prepare / commit: 200 patterns replace the list atomically while requests run
ver=$(ctl prepare acl "$T/paths.acl" | awk '$1 == "version:" { print $2 }')
like "$ver" '^@[0-9]+$' "prepare acl: a version id ($ver)"
for i in $(seq 1 200); do echo "add acl $ver $T/paths.acl /blocked/n$i"; done >"$T/batch"
while read -r line; do ctl $line >/dev/null || fail "$line"; done <"$T/batch"
is "$(http_code "http://127.0.0.1:$F/blocked/n7")" 200 "prepared patterns are not live before commit"
is "$(http_code "http://127.0.0.1:$F/blocked/a")" 404 "the old list still applies before commit"
"$PYTHON" - "$F" >"$T/load.out" 2>&1 <<-'PYEOF' &
	import http.client, sys, time
	port = int(sys.argv[1]); bad = 0; n = 0; end = time.time() + 1.5
	while time.time() < end:
	    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
	    c.request("GET", "/blocked/a"); a = c.getresponse().status
	    c.close()
	    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
	    c.request("GET", "/blocked/n200"); b = c.getresponse().status
	    c.close()
	    n += 1
	    # old list: (404, 200); new: (200, 404); commit between the two: (404, 404).
	    # (200, 200) would be a list holding neither: half-built or empty
	    if (a, b) not in ((404, 200), (200, 404), (404, 404)):
	        bad += 1
	print("pairs", n, "bad", bad)
PYEOF
LOADPID=$!
lb_track "$LOADPID"
sleep 0.5
like "$(ctl commit acl "$ver" "$T/paths.acl")" "committed \(200 entries\)" "commit acl: 200 entries"
wait "$LOADPID"
like "$(cat "$T/load.out")" "bad 0$" "requests during the commit saw the old or the new list only"
is "$(http_code "http://127.0.0.1:$F/blocked/n7")" 404 "after commit: the new patterns apply"
is "$(http_code "http://127.0.0.1:$F/blocked/a")" 200 "after commit: the old pattern is gone"
out=$(ctl commit acl "$ver" "$T/paths.acl" 2>&1)
like "$out" "no prepared version $ver" "a version commits once"

# access levels: show is for user level, edits are not
like "$("$LBCTL" -s "$USOCK" show map 2>&1)" "hosts.map" "show map at level user"
out=$("$LBCTL" -s "$USOCK" add acl "$T/deny.acl" 10.1.1.1 2>&1); rc=$?
check "add acl at level user is denied (exit $rc)" test "$rc" != 0
done_testing
