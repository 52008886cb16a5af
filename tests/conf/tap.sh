# tests/conf/tap.sh: minimal TAP helpers for the scripts that only run lbcheck (010, 011)
#
# They need no daemon, ports or stubs, so they do not use tests/lib.sh. Sourcing this file
# makes a private temporary directory $T (removed at exit unless a test failed or LB_KEEP=1)
# and bounds the whole script with timeout(1) (LB_TEST_TIMEOUT seconds, default 60).
if [ -z "${LB_IN_TIMEOUT:-}" ] && command -v timeout >/dev/null; then
	export LB_IN_TIMEOUT=1
	exec timeout -k 5 "${LB_TEST_TIMEOUT:-60}" bash "$0" "$@"
fi
set -u

TAP_N=0
TAP_FAILED=0
T=$(mktemp -d "${TMPDIR:-/tmp}/lbconf.XXXXXX") || { echo "Bail out! mktemp failed"; exit 1; }
trap 'if [ "$TAP_FAILED" -eq 0 ] && [ -z "${LB_KEEP:-}" ]; then rm -rf "$T"; else echo "# kept $T"; fi' EXIT

pass() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1"; }
fail() { TAP_N=$((TAP_N + 1)); TAP_FAILED=$((TAP_FAILED + 1)); echo "not ok $TAP_N - $1"; }
skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1 # SKIP $2"; }
bail() { echo "Bail out! $*"; exit 1; }

# diag MSG...: each line becomes a "# " comment.
diag() { printf '%s\n' "$@" | while IFS= read -r line; do echo "# $line"; done; }

# diag_file FILE: the start of a file as comments (context for a failure).
diag_file() { head -n 20 "$1" | cut -c1-300 | while IFS= read -r line; do echo "#   $line"; done; }

# is GOT WANT DESC: string equality.
is()
{
	if [ "$1" = "$2" ]; then
		pass "$3"
	else
		fail "$3"
		diag "got:  '$(printf '%s' "$1" | head -c 400)'" "want: '$2'"
	fi
}

# like GOT ERE DESC: extended regex match on any line.
like()
{
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		pass "$3"
	else
		fail "$3"
		diag "got:  '$(printf '%s' "$1" | head -c 600)'" "want match: /$2/"
	fi
}

# done_testing: the plan at the end (TAP allows it); the exit status says whether all passed.
done_testing()
{
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
	exit $?
}
