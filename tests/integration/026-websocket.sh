#!/bin/bash
# tests/integration/026-websocket.sh: an Upgrade request becomes a tunnel carrying bytes both ways
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

start_stub PA --http A --log "$T/a.log" || bail "stub A"
F1=$(free_port)
{
	cfg_global
	cat <<-EOF
	frontend fe
		bind 127.0.0.1:$F1
		default_backend be
	backend be
		timeout tunnel 1s
		server a 127.0.0.1:$PA
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"

UPG='GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n'

out=$(rawc "$F1" "send:$UPG" 'recvuntil:\r\n\r\n' 'send:ping-1' 'recvuntil:ping-1' \
	'send:second message' 'recvuntil:second message' shut recv | tr -d '\r')
like "$out" '^HTTP/1.1 101 ' "Upgrade: 101 Switching Protocols"
ilike "$out" '^Upgrade: websocket$' "the 101 carries Upgrade: websocket"
ilike "$out" '^Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=$' "the server's accept key reaches the client"
is "$(printf '%s' "$out" | sed -n '/^$/,$p' | tail -n +2)" "ping-1second message" \
	"bytes go through the tunnel both ways, in order"
is "$(rawc_end)" "EOF" "client half-close ends the tunnel cleanly"
check "the server saw the upgrade and the client's end of data" \
	wait_for 2 grep -q '^eof conn=1 bytes=20$' "$T/a.log"

# 256 KiB through the tunnel, echoed back intact.
gen_body 262144 "$T/big"
rawc "$F1" "send:$UPG" 'recvuntil:\r\n\r\n' "sendfile:$T/big" recvn:262144 shut recv >"$T/big.out"
tail -c 262144 "$T/big.out" >"$T/big.echo"
is "$(sha256 "$T/big.echo")" "$(sha256 "$T/big")" "256 KiB echoed through the tunnel intact"

# timeout tunnel (1 s) closes an idle tunnel even though timeout client/server are 5 s.
start=$(date +%s%N)
rawc --timeout 4 "$F1" "send:$UPG" 'recvuntil:\r\n\r\n' recv >/dev/null
ms=$(( ($(date +%s%N) - start) / 1000000 ))
is "$(rawc_end)" "EOF" "an idle tunnel is closed"
num_between "$ms" 700 3000 "after about timeout tunnel (1 s; took $ms ms)"
check "log: a 101 line" wait_log ' be/a [-+0-9/]+ 101 '

stop_pid "$LBD_PID"
done_testing
