#!/bin/bash
# tests/integration/162-acl-state.sh: conditions on live backend state: nbsrv(), srv_is_up(),
# be_conn(), fe_name/be_name, following server state changes made with lbctl
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

[ -x "$LBCTL" ] || skip_all "lbctl not found: LBCTL=$LBCTL"
start_stub PM --http MAIN || bail "stub MAIN"
start_stub PS --http SPARE || bail "stub SPARE"
F=$(free_port) G=$(free_port)
SOCK=$T/admin.sock
{
	cat <<-EOF
	global
		stats socket $SOCK mode 600 level admin
	EOF
	cfg_global | sed 1d
	cat <<-EOF
	frontend fe
		bind 127.0.0.1:$F
		use_backend be_main if { nbsrv(be_main) ge 1 } { be_conn(be_main) lt 1000 }
		default_backend be_spare
	frontend fe2
		bind 127.0.0.1:$G
		acl main_up srv_is_up(be_main/m1)
		http-request return status 200 content-type text/plain string "m1 up" if main_up { fe_name fe2 }
		http-request return status 503 content-type text/plain string "m1 down"
	backend be_main
		http-response set-header X-Be "%[be_name]" if { be_name be_main }
		server m1 127.0.0.1:$PM
	backend be_spare
		server s1 127.0.0.1:$PS
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"
wait_for 5 test -S "$SOCK" || bail "lbd did not create its control socket"
ctl() { "$LBCTL" -s "$SOCK" "$@"; }
server() { hcurl -D - -o /dev/null "$@" 2>/dev/null | tr -d '\r' | awk -F': ' 'tolower($1) == "x-server" { print $2 }'; }

is "$(server "http://127.0.0.1:$F/")" MAIN "nbsrv(be_main) ge 1: routed to be_main"
ilike "$(hcurl -D - -o /dev/null "http://127.0.0.1:$F/" | tr -d '\r')" '^X-Be: be_main$' \
	"http-response condition on be_name in the backend"
is "$(hcurl "http://127.0.0.1:$G/")" "m1 up" "srv_is_up(be_main/m1) and fe_name"

ctl server state be_main/m1 maint >/dev/null || fail "lbctl maint"
is "$(server "http://127.0.0.1:$F/")" SPARE "m1 in maintenance: nbsrv is 0, default_backend"
is "$(hcurl "http://127.0.0.1:$G/")" "m1 down" "m1 in maintenance: srv_is_up false"

ctl enable be_main/m1 >/dev/null || fail "lbctl enable"
is "$(server "http://127.0.0.1:$F/")" MAIN "m1 back: routed to be_main again"

done_testing
