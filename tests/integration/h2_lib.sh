# tests/integration/h2_lib.sh: helpers of the HTTP/2 tests (176, 177, 184, 185)
#
# need_h2_tools installs (Debian, quietly) what the tests drive: python3-h2 for h2_client.py
# and h2_echo_srv.py, nghttp2-client for nghttp and h2load, python3-grpcio for grpc_echo.py
# (with "grpc"); the script is skipped when they cannot be had. The packages are also in
# scripts/quickstart.sh.
H2C="$top_srcdir/tests/integration/h2_client.py"
H2SRV="$top_srcdir/tests/integration/h2_echo_srv.py"
GRPC_ECHO="$top_srcdir/tests/integration/grpc_echo.py"

need_h2_tools()
{
	local want="import h2, hpack" pkgs="python3-h2 nghttp2-client" p missing=""
	if [ "${1:-}" = grpc ]; then
		want="$want, grpc"
		pkgs="$pkgs python3-grpcio"
	fi
	"$PYTHON" -c "$want" 2>/dev/null || missing="$pkgs"
	command -v h2load >/dev/null && command -v nghttp >/dev/null || missing="$missing nghttp2-client"
	if [ -n "$missing" ]; then
		for p in $missing; do
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$p" >/dev/null 2>&1 ||
				skip_all "Debian package $p is not installed and cannot be"
		done
	fi
	"$PYTHON" -c "$want" 2>/dev/null || skip_all "$PYTHON cannot import: ${want#import }"
	curl -V | grep -q 'HTTP2' || skip_all "curl has no HTTP/2 support"
}

# h2c PORT COMMAND [OPTIONS]: tests/integration/h2_client.py (clear text, prior knowledge);
# h2c --tls PORT ...: over TLS with ALPN h2. Its stderr goes to $T/h2c.err.
h2c()
{
	"$PYTHON" "$H2C" "$@" 2>>"$T/h2c.err"
}

# start_h2srv VAR ARGS...: start h2_echo_srv.py with ARGS (--h1, --tls PEM, --name N) on a
# kernel-chosen port; the port in VAR, the PID in ${VAR}_PID.
LB_NH2=0
start_h2srv()
{
	local var=$1 pf pid port=""
	shift
	LB_NH2=$((LB_NH2 + 1))
	pf="$T/h2srv.$LB_NH2.port"
	"$PYTHON" "$H2SRV" --port 0 --port-file "$pf" "$@" 2>"$T/h2srv.$LB_NH2.err" &
	pid=$!
	lb_track "$pid"
	if wait_for 5 test -s "$pf"; then
		port=$(cat "$pf")
	else
		diag "h2_echo_srv.py $* did not start"
		diag_file "$T/h2srv.$LB_NH2.err"
	fi
	printf -v "$var" '%s' "$port"
	printf -v "${var}_PID" '%s' "$pid"
	[ -n "$port" ]
}

# rss_kib PID: the resident set of a process, in KiB (0 when it is gone).
rss_kib()
{
	awk '/^VmRSS:/ { print $2; found = 1 } END { if (!found) print 0 }' "/proc/$1/status" \
		2>/dev/null || echo 0
}

# served_while PORT CMD...: run CMD (its stdout in $T/attack.out) and, while it runs, fetch
# http://127.0.0.1:PORT/ over h2c on other connections, one request per 0.2 s (at least 3,
# at most 150). Writes "OK TOTAL" to $T/served: how many of those requests got a 200. (Not
# meant for $(...): CMD must stay a child of the script, so the EXIT trap can end it.)
served_while()
{
	local port=$1 pid ok=0 total=0 code
	shift
	"$@" >"$T/attack.out" 2>"$T/attack.err" &
	pid=$!
	lb_track "$pid"
	while [ "$total" -lt 150 ] && { [ "$total" -lt 3 ] || pid_alive "$pid"; }; do
		code=$(http_code "http://127.0.0.1:$port/" --http2-prior-knowledge)
		total=$((total + 1))
		[ "$code" = 200 ] && ok=$((ok + 1))
		sleep 0.2
	done
	wait_exit "$pid" 30 || stop_pid "$pid"
	echo "$ok $total" >"$T/served"
}

# hwm_kib PID: the peak resident set of a process so far (VmHWM), in KiB: a defence test reads
# it before and after an attack, so a short burst of memory between two samples still counts.
hwm_kib()
{
	awk '/^VmHWM:/ { print $2; found = 1 } END { if (!found) print 0 }' "/proc/$1/status" \
		2>/dev/null || echo 0
}

# jpy EXPR: evaluate a Python expression over the JSON document read from stdin (as "d"), and
# print it: `jpy 'd["method"]' <echo.json`. hdr(NAME) lists the values of a header of the echo
# (any case), so `jpy 'hdr("cookie")'` prints e.g. ['a=1; b=2'].
jpy()
{
	"$PYTHON" -c '
import json, sys
d = json.loads(sys.stdin.read() or "null")
def hdr(name, key="headers"):
	return [v for k, v in (d or {}).get(key, []) if k.lower() == name]
print(eval(sys.argv[1]))' "$1" 2>&1
}
