#!/bin/bash
# tests/integration/030-tcp-mode.sh: TCP proxying: echo, half-close, balancing, log line
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

start_stub PE --tcp E --log "$T/e.log" || bail "stub E"
start_stub PA --tcp A --banner || bail "stub A"
start_stub PB --tcp B --banner || bail "stub B"
F1=$(free_port) F2=$(free_port)
{
	cfg_global tcp
	cat <<-EOF
	frontend fe_echo
		bind 127.0.0.1:$F1
		default_backend be_echo
	frontend fe_rr
		bind 127.0.0.1:$F2
		default_backend be_rr
	backend be_echo
		server e 127.0.0.1:$PE
	backend be_rr
		balance roundrobin
		server a 127.0.0.1:$PA
		server b 127.0.0.1:$PB
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"

out=$(rawc "$F1" 'send:hello\n' 'recvuntil:hello\n' 'send:world\n' 'recvuntil:world\n')
is "$out" "$(printf 'hello\nworld')" "TCP echo through the proxy, two exchanges on one connection"

# Half-close: the client sends 512 KiB and shuts its write side at once; it still receives
# the whole echo, then the end of stream.
gen_body 524288 "$T/half"
rawc "$F1" "sendfile:$T/half" shut recv >"$T/half.out"
is "$(sha256 "$T/half.out")" "$(sha256 "$T/half")" "half-close: all 512 KiB come back after the client's FIN"
is "$(rawc_end)" "EOF" "half-close: then the connection ends cleanly"
check "the server saw the client's FIN after all the bytes" \
	wait_for 2 grep -q '^eof conn=[0-9]* bytes=524288$' "$T/e.log"

# Server speaks first (banner), roundrobin over 2 servers: 6 connections alternate. (The
# client sends a byte too: dontlognull does not log connections where the client sent nothing.)
seq=""
for i in 1 2 3 4 5 6; do
	seq="$seq$(rawc "$F2" 'recvuntil:\n' send:x shut recv | head -c 1)"
done
like "$seq" '^(AB){3}$|^(BA){3}$' "roundrobin over 2 TCP servers alternates ($seq)"

check "log: one tcplog line per connection (8 to be_*)" wait_log_count 8 ' be_(echo|rr)/[abe] '

stop_pid "$LBD_PID"
done_testing
