#!/bin/bash
# tests/integration/104-probe-tls-agent.sh: TLS checks (a real GnuTLS handshake with SNI and
# ALPN, HTTP over TLS, check-ssl, tcp-check connect ssl), option ssl-hello-chk, and agent
# checks with every kind of reply
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/integration/probe_lib.sh"

# openssl makes the test certificate (Debian package openssl, also in scripts/quickstart.sh)
if ! command -v openssl >/dev/null; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null 2>&1 ||
		skip_all "openssl (to make a test certificate) is not installed and cannot be"
fi
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 2 \
	-subj /CN=probe.test >/dev/null 2>&1 || bail "cannot make a certificate"

start_psrv TLS --mode tls --cert "$T/cert.pem" --key "$T/key.pem" --alpn http/1.1 \
	--reply 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok' --log "$T/tls.log" || bail "tls"
start_psrv PH --mode reply --reply 'HTTP/1.1 400 Bad Request\r\n\r\n' || bail "plain server"
start_psrv SIL --mode silence || bail "silent server"

probe --type tls --sni probe.test --alpn h2,http/1.1 "127.0.0.1:$TLS"
is "$RC" 0 "tls: the handshake passes"
like "$OUT" "tls +L6OK +- .*TLS1\.[23] handshake done, ALPN http/1\.1" "tls: L6OK, version and ALPN"
check "tls: the server saw the SNI" grep -q "^sni probe.test$" "$T/tls.log"
check "tls: the server chose http/1.1 from our ALPN" grep -q "^alpn http/1.1$" "$T/tls.log"

probe --type tls --uri /health --expect-string ok --json "127.0.0.1:$TLS"
is "$RC" 0 "tls with --uri: HTTP over TLS passes"
is "$(jfield type)" "http+tls" "json: type http+tls"
is "$(jfield code)" "200" "json: HTTP code over TLS"
check "HTTP over TLS: the request arrived decrypted" \
	grep -q "^recv $(printf 'OPTIONS /health HTTP/1.0' | od -An -tx1 | tr -d ' \n')" "$T/tls.log"

probe --type tls --timeout 1s "127.0.0.1:$PH"
is "$RC" 1 "tls against a plain-text server fails"
like "$OUT" "tls +L6RSP .*TLS handshake failed" "tls against a plain-text server: L6RSP"
probe --type tls --timeout 300ms "127.0.0.1:$SIL"
like "$OUT" "tls +L6TOUT .*TLS handshake timed out" "tls against silence: L6TOUT"

probe --type ssl-hello "127.0.0.1:$TLS"
is "$RC" 0 "ssl-hello: a TLS server passes"
like "$OUT" "ssl-hello +L6OK .*ServerHello" "ssl-hello: L6OK"
probe --type ssl-hello --timeout 1s "127.0.0.1:$PH"
like "$OUT" "ssl-hello +L6RSP .*not a TLS handshake record" "ssl-hello against a plain-text server: L6RSP"

# from a configuration: check-ssl + check-sni on an httpchk backend, tcp-check connect ssl
cat >"$T/lb.cfg" <<EOF
defaults
	mode http
	timeout connect 1s
	timeout client 1s
	timeout server 1s
backend web
	option httpchk GET /
	http-check expect string ok
	server s 127.0.0.1:$TLS check check-ssl check-sni cfg.test check-alpn http/1.1
backend tc
	mode tcp
	option tcp-check
	tcp-check connect ssl sni tc.test
	tcp-check send "PING\r\n"
	tcp-check expect string "200 OK"
	server t 127.0.0.1:$TLS check
backend hello
	mode tcp
	option ssl-hello-chk
	server h 127.0.0.1:$TLS check
EOF
probe -f "$T/lb.cfg"
is "$RC" 0 "config: check-ssl, tcp-check connect ssl and ssl-hello-chk pass"
like "$OUT" "web/s .* http\+tls +L7OK +200" "config: http+tls"
like "$OUT" "tc/t .* tcp-check\+tls +L7OK" "config: tcp-check over TLS"
like "$OUT" "hello/h .* ssl-hello +L6OK" "config: ssl-hello-chk"
check "config: check-sni sent" grep -q "^sni cfg.test$" "$T/tls.log"
check "config: tcp-check connect sni sent" grep -q "^sni tc.test$" "$T/tls.log"

# ---- agents ----
start_psrv A1 --mode reply --reply 'up 50% maxconn:30\n' --log "$T/a1.log" || bail "agent up"
# agents speak first when nothing is sent (greet)
start_psrv A2 --mode greet --reply 'down#disk full\n' || bail "agent down"
start_psrv A3 --mode greet --reply 'banana\n' || bail "agent garbage"
start_psrv A4 --mode greet --reply 'weight:20 drain' || bail "agent no newline"
probe --type agent --send 'ping\n' --json "127.0.0.1:$A1"
is "$RC" 0 "agent: up passes"
is "$(jfield status)" "L7OK" "agent up: L7OK"
is "$(jfield agent.health)" "up" "agent up: health up"
is "$(jfield agent.weight)" "50" "agent up: weight 50"
is "$(jfield agent.maxconn)" "30" "agent up: maxconn 30"
check "agent: --send bytes went first" grep -q "^recv 70696e670a$" "$T/a1.log"
probe --type agent --json "127.0.0.1:$A2"
is "$RC" 1 "agent: down fails"
is "$(jfield status)" "L7STS" "agent down: L7STS"
is "$(jfield agent.reason)" "disk full" "agent down: the #reason"
like "$(jfield reason)" "agent: down#disk full" "agent down: the reply in the reason"
probe --type agent "127.0.0.1:$A3"
like "$OUT" "agent +L7RSP .*unknown agent word 'banana'" "agent garbage: L7RSP"
probe --type agent --json "127.0.0.1:$A4"
is "$(jfield status)" "L7OK" "agent: a reply ended by close counts"
is "$(jfield agent.admin)" "drain" "agent: drain"
is "$(jfield agent.weight_pct)" "false" "agent: weight:20 is absolute"
probe --type agent --timeout 300ms "127.0.0.1:$SIL"
like "$OUT" "agent +L7TOUT" "agent silence: L7TOUT"

no_sanitizer_report
done_testing
