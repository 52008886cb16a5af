# tests/lib.sh: shared helpers of the integration tests: TAP output, ports, processes, clients
#
# A test script sources this file first:
#	. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
# then writes its config into "$T" (a private temporary directory), starts stubs and the
# daemon, makes assertions, and ends with done_testing.
#
# Contracts that keep tests parallel-safe and bounded:
# - ports come from the kernel (stubs bind port 0 and report it; free_port for the daemon);
# - every background process is started through a helper that records its PID, and the EXIT
#   trap kills exactly those PIDs (TERM, then KILL after 2 s); nothing is killed by name;
# - every wait is a bounded poll, every curl has --max-time, and the whole script re-executes
#   itself under timeout(1) (LB_TEST_TIMEOUT seconds, default 60), so a test never hangs;
# - $T is removed at exit unless an assertion failed or LB_KEEP=1 (its path is then printed).
#
# Environment (set by `make check` through AM_TESTS_ENVIRONMENT, with defaults to run a script
# by hand from the source tree): LBD (the daemon, e.g. /usr/sbin/haproxy to validate a test
# against HAProxy), LBCHECK, LBCTL, STUB, LBCLIENT, PYTHON, top_srcdir, top_builddir.

# ---- run under timeout(1), once -----------------------------------------------------------
if [ -z "${LB_IN_TIMEOUT:-}" ]; then
	export LB_IN_TIMEOUT=1
	exec timeout -k 5 "${LB_TEST_TIMEOUT:-60}" bash "$0" "$@"
fi

set -u

: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
if [ -z "${PYTHON:-}" ]; then
	if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi
: "${LBD:=$top_builddir/lbd/lbd}"
: "${LBCHECK:=$top_builddir/lbcheck/lbcheck}"
: "${LBCTL:=$top_builddir/lbctl/lbctl}"
: "${STUB:=$top_srcdir/tests/stub/lbstub.py}"
: "${LBCLIENT:=$top_srcdir/tests/stub/lbclient.py}"
export top_srcdir top_builddir PYTHON LBD LBCHECK LBCTL STUB LBCLIENT

# True when the daemon under test is HAProxy (used only to mark documented differences).
lbd_is_haproxy()
{
	case "$(basename "$LBD")" in haproxy*) return 0 ;; esac
	return 1
}

# ---- TAP ---------------------------------------------------------------------------------
TAP_N=0
TAP_FAILED=0
# While LB_TODO is non-empty, assertions are marked "# TODO $LB_TODO" (a known failure:
# the TAP driver reports XFAIL, or XPASS when it starts passing).
LB_TODO=""

_tap_line()	# status desc
{
	TAP_N=$((TAP_N + 1))
	local dir=""
	[ -n "$LB_TODO" ] && dir=" # TODO $LB_TODO"
	echo "$1 $TAP_N - $2$dir"
	if [ "$1" = "not ok" ] && [ -z "$LB_TODO" ]; then
		TAP_FAILED=$((TAP_FAILED + 1))
		return 1
	fi
	return 0
}

# diag MSG...: each argument (and each line of it) becomes a "# " comment line.
diag()
{
	local line
	printf '%s\n' "$@" | while IFS= read -r line; do echo "# $line"; done
}

# diag_file FILE [LINES]: show the tail of a file as TAP comments (context for a failure).
diag_file()
{
	[ -f "$1" ] || { diag "($1: no such file)"; return 0; }
	diag "--- tail of $1:"
	tail -n "${2:-15}" "$1" | cut -c1-300 | while IFS= read -r line; do echo "#   $line"; done
}

pass() { _tap_line "ok" "$1"; }
fail() { _tap_line "not ok" "$1"; }

# check DESC CMD...: ok when CMD exits 0.
check()
{
	local desc=$1
	shift
	if "$@"; then pass "$desc"; else fail "$desc"; diag "command failed: $*"; return 1; fi
}

# is GOT WANT DESC: string equality.
is()
{
	if [ "$1" = "$2" ]; then
		pass "$3"
	else
		fail "$3"
		diag "got:  '$(printf '%s' "$1" | head -c 400)'" "want: '$(printf '%s' "$2" | head -c 400)'"
		return 1
	fi
}

# like GOT ERE DESC / unlike GOT ERE DESC: extended regex match (anywhere, any line).
like()
{
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		pass "$3"
	else
		fail "$3"
		diag "got:  '$(printf '%s' "$1" | head -c 600)'" "want match: /$2/"
		return 1
	fi
}

# ilike GOT ERE DESC: like, ignoring case (header names are case-insensitive).
ilike()
{
	if printf '%s\n' "$1" | grep -Eqi -- "$2"; then
		pass "$3"
	else
		fail "$3"
		diag "got:  '$(printf '%s' "$1" | head -c 600)'" "want match (any case): /$2/"
		return 1
	fi
}

unlike()
{
	if ! printf '%s\n' "$1" | grep -Eq -- "$2"; then
		pass "$3"
	else
		fail "$3"
		diag "got:  '$(printf '%s' "$1" | head -c 600)'" "want no match: /$2/"
		return 1
	fi
}

# num_between GOT LO HI DESC: integer range check (inclusive).
num_between()
{
	if [ "$1" -ge "$2" ] 2>/dev/null && [ "$1" -le "$3" ]; then
		pass "$4"
	else
		fail "$4"
		diag "got: '$1', want between $2 and $3"
		return 1
	fi
}

skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1 # SKIP $2"; }

# skip_all REASON: the whole script does not apply (prints "1..0 # SKIP").
skip_all() { echo "1..0 # SKIP $1"; LB_DONE=1; exit 0; }

# bail MSG: stop the script: "Bail out!" tells the TAP driver the rest cannot run.
bail() { echo "Bail out! $*"; LB_DONE=bail; exit 1; }

# done_testing: print the plan (at the end, which TAP allows) and exit.
LB_DONE=0
done_testing()
{
	_lb_sanitizer_check
	echo "1..$TAP_N"
	LB_DONE=1
	[ "$TAP_FAILED" -eq 0 ]
	exit $?
}

# ---- temporary directory, processes, cleanup ----------------------------------------------
T=$(mktemp -d "${TMPDIR:-/tmp}/lbtest.XXXXXX") || bail "mktemp failed"
LB_PIDS=""

lb_track() { LB_PIDS="$LB_PIDS $1"; }

# pid_alive PID: true while PID runs (a zombie counts as dead).
pid_alive()
{
	[ -r "/proc/$1/stat" ] || return 1
	local st
	st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# wait_exit PID SECONDS: wait (bounded) for PID to end; on success LB_EXIT holds its status.
LB_EXIT=""
wait_exit()
{
	local i n=$(( ${2:-5} * 20 ))
	for ((i = 0; i < n; i++)); do
		pid_alive "$1" || break
		sleep 0.05
	done
	pid_alive "$1" && return 1
	LB_EXIT=0
	wait "$1" 2>/dev/null || LB_EXIT=$?
	return 0
}

# stop_pid PID [SIGNAL] [SECONDS]: signal PID (default TERM), wait for it, KILL if it lingers.
stop_pid()
{
	local pid=$1 sig=${2:-TERM}
	[ -n "$pid" ] || return 0
	kill -s "$sig" "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
	if ! wait_exit "$pid" "${3:-3}"; then
		kill -s KILL "$pid" 2>/dev/null
		wait_exit "$pid" 2
	fi
	return 0
}

# Ends every daemon the script started (so that a sanitizer's exit-time leak report is
# written), then fails the script if any lbd log holds an AddressSanitizer, LeakSanitizer or
# UndefinedBehaviorSanitizer report: with --enable-sanitizers, a memory error or a leak in the
# daemon is a failed test even when every answer on the wire was right.
_lb_sanitizer_check()
{
	local pid f bad=""
	for pid in $LB_PIDS; do
		stop_pid "$pid"
	done
	for f in "$T"/lbd.*.log; do
		[ -f "$f" ] || continue
		grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$f" && bad="$bad $f"
	done
	if [ -n "$bad" ]; then
		fail "lbd logs carry no sanitizer report"
		for f in $bad; do
			diag_file "$f" 40
		done
	else
		pass "lbd logs carry no sanitizer report"
	fi
}

_lb_cleanup()
{
	local rc=$? pid
	for pid in $LB_PIDS; do
		pid_alive "$pid" && kill -s TERM "$pid" 2>/dev/null
	done
	for pid in $LB_PIDS; do
		if ! wait_exit "$pid" 2; then
			kill -s KILL "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
		fi
	done
	if [ "$LB_DONE" = 0 ]; then
		echo "Bail out! script ended early (status $rc) after $TAP_N assertions"
		[ -n "${LBD_LOG:-}" ] && diag_file "$LBD_LOG"
	fi
	if [ "$TAP_FAILED" -ne 0 ] || [ "$LB_DONE" != 1 ] || [ "${LB_KEEP:-0}" = 1 ]; then
		echo "# kept test directory: $T"
	else
		rm -rf "$T"
	fi
}
# The traps write to fd 7, the script's original stdout: a signal can arrive while a command
# with its output redirected runs, and the trap would inherit that redirection.
exec 7>&1
trap '_lb_cleanup >&7 2>&1' EXIT
trap 'echo "# timed out (LB_TEST_TIMEOUT=${LB_TEST_TIMEOUT:-60})" >&7; exit 124' TERM
trap 'exit 130' INT

# ---- waiting -----------------------------------------------------------------------------
# wait_for SECONDS CMD...: poll CMD every 50 ms until it succeeds; false on timeout.
wait_for()
{
	local i n=$(( $1 * 20 ))
	shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	"$@"
}

# port_open PORT [HOST]: true when a TCP connect succeeds.
port_open()
{
	timeout 2 bash -c "exec 3<>/dev/tcp/${2:-127.0.0.1}/$1" 2>/dev/null
}

wait_port() { wait_for "${2:-5}" port_open "$1"; }
wait_port_closed() { wait_for "${2:-5}" eval "! port_open $1"; }

# wait_log ERE [FILE] [SECONDS]: wait until FILE (default $LBD_LOG) has a line matching ERE.
wait_log()
{
	wait_for "${3:-3}" grep -Eq -- "$1" "${2:-$LBD_LOG}"
}

# log_count ERE [FILE]: print how many lines of FILE (default $LBD_LOG) match ERE.
log_count() { grep -Ec -- "$1" "${2:-$LBD_LOG}"; }

# wait_log_count N ERE [FILE] [SECONDS]: wait until exactly N lines match (log lines are
# written when a request or session ends, a little after the client got its answer).
_log_count_is() { [ "$(log_count "$2" "$3")" = "$1" ]; }
wait_log_count()
{
	wait_for "${4:-3}" _log_count_is "$1" "$2" "${3:-$LBD_LOG}"
}

# ---- ports, stubs, daemon ----------------------------------------------------------------
# free_port: print a port the kernel considers free right now (bound to 127.0.0.1, then closed).
free_port()
{
	"$PYTHON" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# start_stub VAR ARGS...: start lbstub.py with ARGS on a kernel-chosen port, wait until it
# listens, store the port in VAR and the PID in ${VAR}_PID.
LB_NSTUB=0
start_stub()
{
	local var=$1 pf pid port=""
	shift
	LB_NSTUB=$((LB_NSTUB + 1))
	pf="$T/stub.$LB_NSTUB.port"
	"$PYTHON" "$STUB" --port 0 --port-file "$pf" "$@" 2>"$T/stub.$LB_NSTUB.err" &
	pid=$!
	lb_track "$pid"
	if wait_for 5 test -s "$pf"; then
		port=$(cat "$pf")
	else
		diag "stub $* did not start"
		diag_file "$T/stub.$LB_NSTUB.err"
	fi
	printf -v "$var" '%s' "$port"
	printf -v "${var}_PID" '%s' "$pid"
	[ -n "$port" ]
}

# cfg_global: the global and defaults sections most tests share (HTTP mode, httplog on stderr,
# short timeouts). dontlognull keeps start_lbd's connect-only probes out of the log. Tests
# append their frontends and backends. "cfg_global tcp": TCP mode and tcplog instead; more
# arguments are extra lines for the global section ("nbthread 1").
cfg_global()
{
	local mode=${1:-http} extra=""
	[ $# -gt 1 ] && shift && extra=$(printf '\t%s\n' "$@")
	cat <<-EOF
	global
		log stderr format raw local0
		maxconn 1000
	$extra

	defaults
		mode $mode
		log global
		option ${mode}log
		option dontlognull
		timeout connect 2s
		timeout client 5s
		timeout server 5s
	EOF
}

# start_lbd CFG [ARGS...]: start the daemon in the foreground (background job), stdout to
# $T/lbd.N.out, stderr (where the logs go) to $T/lbd.N.log; wait until every "bind" address
# of CFG accepts. Sets LBD_PID and LBD_LOG. False (with diagnostics) if it does not come up.
LB_NLBD=0
start_lbd()
{
	local cfg=$1 b
	shift
	LB_NLBD=$((LB_NLBD + 1))
	LBD_LOG="$T/lbd.$LB_NLBD.log"
	"$LBD" -f "$cfg" "$@" >"$T/lbd.$LB_NLBD.out" 2>"$LBD_LOG" &
	LBD_PID=$!
	lb_track "$LBD_PID"
	for b in $(awk '$1 == "bind" { print $2 }' "$cfg"); do
		if ! wait_for 5 eval "port_open ${b##*:} || ! pid_alive $LBD_PID"; then
			diag "lbd: $b does not accept"
			diag_file "$LBD_LOG"
			return 1
		fi
		if ! pid_alive "$LBD_PID"; then
			diag "lbd exited during start-up"
			diag_file "$LBD_LOG"
			return 1
		fi
	done
	return 0
}

# ---- clients -----------------------------------------------------------------------------
# hcurl ARGS...: curl, silent but showing errors, bounded, never through an HTTP proxy.
hcurl()
{
	curl -sS --max-time "${LB_CURL_TIMEOUT:-5}" --noproxy '*' "$@"
}

# http_code URL [CURL ARGS...]: print the status code only (000 when no response).
http_code()
{
	local url=$1
	shift
	hcurl -o /dev/null -w '%{http_code}' "$@" "$url" 2>/dev/null
	return 0
}

# rawc PORT ACTION...: tests/stub/lbclient.py (exact bytes on the wire), stderr to $T/rawc.err.
rawc()
{
	"$PYTHON" "$LBCLIENT" "$@" 2>"$T/rawc.err"
}
rawc_end() { tail -n 1 "$T/rawc.err" | sed 's/^lbclient: //'; }

# run_bg OUT CMD...: run CMD in the background with stdout in OUT; PID in BG_PID (tracked).
run_bg()
{
	local out=$1
	shift
	"$@" >"$out" 2>"$out.err" &
	BG_PID=$!
	lb_track "$BG_PID"
}

# gen_body N FILE: write the stub's N-byte body pattern to FILE.
gen_body() { "$PYTHON" "$STUB" --gen "$1" >"$2"; }

sha256() { sha256sum "$1" | cut -d' ' -f1; }

# The daemon must exist; everything else in this file is shell, python3 and curl.
if [ ! -x "$LBD" ]; then
	skip_all "daemon not found: LBD=$LBD"
fi
