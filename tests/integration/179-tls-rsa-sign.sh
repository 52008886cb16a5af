#!/bin/bash
# tests/integration/179-tls-rsa-sign.sh: RSA certificates on bind lines. Every signature a
# client may ask of an RSA key (TLS 1.3 RSA-PSS, TLS 1.2 PKCS#1 v1.5 and PSS, TLS 1.0/1.1
# MD5-SHA1) verifies against the certificate; RSA and ECDSA certificates on one line are
# picked by the client's algorithms; the static RSA key exchange is off unless "ciphers"
# names it; a key in a ".key" file, a key that does not match, an encrypted key. In a
# build with libcrypto (configure found libssl-dev) lbd makes those signatures with it
# (lbd/tls_rsa.h): a full RSA handshake then costs lbd well under GnuTLS's own signature.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/integration/tls_lib.sh"

need_tls_tools
mk_certs "$T/c" || { diag_file "$T/c/certtool.log"; bail "cannot make certificates"; }
C=$T/c
cp "$C/b.crt" "$T/side.pem" && cp "$C/b.key" "$T/side.key"
F1=$(free_port) F2=$(free_port) F3=$(free_port) F4=$(free_port) F5=$(free_port)
{
	cfg_global http
	cat <<-EOF
	frontend fe_rsa
		bind 127.0.0.1:$F1 ssl crt $C/b.pem
		http-request return status 200 content-type text/plain lf-string "rsa %sslv\n"
	frontend fe_both
		bind 127.0.0.1:$F2 ssl crt $C/a.pem crt $C/b.pem
		http-request return status 200
	frontend fe_old
		bind 127.0.0.1:$F3 ssl crt $C/b.pem ssl-min-ver TLSv1.0
		http-request return status 200
	frontend fe_kx
		bind 127.0.0.1:$F4 ssl crt $C/b.pem ciphers ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA
		http-request return status 200 content-type text/plain lf-string "kx %sslc\n"
	frontend fe_side
		bind 127.0.0.1:$F5 ssl crt $T/side.pem
		http-request return status 200 content-type text/plain string side
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"

# hs PORT ARGS...: one handshake verified against the test CA, then a GET; prints s_client's
# summary lines and the answer's status line
hs()
{
	local port=$1
	shift
	printf 'GET / HTTP/1.0\r\n\r\n' | timeout 5 openssl s_client -brief -ign_eof \
		-CAfile "$C/ca.pem" -verify_return_error -connect "127.0.0.1:$port" "$@" 2>&1 |
		grep -E '^(Protocol version|Hash used|Signature type|Ciphersuite|Peer certificate|HTTP/1)' |
		tr -d '\r' | tr '\n' ' '
}

# --- every signature algorithm, checked by the client against the certificate ---
while read -r vers sigalg hash type; do
	out=$(hs "$F1" -servername b.test "$vers" -sigalgs "$sigalg" -cipher 'DEFAULT@SECLEVEL=0')
	like "$out" "Hash used: $hash Signature type: $type .*HTTP/1.1 200" \
		"$vers $sigalg: the signature verifies and the request is answered"
done <<'EOF'
-tls1_3 rsa_pss_rsae_sha256 SHA256 RSA-PSS
-tls1_3 rsa_pss_rsae_sha384 SHA384 RSA-PSS
-tls1_3 rsa_pss_rsae_sha512 SHA512 RSA-PSS
-tls1_2 rsa_pss_rsae_sha256 SHA256 RSA-PSS
-tls1_2 rsa_pkcs1_sha256 SHA256 RSA
-tls1_2 rsa_pkcs1_sha384 SHA384 RSA
-tls1_2 rsa_pkcs1_sha512 SHA512 RSA
-tls1_2 RSA+SHA1 SHA1 RSA
EOF
for vers in -tls1 -tls1_1; do
	out=$(hs "$F3" -servername b.test "$vers" -cipher 'DEFAULT@SECLEVEL=0')
	like "$out" "Hash used: MD5-SHA1 Signature type: RSA .*HTTP/1.1 200" \
		"$vers (ssl-min-ver TLSv1.0): the MD5-SHA1 signature verifies"
done
like "$(hs "$F5" -servername b.test)" "Signature type: RSA-PSS .*HTTP/1.1 200" \
	"the key in a '.key' file beside the certificate signs"

# --- RSA and ECDSA on one line ---
like "$(hs "$F2" -servername b.test -sigalgs rsa_pss_rsae_sha256)" \
	"Peer certificate: CN ?= ?b.test .*Signature type: RSA-PSS" \
	"a client taking RSA-PSS only gets the RSA certificate"
like "$(hs "$F2" -servername a.test -sigalgs ecdsa_secp256r1_sha256)" \
	"Peer certificate: CN ?= ?a.test .*Signature type: ECDSA" \
	"a client taking ECDSA only gets the ECDSA certificate"

# --- the static RSA key exchange ---
unlike "$(hs "$F1" -servername b.test -tls1_2 -cipher AES128-SHA)" "HTTP/1.1 200" \
	"by default the static RSA key exchange is refused"
like "$(hs "$F1" -servername b.test -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256)" \
	"Ciphersuite: ECDHE-RSA-AES128-GCM-SHA256 .*HTTP/1.1 200" "ECDHE-RSA in TLS 1.2 by default"
like "$(hs "$F4" -servername b.test -tls1_2 -cipher AES128-SHA)" \
	"Ciphersuite: AES128-SHA .*HTTP/1.1 200" "'ciphers' naming AES128-SHA allows it"
like "$(hs "$F4" -servername b.test -tls1_3)" "Signature type: RSA-PSS .*HTTP/1.1 200" \
	"that line still signs TLS 1.3 handshakes"

# --- keys lbd refuses, with GnuTLS's words ---
openssl genrsa -out "$T/other.key" 2048 2>/dev/null
cat "$C/b.crt" "$T/other.key" >"$T/mismatch.pem"
openssl pkey -in "$C/b.key" -aes256 -passout pass:x -out "$T/enc.key" 2>/dev/null
cat "$C/b.crt" "$T/enc.key" >"$T/enc.pem"
start_bad()	# PEM: what lbd says when it starts with that certificate
{
	printf '%s\nfrontend f\n\tbind 127.0.0.1:%s ssl crt %s\n\thttp-request return status 200\n' \
		"$(cfg_global http)" "$F5" "$1" >"$T/bad.cfg"
	timeout 5 "$LBD" -f "$T/bad.cfg" 2>&1
	echo "exit=$?"
}
out=$(start_bad "$T/mismatch.pem")
like "$out" "crt '$T/mismatch.pem': The certificate and the given key do not match" \
	"a key that is not the certificate's is refused"
like "$out" "exit=1" "... and lbd exits 1"
out=$(start_bad "$T/enc.pem")
like "$out" "crt '$T/enc.pem': Decryption has failed" "an encrypted key is refused (no passphrase)"
like "$out" "exit=1" "... and lbd exits 1"

# --- the cost of a full handshake ---
# lbd's CPU time per full TLS 1.3 handshake, RSA-PSS signed: on fe_rsa (libcrypto signs in a
# build with it) and on fe_kx (static RSA allowed: GnuTLS's own key signs)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$LBD_PID/stat"; }
per_hs()	# PORT: lbd CPU ticks per 100 handshakes, over 1.5 s of openssl s_time
{
	local c0 c1 n
	c0=$(cpu_ticks)
	n=$(timeout 20 openssl s_time -connect "127.0.0.1:$1" -new -time 2 2>/dev/null |
		sed -n 's/^\([0-9]*\) connections in [0-9.]*s.*/\1/p' | head -n 1)
	c1=$(cpu_ticks)
	[ "${n:-0}" -gt 50 ] || { echo "none"; return; }
	echo $(((c1 - c0) * 10000 / n))
}
if grep -q '^#define HAVE_LIBCRYPTO_RSA 1' "$top_builddir/config.h" 2>/dev/null; then
	fast=$(per_hs "$F1") own=$(per_hs "$F4")
	diag "lbd CPU per 100 handshakes (1/100 tick): libcrypto $fast, GnuTLS's own $own"
	if [ "$fast" != none ] && [ "$own" != none ] && [ $((fast * 10)) -lt $((own * 7)) ]; then
		pass "an RSA handshake signed by libcrypto costs lbd under 70% of one GnuTLS signs"
	else
		fail "an RSA handshake signed by libcrypto costs lbd under 70% of one GnuTLS signs"
	fi
	like "$(cat "/proc/$LBD_PID/maps")" "libcrypto\.so" "lbd has libcrypto mapped"
else
	skip "the cost of a handshake signed by libcrypto" "this build has no libcrypto"
	skip "lbd has libcrypto mapped" "this build has no libcrypto"
fi

done_testing
