#!/bin/bash
# tests/integration/107-check-mysql.sh: "option mysql-check [user U]" / --type mysql against a
# real MariaDB: without a user the server's greeting is enough (L7OK, version in the reason);
# with a user the check logs in without a password and quits: OK packet -> L7OK, error packet
# (access denied, 1045) -> L7STS with the error number as the code; L4CON once stopped
: "${LB_TEST_TIMEOUT:=240}"
export LB_TEST_TIMEOUT
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/servers.sh"

start_mariadb || skip_all "MariaDB: $SERVERS_WHY"
MY=127.0.0.1:$MYSQL_PORT

expect_probe L7OK 0 "mysql: no user, the greeting is a valid handshake: L7OK, exit 0" --type mysql "$MY"
json_rows_ok "$PROBE_OUT" && pass "mysql: the JSON row is well-formed" ||
	fail "mysql: the JSON row is well-formed"
like "$(jget "$PROBE_OUT" 'r[0]["reason"]')" 'MariaDB' "mysql: the reason carries the server version"

expect_probe L7OK 0 "mysql: user lbcheck (no password) logs in: L7OK" --type mysql --user lbcheck "$MY"

expect_probe L7STS 1 "mysql: user pwuser without its password: access denied, L7STS, exit 1" \
	--type mysql --user pwuser "$MY"
is "$(jget "$PROBE_OUT" 'r[0]["code"]')" 1045 "mysql: the code is the server's error number (1045)"
like "$(jget "$PROBE_OUT" 'r[0]["reason"]')" 'Access denied' "mysql: the reason quotes the server"

expect_probe L7STS 1 "mysql: an unknown user: access denied, L7STS" --type mysql --user nobody "$MY"
is "$(jget "$PROBE_OUT" 'r[0]["code"]')" 1045 "mysql: unknown user, code 1045"

cat >"$T/lb.cfg" <<CFG
defaults
	mode tcp
	timeout connect 1s
	timeout client 5s
	timeout server 5s
	timeout check 2s

backend my_greeting
	option mysql-check
	server m1 $MY check

backend my_user
	option mysql-check user lbcheck post-41
	server m1 $MY check

backend my_denied
	option mysql-check user pwuser
	server m1 $MY check
CFG
probe out --json -f "$T/lb.cfg"
is "$PROBE_RC" 1 "config: one check fails: exit 1"
json_rows_ok "$out" && pass "config: JSON rows are well-formed" || fail "config: JSON rows are well-formed"
is "$(jget "$out" '" ".join(sorted("%s=%s/%s" % (o["server"], o["status"], o["code"]) for o in r if o["status"] != "L7OK") + ["ok=%d" % sum(o["ok"] for o in r)])')" \
	"my_denied/m1=L7STS/1045 ok=2" "config: greeting and user pass, the denied user fails with 1045"
probe out -f "$T/lb.cfg" my_greeting my_user
is "$PROBE_RC" 0 "config: my_greeting and my_user alone: exit 0"
like "$out" 'my_user/m1 +127\.0\.0\.1:[0-9]+ +mysql +L7OK' "config: the table row of my_user/m1"

stop_server "$MYSQL_PID"
expect_probe L4CON 1 "mysql: server stopped: L4CON, exit 1" --type mysql "$MY"

done_testing
