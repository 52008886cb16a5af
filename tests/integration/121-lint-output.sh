#!/bin/bash
# tests/integration/121-lint-output.sh: lint output as JSON, on stdin, --list-rules, and the rules table in lbcheck(1)
#
# The JSON of a lint run and of --list-rules is checked field by field with python (names,
# types, allowed values); stdin gets the same rules and "lbcheck: disable=" comments as a
# file; --list-rules (text and JSON) must match the LINT RULES section of man/lbcheck.1
# term by term: id, severity and the reason line.
: "${srcdir:=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}}"
if [ -z "${LBCHECK:-}" ] && [ -x ./lbcheck/lbcheck ]; then
	LBCHECK=$PWD/lbcheck/lbcheck
fi
: "${LBCHECK:=./lbcheck/lbcheck}"
export srcdir LBCHECK
. "$srcdir/tests/conf/tap.sh"

[ -x "$LBCHECK" ] || bail "no lbcheck binary at '$LBCHECK' (set LBCHECK)"
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
$PY -c 'import json' 2>/dev/null || bail "python3 is needed"
LINT=$srcdir/tests/conf/lint

# ---- JSON of a run: schema ----
"$LBCHECK" --list-rules >"$T/rules" || bail "--list-rules failed"
(ulimit -n 4096 && exec "$LBCHECK" --format json "$LINT"/*.cfg) >"$T/json" 2>"$T/err"
is "$?" 0 "json over the whole corpus: exit 0 (warnings only)"
is "$(cat "$T/err")" "" "json: nothing on stderr"
got=$($PY - "$T/json" "$T/rules" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
rules = {l.split()[0]: l.split()[1] for l in open(sys.argv[2]) if l.strip()}
want = {"file": str, "line": int, "col": int, "severity": str, "message": str}
bad = []
seen = set()
for i, e in enumerate(d):
    if set(e) != set(want) | {"rule"}:
        bad.append("%d: keys %s" % (i, sorted(e)))
        continue
    for k, t in want.items():
        if type(e[k]) is not t:
            bad.append("%d: %s is %s" % (i, k, type(e[k]).__name__))
    if e["severity"] not in ("error", "warning", "note"):
        bad.append("%d: severity %r" % (i, e["severity"]))
    if e["line"] < 1 or e["col"] < 1:
        bad.append("%d: position %d:%d" % (i, e["line"], e["col"]))
    r = e["rule"]
    if r is None:
        continue
    if type(r) is not str or r not in rules:
        bad.append("%d: unknown rule %r" % (i, r))
    elif rules[r] != e["severity"]:
        bad.append("%d: %s has severity %s, --list-rules says %s" % (i, r, e["severity"], rules[r]))
    elif "[" in e["message"]:
        bad.append("%d: the rule id is in the message" % i)
    seen.add(r)
print(len(d) > 15, sorted(set(rules) - seen), bad[:5])
EOF
)
is "$got" "True [] []" "json: every entry has the fields and types; every rule appears"

"$LBCHECK" --format json "$LINT/unused-backend.cfg" >"$T/json" 2>&1
got=$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); e=d[0]
print(len(d), e["file"].endswith("unused-backend.cfg"), e["line"], e["col"], e["severity"], e["rule"])' "$T/json")
is "$got" "1 True 15 1 warning unused-backend" "json: one lint warning, its fields"
"$LBCHECK" --format json --quiet "$LINT/no-http-request-timeout.cfg" >"$T/json" 2>&1
is "$(cat "$T/json")" "[]" "json --quiet: notes hidden"

# ---- stdin ----
"$LBCHECK" - <"$LINT/unused-backend.cfg" >"$T/out" 2>&1
is "$?" 0 "stdin: exit 0"
like "$(cat "$T/out")" "^<stdin>:15:1: warning: backend 'forgotten' is not used .*\[unused-backend\]$" \
	"stdin: lint rules run, positions in <stdin>"
"$LBCHECK" lint --werror - <"$LINT/suppress.cfg" >"$T/out" 2>&1
is "$?" 1 "stdin --werror: exit 1"
is "$(grep -c '^<stdin>:[0-9]' "$T/out")" 2 "stdin: disable= comments apply (2 diagnostics left)"
like "$(cat "$T/out")" "^<stdin>:21:34: warning: lbcheck comment: unknown rule 'unused-backends'" \
	"stdin: unknown rule in a comment"
"$LBCHECK" --format json - <"$LINT/no-check.cfg" >"$T/json" 2>&1
is "$($PY -c 'import json,sys; print({e["file"] for e in json.load(open(sys.argv[1]))})' "$T/json")" \
	"{'<stdin>'}" "stdin json: file is <stdin>"

# ---- --list-rules ----
"$LBCHECK" --list-rules --format json >"$T/rules.json"
is "$?" 0 "--list-rules --format json: exit 0"
"$LBCHECK" --format json --list-rules >"$T/rules2.json"
is "$(cat "$T/rules2.json")" "$(cat "$T/rules.json")" "--list-rules: --format before or after"
got=$($PY - "$T/rules.json" "$T/rules" <<'EOF'
import json, re, sys
d = json.load(open(sys.argv[1]))
text = [re.split(r"  +", l.rstrip("\n"), maxsplit=2) for l in open(sys.argv[2]) if l.strip()]
bad = []
for e in d:
    if set(e) != {"id", "severity", "reason", "source"} or not all(type(v) is str for v in e.values()):
        bad.append(repr(e))
    elif e["severity"] not in ("warning", "note") or e["source"] not in ("lint", "parser", "parser+lint"):
        bad.append(repr(e))
    elif not re.fullmatch(r"[a-z][a-z0-9-]*", e["id"]):
        bad.append("id " + e["id"])
ids = [e["id"] for e in d]
print(len(d), len(set(ids)) == len(ids), [[e["id"], e["severity"], e["reason"]] for e in d] == text, bad[:3])
EOF
)
is "$got" "$(wc -l <"$T/rules" | tr -d ' ') True True []" "--list-rules: JSON schema, unique ids, same rows as the text"

# ---- lbcheck(1) documents every rule, as --list-rules says ----
# the LINT RULES section as "<id>\t<severity>\t<reason>" from ".TP / .BR id " (sev)" / reason"
awk '
function clean(s) { gsub(/\\f[BIRP]/, "", s); gsub(/\\-/, "-", s); gsub(/"/, "", s); return s }
/^\.SH / { insec = ($0 ~ /^\.SH "?LINT RULES"?$/); next }
!insec { next }
/^\.TP/ { state = 1; next }
state == 1 { t = clean($0); sub(/^\.BR? +/, "", t); id = t; sub(/ .*/, "", id)
	sev = t; sub(/^[^(]*\(/, "", sev); sub(/\).*/, "", sev); state = 2; next }
state == 2 { print id "\t" sev "\t" clean($0); state = 0 }
' "$srcdir/man/lbcheck.1" >"$T/man-rules"
awk '{ id = $1; sev = $2; $1 = ""; $2 = ""; sub(/^ +/, ""); print id "\t" sev "\t" $0 }' \
	"$T/rules" >"$T/list-rules"
# --list-rules pads with spaces: squeeze the reason's own spaces the same way on both sides
if diff <(tr -s ' ' <"$T/list-rules") <(tr -s ' ' <"$T/man-rules") >"$T/man-diff"; then
	pass "lbcheck(1) LINT RULES matches --list-rules ($(wc -l <"$T/man-rules" | tr -d ' ') rules)"
else
	fail "lbcheck(1) LINT RULES matches --list-rules"
	diag "$(head -20 "$T/man-diff")"
fi
for opt in --list-rules --disable --enable; do
	like "$("$LBCHECK" --help)" "$opt" "--help lists $opt"
done

done_testing
