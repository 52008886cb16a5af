# tests/integration/probe_lib.sh: helpers of the lbcheck probe tests (100-104), sourced after
# tests/lib.sh.

PSRV="$top_srcdir/tests/integration/probe_srv.py"
LB_NPSRV=0

# start_psrv VAR ARGS...: start probe_srv.py with ARGS, store its port in VAR (PID tracked and
# ended by lib.sh's exit trap).
start_psrv()
{
	local var=$1 pf pid
	shift
	LB_NPSRV=$((LB_NPSRV + 1))
	pf="$T/psrv.$LB_NPSRV.port"
	"$PYTHON" "$PSRV" --port-file "$pf" "$@" 2>"$T/psrv.$LB_NPSRV.err" &
	pid=$!
	lb_track "$pid"
	if ! wait_for 5 test -s "$pf"; then
		diag_file "$T/psrv.$LB_NPSRV.err"
		return 1
	fi
	printf -v "$var" '%s' "$(cat "$pf")"
	printf -v "${var}_PID" '%s' "$pid"
}

# probe ARGS...: run "lbcheck probe ARGS", stdout in $OUT, stderr in $ERR, status in $RC.
probe()
{
	OUT=$("$LBCHECK" probe "$@" 2>"$T/probe.err")
	RC=$?
	ERR=$(cat "$T/probe.err")
	cat "$T/probe.err" >>"$T/probe.all.err"
}

# no_sanitizer_report: lbcheck never printed an AddressSanitizer/LeakSanitizer/UBSan report
# (with --enable-sanitizers, a leaked socket buffer or a bad read fails the test).
no_sanitizer_report()
{
	touch "$T/probe.all.err"
	check "no sanitizer report from lbcheck probe" \
		eval "! grep -Eq 'Sanitizer|runtime error:' '$T/probe.all.err'"
}

# jfield FIELD [INDEX]: a field of the INDEXth (default 0) object of the JSON in $OUT.
jfield()
{
	printf '%s' "$OUT" | "$PYTHON" -c '
import json, sys
v = json.load(sys.stdin)[int(sys.argv[2])]
for k in sys.argv[1].split("."):
	v = v[k]
print(json.dumps(v) if not isinstance(v, str) else v)' "$1" "${2:-0}"
}

# row_status SERVER-OR-ADDRESS: the STATUS column of the table row naming it.
row_col()
{
	printf '%s\n' "$OUT" | awk -v k="$1" -v c="$2" '$1 == k || $2 == k { print $c; exit }'
}
