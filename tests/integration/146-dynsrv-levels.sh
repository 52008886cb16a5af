#!/bin/bash
# tests/integration/146-dynsrv-levels.sh: "add server" and "del server" need level admin: an
# operator or user connection is denied (exit 1) and nothing changes; lbctl checks the
# arguments before sending (exit 2 with the usage line); completion offers "backend/" for a
# new server and existing servers for del; help and the man page list both commands.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

[ -x "$LBCTL" ] || skip_all "lbctl not found: LBCTL=$LBCTL"
start_stub P1 --http w1 || bail "stub w1"
start_stub P2 --http w2 || bail "stub w2"
PF=$(free_port)
ADMIN=$T/admin.sock OPER=$T/oper.sock USER=$T/user.sock
{
	cat <<-EOF
	global
		stats socket $ADMIN mode 600 level admin
		stats socket $OPER mode 600 level operator
		stats socket $USER mode 600 level user
	EOF
	cfg_global | sed 1d
	cat <<-EOF
	frontend f
		bind 127.0.0.1:$PF
		default_backend webs
	backend webs
		server w1 127.0.0.1:$P1
	backend other
		server o1 127.0.0.1:$P1
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"
wait_for 5 test -S "$USER" || bail "lbd did not create its control sockets"
servers() { "$LBCTL" -s "$ADMIN" show servers webs | awk 'NR > 1 { print $2 }' | tr '\n' ' '; }

for lvl in OPER USER; do
	sock=${!lvl}
	name=$([ "$lvl" = OPER ] && echo operator || echo user)
	out=$("$LBCTL" -s "$sock" add server webs/w2 127.0.0.1:$P2 2>&1)
	is "$?" 1 "level $name: add server is denied (exit 1)"
	like "$out" "^lbctl: denied: .*'add server' needs level admin; this connection has level $name" \
		"level $name: add server: the message names the level needed"
	out=$("$LBCTL" -s "$sock" del server webs/w1 2>&1)
	is "$?" 1 "level $name: del server is denied (exit 1)"
	like "$out" "'del server' needs level admin" "level $name: del server: message"
done
is "$(servers)" "w1 " "nothing changed"
"$LBCTL" -s "$OPER" maint webs/w1 >/dev/null
out=$("$LBCTL" -s "$OPER" del server webs/w1 2>&1)
is "$?" 1 "an operator still cannot delete a server in maintenance"
"$LBCTL" -s "$OPER" enable webs/w1 >/dev/null
is "$(servers)" "w1 " "w1 is still there"

# lbctl checks the words before sending
out=$("$LBCTL" -s "$ADMIN" add server webs 127.0.0.1:$P2 2>&1)
is "$?" 2 "add server without a server name: usage error (exit 2)"
like "$out" "'webs' is not <backend>/<server>; usage: add server <be/name> <addr:port> \[<option>...\]" \
	"the usage line shows the syntax"
out=$("$LBCTL" -s "$ADMIN" add server webs/w2 2>&1)
is "$?" 2 "add server without an address: exit 2"
like "$out" "missing argument <addr:port>" "missing address"
out=$("$LBCTL" -s "$ADMIN" del server 2>&1)
is "$?" 2 "del server without a server: exit 2"

# admin can; the options after the address go through as words
out=$("$LBCTL" -s "$ADMIN" add server webs/w2 127.0.0.1:$P2 weight 4 backup)
is "$?" 0 "admin: add server"
is "$("$LBCTL" -s "$ADMIN" --json show servers webs | "$PYTHON" -c '
import json, sys
r = [r for r in json.load(sys.stdin)["data"] if r["server"] == "w2"][0]
print(r["weight"], r["admin"])')" "4 maint" "options reached lbd (weight 4), state maint"
is "$(servers)" "w1 w2 " "show servers lists w1 and w2"

# completion: a new server completes backend names with a slash, del completes servers
is "$("$LBCTL" -s "$ADMIN" --complete -- add server '' | sort | tr '\n' ' ')" "other/ webs/ " \
	"add server completes backend names"
is "$("$LBCTL" -s "$ADMIN" --complete -- del server we | sort | tr '\n' ' ')" "webs/w1 webs/w2 " \
	"del server completes existing servers"
is "$("$LBCTL" -s "$ADMIN" --complete -- a | sort | tr '\n' ' ')" "abort add " "the command word completes (abort ssl cert, add server)"
like "$("$LBCTL" -s "$ADMIN" help add)" '^add server +<be/name> <addr:port> \[<option>...\]' \
	"help add lists add server"
check "man/lbctl.8 documents add server" grep -q '^\\fBadd server\\fR' "$top_srcdir/man/lbctl.8"
check "man/lbctl.8 documents del server" grep -q '^\\fBdel server\\fR' "$top_srcdir/man/lbctl.8"

"$LBCTL" -s "$ADMIN" del server webs/w2 >/dev/null
is "$(servers)" "w1 " "admin: del server"
done_testing
