#!/bin/bash
# tests/integration/023-http-errors.sh: 503 (no server / refused, with retries and redispatch), 502, 504, and their log lines
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

start_stub PA --http A || bail "stub A"
DEAD=$(free_port)	# nobody listens here: connections are refused
F1=$(free_port) F2=$(free_port) F3=$(free_port) F4=$(free_port)
{
	cfg_global
	cat <<-EOF
	frontend fe_nosrv
		bind 127.0.0.1:$F1
		default_backend be_nosrv
	frontend fe_refused
		bind 127.0.0.1:$F2
		default_backend be_refused
	frontend fe_redisp
		bind 127.0.0.1:$F3
		default_backend be_redisp
	frontend fe_a
		bind 127.0.0.1:$F4
		default_backend be_a
	backend be_nosrv
		server a 127.0.0.1:$PA disabled
	backend be_refused
		retries 1
		server dead 127.0.0.1:$DEAD
	backend be_redisp
		balance roundrobin
		retries 2
		option redispatch
		server dead 127.0.0.1:$DEAD
		server a 127.0.0.1:$PA
	backend be_a
		timeout server 1s
		server a 127.0.0.1:$PA
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"

# logline BACKEND/SERVER STATUS: the httplog line of that request exists.
logline() { wait_log " $1 [-+0-9/]+ $2 "; }

is "$(http_code "http://127.0.0.1:$F1/")" 503 "no usable server: 503"
check "log: be_nosrv/<NOSRV> with status 503" logline "be_nosrv/<NOSRV>" 503

is "$(http_code "http://127.0.0.1:$F2/")" 503 "the only server refuses connections: 503"
check "log: be_refused/dead with status 503" logline "be_refused/dead" 503
like "$(grep ' be_refused/dead ' "$LBD_LOG")" ' SC-- ' "log: termination state SC-- (server refused the connection)"

# roundrobin sends every other request to the dead server; redispatch saves all of them.
codes=""
for i in 1 2 3 4; do codes="$codes$(http_code "http://127.0.0.1:$F3/") "; done
is "$codes" "200 200 200 200 " "retries + redispatch: every request succeeds on the live server"
check "log: be_redisp/a with status 200" logline "be_redisp/a" 200
like "$(grep ' be_redisp/' "$LBD_LOG")" ' be_redisp/a [-0-9/]+ 200 .* [0-9]+/[0-9]+/[0-9]+/[0-9]+/\+[1-9]' \
	"log: a redispatched request shows +N retries"

# The server resets before answering, or closes without a response: 502.
is "$(http_code "http://127.0.0.1:$F4/reset?after=-1")" 502 "server resets before the response: 502"
check "log: be_a/a with status 502 (reset)" logline "be_a/a" 502
is "$(http_code "http://127.0.0.1:$F4/close")" 502 "server closes without a response: 502"
wait_log_count 2 ' be_a/a [-+0-9/]+ 502 '
is "$(log_count ' be_a/a [-+0-9/]+ 502 ')" 2 "log: two 502 lines"

# The server resets in the middle of the body: the client already has the status line, so it
# sees 200 and a truncated body; the log tells what happened.
hcurl -o "$T/body" "http://127.0.0.1:$F4/reset?after=100" 2>/dev/null
rc=$?
check "reset mid-body: the client's transfer fails (curl exit $rc)" test "$rc" -ne 0
num_between "$(wc -c <"$T/body")" 0 100 "reset mid-body: at most the 100 bytes sent before the reset arrive"
check "log: 200 with a server-side abort (SD)" wait_log ' be_a/a [-+0-9/]+ 200 .* SD'

# The server hangs: 504 after timeout server (1 s).
start=$(date +%s%N)
is "$(http_code "http://127.0.0.1:$F4/hang")" 504 "server hangs: 504"
num_between $(( ($(date +%s%N) - start) / 1000000 )) 800 3000 "504 comes after about timeout server (1 s)"
check "log: be_a/a with status 504" logline "be_a/a" 504
like "$(grep -E ' be_a/a [-+0-9/]+ 504 ' "$LBD_LOG")" ' sH-- ' "log: termination state sH-- (server timeout before headers)"

# And the daemon still serves.
is "$(hcurl "http://127.0.0.1:$F4/")" "A" "still serving after the errors"

stop_pid "$LBD_PID"
done_testing
