# tests/health.sh: helpers of the health-check tests (110-119), sourced after tests/lib.sh
#
# start_target VAR --http|--agent: a tests/stub/hcstub.py check target on a kernel-chosen
# port; its answer is the file ${VAR}_STATE (write it to flip), its probes are logged with
# monotonic timestamps in ${VAR}_LOG.
# Control socket: set CTL_SOCK to the admin socket of the config, then
#   ctl ARGS...            lbctl on it
#   srv_field BE/SRV KEY   one field of "show servers" (JSON), e.g. status, eweight, check
#   wait_field SECONDS BE/SRV KEY ERE   until the field matches
#   probe_gaps VAR ANSWER  the gaps in ms between consecutive probes that got ANSWER

: "${HCSTUB:=$top_srcdir/tests/stub/hcstub.py}"

LB_NTARGET=0
start_target()
{
	local var=$1 mode=$2 pf pid port=""
	LB_NTARGET=$((LB_NTARGET + 1))
	pf="$T/target.$LB_NTARGET.port"
	printf -v "${var}_STATE" '%s' "$T/target.$LB_NTARGET.state"
	printf -v "${var}_LOG" '%s' "$T/target.$LB_NTARGET.log"
	: >"$T/target.$LB_NTARGET.log"
	"$PYTHON" "$HCSTUB" "$mode" --port 0 --port-file "$pf" \
		--state "$T/target.$LB_NTARGET.state" --log "$T/target.$LB_NTARGET.log" \
		2>"$T/target.$LB_NTARGET.err" &
	pid=$!
	lb_track "$pid"
	if wait_for 5 test -s "$pf"; then
		port=$(cat "$pf")
	else
		diag "check target $mode did not start"
		diag_file "$T/target.$LB_NTARGET.err"
	fi
	printf -v "$var" '%s' "$port"
	printf -v "${var}_PID" '%s' "$pid"
	[ -n "$port" ]
}

ctl() { "$LBCTL" -s "$CTL_SOCK" "$@"; }

srv_field()
{
	"$LBCTL" -s "$CTL_SOCK" --json show servers "${1%%/*}" 2>/dev/null | "$PYTHON" -c '
import json, sys
srv, key = sys.argv[1], sys.argv[2]
for row in json.load(sys.stdin).get("data") or []:
	if row.get("server") == srv:
		print(row.get(key, ""))' "${1#*/}" "$2"
}

_field_matches() { srv_field "$1" "$2" | grep -Eq -- "$3"; }
wait_field() { wait_for "$1" _field_matches "$2" "$3" "$4"; }

probe_gaps()
{
	local log
	log=$(eval echo "\${${1}_LOG}")
	awk -v a="$2" '$1 == "probe" && $3 == a { if (n++) printf "%d\n", $2 - last; last = $2 }' "$log"
}

# probes VAR ANSWER: how many probes got ANSWER so far
probes()
{
	local log
	log=$(eval echo "\${${1}_LOG}")
	awk -v a="$2" '$1 == "probe" && $3 == a { n++ } END { print n + 0 }' "$log"
}

# servers_of N [URL-SUFFIX]: the X-Server bodies of N requests through $PF, sorted, unique
servers_of()
{
	local i
	for ((i = 0; i < $1; i++)); do hcurl "http://127.0.0.1:$PF/${2:-}"; done | sort -u |
		tr '\n' ' '
}

# split_of N: "s1=a s2=b" counts of N requests
split_of()
{
	local i
	for ((i = 0; i < $1; i++)); do hcurl "http://127.0.0.1:$PF/"; done | sort | uniq -c |
		awk '{ printf "%s=%s ", $2, $1 }'
}
