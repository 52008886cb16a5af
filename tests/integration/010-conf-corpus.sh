#!/bin/bash
# tests/integration/010-conf-corpus.sh: lbcheck accepts every good config and rejects every bad one with its message
#
# tests/conf/good/*.cfg must pass "lbcheck --werror" (exit 0, no warning either);
# tests/conf/bad/*.cfg must exit 1 and print the message of their first line,
# "# expect: <line>:<col>: error: <message>" (a substring, matched after the file name).
# Then lbcheck's command line: exit codes, stdin, JSON, --quiet, --werror.
# Runs from the build directory; $srcdir is the source tree, $LBCHECK the binary (default
# ./lbcheck/lbcheck).
: "${srcdir:=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}}"
if [ -z "${LBCHECK:-}" ] && [ -x ./lbcheck/lbcheck ]; then
	LBCHECK=$PWD/lbcheck/lbcheck
fi
: "${LBCHECK:=./lbcheck/lbcheck}"
export srcdir LBCHECK
# This script needs neither the daemon nor the stubs, so it does not use tests/lib.sh (which
# skips everything without lbd); tests/conf/tap.sh has the few TAP helpers it needs.
. "$srcdir/tests/conf/tap.sh"

[ -x "$LBCHECK" ] || bail "no lbcheck binary at '$LBCHECK' (set LBCHECK)"
CONF=$srcdir/tests/conf

# run OUT ARGS...: runs lbcheck, stdout and stderr into $T/OUT; sets RC.
run()
{
	local out=$1
	shift
	"$LBCHECK" "$@" >"$T/$out" 2>&1
	RC=$?
}

# ---- the corpus ----
n=0
for f in "$CONF"/good/*.cfg; do
	n=$((n + 1))
	name=good/$(basename "$f")
	run out --werror --disable all "$f"	# lint rules: tests/conf/lint, 120
	if [ "$RC" = 0 ]; then
		pass "$name: accepted without warning"
	else
		fail "$name: accepted without warning (exit $RC)"
		diag_file "$T/out"
	fi
done
[ "$n" -ge 8 ] || fail "at least 8 good configs (found $n)"

n=0
for f in "$CONF"/bad/*.cfg; do
	n=$((n + 1))
	name=bad/$(basename "$f")
	expect=$(sed -n '1s/^# expect: //p' "$f")
	if [ -z "$expect" ]; then
		fail "$name: first line is '# expect: <message>'"
		continue
	fi
	run out "$f"
	if [ "$RC" = 1 ] && grep -qF -- "$f:$expect" "$T/out"; then
		pass "$name: $expect"
	else
		fail "$name: exit 1 with '$expect' (exit $RC)"
		diag_file "$T/out"
	fi
done
[ "$n" -ge 20 ] || fail "at least 20 bad configs (found $n)"

# ---- environment variables reach the parser ----
LB_TEST_SUFFIX=other run out "$CONF/good/10-env-and-quoting.cfg"
is "$RC" 1 "env: \"be-\${LB_TEST_SUFFIX-main}\" follows the environment (exit)"
like "$(cat "$T/out")" "default_backend: unknown backend 'be-other'" "env: expanded name in the message"
LB_TEST_PORT=18099 LB_TEST_SERVER=127.0.0.2 run out --werror "$CONF/good/10-env-and-quoting.cfg"
is "$RC" 0 "env: set variables replace the defaults"

# ---- command line ----
GOOD=$CONF/good/01-web-http.cfg
BAD=$CONF/bad/unknown-keyword.cfg
printf 'frontend f\n    bind :80\n' >"$T/warn.cfg"

run out "$T/nonexistent.cfg"
is "$RC" 2 "missing file: exit 2"
like "$(cat "$T/out")" "cannot open '.*nonexistent.cfg'" "missing file: message"
run out "$T"
is "$RC" 2 "directory: exit 2"
run out
is "$RC" 2 "no file: exit 2"
run out --no-such-option "$GOOD"
is "$RC" 2 "unknown option: exit 2"
run out --format xml "$GOOD"
is "$RC" 2 "unknown format: exit 2"
run out "$GOOD" "$T/nonexistent.cfg"
is "$RC" 2 "an unreadable file among good ones: exit 2"

run out lint "$GOOD"
is "$RC" 0 "'lint' command word"
like "$(cat "$T/out")" "01-web-http.cfg: ok" "summary line of a clean file"
"$LBCHECK" - <"$GOOD" >"$T/out" 2>&1
is "$?" 0 "stdin ('-'): exit 0"
like "$(cat "$T/out")" "^<stdin>: ok" "stdin: named <stdin>"
"$LBCHECK" - <"$BAD" >"$T/out" 2>&1
like "$(cat "$T/out")" "^<stdin>:4:5: error: unknown keyword 'timout'" "stdin: positions"

run out "$T/warn.cfg"
is "$RC" 0 "warnings only: exit 0"
like "$(cat "$T/out")" "warn.cfg:1:1: warning: missing timeouts for frontend 'f'" "warning shown"
run out --werror "$T/warn.cfg"
is "$RC" 1 "--werror: warnings make exit 1"
run out --quiet "$T/warn.cfg"
is "$RC" 0 "--quiet: exit 0"
is "$(cat "$T/out")" "" "--quiet: no warning, no summary"
run out --quiet "$BAD"
is "$RC" 1 "--quiet: errors still fail"
is "$(wc -l <"$T/out" | tr -d ' ')" 1 "--quiet: only the error line"

run out "$GOOD" "$BAD" "$T/warn.cfg"
is "$RC" 1 "several files: exit 1 when one has errors"
like "$(cat "$T/out")" "01-web-http.cfg: ok" "several files: each checked"
like "$(cat "$T/out")" "unknown-keyword.cfg: 1 error, 0 warnings" "several files: summary of the bad one"

"$LBCHECK" --format json "$BAD" "$T/warn.cfg" >"$T/json" 2>"$T/err"
is "$?" 1 "json: exit 1"
is "$(cat "$T/err")" "" "json: nothing on stderr"
if python3 -c 'import json' 2>/dev/null; then
	got=$(python3 - "$T/json" <<-'EOF'
	import json, sys
	d = json.load(open(sys.argv[1]))
	print(len(d), d[0]["severity"], d[0]["line"], d[0]["col"], d[1]["severity"],
	      "timout" in d[0]["message"], d[0]["rule"])
	EOF
	)
	is "$got" "2 error 4 5 warning True None" "json: one array, fields of each entry"
else
	skip "json: parsed by python" "no python3"
fi
"$LBCHECK" --format json "$GOOD" >"$T/json" 2>&1
is "$(cat "$T/json")" "[]" "json: a clean file gives an empty array"

"$LBCHECK" --version >"$T/out" 2>&1
like "$(cat "$T/out")" "^lbcheck \(lb\) [0-9]" "--version"
"$LBCHECK" --help >"$T/out" 2>&1
is "$?" 0 "--help: exit 0"
like "$(cat "$T/out")" "--werror" "--help lists the options"
"$LBCHECK" --list-keywords >"$T/out" 2>&1
like "$(cat "$T/out")" "^proxy +timeout connect +<time>" "--list-keywords"

done_testing
