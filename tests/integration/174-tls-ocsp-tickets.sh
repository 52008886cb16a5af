#!/bin/bash
# tests/integration/174-tls-ocsp-tickets.sh: OCSP stapling from "<crt>.ocsp" files made with
# openssl ocsp (a good response is stapled; an expired one and another certificate's are not,
# and lbd logs why), and tls-ticket-keys: resumption on every thread, between two bind lines
# naming the same file, across a master-worker reload; show tls-keys and set ssl tls-key
# (the penultimate key encrypts, as in HAProxy)
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/integration/tls_lib.sh"

need_tls_tools
[ -x "$LBCTL" ] || skip_all "lbctl not found: LBCTL=$LBCTL"
command -v faketime >/dev/null ||
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime >/dev/null 2>&1 ||
	skip_all "faketime (Debian faketime) is not installed and cannot be"
mk_certs "$T/c" || { diag_file "$T/c/certtool.log"; bail "cannot make certificates"; }
C=$T/c

# --- OCSP responses: a.pem good, b.pem gets a.pem's, w.pem expired ---
index_line() { printf 'V\t301231235959Z\t\t%s\tunknown\t%s\n' \
	"$(openssl x509 -in "$1" -noout -serial | cut -d= -f2)" \
	"$(openssl x509 -in "$1" -noout -subject -nameopt compat | sed 's/^subject=//')"; }
{ index_line "$C/a.crt"; index_line "$C/w.crt"; } >"$C/index.txt"
ocsp_resp()	# CRT OUT [FAKETIME-OFFSET]
{
	openssl ocsp -issuer "$C/ca.pem" -cert "$1" -reqout "$T/req.der" -no_nonce &&
	${3:+faketime -f "$3"} openssl ocsp -index "$C/index.txt" -rsigner "$C/ca.pem" \
		-rkey "$C/ca.key" -CA "$C/ca.pem" -reqin "$T/req.der" -respout "$2" -ndays 1
} >>"$T/ocsp.log" 2>&1
ocsp_resp "$C/a.crt" "$C/a.pem.ocsp" || { diag_file "$T/ocsp.log"; bail "openssl ocsp"; }
cp "$C/a.pem.ocsp" "$C/b.pem.ocsp"
ocsp_resp "$C/w.crt" "$C/w.pem.ocsp" -2d || { diag_file "$T/ocsp.log"; bail "openssl ocsp"; }
printf '%s\n' "$C/a.pem alias.test" >"$T/list"

# --- ticket keys ---
for i in 1 2 3 4; do openssl rand 80 | openssl base64 -A >"$T/k$i"; echo >>"$T/k$i"; done
cat "$T/k1" "$T/k2" "$T/k3" >"$T/tickets"

F1=$(free_port) F2=$(free_port) F3=$(free_port) F4=$(free_port)
SOCK=$T/ctl.sock
{
	cfg_global http "stats socket $SOCK level admin" "nbthread 2"
	cat <<-EOF
	frontend fe
		bind 127.0.0.1:$F1 ssl crt $C/a.pem crt $C/b.pem crt $C/w.pem tls-ticket-keys $T/tickets
		bind 127.0.0.1:$F2 ssl crt $C/a.pem tls-ticket-keys $T/tickets
		bind 127.0.0.1:$F3 ssl crt $C/a.pem
		bind 127.0.0.1:$F4 ssl crt-list $T/list
		http-request return status 200 content-type text/plain string ok
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" -W || bail "lbd -W did not start"
MASTER=$LBD_PID
wait_log "\(generation 1\) serving" || bail "no worker serves"
wait_for 5 test -S "$SOCK" || bail "no control socket"
ctl() { "$LBCTL" -s "$SOCK" "$@"; }

status()	# PORT NAME: what openssl s_client -status says about the staple
{
	timeout 5 openssl s_client -connect "127.0.0.1:$1" -servername "$2" -status </dev/null \
		2>/dev/null | grep -E 'OCSP response:|OCSP Response Status|Cert Status' | tr -s ' ' | tr '\n' ' '
}
like "$(status "$F1" a.test)" "OCSP Response Status: successful .*Cert Status: good" "a good response is stapled (openssl s_client -status)"
out=$(timeout 5 gnutls-cli --x509cafile="$C/ca.pem" --ocsp --sni-hostname=a.test --verify-hostname=a.test -p "$F1" 127.0.0.1 </dev/null 2>&1)
like "$out" "OCSP status response.*(good|valid)|Certificate status: good|Handshake was completed" "gnutls-cli --ocsp accepts the staple"
like "$(status "$F1" b.test)" "OCSP response: no response sent" "another certificate's response is not stapled"
like "$(status "$F1" x.w.test)" "OCSP response: no response sent" "an expired response is not stapled"
like "$(status "$F4" alias.test)" "Cert Status: good" "a crt-list line's certificate gets its .ocsp too"
like "$(cat "$LBD_LOG")" "OCSP response '$C/b.pem.ocsp' not stapled: it is the response for another certificate" "the log says why b's is not stapled"
like "$(cat "$LBD_LOG")" "OCSP response '$C/w.pem.ocsp' not stapled: it is expired" "the log says w's is expired"

# --- tickets ---
sess_out()	# PORT FILE: a full handshake, keeping the session (TLS 1.3 tickets come after it)
{
	sleep 0.5 | timeout 5 openssl s_client -connect "127.0.0.1:$1" -servername a.test \
		-sess_out "$2" >/dev/null 2>&1
}
resumed()	# PORT FILE: "Reused" or "New"
{
	timeout 5 openssl s_client -connect "127.0.0.1:$1" -servername a.test -sess_in "$2" \
		</dev/null 2>/dev/null | grep -q '^Reused,' && echo Reused || echo New
}
sess_out "$F1" "$T/s1"
n=0
for i in 1 2 3 4 5 6 7 8; do [ "$(resumed "$F1" "$T/s1")" = Reused ] && n=$((n + 1)); done
is "$n" 8 "tls-ticket-keys: 8 connections over 2 threads all resume"
is "$(resumed "$F2" "$T/s1")" "Reused" "another bind line with the same key file resumes the ticket"
is "$(resumed "$F3" "$T/s1")" "New" "a bind line without tls-ticket-keys does not"
tickets()	# PORT [SESSION-IN]: NewSessionTicket messages the server sent
{
	# one request and read to the end: tickets come after the handshake
	printf 'GET / HTTP/1.0\r\n\r\n' | timeout 5 openssl s_client -connect "127.0.0.1:$1" \
		-servername a.test -msg -ign_eof ${2:+-sess_in "$2"} 2>/dev/null |
		grep -c '<<< .*NewSessionTicket'
}
is "$(tickets "$F1")" 2 "a full TLS 1.3 handshake gets two tickets"
is "$(tickets "$F1" "$T/s1")" 1 "a resumed one gets one (as OpenSSL does; GnuTLS alone sends two)"

out=$(ctl show tls-keys)
like "$out" "0 +$T/tickets +2" "show tls-keys: the file, its #id, the bind lines using it"
key_row() { ctl show tls-keys 0 | awk -v id="$1" '$1 == id { print $3, $4 }'; }
is "$(key_row 0.0)" "decrypt $(cat "$T/k1")" "show tls-keys 0: the oldest key decrypts"
is "$(key_row 0.1)" "encrypt $(cat "$T/k2")" "the penultimate one encrypts"
is "$(key_row 0.2)" "decrypt $(cat "$T/k3")" "the newest decrypts"
is "$(ctl show tls-keys "$T/tickets" | wc -l)" "$(ctl show tls-keys '*' | wc -l)" "show tls-keys by path, or * for all"

# a reload: the new worker reads the same file and resumes the old worker's tickets
ctl reload >/dev/null || fail "lbctl reload"
wait_log "\(generation 2\) serving" || bail "no new worker"
is "$(resumed "$F1" "$T/s1")" "Reused" "after a reload, a ticket of the old worker resumes"

# rotation: K4 replaces K1, K3 now encrypts
is "$(ctl set ssl tls-key 0 "$(cat "$T/k4")")" "TLS ticket key updated!" "set ssl tls-key answers as HAProxy"
is "$(key_row 0.1)" "encrypt $(cat "$T/k3")" "after set ssl tls-key: the previous newest key encrypts"
is "$(key_row 0.2)" "decrypt $(cat "$T/k4")" "... the new key is the newest"
is "$(ctl show tls-keys 0 | grep -cF "$(cat "$T/k1")")" 0 "... the oldest is gone"
sess_out "$F1" "$T/s2"
is "$(resumed "$F2" "$T/s2")" "Reused" "a ticket made after the rotation resumes on both bind lines"
is "$(resumed "$F1" "$T/s1")" "New" "one made with the previous encryption key gets a full handshake (documented)"
out=$(ctl set ssl tls-key 0 Zm9v 2>&1; echo "exit=$?")
like "$out" "the key must be 48 or 80 bytes in base64" "a key of the wrong size is refused"
like "$out" "^exit=[1-9]" "... and lbctl exits non-zero"
like "$(ctl set ssl tls-key 7 "$(cat "$T/k4")" 2>&1)" "no tls-ticket-keys file '7'" "an unknown id is refused"
stop_pid "$MASTER"

# --- errors ---
printf 'bm90IGEga2V5\n' >"$T/badkeys"
{
	cfg_global http
	printf 'frontend f\n\tbind 127.0.0.1:%s ssl crt %s tls-ticket-keys %s\n' "$F3" "$C/a.pem" "$T/badkeys"
} >"$T/bad.cfg"
like "$("$LBD" -c -f "$T/bad.cfg" 2>&1)" "bad.cfg:[0-9]+:[0-9]+: error: 'tls-ticket-keys .*badkeys': line 1 is not a base64 key of 48 or 80 bytes" \
	"a key file with a bad key: an error at the keyword"
done_testing
