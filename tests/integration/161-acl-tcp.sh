#!/bin/bash
# tests/integration/161-acl-tcp.sh: ACLs in TCP mode: use_backend by dst_port and src
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

start_stub PA --tcp A --banner || bail "stub A"
start_stub PB --tcp B --banner || bail "stub B"
start_stub PC --tcp C --banner || bail "stub C"
F1=$(free_port) F2=$(free_port) F3=$(free_port) G=$(free_port)
{
	cfg_global tcp
	cat <<-EOF
	frontend fe
		bind 127.0.0.1:$F1
		bind 127.0.0.1:$F2
		bind 127.0.0.1:$F3
		acl on_first dst_port $F1
		acl lan src 10.0.0.0/8 192.168.0.0/16
		use_backend be_a if on_first
		use_backend be_b if { dst_port $F2 } !lan
		default_backend be_c
	frontend fe_src
		bind 127.0.0.1:$G
		use_backend be_b if { src 127.0.0.0/8 } { dst 127.0.0.1 } { src_port 1:65535 }
		default_backend be_c
	backend be_a
		server a 127.0.0.1:$PA
	backend be_b
		server b 127.0.0.1:$PB
	backend be_c
		server c 127.0.0.1:$PC
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"

banner() { rawc "$1" 'recvuntil:\n' 2>/dev/null; }
is "$(banner "$F1")" A "dst_port of the first bind -> be_a"
is "$(banner "$F2")" B "dst_port of the second bind and !lan -> be_b"
is "$(banner "$F3")" C "third bind: no rule matches -> default_backend"
is "$(banner "$G")" B "src/dst/src_port (ANDed) -> be_b"

# HTTP fetches are refused in a TCP frontend's use_backend
cat >"$T/bad.cfg" <<-EOF
	frontend fe
		mode tcp
		bind 127.0.0.1:$F1
		use_backend be if { path_beg /a }
	backend be
		mode tcp
		server w 127.0.0.1:$PA
EOF
out=$("$LBD" -c -f "$T/bad.cfg" 2>&1)
like "$out" "bad.cfg:4:1: error: use_backend condition reads HTTP data, but 'fe' is in mode tcp" \
	"an HTTP fetch in a TCP frontend's use_backend is an error"

done_testing
