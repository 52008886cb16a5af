#!/bin/bash
# tests/integration/194-set-var-conds.sh: set-var and set-var-fmt conditions (ifexists, ifnotexists, ifset, ifnotset, ifempty, ifnotempty, ifgt, iflt) and var(<name>,<default>) on live requests
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

start_stub PA --http A || bail "stub A"
FE=$(free_port)
{
	cfg_global
	cat <<-EOF
	frontend fe
		bind 127.0.0.1:$FE
		http-request set-var(txn.a,ifnotexists) str(first)
		http-request set-var(txn.a,ifnotexists) str(second)
		http-request set-var(txn.b,ifexists) str(never)
		http-request set-var(txn.max) int(5)
		http-request set-var(txn.max,iflt) req.hdr_val(x-n)
		http-request set-var(txn.min) int(5)
		http-request set-var(txn.min,ifgt) req.hdr_val(x-n)
		http-request set-var(txn.e,ifnotempty) req.hdr(x-e)
		http-request set-var(txn.z,ifempty) req.hdr(x-e)
		http-request set-var-fmt(txn.f,ifnotset) "fmt-%[method]"
		http-request set-var-fmt(txn.f,ifnotset) "again"
		http-request set-var(sess.visits,ifset) int(2)
		http-request set-var(sess.visits,ifnotset) int(1)
		http-request set-header X-Vars "a=%[var(txn.a)] b=%[var(txn.b,none)] max=%[var(txn.max)] min=%[var(txn.min)]"
		http-request set-header X-More "e=%[var(txn.e,unset)] z=%[var(txn.z,unset)] f=%[var(txn.f)] v=%[var(sess.visits)]"
		http-request deny deny_status 403 if { path /d } { var(txn.nope,7) -m int 7 }
		default_backend be
	backend be
		server a 127.0.0.1:$PA
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"

req=$(hcurl -H 'X-N: 9' -H 'X-E: x' "http://127.0.0.1:$FE/echo" | tr -d '\r')
ilike "$req" '^X-Vars: a=first b=none max=9 min=5$' \
	"ifnotexists keeps the first value, ifexists sets nothing new, iflt raises the max"
ilike "$req" '^X-More: e=x z=unset f=fmt-GET v=1$' \
	"ifnotempty sets, ifempty does not, set-var-fmt ifnotset keeps the first, ifnotset"
req=$(hcurl -H 'X-N: 2' -H 'X-E;' "http://127.0.0.1:$FE/echo" | tr -d '\r')
ilike "$req" '^X-Vars: a=first b=none max=5 min=2$' "ifgt lowers the min, iflt leaves the max"
ilike "$req" '^X-More: e=unset z= f=fmt-GET v=1$' "an empty header: ifempty sets, ifnotempty does not"
req=$(hcurl -H 'X-N: x' "http://127.0.0.1:$FE/echo" | tr -d '\r')
ilike "$req" '^X-Vars: a=first b=none max=5 min=5$' "no integer sample: ifgt and iflt set nothing"
is "$(http_code "http://127.0.0.1:$FE/d")" "403" "var(<name>,<default>) in a condition: the default"

# Parser errors point at the keyword.
bad() { # WANT LINE
	{
		cfg_global
		printf 'frontend f\n\tbind 127.0.0.1:%s\n\t%s\n\tdefault_backend b\n' "$FE" "$2"
		printf 'backend b\n\tserver a 127.0.0.1:%s\n' "$PA"
	} >"$T/bad.cfg"
	like "$("$LBD" -c -f "$T/bad.cfg" 2>&1)" "$1" "refused: $2"
}
bad 'bad.cfg:[0-9]+:15: error: unknown set-var condition .ifnever.' \
	'http-request set-var(txn.x,ifnever) str(a)'
bad 'bad.cfg:[0-9]+:15: error: unknown set-var condition ..' 'http-request set-var(txn.x,) str(a)'
bad 'bad.cfg:[0-9]+:15: error: .unset-var. takes no conditions' \
	'http-request unset-var(txn.x,ifset)'

done_testing
