#!/bin/bash
# tests/integration/106-check-pgsql.sh: "option pgsql-check user U" / --type pgsql against a
# real PostgreSQL. As in HAProxy (checked against HAProxy 2.6 on the same server), the check
# sends a StartupMessage for user U and reads the first reply: an authentication request
# (AuthenticationOk, or a password request: MD5, SCRAM) means the server is up (L7OK); an
# ErrorResponse (pg_hba.conf rejects the user, or has no line for it) fails with L7RSP.
# PostgreSQL authenticates before it looks for the database, so a missing database still
# passes (AuthenticationOk comes first). L4CON once the server is stopped.
: "${LB_TEST_TIMEOUT:=240}"
export LB_TEST_TIMEOUT
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/servers.sh"

start_pgsql || skip_all "PostgreSQL: $SERVERS_WHY"
PG=127.0.0.1:$PGSQL_PORT

expect_probe L7OK 0 "pgsql: user lbcheck (trust): AuthenticationOk, L7OK, exit 0" \
	--type pgsql --user lbcheck "$PG"
json_rows_ok "$PROBE_OUT" && pass "pgsql: the JSON row is well-formed" ||
	fail "pgsql: the JSON row is well-formed"
is "$(jget "$PROBE_OUT" '[r[0]["type"], r[0]["address"]]')" "[\"pgsql\", \"$PG\"]" \
	"pgsql: type and address"
like "$(jget "$PROBE_OUT" 'r[0]["reason"]')" 'PostgreSQL' "pgsql: the reason names PostgreSQL"

expect_probe L7OK 0 "pgsql: user md5user is asked for an MD5 password: the server is up, L7OK" \
	--type pgsql --user md5user "$PG"
expect_probe L7OK 0 "pgsql: user pwuser is asked for a SCRAM password: the server is up, L7OK" \
	--type pgsql --user pwuser "$PG"
expect_probe L7OK 0 "pgsql: user nodb (trust, no database nodb): authenticated first, L7OK" \
	--type pgsql --user nodb "$PG"

expect_probe L7RSP 1 "pgsql: pg_hba.conf rejects the user: ErrorResponse, L7RSP, exit 1" \
	--type pgsql --user rejected "$PG"
like "$(jget "$PROBE_OUT" 'r[0]["reason"]')" 'FATAL|pg_hba|reject' "pgsql: the reason comes from the ErrorResponse"
is "$(jget "$PROBE_OUT" 'r[0]["ok"]')" false "pgsql: ok is false"

expect_probe L7RSP 1 "pgsql: no pg_hba.conf line for the user: ErrorResponse, L7RSP" \
	--type pgsql --user nosuchrole "$PG"

probe out --type pgsql "$PG"
is "$PROBE_RC" 2 "pgsql: --type pgsql without --user is a usage error (pgsql-check needs a user)"

cat >"$T/lb.cfg" <<CFG
defaults
	mode tcp
	timeout connect 1s
	timeout client 5s
	timeout server 5s
	timeout check 2s

backend db_ok
	option pgsql-check user lbcheck
	server p1 $PG check
	server p2 $PG check

backend db_scram
	option pgsql-check user pwuser
	server p1 $PG check

backend db_rejected
	option pgsql-check user rejected
	server p1 $PG check
CFG
probe out --json -f "$T/lb.cfg"
is "$PROBE_RC" 1 "config: one check fails: exit 1"
json_rows_ok "$out" && pass "config: JSON rows are well-formed" || fail "config: JSON rows are well-formed"
is "$(jget "$out" '" ".join(sorted("%s=%s" % (o["server"], o["status"]) for o in r))')" \
	"db_ok/p1=L7OK db_ok/p2=L7OK db_rejected/p1=L7RSP db_scram/p1=L7OK" \
	"config: three backends, one user each, each server with its status"
probe out -f "$T/lb.cfg" db_ok db_scram
is "$PROBE_RC" 0 "config: db_ok and db_scram alone pass, exit 0"
like "$out" 'db_scram/p1 +127\.0\.0\.1:[0-9]+ +pgsql +L7OK' "config: the table row of db_scram/p1"

stop_server "$PGSQL_PID"
expect_probe L4CON 1 "pgsql: server stopped: L4CON, exit 1" --type pgsql --user lbcheck "$PG"
probe out --json -f "$T/lb.cfg" db_ok/p1
is "$(jget "$out" 'r[0]["status"]') exit=$PROBE_RC" "L4CON exit=1" "config: db_ok/p1 with the server stopped: L4CON"

done_testing
