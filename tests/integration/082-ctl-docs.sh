#!/bin/bash
# tests/integration/082-ctl-docs.sh: lbctl(8) documents exactly the commands of the command
# table (lbctl --list-commands), with the same argument syntax; the completion scripts ask
# lbctl --complete (so they cannot fall behind the table).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

[ -x "$LBCTL" ] || skip_all "lbctl not found: LBCTL=$LBCTL"
man="$top_srcdir/man/lbctl.8"

"$LBCTL" --list-commands | awk -F '\t' '{ s = $1; if ($2 != "") s = s " " $2; print s }' |
	sort >"$T/table"
num_between "$(wc -l <"$T/table")" 6 1000 "lbctl --list-commands lists the commands"
# the entries of the COMMANDS section: the line after each .TP, fonts and escapes removed
sed -n '/^\.SH COMMANDS/,/^\.SH SHELL/p' "$man" | awk 'tp { print; tp = 0 } /^\.TP/ { tp = 1 }' |
	sed -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' -e 's/\\&//g' -e 's/[[:space:]]*$//' |
	sort >"$T/man"
if diff -u "$T/table" "$T/man" >"$T/diff"; then
	pass "man/lbctl.8 COMMANDS matches lbctl --list-commands"
else
	fail "man/lbctl.8 COMMANDS matches lbctl --list-commands"
	diag "--- the table, +++ the man page:" "$(cat "$T/diff")"
fi
is "$("$LBCTL" --list-commands | cut -f3 | sort -u | tr '\n' ' ')" "admin operator user " \
	"levels are user, operator, admin"
for f in bash/lbctl zsh/_lbctl fish/lbctl.fish; do
	check "completions/$f asks lbctl --complete" \
		grep -q -- '--complete' "$top_srcdir/completions/$f"
done
for f in bash/lbtop zsh/_lbtop fish/lbtop.fish; do
	check "completions/$f exists" test -s "$top_srcdir/completions/$f"
done
check "man/lbtop.1 exists" test -s "$top_srcdir/man/lbtop.1"

done_testing
