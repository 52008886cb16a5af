#!/bin/bash
# tests/integration/171-tls-clients.sh: client certificates (verify required/optional, CRL,
# ssl_c_* fetches), session resumption by tickets (and no-tls-tickets), a stalled handshake
# closed by timeout client-hs while others are served, TLS termination in TCP mode, TLS behind
# a PROXY header, and configuration errors
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/integration/tls_lib.sh"

need_tls_tools
mk_certs "$T/c" || { diag_file "$T/c/certtool.log"; bail "cannot make certificates"; }
C=$T/c

start_stub PA --http A || bail "stub A"
start_stub PE --tcp E || bail "stub E"
F1=$(free_port) F2=$(free_port) F3=$(free_port) F4=$(free_port) F5=$(free_port) F6=$(free_port)
{
	cfg_global http "ssl-default-bind-ciphersuites TLS_AES_128_GCM_SHA256" \
		"ssl-default-bind-options ssl-min-ver TLSv1.3"
	cat <<-EOF
	frontend fe_req
		bind 127.0.0.1:$F1 ssl crt $C/a.pem ca-file $C/ca.pem verify required crl-file $C/crl.pem
		http-request return status 200 content-type text/plain lf-string "used=%[ssl_c_used] verify=%[ssl_c_verify] dn=%[ssl_c_s_dn]\n"
	frontend fe_opt
		bind 127.0.0.1:$F2 ssl crt $C/a.pem ca-file $C/ca.pem verify optional
		timeout client-hs 1s
		http-request return status 200 content-type text/plain lf-string "used=%[ssl_c_used]\n"
	frontend fe_notickets
		bind 127.0.0.1:$F3 ssl crt $C/a.pem no-tls-tickets
		http-request return status 200 content-type text/plain string ok
	frontend fe_proxy
		bind 127.0.0.1:$F5 accept-proxy ssl crt $C/a.pem
		http-request return status 200 content-type text/plain lf-string "src=%ci\n"
	frontend fe_tcp
		mode tcp
		bind 127.0.0.1:$F4 ssl crt $C/a.pem
		default_backend be_echo
	backend be_echo
		mode tcp
		server e 127.0.0.1:$PE
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"

# --- client certificates ---
out=$(tcurl a.test "$F1" / --cert "$C/client.crt" --key "$C/client.key")
is "$out" "used=1 verify=0 dn=/O=lb tests/CN=client one" "verify required: a valid client certificate is served (ssl_c_used, ssl_c_verify, ssl_c_s_dn)"
is "$(tcurl a.test "$F1" / -o /dev/null -w '%{http_code}' 2>/dev/null)" "000" "verify required: no client certificate, no response"
is "$(tcurl a.test "$F1" / --cert "$C/rogue.crt" --key "$C/client.key" -o /dev/null -w '%{http_code}' 2>/dev/null)" "000" \
	"verify required: a certificate from an unknown CA is refused"
is "$(tcurl a.test "$F1" / --cert "$C/client2.crt" --key "$C/client.key" -o /dev/null -w '%{http_code}' 2>/dev/null)" "000" \
	"crl-file: a revoked client certificate is refused"
out=$(timeout 5 gnutls-cli --x509cafile="$C/ca.pem" --sni-hostname=a.test --verify-hostname=a.test -p "$F1" 127.0.0.1 </dev/null 2>&1)
like "$out" 'certificate required|Handshake has failed|alert|terminated' "gnutls-cli without a certificate: refused"
is "$(tcurl a.test "$F2" /)" "used=0" "verify optional: served without a client certificate"
is "$(tcurl a.test "$F2" / --cert "$C/client.crt" --key "$C/client.key")" "used=1" "verify optional: the certificate is seen when sent"
is "$(tcurl a.test "$F2" / --cert "$C/rogue.crt" --key "$C/client.key" -o /dev/null -w '%{http_code}' 2>/dev/null)" "000" \
	"verify optional: an invalid certificate is still refused"

# --- global defaults ---
out=$(timeout 5 openssl s_client -connect "127.0.0.1:$F3" -servername a.test </dev/null 2>/dev/null)
like "$out" 'TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256' "ssl-default-bind-ciphersuites applies to a bind line without its own"
out=$(timeout 5 openssl s_client -connect "127.0.0.1:$F3" -servername a.test -tls1_2 </dev/null 2>/dev/null)
unlike "$out" 'Cipher is [A-Z]' "ssl-default-bind-options ssl-min-ver TLSv1.3: TLS 1.2 is refused"

# --- resumption ---
resumed()	# PORT: "Reused" or "New" for a second connection with the first one's session
{
	# stdin open a moment: TLS 1.3 tickets come after the handshake, s_client must read them
	sleep 0.5 | timeout 5 openssl s_client -connect "127.0.0.1:$1" -servername a.test \
		-sess_out "$T/sess.$1" >/dev/null 2>&1
	timeout 5 openssl s_client -connect "127.0.0.1:$1" -servername a.test -sess_in "$T/sess.$1" \
		</dev/null 2>/dev/null | grep -q '^Reused,' && echo Reused || echo New
}
is "$(resumed "$F2")" "Reused" "session tickets: the second connection is resumed"
is "$(resumed "$F3")" "New" "no-tls-tickets: no resumption"

# --- a stalled handshake (timeout client-hs 1s) while others are served ---
"$PYTHON" - "$F2" >"$T/stall.out" 2>&1 <<'PY' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"\x16\x03\x01\x00\x50")   # a record header, then silence
t0 = time.time()
s.settimeout(5)
try:
    d = s.recv(100)
except Exception as e:
    d = repr(e).encode()
print("closed after %.1f s: %r" % (time.time() - t0, d[:20]))
PY
STALL=$!
lb_track "$STALL"
is "$(tcurl a.test "$F2" /)" "used=0" "another client is served while a handshake stalls"
wait_exit "$STALL" 5
like "$(cat "$T/stall.out")" "closed after (0\.[89]|1\.[0-9]) s: b'(|\\\\x15\\\\x03\\\\x03\\\\x00\\\\x02\\\\x01\\\\x00)'\$" "the stalled handshake is closed by timeout client-hs (1 s)"

# --- TCP mode ---
out=$("$PYTHON" - "$F4" <<'PY'
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[0] if False else None)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5),
                    server_hostname="a.test")
s.sendall(b"hello over tls\n" * 2000)
got = b""
while len(got) < 30000:
    d = s.recv(65536)
    if not d:
        break
    got += d
print(len(got), got[:14].decode(), s.version())
PY
)
is "$out" "30000 hello over tls TLSv1.3" "TCP mode: TLS terminated, 30000 bytes echoed by a clear-text server"

# --- PROXY header then TLS ---
out=$("$PYTHON" - "$F5" <<'PY'
import socket, ssl, sys
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
raw = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
# The PROXY line and the ClientHello leave in one segment, so lbd reads TLS bytes together
# with the header: the handshake must take them from its buffer (lbd_tls_take_rbuf).
inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
obj = ctx.wrap_bio(inc, out, server_hostname="a.test")
def step(fn, *a):
    while True:
        try:
            r = fn(*a)
        except ssl.SSLWantReadError:
            if out.pending:
                raw.sendall(out.read())
            d = raw.recv(65536)
            if not d:
                return None
            inc.write(d)
            continue
        if out.pending:
            raw.sendall(out.read())
        return r
try:
    obj.do_handshake()
except ssl.SSLWantReadError:
    pass
raw.sendall(b"PROXY TCP4 192.0.2.7 127.0.0.1 4000 443\r\n" + out.read())
step(obj.do_handshake)
step(obj.write, b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
got = b""
while b"\n" not in got.split(b"\r\n\r\n", 1)[-1] or b"\r\n\r\n" not in got:
    try:
        d = step(obj.read, 4096)
    except ssl.SSLZeroReturnError:
        break
    if not d:
        break
    got += d
print(got.split(b"\r\n\r\n", 1)[1].decode().strip())
PY
)
is "$out" "src=192.0.2.7" "accept-proxy then TLS in one segment: the handshake reads past the PROXY header, its address is used"
stop_pid "$LBD_PID"

# --- configuration errors ---
cfg_err()	# BIND-OPTIONS [start]: lbd -c output for a frontend with these bind options (with
		# "start": what lbd says when it starts with them, the certificates being loaded)
{
	{
		cfg_global http
		printf 'frontend f\n\tbind 127.0.0.1:%s %s\n\thttp-request return status 200\n' "$F6" "$1"
	} >"$T/bad.cfg"
	if [ "${2:-}" = start ]; then
		timeout 5 "$LBD" -f "$T/bad.cfg" 2>&1
		echo "exit=$?"
	else
		"$LBD" -c -f "$T/bad.cfg" 2>&1
	fi
}
like "$(cfg_err "crt $C/a.pem")" "bad.cfg:[0-9]+:[0-9]+: error: .*TLS options need the 'ssl' keyword" "crt without ssl: an error"
like "$(cfg_err "ssl")" "error: .*'ssl' needs at least one 'crt" "ssl without crt: an error"
like "$(cfg_err "ssl crt $C/a.pem alpn h2,spdy/3")" "error: .*protocol 'spdy/3' is not one lb speaks \(h2, http/1.1, http/1.0\)" "alpn: a protocol lb does not speak is an error naming it"
like "$(cfg_err "ssl crt $C/a.pem alpn h2,http/1.1")" "valid" "alpn h2,http/1.1 is accepted"
like "$(cfg_err "proto h3")" "error: .*'proto h3': lb speaks h1 and h2 on bind lines" "bind proto: an unknown protocol is an error"
like "$(cfg_err "ssl crt $C/a.pem verify required")" "error: .*'verify required' needs 'ca-file'" "verify without ca-file: an error"
like "$(cfg_err "ssl crt $C/a.pem ciphers HIGH:!aNULL")" "error: .*cipher 'HIGH' has no GnuTLS equivalent" "an OpenSSL cipher group: an error naming it"
like "$(cfg_err "ssl crt $C/nothere.pem")" "error: .*'crt $C/nothere.pem': cannot read it" "a missing certificate file: an error"
cp "$C/ca.pem" "$T/nokey.pem"
out=$(cfg_err "ssl crt $T/nokey.pem" start)
like "$out" "bad.cfg:[0-9]+: .*nokey.pem.*private key" "a PEM without a key: lbd says which file and why"
like "$out" "^exit=1$" "a PEM without a key: lbd refuses to start"
like "$(cfg_err "ssl crt $C/a.pem gnutls-priority NORMAL:+NOPE" start)" "GnuTLS refuses the priority string 'NORMAL:\+NOPE" "a bad gnutls-priority: lbd refuses to start"
done_testing
