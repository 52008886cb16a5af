#!/bin/bash
# tests/integration/177-h2-defences.sh: HTTP/2 abuse towards lbd, each answered with GOAWAY,
# RST_STREAM or a close while another client on another connection keeps being served: rapid
# reset, CONTINUATION flood, HPACK bomb, SETTINGS and PING floods, more streams than
# tune.h2.max-concurrent-streams, a client window that never opens (lbd's memory stays bounded
# and the stream ends after "timeout client")
: "${LB_TEST_TIMEOUT:=180}"
export LB_TEST_TIMEOUT
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/integration/tls_lib.sh"
. "$top_srcdir/tests/integration/h2_lib.sh"

need_tls_tools
need_h2_tools
mk_certs "$T/c" || { diag_file "$T/c/certtool.log"; bail "cannot make certificates"; }

start_stub PA --http A --log "$T/stub.log" || bail "stub A"
F1=$(free_port) F2=$(free_port)
{
	cat <<-EOF
	global
		log stderr format raw local0
		maxconn 1000
		tune.h2.max-concurrent-streams 10

	defaults
		mode http
		log global
		option httplog
		option dontlognull
		timeout connect 2s
		timeout client 3s
		timeout server 10s

	frontend fe_h2
		bind 127.0.0.1:$F1 proto h2
		default_backend be
	frontend fe_tls
		bind 127.0.0.1:$F2 ssl crt $T/c/a.pem alpn h2,http/1.1
		default_backend be
	backend be
		server a 127.0.0.1:$PA
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"
is "$(http_code "http://127.0.0.1:$F1/" --http2-prior-knowledge)" 200 "h2c answers before the attacks"

# bystander OK/TOTAL WHAT: the other client got a 200 to every request made during an attack.
bystander()
{
	local ok=${1% *} total=${1#* }
	num_between "$total" 3 1000 "$2: the other client made requests meanwhile ($total)" &&
		is "$ok" "$total" "$2: the other client on another connection was served every time"
}

# grown_kib BEFORE: how much lbd's peak RSS grew since BEFORE (a VmHWM reading).
grown_kib() { echo $(($(hwm_kib "$LBD_PID") - $1)); }

# --- HPACK bomb: a 4000-byte header inserted in the dynamic table, then referenced 12,000
# times: 16 KB on the wire, 48 MB once decoded (first, while the peak RSS is still low) ---
hwm=$(hwm_kib "$LBD_PID")
served_while "$F1" h2c "$F1" hpack-bomb --path /bomb --size 4000 --refs 12000
res=$(cat "$T/served")
out=$(cat "$T/attack.out")
like "$out" '^block-bytes 160[0-9]{2} decoded-bytes 48' "HPACK bomb: 16 KB that decode to 48 MB were sent"
like "$out" '^(goaway last-stream=[0-9]+ error=|rst stream=1 error=|status 431)' \
	"HPACK bomb: answered with GOAWAY, RST_STREAM or 431 ($(grep -E '^(goaway|rst|status)' "$T/attack.out" | head -1))"
unlike "$out" '^status 200' "HPACK bomb: no 200 answer"
unlike "$(cat "$T/stub.log")" ' /bomb' "HPACK bomb: the request never reaches the server"
bystander "$res" "HPACK bomb"
num_between "$(grown_kib "$hwm")" 0 24576 "HPACK bomb: lbd's peak RSS grew by less than 24 MiB"

# --- a client window that never opens, on a 50 MB response ---
hwm=$(hwm_kib "$LBD_PID")
h2c "$F1" zero-window --path '/x?size=50000000' --wait 15 >"$T/zw.out" &
zw=$!
lb_track "$zw"
sleep 2
num_between "$(grown_kib "$hwm")" 0 16384 "zero window: 2 s into the stall, lbd holds less than 16 MiB more"
is "$(http_code "http://127.0.0.1:$F1/" --http2-prior-knowledge)" 200 "zero window: another client is served meanwhile"
wait_exit "$zw" 20 || stop_pid "$zw"
out=$(cat "$T/zw.out")
like "$out" '^status 200' "zero window: the response head came"
like "$out" '^body 0$' "zero window: no DATA beyond the window of 0"
end=$(sed -n 's/^ended-after \([0-9]*\)\..*/\1/p' "$T/zw.out")
num_between "${end:-99}" 2 8 "zero window: the stream or connection ends after timeout client (3 s): ${end:-never}"
num_between "$(grown_kib "$hwm")" 0 16384 "zero window: lbd's peak RSS grew by less than 16 MiB in all"

# --- rapid reset: HEADERS + RST_STREAM on 2000 new streams ---
if lbd_is_haproxy; then
	# HAProxy 2.6 lets the resets through (each costs it little) and ends the connection only
	# at "timeout client" with GOAWAY NO_ERROR
	LB_TODO="HAProxy 2.6 answers a rapid reset with no ENHANCE_YOUR_CALM"
fi
hwm=$(hwm_kib "$LBD_PID")
served_while "$F1" h2c "$F1" rapid-reset --count 2000 --wait 5
res=$(cat "$T/served")
out=$(cat "$T/attack.out")
served_while "$F1" h2c --tls "$F2" rapid-reset --count 2000 --wait 5
res_tls=$(cat "$T/served")
out_tls=$(cat "$T/attack.out")
like "$out" '^goaway last-stream=[0-9]+ error=ENHANCE_YOUR_CALM' "rapid reset: GOAWAY ENHANCE_YOUR_CALM"
like "$out_tls" '^goaway last-stream=[0-9]+ error=ENHANCE_YOUR_CALM' "rapid reset over TLS: GOAWAY ENHANCE_YOUR_CALM"
LB_TODO=""
like "$out" '^closed' "rapid reset: then the connection is closed"
bystander "$res" "rapid reset"
bystander "$res_tls" "rapid reset over TLS"
num_between "$(grown_kib "$hwm")" 0 16384 "rapid reset: lbd's peak RSS grew by less than 16 MiB"

# --- CONTINUATION flood: a header block that never ends ---
served_while "$F1" h2c "$F1" continuation-flood --path /flood --max-bytes 33554432 --wait 5
res=$(cat "$T/served")
out=$(cat "$T/attack.out")
like "$out" '^(goaway last-stream=[0-9]+ error=|closed)' "CONTINUATION flood: GOAWAY or close"
sent=$(sed -n 's/^sent-bytes //p' "$T/attack.out")
num_between "${sent:-0}" 1 16777216 "CONTINUATION flood: stopped before 16 MiB were sent ($sent bytes)"
unlike "$out" '^status ' "CONTINUATION flood: no response to the endless header block"
unlike "$(cat "$T/stub.log")" ' /flood' "CONTINUATION flood: nothing reaches the server"
bystander "$res" "CONTINUATION flood"

# --- SETTINGS and PING floods: frames sent without reading the ACKs (a small receive buffer),
# until lbd says stop (GOAWAY ENHANCE_YOUR_CALM or close before every ACK was sent) or stops
# reading (back-pressure: its answers do not queue without bound) ---
# flood_checked OUT: "ENHANCE_YOUR_CALM", "closed-early" or "back-pressure" when defended.
flood_checked()
{
	local sent acks
	sent=$(sed -n 's/^frames-sent //p' "$1")
	acks=$(sed -n 's/^acks //p' "$1")
	if grep -q '^goaway .*error=ENHANCE_YOUR_CALM' "$1"; then echo ENHANCE_YOUR_CALM
	elif grep -q '^send-blocked' "$1"; then echo back-pressure
	elif grep -q '^closed' "$1" && [ "${acks:-0}" -lt "${sent:-0}" ]; then echo closed-early
	else echo "none: $(tr '\n' ' ' <"$1")"
	fi
}
for kind in settings ping; do
	hwm=$(hwm_kib "$LBD_PID")
	served_while "$F1" h2c "$F1" $kind-flood --count 1000000 --wait 5
	res=$(cat "$T/served")
	like "$(flood_checked "$T/attack.out")" '^(ENHANCE_YOUR_CALM|closed-early|back-pressure)$' \
		"$kind flood: defended ($(flood_checked "$T/attack.out"))"
	bystander "$res" "$kind flood"
	num_between "$(grown_kib "$hwm")" 0 16384 "$kind flood: lbd's peak RSS grew by less than 16 MiB"
done

# --- more streams than tune.h2.max-concurrent-streams (10): 30 at once, on a slow path ---
served_while "$F1" h2c "$F1" streams --count 30 --path '/x?delay=500' --wait 10
res=$(cat "$T/served")
out=$(cat "$T/attack.out")
like "$out" '^max-concurrent-streams 10$' "lbd announces SETTINGS_MAX_CONCURRENT_STREAMS 10"
# RST_STREAM REFUSED_STREAM (or PROTOCOL_ERROR) for each excess stream, the 10 allowed
# answered (HAProxy); or, nghttp2's own check (lbd), one GOAWAY PROTOCOL_ERROR for the
# connection: the client broke the limit it acknowledged, and its connection ends there
if grep -q '^goaway .*error=PROTOCOL_ERROR' "$T/attack.out"; then
	like "$out" '^goaway last-stream=19 error=PROTOCOL_ERROR' \
		"30 streams at once: GOAWAY PROTOCOL_ERROR naming stream 19, the last of the 10 allowed"
	like "$out" '^streams 30 .*unanswered=(20|30)' "30 streams at once: the excess unprocessed"
else
	like "$out" '^streams 30 .*status-200=10( |$)' "30 streams at once: the 10 allowed are answered 200"
	like "$out" '^streams 30 (rst-(REFUSED_STREAM|PROTOCOL_ERROR)=20 status-200=10)$' \
		"30 streams at once: the 20 excess get RST_STREAM REFUSED_STREAM"
fi
bystander "$res" "too many streams"

check "lbd still runs after every attack" pid_alive "$LBD_PID"
is "$(http_code "https://127.0.0.1:$F2/" --http2 -k)" 200 "h2 over TLS still answers after every attack"
done_testing
