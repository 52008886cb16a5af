#!/bin/bash
# tests/integration/184-grpc.sh: gRPC through lbd (grpc_echo.py, python3-grpcio): h2c with prior
# knowledge ("bind ... proto h2") and h2 over TLS ("alpn h2") towards clients, h2c towards the
# server ("server ... proto h2"): unary, server, client and bidirectional streaming, a non-OK
# status whose grpc-status/grpc-message trailers arrive intact, a 4 MiB message each way
: "${LB_TEST_TIMEOUT:=120}"
export LB_TEST_TIMEOUT
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/integration/tls_lib.sh"
. "$top_srcdir/tests/integration/h2_lib.sh"

need_tls_tools
need_h2_tools grpc
mk_certs "$T/c" || { diag_file "$T/c/certtool.log"; bail "cannot make certificates"; }

"$PYTHON" "$GRPC_ECHO" serve --port 0 --port-file "$T/grpc.port" 2>"$T/grpc.err" &
lb_track $!
wait_for 10 test -s "$T/grpc.port" || { diag_file "$T/grpc.err"; bail "gRPC server did not start"; }
G=$(cat "$T/grpc.port")

F1=$(free_port) F2=$(free_port)
{
	cfg_global http
	cat <<-EOF
	frontend fe_grpc
		bind 127.0.0.1:$F1 proto h2
		default_backend be_grpc
	frontend fe_grpc_tls
		bind 127.0.0.1:$F2 ssl crt $T/c/a.pem alpn h2
		default_backend be_grpc
	backend be_grpc
		server g 127.0.0.1:$G proto h2
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"

# grpc_run OUT ARGS...: the client (bounded: each call has a 10 s deadline)
grpc_run() { local out=$1; shift; timeout 90 "$PYTHON" "$GRPC_ECHO" client "$@" >"$out" 2>&1; }

grpc_run "$T/direct" "127.0.0.1:$G"
check "without lbd, every call works (the test itself is sound)" grep -q '^big ok' "$T/direct" ||
	diag_file "$T/direct"

for way in h2c tls; do
	if [ "$way" = h2c ]; then
		grpc_run "$T/$way" "127.0.0.1:$F1"
	else
		grpc_run "$T/$way" "127.0.0.1:$F2" --tls "$T/c/ca.pem" --name a.test
	fi
	out=$(cat "$T/$way")
	like "$out" '^unary ok$' "$way: unary call, with metadata and trailing metadata"
	like "$out" '^server-stream ok 50$' "$way: server streaming, 50 messages"
	like "$out" '^client-stream ok 20$' "$way: client streaming, 20 messages"
	like "$out" '^bidi ok 30$' "$way: bidirectional streaming, each answer before the next message"
	like "$out" '^status ok PERMISSION_DENIED$' "$way: a non-OK status with its message (non-ASCII, %) and trailers intact"
	like "$out" '^big ok 4194304$' "$way: a 4 MiB message each way"
	unlike "$out" 'FAIL' "$way: no call failed"
done

# the access log: one line per call, as HTTP/2.0 POSTs
wait_log 'fe_grpc be_grpc/g .* 200 .*"POST [^ ]*/lb\.Echo/Unary HTTP/2\.0"' "$LBD_LOG" 5
like "$(cat "$LBD_LOG")" 'fe_grpc be_grpc/g .* 200 .*"POST [^ ]*/lb\.Echo/Unary HTTP/2\.0"' \
	"gRPC calls are logged as POST ... HTTP/2.0, status 200"
like "$(cat "$LBD_LOG")" 'fe_grpc_tls~? be_grpc/g .*"POST [^ ]*/lb\.Echo/Bidi HTTP/2\.0"' \
	"the TLS frontend logs the bidi call"

done_testing
