#!/bin/bash
# tests/integration/109-check-garbage.sh: every typed check against servers that misbehave:
# garbage, half a reply then close, half a reply then silence, a reset, a close without a
# byte, silence. Each probe fails with the status HAProxy gives (its tcp-check rules: an
# expect's error-status, L7RSP for an empty or unparsable reply, SOCKERR for a reset on an
# established connection, L7TOUT / L6TOUT for silence, L6* while a TLS handshake runs), ends
# within its --timeout, and the whole run is bounded. Every expected status below is what
# HAProxy 2.6 reported for the same misbehaving servers (its check_status in "show stat").
: "${LB_TEST_TIMEOUT:=180}"
export LB_TEST_TIMEOUT
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/servers.sh"

MODES="garbage half-close half-silence reset close silence"
TMO_MS=1000

# run_type TYPE PROTO "EXPECTED" [PROBE ARGS...]: one lbcheck run over the misbehaving ports
# of PROTO; EXPECTED lists mode=STATUS for every mode probed (a mode missing from it is not
# probed). One assertion per mode, then the exit status, the JSON and the time taken.
run_type()
{
	local type=$1 proto=$2 want=$3 m w addrs=() got maxd rc_want=1 map=""
	shift 3
	start_misbehaving "$proto" || { fail "$type: misbehaving $proto server"; return; }
	for m in $MODES; do
		case " $want " in *" $m="*) addrs+=("127.0.0.1:${MB_PORT[$m]}") ;; esac
	done
	probe out --json --timeout "${TMO_MS}ms" --type "$type" "$@" "${addrs[@]}"
	# name each row by its mode (rows found by address)
	for m in $MODES; do map="$map\"127.0.0.1:${MB_PORT[$m]}\": \"$m\", "; done
	got=" $(jget "$out" "' '.join('%s=%s' % ({$map}[o['address']], o['status']) for o in r)") "
	for w in $want; do
		m=${w%%=*}
		is "$(grep -o " $m=[A-Z0-9]*" <<<"$got" | tr -d ' ')" "$w" \
			"$type: $m -> ${w#*=}" || diag_file "$T/probe.err" 5
	done
	[ -z "$(tr ' ' '\n' <<<"$want" | grep -v '=L[467]OK$')" ] && rc_want=0
	is "$PROBE_RC" "$rc_want" "$type: exit status $rc_want"
	json_rows_ok "$out" && pass "$type: JSON rows are well-formed" || fail "$type: JSON rows are well-formed"
	maxd=$(jget "$out" 'max(o["duration_ms"] for o in r)')
	num_between "${maxd:-99999}" 0 $((TMO_MS + 400)) \
		"$type: every probe ended within its ${TMO_MS} ms timeout (slowest: ${maxd} ms)"
	num_between "$PROBE_MS" 0 $((TMO_MS * 3 + 2000)) \
		"$type: the ${#addrs[@]} probes ran concurrently (${PROBE_MS} ms in all)"
}

run_type redis redis \
	"garbage=L7STS half-close=L7STS half-silence=L7TOUT reset=SOCKERR close=L7STS silence=L7TOUT"
run_type pgsql pgsql \
	"garbage=L7STS half-close=L7STS half-silence=L7TOUT reset=SOCKERR close=L7RSP silence=L7TOUT" \
	--user lbcheck
run_type mysql mysql \
	"garbage=L7RSP half-close=L7RSP half-silence=L7TOUT reset=SOCKERR close=L7RSP silence=L7TOUT"
run_type ldap ldap \
	"garbage=L7RSP half-close=L7RSP half-silence=L7TOUT reset=SOCKERR close=L7RSP silence=L7TOUT"
run_type smtp smtp \
	"garbage=L7RSP half-close=L7RSP half-silence=L7TOUT reset=SOCKERR close=L7RSP silence=L7TOUT"
run_type http http \
	"garbage=L7RSP half-close=L7RSP half-silence=L7TOUT reset=SOCKERR close=L7RSP silence=L7TOUT" \
	--uri /health
# A TLS handshake in progress: every failure is layer 6.
run_type tls tls \
	"garbage=L6RSP half-close=L6RSP half-silence=L6TOUT reset=L6RSP close=L6RSP silence=L6TOUT"
# ssl-hello-chk only looks at the first byte of the reply (0x15 or 0x16): half a record that
# starts with 0x16 passes in HAProxy, so half-close is not probed.
run_type ssl-hello tls \
	"garbage=L6RSP half-silence=L6TOUT reset=SOCKERR close=L6RSP silence=L6TOUT"
# A plain TCP check only connects: whatever the server does next, it passes.
run_type tcp tcp \
	"garbage=L4OK half-close=L4OK half-silence=L4OK reset=L4OK close=L4OK silence=L4OK"

# Configured checks over the same kind of servers, bounded by "timeout check" and run with a
# small --parallel: the run still ends in bounded time and every row fails.
start_misbehaving redis || bail "misbehaving redis server"
R_SIL=${MB_PORT[silence]} R_GAR=${MB_PORT[garbage]} R_RST=${MB_PORT[reset]}
start_misbehaving mysql || bail "misbehaving mysql server"
M_SIL=${MB_PORT[silence]} M_HALF=${MB_PORT[half-close]}
cat >"$T/lb.cfg" <<CFG
defaults
	mode tcp
	timeout connect 1s
	timeout client 5s
	timeout server 5s
	timeout check 1s

backend redis_bad
	option redis-check
	server silent 127.0.0.1:$R_SIL check
	server garbage 127.0.0.1:$R_GAR check
	server reset 127.0.0.1:$R_RST check

backend mysql_bad
	option mysql-check user lbcheck
	server silent 127.0.0.1:$M_SIL check
	server half 127.0.0.1:$M_HALF check
CFG
probe out --json --parallel 2 -f "$T/lb.cfg"
is "$PROBE_RC" 1 "config: every check fails: exit 1"
is "$(jget "$out" '" ".join(sorted("%s=%s" % (o["server"], o["status"]) for o in r))')" \
	"mysql_bad/half=L7RSP mysql_bad/silent=L7TOUT redis_bad/garbage=L7STS redis_bad/reset=SOCKERR redis_bad/silent=L7TOUT" \
	"config: misbehaving servers of two backends, each with its status"
num_between "$PROBE_MS" 0 9000 "config: 5 probes, 2 at a time, 1 s timeouts: done in ${PROBE_MS} ms"

done_testing
