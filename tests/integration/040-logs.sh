#!/bin/bash
# tests/integration/040-logs.sh: httplog and tcplog line formats, custom log-format tokens
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

start_stub PA --http A || bail "stub A"
start_stub PE --tcp E || bail "stub E"
F1=$(free_port) F2=$(free_port) F3=$(free_port) F4=$(free_port)
{
	cfg_global
	cat <<-EOF
	frontend fe_http
		bind 127.0.0.1:$F1
		default_backend be_http
	frontend fe_custom
		bind 127.0.0.1:$F2
		log-format "custom ci=%ci fi=%fi:%fp f=%f b=%b s=%s st=%ST m=%HM u=%HU p=%HP q=%HQ v=%HV B=%B U=%U ts=%ts src=%[src] fe=%[fe_name] dport=%[dst_port] r=%{+Q}r"
		default_backend be_http
	frontend fe_tcp
		mode tcp
		option tcplog
		bind 127.0.0.1:$F3
		default_backend be_tcp
	frontend fe_tcpcustom
		mode tcp
		bind 127.0.0.1:$F4
		log-format "tcpcustom %ci %f %b/%s B=%B U=%U ts=%ts"
		default_backend be_tcp
	backend be_http
		server a 127.0.0.1:$PA
	backend be_tcp
		mode tcp
		server e 127.0.0.1:$PE
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"

DATE='[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}:[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}'
N='[0-9]+'

# httplog: client, [date], frontend, backend/server, Tq/Tw/Tc/Tr/Ta, status, bytes, captured
# cookies, termination state, ac/fc/bc/sc/retries, srv_queue/backend_queue, "request line".
got=$(hcurl -o /dev/null -w '%{size_header} %{size_download} %{local_port}' "http://127.0.0.1:$F1/path/x?q=1")
read -r hsz bsz cport <<<"$got"
wait_log ' fe_http be_http/a '
line=$(grep ' fe_http be_http/a ' "$LBD_LOG")
like "$line" "^127\\.0\\.0\\.1:$cport \\[$DATE\\] fe_http be_http/a $N/$N/$N/$N/$N 200 $N - - ---- $N/$N/$N/$N/$N $N/$N \"GET /path/x\\?q=1 HTTP/1\\.1\"\$" \
	"httplog line has HAProxy's format"
# HAProxy 2.6 counts HTX bytes (headers re-encoded), not wire bytes: a documented difference.
HTX_TODO=""
lbd_is_haproxy && HTX_TODO="HAProxy 2.6 counts HTX bytes, not the bytes on the wire"
LB_TODO=$HTX_TODO
is "$(echo "$line" | awk '{ print $7 }')" "$((hsz + bsz))" "httplog bytes = what the client received ($hsz + $bsz)"
LB_TODO=""

# A 404 from the server and a request with a body show their own values.
hcurl -o /dev/null "http://127.0.0.1:$F1/?status=404"
check "httplog: status 404 logged" wait_log " fe_http be_http/a $N/$N/$N/$N/$N 404 .*\"GET /\\?status=404 HTTP/1\\.1\"\$"
# a request line longer than the stream's inline copy is logged whole as well
long=$(printf 'x%.0s' $(seq 300))
hcurl -o /dev/null "http://127.0.0.1:$F1/$long?status=202"
check "httplog: a 300-byte URI logged whole" wait_log " 202 .*\"GET /$long\\?status=202 HTTP/1\\.1\"\$"

# log-format with custom tokens.
got=$(hcurl -o /dev/null -H 'Host: example.test' -d 'abcdef' \
	-w '%{size_header} %{size_download} %{local_port} %{size_request} %{size_upload}' \
	"http://127.0.0.1:$F2/some/where?k=v")
read -r hsz bsz cport rsz usz <<<"$got"
check "log-format: a line was written" wait_log '^custom '
line=$(grep '^custom ' "$LBD_LOG")
is "$(echo "$line" | sed -E 's/ B=[0-9]+ U=[0-9]+ / B=_ U=_ /')" "custom ci=127.0.0.1 fi=127.0.0.1:$F2 f=fe_custom b=be_http s=a st=200 m=POST u=/some/where?k=v p=/some/where q=?k=v v=HTTP/1.1 B=_ U=_ ts=-- src=127.0.0.1 fe=fe_custom dport=$F2 r=\"POST /some/where?k=v HTTP/1.1\"" \
	"log-format renders every token"
LB_TODO=$HTX_TODO
# curl's size_request counts every byte it sent, the body included when it goes out with the
# head (as a 6-byte -d body does): that is the request's size on the wire.
like "$line" " B=$((hsz + bsz)) U=$rsz " "log-format %B and %U are the bytes on the wire"
LB_TODO=""

# tcplog: client, [date], frontend, backend/server, Tw/Tc/Tt, bytes, termination state,
# ac/fc/bc/sc/retries, srv_queue/backend_queue.
rawc "$F3" 'send:0123456789' recvn:10 shut recv >/dev/null
check "tcplog: a line was written" wait_log ' fe_tcp be_tcp/e '
line=$(grep ' fe_tcp be_tcp/e ' "$LBD_LOG")
like "$line" "^127\\.0\\.0\\.1:$N \\[$DATE\\] fe_tcp be_tcp/e $N/$N/$N 10 -- $N/$N/$N/$N/$N $N/$N\$" \
	"tcplog line has HAProxy's format (10 bytes to the client, normal end)"

rawc "$F4" 'send:abc' recvn:3 shut recv >/dev/null
check "tcp log-format: a line was written" wait_log '^tcpcustom '
is "$(grep '^tcpcustom ' "$LBD_LOG")" "tcpcustom 127.0.0.1 fe_tcpcustom be_tcp/e B=3 U=3 ts=--" \
	"tcp log-format renders its tokens"

# dontlognull (in defaults): start_lbd's connect-only probes left no line.
unlike "$(cat "$LBD_LOG")" '<BADREQ>' "dontlognull: empty connections are not logged"

stop_pid "$LBD_PID"
done_testing
