#!/bin/bash
# tests/integration/108-check-ldap-smtp.sh: "option ldap-check" against a real slapd
# (anonymous bind: resultCode 0 -> L7OK, 48 when anonymous binds are disallowed -> L7STS) and
# "option smtpchk" against Debian's aiosmtpd (220 greeting then 250 to HELO/EHLO -> L7OK; a
# refused HELO or a 554 greeting -> L7STS with the SMTP code); L4CON once stopped
: "${LB_TEST_TIMEOUT:=240}"
export LB_TEST_TIMEOUT
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/servers.sh"

# ---- LDAP ----
if start_slapd; then
	LDAP_OK=127.0.0.1:$SLAPD_PORT LDAP_OK_PID=$SLAPD_PID
	start_slapd disallow-anon || bail "slapd (disallow bind_anon): $SERVERS_WHY"
	LDAP_NOANON=127.0.0.1:$SLAPD_PORT

	expect_probe L7OK 0 "ldap: anonymous bind accepted: L7OK, exit 0" --type ldap "$LDAP_OK"
	json_rows_ok "$PROBE_OUT" && pass "ldap: the JSON row is well-formed" ||
		fail "ldap: the JSON row is well-formed"
	is "$(jget "$PROBE_OUT" '[r[0]["type"], r[0]["code"]]')" '["ldap", 0]' "ldap: type ldap, code 0 (success)"

	expect_probe L7STS 1 "ldap: anonymous bind disallowed: bindResponse error, L7STS" \
		--type ldap "$LDAP_NOANON"
	is "$(jget "$PROBE_OUT" 'r[0]["code"]')" 48 "ldap: the code is the resultCode (48, inappropriateAuthentication)"
	HAVE_LDAP=1
else
	skip "ldap probes" "slapd: $SERVERS_WHY"
	HAVE_LDAP=0
fi

# ---- SMTP ----
if start_smtp; then
	SMTP_OK=127.0.0.1:$SMTP_PORT SMTP_OK_PID=$SMTP_PID
	start_smtp reject-helo || bail "smtp (reject-helo): $SERVERS_WHY"
	SMTP_REJ=127.0.0.1:$SMTP_PORT
	# A server whose greeting already refuses service: 554 (RFC 5321, 3.1).
	start_misbehaving smtp "refuse=$(printf '554 5.3.2 no service here\r\n' | od -An -tx1 | tr -d ' \n')" ||
		bail "misbehaving smtp server"
	SMTP_554=127.0.0.1:${MB_PORT[refuse]}

	expect_probe L7OK 0 "smtp: 220 greeting and 250 to HELO: L7OK, exit 0" --type smtp "$SMTP_OK"
	json_rows_ok "$PROBE_OUT" && pass "smtp: the JSON row is well-formed" ||
		fail "smtp: the JSON row is well-formed"
	is "$(jget "$PROBE_OUT" 'r[0]["type"]')" smtp "smtp: type smtp"
	# 250 (the HELO reply) or 221 (HAProxy 2.6 also sends QUIT and reports its reply)
	like "$(jget "$PROBE_OUT" 'r[0]["code"]')" '^2(50|21)$' "smtp: the code is the server's 2xx"

	expect_probe L7STS 1 "smtp: HELO refused with 550: L7STS, exit 1" --type smtp "$SMTP_REJ"
	is "$(jget "$PROBE_OUT" 'r[0]["code"]')" 550 "smtp: the code is the refusal's (550)"
	like "$(jget "$PROBE_OUT" 'r[0]["reason"]')" 'not welcome' "smtp: the reason quotes the server"

	expect_probe L7STS 1 "smtp: a 554 greeting: L7STS" --type smtp "$SMTP_554"
	is "$(jget "$PROBE_OUT" 'r[0]["code"]')" 554 "smtp: the code is the greeting's (554)"
	HAVE_SMTP=1
else
	skip "smtp probes" "aiosmtpd: $SERVERS_WHY"
	HAVE_SMTP=0
fi

# ---- one config with both kinds ----
if [ "$HAVE_LDAP$HAVE_SMTP" = 11 ]; then
	cat >"$T/lb.cfg" <<-CFG
	defaults
		mode tcp
		timeout connect 1s
		timeout client 5s
		timeout server 5s
		timeout check 2s

	backend directory
		option ldap-check
		server anon $LDAP_OK check
		server noanon $LDAP_NOANON check

	backend mail
		option smtpchk EHLO lb.test
		server mx1 $SMTP_OK check
		server mx2 $SMTP_REJ check

	backend mail_helo
		option smtpchk
		server mx1 $SMTP_OK check
	CFG
	probe out --json -f "$T/lb.cfg"
	is "$PROBE_RC" 1 "config: some checks fail: exit 1"
	json_rows_ok "$out" && pass "config: JSON rows are well-formed" ||
		fail "config: JSON rows are well-formed"
	is "$(jget "$out" '" ".join(sorted("%s=%s/%s" % (o["server"], o["status"], "2xx" if o["code"] in (250, 221) else o["code"]) for o in r))')" \
		"directory/anon=L7OK/0 directory/noanon=L7STS/48 mail/mx1=L7OK/2xx mail/mx2=L7STS/550 mail_helo/mx1=L7OK/2xx" \
		"config: LDAP and SMTP servers of three backends, each with its status and code"
	is "$(jget "$out" '" ".join(sorted(set(o["type"] for o in r)))')" "ldap smtp" "config: types ldap and smtp"
	probe out -f "$T/lb.cfg" directory/anon mail/mx1 mail_helo
	is "$PROBE_RC" 0 "config: only the passing servers selected: exit 0"

	stop_server "$LDAP_OK_PID"
	stop_server "$SMTP_OK_PID"
	expect_probe L4CON 1 "ldap: server stopped: L4CON" --type ldap "$LDAP_OK"
	expect_probe L4CON 1 "smtp: server stopped: L4CON" --type smtp "$SMTP_OK"
	probe out --json -f "$T/lb.cfg" directory/anon mail/mx1
	is "$(jget "$out" '" ".join(sorted("%s=%s" % (o["server"], o["status"]) for o in r))') exit=$PROBE_RC" \
		"directory/anon=L4CON mail/mx1=L4CON exit=1" "config: the stopped servers fail with L4CON"
fi

done_testing
