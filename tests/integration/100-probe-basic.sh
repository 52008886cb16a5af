#!/bin/bash
# tests/integration/100-probe-basic.sh: lbcheck probe ad hoc: tcp and http against the stub
# backend, the table, JSON, exit codes and usage errors
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/integration/probe_lib.sh"

start_stub PH --http web --log "$T/web.log" || bail "stub web"
DEAD=$(free_port)

probe --type tcp "127.0.0.1:$PH"
is "$RC" 0 "tcp: a listening port passes (exit 0)"
like "$OUT" '^SERVER +ADDRESS +TYPE +STATUS +CODE +DURATION +REASON$' "tcp: the table header"
like "$OUT" "^- +127\.0\.0\.1:$PH +tcp +L4OK +- +[0-9]+ms +Layer4 check passed$" "tcp: L4OK row"

probe --type tcp "127.0.0.1:$DEAD"
is "$RC" 1 "tcp: a closed port fails (exit 1)"
like "$OUT" "127\.0\.0\.1:$DEAD +tcp +L4CON +- +[0-9]+ms +Connection refused" "tcp: L4CON, reason"

probe --type http --method GET --uri /health "127.0.0.1:$PH"
is "$RC" 0 "http: 200 passes"
like "$OUT" "http +L7OK +200 +[0-9]+ms +HTTP status 200 OK" "http: L7OK with the code"
check "http: the stub got GET /health" grep -q 'req conn=[0-9]* n=1 GET /health' "$T/web.log"

probe --type http "127.0.0.1:$PH"
check "http: the default method is OPTIONS /" grep -q 'req conn=[0-9]* n=1 OPTIONS /$' "$T/web.log"

probe --type http --uri '/x?status=503' "127.0.0.1:$PH"
is "$RC" 1 "http: 503 fails"
like "$OUT" "L7STS +503 .*HTTP status 503" "http: L7STS with the code"

probe --type http --uri '/x?status=301' "127.0.0.1:$PH"
is "$RC" 0 "http: a 3xx passes by default"

probe --type http --uri '/x?status=404' --expect-status 404 "127.0.0.1:$PH"
is "$RC" 0 "http: --expect-status 404 accepts a 404"
probe --type http --uri /x --expect-status 404 "127.0.0.1:$PH"
is "$RC" 1 "http: --expect-status 404 refuses a 200"

probe --type http --uri /x --expect-string web "127.0.0.1:$PH"
is "$RC" 0 "http: --expect-string found in the body"
probe --type http --uri /x --expect-string nothere "127.0.0.1:$PH"
is "$RC" 1 "http: --expect-string missing"
like "$OUT" "L7RSP +200 .*HTTP body does not match 'nothere'" "http: L7RSP says which string"

# several targets at once, JSON
probe --type http --json "127.0.0.1:$PH" "127.0.0.1:$DEAD"
is "$RC" 1 "json: one of two fails -> exit 1"
is "$(printf '%s' "$OUT" | "$PYTHON" -c 'import json,sys; print(len(json.load(sys.stdin)))')" 2 \
	"json: one object per target"
is "$(printf '%s' "$OUT" | "$PYTHON" -c '
import json, sys
want = {"server", "address", "type", "status", "code", "duration_ms", "reason", "ok"}
print(all(want <= set(o) for o in json.load(sys.stdin)))')" True "json: every object has the documented fields"
is "$(jfield server 0)" "" "json: server is empty for ad-hoc probes"
is "$(jfield address 0)" "127.0.0.1:$PH" "json: address"
is "$(jfield type 0)" "http" "json: type"
is "$(jfield status 0)" "L7OK" "json: status"
is "$(jfield code 0)" "200" "json: code is a number"
is "$(jfield ok 0)" "true" "json: ok true"
is "$(jfield status 1)" "L4CON" "json: second target in order"
is "$(jfield code 1)" "0" "json: no code -> 0"
is "$(jfield ok 1)" "false" "json: ok false"

# addresses
probe --type tcp "127.0.0.1:99999"
is "$RC" 2 "an invalid port is a usage error (exit 2)"
like "$ERR" "invalid or unresolvable address '127.0.0.1:99999'" "... with a message"
probe --type tcp "127.0.0.1"
is "$RC" 2 "tcp has no default port: exit 2"

# usage errors
probe --type nope "127.0.0.1:$PH"
is "$RC" 2 "unknown type: exit 2"
like "$ERR" "unknown type 'nope'" "unknown type: message"
probe --type tcp
is "$RC" 2 "no target: exit 2"
probe "127.0.0.1:$PH"
is "$RC" 2 "neither -f nor --type: exit 2"
like "$ERR" "give either -f FILE or --type TYPE" "neither: message"
probe --type tcp --timeout 0 "127.0.0.1:$PH"
is "$RC" 2 "bad --timeout: exit 2"
probe --type tcp --bogus "127.0.0.1:$PH"
is "$RC" 2 "unknown option: exit 2"
probe --help
is "$RC" 0 "--help: exit 0"
like "$OUT" "lbcheck probe --type TYPE" "--help shows the ad-hoc form"
probe --type pgsql "127.0.0.1:$PH"
is "$RC" 2 "pgsql without --user: exit 2"

no_sanitizer_report
done_testing
