#!/bin/bash
# tests/summary.sh: totals a build's test results: one line per test program or script, then
# one final line "N passed, N failed[, N skipped]".
#
# Usage: tests/summary.sh [BUILDDIR]   (default: the current directory)
#
# What counts as one check:
# - a TAP script (tests/integration/*.sh): each assertion, from its .trs file. PASS passes;
#   FAIL, ERROR (a bail-out, a wrong plan, a crash) and XPASS (a known failure that now
#   passes: unmark it) fail; SKIP and XFAIL (known failures, "# TODO") count as skipped.
# - a Check program (tests/unit/test_*): each check, from the "NN%: Checks: N, Failures: F,
#   Errors: E" lines of its .log (several suites add up). If the program failed without
#   such a line, or failed although every check passed (a crash at exit, a sanitizer
#   report), that counts as one more failure.
# - anything else run by the default driver: its global result, as one check.
# - a test listed in the build's TESTS that left no .trs (it did not run, e.g. the build
#   broke first): one failure.
# Exit status: 0 when nothing failed and something ran, 1 otherwise.

dir=${1:-.}
if [ ! -d "$dir" ]; then
	echo "summary.sh: $dir: no such directory" >&2
	echo "0 passed, 1 failed"
	exit 1
fi

P=0 F=0 S=0

# The tests the build meant to run, asked from its Makefile (automake names the result of
# "x.sh" x.trs, of a program "x" x.trs).
if [ -f "$dir/Makefile" ]; then
	# -o Makefile: never regenerate the Makefile just to answer; the marker keeps any other
	# output of make out of the list.
	listed=$(printf 'lb-summary-print-tests:\n\t@echo "LB-SUMMARY-TESTS: $(TESTS)"\n' |
		make -s --no-print-directory -o Makefile -C "$dir" -f Makefile -f - \
			lb-summary-print-tests 2>/dev/null | sed -n 's/^LB-SUMMARY-TESTS: //p')
	for t in $listed; do
		t=${t%.sh}
		if [ ! -f "$dir/$t.trs" ]; then
			F=$((F + 1))
			printf '%-48s %-7s %5d passed %4d failed %4d skipped  <-- DID NOT RUN\n' "$t" "-" 0 1 0
		fi
	done
fi

mapfile -t trs < <(find "$dir" -name '*.trs' -type f | LC_ALL=C sort)
if [ "${#trs[@]}" -eq 0 ] && [ "$F" -eq 0 ]; then
	echo "summary.sh: no test results (*.trs) under $dir: run 'make check' first" >&2
	echo "0 passed, 0 failed"
	exit 1
fi

for t in "${trs[@]}"; do
	log=${t%.trs}.log
	name=${t#"$dir"/}
	name=${name%.trs}
	# prints "pass fail skip kind"
	read -r p f s kind < <(awk -v logf="$log" '
		BEGIN { p = f = s = n = 0; glob = "" }
		/^:global-test-result:/ { glob = $2 }
		/^:test-result:/ {
			n++
			if ($2 == "PASS") p++
			else if ($2 == "SKIP" || $2 == "XFAIL") s++
			else f++
		}
		END {
			checks = 0
			while ((getline line < logf) > 0) {
				if (match(line, /[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+/)) {
					split(substr(line, RSTART, RLENGTH), w, /[ ,]+/)
					# w: "NN%:" "Checks:" N "Failures:" F "Errors:" E
					cp += w[3] - w[5] - w[7]; cf += w[5] + w[7]; checks = 1
				}
			}
			if (checks) {
				if ((glob == "FAIL" || glob == "ERROR") && cf == 0) cf = 1
				print cp, cf, 0, "check"
			} else if (n > 1 || logf ~ /integration\//) {
				print p, f, s, "tap"
			} else if (glob == "PASS" || glob == "XFAIL") {
				print 1, 0, 0, "program"
			} else if (glob == "SKIP") {
				print 0, 0, 1, "program"
			} else {
				print 0, 1, 0, "program"
			}
		}' "$t")
	P=$((P + p)) F=$((F + f)) S=$((S + s))
	mark=""
	[ "$f" -gt 0 ] && mark="  <-- FAILED (see $log)"
	printf '%-48s %-7s %5d passed %4d failed %4d skipped%s\n' "$name" "$kind" "$p" "$f" "$s" "$mark"
done

line="$P passed, $F failed"
[ "$S" -gt 0 ] && line="$line, $S skipped"
echo "$line"
[ "$F" -eq 0 ] && [ $((P + S)) -gt 0 ]
