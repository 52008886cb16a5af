#!/bin/bash
# tests/integration/103-probe-protocols.sh: the typed checks (redis, mysql, pgsql, ldap, smtp)
# against servers answering canned protocol bytes: the bytes the probe sends, a good answer
# (pass), a protocol error answer (L7STS with the server's code and message)
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/integration/probe_lib.sh"

hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }

# ---- redis ----
start_psrv R1 --mode reply --reply '+PONG\r\n' --log "$T/r1.log" || bail "redis ok"
start_psrv R2 --mode reply --reply '-NOAUTH Authentication required.\r\n' || bail "redis auth"
probe --type redis "127.0.0.1:$R1"
is "$RC" 0 "redis: +PONG passes"
like "$OUT" "redis +L7OK .*\+PONG" "redis: L7OK"
check "redis: the server got PING" grep -q "^recv $(hex $'PING\r\n')" "$T/r1.log"
probe --type redis "127.0.0.1:$R2"
is "$RC" 1 "redis: an error reply fails"
like "$OUT" "redis +L7STS +- .*Redis error: NOAUTH Authentication required\." "redis: L7STS with the error"

# ---- mysql ----
GREET='\x0e\x00\x00\x00\x0a8.0.1\x00abcdefgh'
start_psrv M1 --mode greet --reply "$GREET" || bail "mysql greet"
start_psrv M2 --mode greet --reply "$GREET" --then '\x07\x00\x00\x02\x00\x00\x00\x02\x00\x00\x00' \
	--log "$T/m2.log" || bail "mysql ok"
start_psrv M3 --mode greet --reply "$GREET" \
	--then '\x1e\x00\x00\x02\xff\x15\x04#28000Access denied for hap' || bail "mysql denied"
start_psrv M4 --mode greet --reply '\x17\x00\x00\x00\xff\x6a\x04Host is not allowed.!' \
	|| bail "mysql blocked"
probe --type mysql "127.0.0.1:$M1"
is "$RC" 0 "mysql without user: a greeting passes"
like "$OUT" "mysql +L7OK .*MySQL 8\.0\.1" "mysql: the server version in the reason"
probe --type mysql --user hap "127.0.0.1:$M2"
is "$RC" 0 "mysql with user: OK packet passes"
check "mysql: the login packet names the user" grep -q "^recv .*$(hex hap)00" "$T/m2.log"
check "mysql: then COM_QUIT" grep -q "^recv 0100000001$" "$T/m2.log"
probe --type mysql --user hap "127.0.0.1:$M3"
is "$RC" 1 "mysql: access denied fails"
like "$OUT" "mysql +L7STS +1045 .*MySQL error 1045: Access denied for hap" "mysql: L7STS, code 1045"
probe --type mysql "127.0.0.1:$M4"
like "$OUT" "mysql +L7STS +1130 .*Host is not allowed" "mysql: an error greeting is L7STS"

# ---- pgsql ----
start_psrv P1 --mode reply --reply 'R\x00\x00\x00\x08\x00\x00\x00\x00' --log "$T/p1.log" || bail "pg ok"
start_psrv P2 --mode reply \
	--reply 'E\x00\x00\x00\x31SFATAL\x00C3D000\x00Mdatabase "pg" does not exist\x00\x00' \
	|| bail "pg error"
start_psrv P3 --mode reply --reply 'R\x00\x00\x00\x0c\x00\x00\x00\x05salt' || bail "pg md5"
probe --type pgsql --user pg "127.0.0.1:$P1"
is "$RC" 0 "pgsql: AuthenticationOk passes"
check "pgsql: a v3 startup message with the user" \
	grep -q "^recv 0000001100030000$(hex user)00$(hex pg)0000" "$T/p1.log"
probe --type pgsql --user pg "127.0.0.1:$P2"
like "$OUT" "pgsql +L7RSP .*PostgreSQL error 3D000: database \"pg\" does not exist" \
	"pgsql: an ErrorResponse is L7RSP (as HAProxy)"
probe --type pgsql --user pg "127.0.0.1:$P3"
like "$OUT" "pgsql +L7OK +5 .*asks for authentication" "pgsql: a password request means up (L7OK, code 5)"

# ---- ldap ----
start_psrv L1 --mode reply --reply '\x30\x0c\x02\x01\x01\x61\x07\x0a\x01\x00\x04\x00\x04\x00' \
	--log "$T/l1.log" || bail "ldap ok"
start_psrv L2 --mode reply --reply '\x30\x0c\x02\x01\x01\x61\x07\x0a\x01\x31\x04\x00\x04\x00' \
	|| bail "ldap denied"
probe --type ldap "127.0.0.1:$L1"
is "$RC" 0 "ldap: bind success passes"
check "ldap: an anonymous v3 bind was sent" grep -q "^recv 300c020101600702010304008000" "$T/l1.log"
probe --type ldap "127.0.0.1:$L2"
like "$OUT" "ldap +L7STS +49 .*LDAP bind result code 49" "ldap: a refused bind is L7STS"

# ---- smtp ----
start_psrv S1 --mode greet --reply '220 mx.test ESMTP\r\n' --then '250 mx.test\r\n' \
	--log "$T/s1.log" || bail "smtp ok"
start_psrv S2 --mode greet --reply '554 go away\r\n' || bail "smtp refuse"
probe --type smtp "127.0.0.1:$S1"
is "$RC" 0 "smtp: 220 then 250 passes"
like "$OUT" "smtp +L7OK +250 " "smtp: code 250"
check "smtp: HELO localhost was sent" grep -q "^recv $(hex $'HELO localhost\r\n')" "$T/s1.log"
probe --type smtp "127.0.0.1:$S2"
like "$OUT" "smtp +L7STS +554 .*554 go away" "smtp: a 5xx greeting is L7STS"

# the same types from a configuration, with their options
start_psrv S3 --mode greet --reply '220 mx\r\n' --then '250 hi\r\n' --log "$T/s3.log" || bail "smtp 3"
start_psrv M5 --mode greet --reply "$GREET" --then '\x07\x00\x00\x02\x00\x00\x00\x02\x00\x00\x00' \
	--log "$T/m5.log" || bail "mysql 5"
cat >"$T/lb.cfg" <<EOF
defaults
	mode tcp
	timeout connect 1s
	timeout client 1s
	timeout server 1s
backend mail
	option smtpchk EHLO example.org
	server s 127.0.0.1:$S3 check
backend db
	option mysql-check user hap post-41
	server m 127.0.0.1:$M5 check
backend cache
	option redis-check
	server r 127.0.0.1:$R1 check
EOF
probe -f "$T/lb.cfg"
is "$RC" 0 "config: smtpchk, mysql-check post-41 and redis-check all pass"
check "config: EHLO example.org" grep -q "^recv $(hex $'EHLO example.org\r\n')" "$T/s3.log"
# post-41: 4 capability bytes with CLIENT_PROTOCOL_41, then the user after 23 filler bytes
check "config: a 4.1 login packet" grep -q "^recv ..0000010182.*$(printf '00%.0s' $(seq 1 23))$(hex hap)00" "$T/m5.log"

no_sanitizer_report
done_testing
