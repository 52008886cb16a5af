#!/bin/bash
# tests/integration/101-probe-failures.sh: servers that answer garbage, half a reply, reset,
# stay silent or never accept give the right HAProxy status, in bounded time, and lbcheck
# ends cleanly (no sanitizer report, no hang)
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/integration/probe_lib.sh"

start_psrv GARB --mode reply --reply 'SSH-2.0-OpenSSH_9.2\r\n' || bail "garbage server"
start_psrv HALF --mode reply --reply 'HTTP/1.1 200 OK\r\nContent-Le' || bail "half server"
start_psrv RST --mode reset || bail "reset server"
start_psrv SIL --mode silence || bail "silent server"
start_psrv BIG --mode reply --reply "HTTP/1.1 200 OK\r\n$(printf 'X-Pad: %01000d\\r\\n' $(seq 1 20))" \
	--hold || bail "big server"
start_psrv EMPTY --mode reply --reply '' || bail "closing server"
start_psrv BL --mode backlog || bail "backlog server"

# http against each misbehaving server
probe --type http --timeout 500ms "127.0.0.1:$GARB"
is "$RC" 1 "garbage: exit 1"
like "$OUT" "L7RSP +- .*not an HTTP response: 'SSH-2.0-OpenSSH_'" "garbage: L7RSP, says what came"

probe --type http --timeout 500ms "127.0.0.1:$HALF"
like "$OUT" "L7RSP +- .*truncated HTTP response head" "half a reply then close: L7RSP"

probe --type http --timeout 500ms "127.0.0.1:$RST"
like "$OUT" "SOCKERR +- .*Connection reset by peer" "reset after the request: SOCKERR (as HAProxy)"

probe --type http --timeout 400ms "127.0.0.1:$SIL"
like "$OUT" "L7TOUT +- +[0-9]+ms +no reply after" "silence: L7TOUT"
dur=$(printf '%s\n' "$OUT" | awk 'NR == 2 { sub(/ms/, "", $6); print $6 }')
num_between "$dur" 380 1500 "silence: ends at the timeout (${dur}ms)"

probe --type http --timeout 500ms "127.0.0.1:$BIG"
like "$OUT" "L7RSP .*reply larger than 16384 bytes" "endless head: bounded buffer, L7RSP"

probe --type http --timeout 500ms "127.0.0.1:$EMPTY"
like "$OUT" "L7RSP .*connection closed without a response" "close without a byte: L7RSP"

# a port whose accept queue is full: the connect itself times out
"$PYTHON" -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
time.sleep(30)' "$BL" &
lb_track $!
sleep 0.3
probe --type tcp --timeout 300ms "127.0.0.1:$BL"
like "$OUT" "L4TOUT +- .*connection timed out" "connect never completes: L4TOUT"

# the same behaviours through a typed check and tcp-check
probe --type redis --timeout 500ms "127.0.0.1:$GARB"
like "$OUT" "redis +L7STS .*unexpected Redis reply 'SSH-2.0" "redis vs garbage: L7STS (redis-check's error status)"
probe --type redis --timeout 300ms "127.0.0.1:$SIL"
like "$OUT" "redis +L7TOUT" "redis vs silence: L7TOUT"
probe --type tcp-check --send 'PING\r\n' --expect '+PONG' --timeout 500ms "127.0.0.1:$GARB"
like "$OUT" "tcp-check +L7RSP .*'\+PONG' not found in reply 'SSH-2.0" "tcp-check expect vs garbage: L7RSP"
probe --type mysql --timeout 300ms "127.0.0.1:$SIL"
like "$OUT" "mysql +L7TOUT" "mysql vs silence: L7TOUT"
# a server that resets without waiting for the client (the SMTP client waits for a greeting)
start_psrv RST2 --mode reset --wait-ms 100 || bail "quick reset server"
probe --type smtp --timeout 1s "127.0.0.1:$RST2"
like "$OUT" "smtp +SOCKERR .*Connection reset by peer" "smtp vs reset: SOCKERR"

# many probes at once, bounded parallelism: every one ends, no fd runs out
targets=()
for i in $(seq 1 60); do targets+=("127.0.0.1:$SIL" "127.0.0.1:$GARB"); done
probe --type http --parallel 16 --timeout 200ms --json "${targets[@]}"
is "$RC" 1 "120 failing probes: exit 1"
is "$(printf '%s' "$OUT" | "$PYTHON" -c '
import json, sys
v = json.load(sys.stdin)
print(len(v), sorted(set(o["status"] for o in v)))')" "120 ['L7RSP', 'L7TOUT']" "120 results, each L7TOUT or L7RSP"
is "$ERR" "" "nothing on stderr (no sanitizer report)"

no_sanitizer_report
done_testing
