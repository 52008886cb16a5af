#!/bin/bash
# tests/integration/190-map-routing.sh: maps: host-based routing with
# use_backend %[req.hdr(host),lower,map(hosts.map,default)], the map_* converters in rules,
# a name no backend has falling to default_backend, map file errors with their position
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

start_stub PA --http API || bail "stub API"
start_stub PS --http STATIC || bail "stub STATIC"
start_stub PW --http WEB || bail "stub WEB"
F=$(free_port)
cat >"$T/hosts.map" <<-EOF
	# host            backend
	api.example.com   be_api
	static.example.com be_static
	ghost.example.com be_nowhere

	www.example.com   be_web
EOF
printf '/static/ be_static\n/api/ be_api\n' >"$T/paths.map"
printf '10.0.0.0/8 lan\n127.0.0.0/8 loopback\n127.0.0.1 me\n' >"$T/nets.map"
printf '^/v([0-9]+)/ 42\n' >"$T/ver.map"
printf 'example yes\n' >"$T/doms.map"
{
	cfg_global
	cat <<-EOF
	frontend fe
		bind 127.0.0.1:$F
		http-request return status 200 content-type text/plain string "me" if { path /net } { src,map_ip($T/nets.map,none) -m str me }
		http-request return status 200 content-type text/plain string "loopback" if { path /net } { src,map_ip($T/nets.map,none) -m str loopback }
		http-request return status 200 content-type text/plain string "43" if { path_beg /v } { path,map_reg_int($T/ver.map,0),add(1) 43 }
		http-request return status 200 content-type text/plain string "1" if { path_beg /v } { path,map_reg_int($T/ver.map,0),add(1) 1 }
		http-request return status 200 content-type text/plain string "dom" if { path /dom } { req.hdr(host),map_dom($T/doms.map) -m str yes }
		http-request return status 200 content-type text/plain string "end" if { path /end } { req.hdr(host),map_end($T/doms.map) -m str yes }
		use_backend %[path,map_beg($T/paths.map)] if { path,map_beg($T/paths.map) -m found }
		use_backend %[req.hdr(host),lower,map($T/hosts.map,be_web)]
		default_backend be_web
	backend be_api
		server a 127.0.0.1:$PA
	backend be_static
		server s 127.0.0.1:$PS
	backend be_web
		server w 127.0.0.1:$PW
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"

server() { hcurl -D - -o /dev/null "$@" 2>/dev/null | tr -d '\r' | awk -F': ' 'tolower($1) == "x-server" { print $2 }'; }

is "$(server -H 'Host: API.Example.com' "http://127.0.0.1:$F/x")" API "map(hosts.map): Host API.Example.com (lower) -> be_api"
is "$(server -H 'Host: static.example.com' "http://127.0.0.1:$F/x")" STATIC "map(hosts.map): static.example.com -> be_static"
is "$(server -H 'Host: www.example.com' "http://127.0.0.1:$F/x")" WEB "map(hosts.map): www.example.com -> be_web"
is "$(server -H 'Host: other.example.com' "http://127.0.0.1:$F/x")" WEB "map default: unknown host -> be_web"
is "$(server -H 'Host: ghost.example.com' "http://127.0.0.1:$F/x")" WEB "a name no backend has falls to default_backend"
is "$(server -H 'Host: www.example.com' "http://127.0.0.1:$F/api/v")" API "map_beg(paths.map): /api/ -> be_api (first rule)"
is "$(hcurl "http://127.0.0.1:$F/net")" "me" "map_ip: the longest prefix wins (127.0.0.1 over 127.0.0.0/8)"
is "$(hcurl "http://127.0.0.1:$F/v2/x")" "43" "map_reg_int then add(1): 42+1"
is "$(hcurl "http://127.0.0.1:$F/vx")" "1" "map_reg_int default 0 then add(1)"
is "$(hcurl -H 'Host: www.example.org' "http://127.0.0.1:$F/dom")" "dom" "map_dom: 'example' is a dot-delimited part"
is "$(hcurl -H 'Host: www.myexample.org' "http://127.0.0.1:$F/dom")" "WEB" "map_dom: not within a longer label (the request goes on to be_web)"
is "$(hcurl -H 'Host: my.example' "http://127.0.0.1:$F/end")" "end" "map_end: the host ends with 'example'"

# errors at load, with file:line
printf 'good be_web\nlonely\n' >"$T/bad.map"
{
	cfg_global
	cat <<-EOF
	frontend fe
		bind 127.0.0.1:$(free_port)
		use_backend %[req.hdr(host),map($T/bad.map)]
		use_backend %[src,map_ip($T/hosts.map)]
		use_backend %[req.hdr(host),map($T/missing.map)]
		use_backend %[req.hdr(host),mapp($T/hosts.map)]
		use_backend %[req.hdr(host)
		default_backend be_web
	backend be_web
		server w 127.0.0.1:$PW
	EOF
} >"$T/bad.cfg"
out=$("$LBD" -c -f "$T/bad.cfg" 2>&1); rc=$?
isnt_zero() { [ "$1" != 0 ]; }
check "lbd -c refuses the bad maps (exit $rc)" isnt_zero "$rc"
like "$out" "bad.map:2: key 'lonely' has no value" "a map line without a value: file:line"
like "$out" "hosts.map:2: 'api.example.com' is not an IPv4 or IPv6 address" "map_ip on a host map: file:line"
like "$out" "cannot open map file '.*missing.map'" "a missing map file"
like "$out" "unknown converter 'mapp'.*did you mean 'map'" "an unknown converter, with a suggestion"
like "$out" "missing '\]' after '%\['" "an unclosed %["
done_testing
