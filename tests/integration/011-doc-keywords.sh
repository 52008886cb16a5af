#!/bin/bash
# tests/integration/011-doc-keywords.sh: every keyword, lbcheck option and lbd option is documented in its man page
#
# The lists come from the binaries themselves (lbcheck --list-keywords, lbcheck --help,
# lbd -h), so a keyword added to a table without documentation fails here. A keyword is
# documented when man/lb.cfg.5 has a term for it (the line after .TP, starting with the
# keyword) under the heading of its area.
: "${srcdir:=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}}"
if [ -z "${LBCHECK:-}" ] && [ -x ./lbcheck/lbcheck ]; then
	LBCHECK=$PWD/lbcheck/lbcheck
fi
if [ -z "${LBD:-}" ] && [ -x ./lbd/lbd ]; then
	LBD=$PWD/lbd/lbd
fi
: "${LBCHECK:=./lbcheck/lbcheck}"
: "${LBD:=./lbd/lbd}"
export srcdir LBCHECK LBD
. "$srcdir/tests/conf/tap.sh"

[ -x "$LBCHECK" ] || bail "no lbcheck binary at '$LBCHECK' (set LBCHECK)"

# terms MANPAGE: "<heading>\t<term text>" for every .TP/.TQ term, with roff font escapes,
# quotes and \- removed; the heading is the current .SH.
terms()
{
	awk '
	function clean(s) {
		gsub(/\\f[BIRP]/, "", s); gsub(/\\-/, "-", s); gsub(/\\\(aq/, "\047", s)
		gsub(/\\\(dq/, "\"", s); gsub(/\\e/, "\\", s); gsub(/"/, "", s)
		sub(/^\.(B|BI|BR|I|IB|IR|RB)[ \t]+/, "", s)
		return s
	}
	/^\.SH / { h = $0; sub(/^\.SH +/, "", h); gsub(/"/, "", h); next }
	/^\.T[PQ]/ { want = 1; next }
	want { want = 0; print h "\t" clean($0) }
	' "$1"
}

terms "$srcdir/man/lb.cfg.5" >"$T/cfg-terms"
"$LBCHECK" --list-keywords >"$T/keywords" || bail "lbcheck --list-keywords failed"
[ -s "$T/keywords" ] || bail "lbcheck --list-keywords printed nothing"

heading_of()
{
	case "$1" in
	global) echo "GLOBAL SECTION" ;;
	proxy) echo "PROXY KEYWORDS" ;;
	bind) echo "BIND OPTIONS" ;;
	server) echo "SERVER OPTIONS" ;;
	balance) echo "BALANCING ALGORITHMS" ;;
	logvar) echo "LOG-FORMAT VARIABLES" ;;
	fetch) echo "SAMPLE FETCHES" ;;
	userlist) echo "USERLIST SECTION" ;;
	*) echo "?" ;;
	esac
}

# documented HEADING KEYWORD: a term under HEADING is KEYWORD, alone or followed by a space
# or an opening parenthesis/bracket.
documented()
{
	awk -F '\t' -v h="$1" -v k="$2" '
	$1 == h && (substr($2, 1, length(k)) == k) {
		c = substr($2, length(k) + 1, 1)
		if (c == "" || c == " " || c == "(" || c == "[") found = 1
	}
	END { exit !found }' "$T/cfg-terms"
}

missing=0
n=0
while IFS= read -r line; do
	area=${line%%  *}
	rest=${line#"$area"}
	rest=${rest#"${rest%%[! ]*}"}
	kw=${rest%%  *}
	n=$((n + 1))
	if documented "$(heading_of "$area")" "$kw"; then
		pass "lb.cfg(5) documents $area '$kw'"
	else
		fail "lb.cfg(5) documents $area '$kw' (under $(heading_of "$area"))"
		missing=$((missing + 1))
	fi
done <"$T/keywords"
[ "$n" -ge 50 ] || fail "lbcheck --list-keywords lists at least 50 keywords (got $n)"

# lbcheck(1): every long option of --help
terms "$srcdir/man/lbcheck.1" >"$T/lbcheck-terms"
"$LBCHECK" --help >"$T/help" 2>&1
for opt in $(grep -oE -- '--[a-z][a-z-]+' "$T/help" | sort -u); do
	if grep -qE -- "(^|[[:space:],])$opt([[:space:],]|$)" "$T/lbcheck-terms"; then
		pass "lbcheck(1) documents $opt"
	else
		fail "lbcheck(1) documents $opt"
	fi
done

# lbd(8): every option letter of -h (lbd need not exist for the rest of this test)
if [ -x "$LBD" ]; then
	terms "$srcdir/man/lbd.8" >"$T/lbd-terms"
	"$LBD" -h >"$T/lbd-help" 2>&1
	for opt in $(grep -oE -- '^ +-[A-Za-z]' "$T/lbd-help" | tr -d ' ' | sort -u); do
		if grep -qE -- "(^|[[:space:],])$opt([[:space:],]|$)" "$T/lbd-terms"; then
			pass "lbd(8) documents $opt"
		else
			fail "lbd(8) documents $opt"
		fi
	done
else
	skip "lbd(8) documents lbd's options" "no lbd binary at '$LBD'"
fi

done_testing
