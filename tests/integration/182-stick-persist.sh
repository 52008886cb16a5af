#!/bin/bash
# tests/integration/182-stick-persist.sh: persistence by stick table ("stick on",
# "stick match", "stick store-request"): a key keeps going to the server it got first,
# different keys spread, a drained server keeps its keys, one in maintenance loses them,
# the table shows the server ids, and the config errors are clear.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

start_stub P1 --http s1 || bail "stub s1"
start_stub P2 --http s2 || bail "stub s2"
start_stub P3 --http s3 || bail "stub s3"
FIP=$(free_port) FHDR=$(free_port) FTCP=$(free_port)
ADMIN=$T/admin.sock
{
	cat <<-EOF
	global
		stats socket $ADMIN mode 600 level admin
	EOF
	cfg_global http "nbthread 2" | sed 1d
	cat <<-EOF
	frontend fip
		bind 127.0.0.1:$FIP
		default_backend by_src
	frontend fhdr
		bind 127.0.0.1:$FHDR
		default_backend by_user
	backend by_src
		balance roundrobin
		stick-table type ip size 100 expire 30s
		stick on src
		server s1 127.0.0.1:$P1
		server s2 127.0.0.1:$P2
		server s3 127.0.0.1:$P3
	backend by_user
		balance roundrobin
		stick-table type string len 32 size 100 expire 30s
		stick match req.hdr(x-user)
		stick store-request req.hdr(x-user) if { req.hdr(x-user) -m found }
		server s1 127.0.0.1:$P1
		server s2 127.0.0.1:$P2
		server s3 127.0.0.1:$P3
	listen tcp_src
		mode tcp
		option tcplog
		bind 127.0.0.1:$FTCP
		balance roundrobin
		stick-table type ip size 10 expire 30s
		stick on src
		server s1 127.0.0.1:$P1
		server s2 127.0.0.1:$P2
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"

# body NAME: the server's name in each answer, one line
who() { hcurl "$@" | tr -d '\n'; }

first=$(who "http://127.0.0.1:$FIP/")
out=$(for i in 1 2 3 4 5 6; do who "http://127.0.0.1:$FIP/"; echo -n " "; done)
is "$out" "$first $first $first $first $first $first " "stick on src: every request goes to the first server"
like "$("$LBCTL" -s "$ADMIN" show table by_src)" 'server_id' "show table by_src: the entry with its server_id"

u1=$(who -H 'X-User: alice' "http://127.0.0.1:$FHDR/")
u2=$(who -H 'X-User: bob' "http://127.0.0.1:$FHDR/")
u3=$(who -H 'X-User: carol' "http://127.0.0.1:$FHDR/")
is "$(printf '%s\n' "$u1" "$u2" "$u3" | sort -u | wc -l)" 3 "three users spread over three servers (roundrobin first)"
out=$(for u in alice bob carol alice bob carol; do who -H "X-User: $u" "http://127.0.0.1:$FHDR/"; echo -n " "; done)
is "$out" "$u1 $u2 $u3 $u1 $u2 $u3 " "stick match/store-request: each user keeps its server"
nouser=$(for i in 1 2 3; do who "http://127.0.0.1:$FHDR/"; echo -n " "; done)
is "$(echo "$nouser" | tr ' ' '\n' | sed '/^$/d' | sort -u | wc -l)" 3 \
	"no key: plain roundrobin (the store rule's condition is false)"

# drain: the server keeps serving the keys it has (HAProxy's drain); maint: they move
"$LBCTL" -s "$ADMIN" drain "by_user/$u1" >/dev/null
is "$(who -H 'X-User: alice' "http://127.0.0.1:$FHDR/")" "$u1" "a drained server keeps its persistent users"
"$LBCTL" -s "$ADMIN" maint "by_user/$u1" >/dev/null
moved=$(who -H 'X-User: alice' "http://127.0.0.1:$FHDR/")
isnt() { if [ "$1" != "$2" ]; then pass "$3"; else fail "$3"; diag "both: '$1'"; fi; }
isnt "$moved" "$u1" "a server in maintenance loses them"
"$LBCTL" -s "$ADMIN" enable "by_user/$u1" >/dev/null
is "$(who -H 'X-User: alice' "http://127.0.0.1:$FHDR/")" "$moved" \
	"and the table now sends the user to its new server"

# TCP mode, connection fetches
t1=$(printf 'GET / HTTP/1.0\r\n\r\n' | timeout 5 "$PYTHON" -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(sys.stdin.buffer.read())
d = b""
while True:
    c = s.recv(4096)
    if not c: break
    d += c
print(d.split(b"\r\n\r\n", 1)[1].decode().strip())' "$FTCP")
out=$(for i in 1 2 3 4; do printf 'GET / HTTP/1.0\r\n\r\n' | timeout 5 "$PYTHON" -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(sys.stdin.buffer.read())
d = b""
while True:
    c = s.recv(4096)
    if not c: break
    d += c
print(d.split(b"\r\n\r\n", 1)[1].decode().strip())' "$FTCP"; done | tr '\n' ' ')
is "$out" "$t1 $t1 $t1 $t1 " "mode tcp: stick on src keeps the server"

# configuration errors
bad()
{
	printf 'defaults\n\tmode http\n%s\n' "$1" >"$T/bad.cfg"
	"$LBD" -c -f "$T/bad.cfg" 2>&1
}
like "$(bad "$(printf 'backend b\n\tstick on src\n\tserver s 127.0.0.1:1')")" \
	"bad.cfg:4:.*error: stick on: proxy 'b' has no stick-table" "stick on without a table"
like "$(bad "$(printf 'backend b\n\tstick-table type ip size 10\n\tstick store-response req.hdr(x)\n\tserver s 127.0.0.1:1')")" \
	"bad.cfg:5:23: error: fetch method 'req.hdr' reads the HTTP request" \
	"stick store-response with a request fetch is refused with its position"
like "$(bad "$(printf 'frontend f\n\tbind 127.0.0.1:1\n\tstick-table type ip size 10\n\tstick on src')")" \
	"bad.cfg:6:.*error: .*stick" "stick in a frontend is refused"
like "$(bad "$(printf 'backend b\n\tstick-table type ip size 10\n\tstick on src table nope\n\tserver s 127.0.0.1:1')")" \
	"error: stick on: no stick-table called 'nope'" "an unknown table is refused"

done_testing
