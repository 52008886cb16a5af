#!/bin/bash
# tests/integration/120-lint-corpus.sh: every lint rule fires on its config with the exact message, and only there
#
# tests/conf/lint/<rule>.cfg makes rule <rule> fire; <name>.expected holds the exact
# diagnostic lines lbcheck prints for <name>.cfg (clean.cfg fires nothing, suppress.cfg
# tests the "lbcheck: disable=" comments). lbcheck runs from that directory, so that the
# file names in the messages are the relative ones of the .expected files, and under a hard
# fd limit of 4096 (maxconn-fd-limit depends on it). Then the exit codes of each kind of
# result and the --disable/--enable options.
: "${srcdir:=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}}"
if [ -z "${LBCHECK:-}" ] && [ -x ./lbcheck/lbcheck ]; then
	LBCHECK=$PWD/lbcheck/lbcheck
fi
: "${LBCHECK:=./lbcheck/lbcheck}"
case $LBCHECK in /*) ;; *) LBCHECK=$PWD/$LBCHECK ;; esac
export srcdir LBCHECK
. "$srcdir/tests/conf/tap.sh"

[ -x "$LBCHECK" ] || bail "no lbcheck binary at '$LBCHECK' (set LBCHECK)"
LINT=$srcdir/tests/conf/lint

# lint OUT ARGS...: lbcheck in the corpus directory with the fd limit of the corpus; stderr
# (the diagnostics) into $T/OUT, stdout (the summary) into $T/OUT.sum; sets RC.
lint()
{
	local out=$1
	shift
	(cd "$LINT" && ulimit -n 4096 && exec "$LBCHECK" "$@") >"$T/$out.sum" 2>"$T/$out"
	RC=$?
}

"$LBCHECK" --list-rules >"$T/rules" || bail "lbcheck --list-rules failed"
RULES=$(awk '{ print $1 }' "$T/rules")
[ "$(echo "$RULES" | wc -l)" -ge 10 ] || fail "at least 10 lint rules (got $(echo "$RULES" | wc -l))"

# ---- the corpus: exact lines ----
n=0
for f in "$LINT"/*.cfg; do
	name=$(basename "$f" .cfg)
	n=$((n + 1))
	if [ ! -f "$LINT/$name.expected" ]; then
		fail "$name: has $name.expected"
		continue
	fi
	lint out "$name.cfg"
	if cmp -s "$T/out" "$LINT/$name.expected"; then
		pass "$name: exact diagnostics ($(wc -l <"$T/out" | tr -d ' ') lines)"
	else
		fail "$name: exact diagnostics"
		diag "$(diff "$LINT/$name.expected" "$T/out" | head -20)"
	fi
done
[ "$n" -ge 12 ] || fail "at least 12 lint configs (found $n)"

# every rule has its own config, where it fires (and the clean one fires none)
for r in $RULES; do
	if [ -f "$LINT/$r.cfg" ] && grep -qF "[$r]" "$LINT/$r.expected"; then
		pass "rule $r: fires on $r.cfg"
	else
		fail "rule $r: fires on $r.cfg"
	fi
done
is "$(cat "$LINT/clean.expected")" "" "clean.cfg: no diagnostic expected at all"

# ---- exit codes ----
lint out clean.cfg
is "$RC" 0 "clean: exit 0"
is "$(cat "$T/out.sum")" "clean.cfg: ok" "clean: summary"
lint out --werror clean.cfg
is "$RC" 0 "clean --werror: exit 0"

lint out unused-backend.cfg
is "$RC" 0 "lint warning: exit 0"
is "$(cat "$T/out.sum")" "unused-backend.cfg: 0 errors, 1 warning" "lint warning: counted in the summary"
lint out --werror unused-backend.cfg
is "$RC" 1 "lint warning --werror: exit 1"
lint out --quiet unused-backend.cfg
is "$RC$(cat "$T/out" "$T/out.sum")" "0" "lint warning --quiet: exit 0, prints nothing"
lint out --quiet --werror unused-backend.cfg
is "$RC" 1 "lint warning --quiet --werror: exit 1"
like "$(cat "$T/out")" "^unused-backend.cfg:15:1: warning: .*\[unused-backend\]$" \
	"lint warning --quiet --werror: the warning is shown"

lint out --werror no-http-request-timeout.cfg
is "$RC" 0 "a note never fails, even with --werror"
like "$(cat "$T/out")" ": note: .*\[no-http-request-timeout\]$" "the note is shown"
is "$(cat "$T/out.sum")" "no-http-request-timeout.cfg: ok" "a note is not counted"
lint out --quiet no-http-request-timeout.cfg
is "$(cat "$T/out")" "" "--quiet hides notes"

# lint rules do not run on a file with errors: the errors alone are reported
printf 'backend unused\n    server s 127.0.0.1:1\n    bogus\n' >"$T/err.cfg"
"$LBCHECK" "$T/err.cfg" >/dev/null 2>"$T/out"
is "$?" 1 "errors: exit 1"
is "$(grep -c . "$T/out")" 1 "errors: no lint diagnostic next to them"
like "$(cat "$T/out")" "err.cfg:3:5: error: unknown keyword 'bogus'" "errors: the error"

# ---- --disable / --enable ----
lint out --werror --disable unused-backend unused-backend.cfg
is "$RC$(cat "$T/out")" "0" "--disable RULE: silenced, exit 0 with --werror"
lint out --disable all --enable no-check no-check.cfg
is "$(grep -c '\[no-check\]$' "$T/out")" 2 "--disable all --enable RULE: that rule runs"
lint out --disable no-check,unused-backend no-check.cfg
is "$(cat "$T/out")" "" "--disable takes a comma-separated list"
lint out --disable all no-timeouts.cfg
is "$RC$(cat "$T/out")" "0" "--disable all: the parser's tagged warnings go too"
lint out --disable no-such-rule clean.cfg
is "$RC" 2 "--disable unknown rule: exit 2"
like "$(cat "$T/out")" "unknown lint rule 'no-such-rule'" "--disable unknown rule: message"
lint out --enable nope clean.cfg
is "$RC" 2 "--enable unknown rule: exit 2"

# the parser's own warnings without a rule id stay, whatever is disabled
printf 'frontend f\n    bind 127.0.0.1:1\n    timeout client 1s\n    bind-process 1\n' \
	>"$T/parser.cfg"
"$LBCHECK" --disable all "$T/parser.cfg" >/dev/null 2>"$T/out"
like "$(cat "$T/out")" "parser.cfg:4:5: error: " "--disable all keeps parser errors"

done_testing
