#!/bin/bash
# tests/integration/175-tls-cert-update.sh: certificates replaced at run time with HAProxy's
# transaction on the control socket: set ssl cert (from a file and from stdin), show ssl cert
# (the list with '*' for an open transaction, the details of the current and of the
# uncommitted certificate), commit ssl cert (new handshakes on every bind line using the file
# get the new certificate; an established keep-alive connection goes on with the old one),
# abort ssl cert, and refusals (a PEM without a key, an unknown file, no transaction)
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/integration/tls_lib.sh"

need_tls_tools
[ -x "$LBCTL" ] || skip_all "lbctl not found: LBCTL=$LBCTL"
mk_certs "$T/c" || { diag_file "$T/c/certtool.log"; bail "cannot make certificates"; }
C=$T/c
# a2.pem: a new certificate for a.test (CN a2.test, so that the tests can tell them apart)
(D=$C; _leaf a2 ecdsa a2.test a.test) >>"$C/certtool.log" 2>&1 || bail "certtool"
printf '%s\n' "$C/a.pem" >"$T/list"

F1=$(free_port) F2=$(free_port)
SOCK=$T/ctl.sock
{
	cfg_global http "stats socket $SOCK level admin" "nbthread 2"
	cat <<-EOF
	frontend fe
		bind 127.0.0.1:$F1 ssl crt $C/a.pem crt $C/b.pem
		bind 127.0.0.1:$F2 ssl crt-list $T/list
		http-request return status 200 content-type text/plain string ok
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"
wait_for 5 test -S "$SOCK" || bail "no control socket"
ctl() { "$LBCTL" -s "$SOCK" "$@"; }

# a client on a keep-alive connection: one request now, one more once $T/go exists
"$PYTHON" - "$F1" "$C/ca.pem" "$T/go" >"$T/ka.out" 2>&1 <<'PY' &
import socket, ssl, sys, time, os
port, ca, go = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context(cafile=ca)
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="a.test")
def cn():
    return dict(x[0] for x in s.getpeercert()["subject"])["commonName"]
def get():
    s.sendall(b"GET / HTTP/1.1\r\nHost: a.test\r\n\r\n")
    data = b""
    while not data.endswith(b"ok"):
        chunk = s.recv(4096)
        if not chunk:
            return "closed"
        data += chunk
    return data.split(b"\r\n")[0].decode()
print("first", get(), cn(), flush=True)
for _ in range(100):
    if os.path.exists(go):
        break
    time.sleep(0.1)
print("second", get(), cn(), flush=True)
PY
KA=$!
lb_track "$KA"
wait_for 5 grep -q '^first' "$T/ka.out" || diag_file "$T/ka.out"
is "$(cat "$T/ka.out")" "first HTTP/1.1 200 OK a.test" "a keep-alive client is served by the first certificate"

# --- the transaction ---
out=$(ctl show ssl cert)
like "$out" "^$C/a.pem +2$" "show ssl cert: a.pem, used by two bind lines"
like "$out" "^$C/b.pem +1$" "... and b.pem"
like "$(ctl show ssl cert "$C/a.pem")" "^Subject +CN=a.test$" "show ssl cert <file>: the loaded certificate's subject"
like "$(ctl show ssl cert "$C/a.pem")" "^Status +Used$" "... status Used"
is "$(ctl set ssl cert "$C/a.pem" "$C/a2.pem")" "Transaction created for certificate $C/a.pem!" "set ssl cert opens a transaction"
is "$(ctl set ssl cert "$C/a.pem" - <"$C/a2.pem")" "Transaction updated for certificate $C/a.pem!" "set ssl cert again (PEM on stdin) updates it"
like "$(ctl show ssl cert)" "^\*$C/a.pem +2$" "show ssl cert marks the open transaction with '*'"
out=$(ctl show ssl cert "*$C/a.pem")
like "$out" "^Subject +CN=a2.test$" "show ssl cert *<file>: the uncommitted certificate"
like "$out" "^Status +Uncommitted$" "... status Uncommitted"
is "$(peer_cn "$F1" -servername a.test)" "a.test" "before the commit, new handshakes get the old certificate"
is "$(ctl commit ssl cert "$C/a.pem")" "Committing $C/a.pem: Success!" "commit ssl cert"
is "$(peer_cn "$F1" -servername a.test)" "a2.test" "after the commit, a new handshake gets the new certificate"
is "$(peer_cn "$F2" -servername a.test)" "a2.test" "... on the crt-list bind line too"
is "$(peer_cn "$F1" -servername b.test)" "b.test" "the other certificate is untouched"
is "$(tcurl a.test "$F1" /)" "ok" "curl verifies the new certificate for a.test"
like "$(ctl show ssl cert "$C/a.pem")" "^Subject +CN=a2.test$" "show ssl cert <file> shows the new certificate"
unlike "$(ctl show ssl cert)" "^\*" "no transaction left open"
touch "$T/go"
wait_for 5 grep -q '^second' "$T/ka.out" || diag_file "$T/ka.out"
like "$(cat "$T/ka.out")" "^second HTTP/1.1 200 OK a.test$" \
	"the established connection was not dropped: served again, still with the old certificate"
wait_exit "$KA" 5

# --- abort and refusals ---
is "$(ctl set ssl cert "$C/a.pem" "$C/b.pem")" "Transaction created for certificate $C/a.pem!" "a new transaction"
is "$(ctl abort ssl cert "$C/a.pem")" "Transaction aborted for certificate '$C/a.pem'!" "abort ssl cert"
is "$(peer_cn "$F1" -servername a.test)" "a2.test" "after an abort nothing changed"
out=$(ctl abort ssl cert "$C/a.pem" 2>&1; echo "exit=$?")
like "$out" "no ongoing transaction" "abort without a transaction is refused"
like "$out" "^exit=1$" "... exit 1"
like "$(ctl commit ssl cert "$C/a.pem" 2>&1)" "no ongoing transaction" "commit without a transaction is refused"
out=$(ctl set ssl cert "$C/a.pem" "$C/a2.crt" 2>&1; echo "exit=$?")
like "$out" "unable to load the certificate: .*private key" "a PEM without its key is refused at set"
like "$out" "^exit=1$" "... exit 1"
unlike "$(ctl show ssl cert)" "^\*" "... and opens no transaction"
like "$(ctl set ssl cert "$T/nope.pem" "$C/a2.pem" 2>&1)" "'$T/nope.pem' is not a certificate file of a bind line" "an unknown file is refused"
like "$(ctl set ssl cert "$C/a.pem" "$T/missing.pem" 2>&1)" "lbctl: $T/missing.pem: No such file" "lbctl: a missing local PEM file"
is "$(tcurl a.test "$F2" /)" "ok" "still serving"
stop_pid "$LBD_PID"
done_testing
