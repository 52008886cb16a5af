#!/bin/bash
# tests/integration/105-check-redis.sh: "option redis-check" / --type redis against a real
# redis-server: PING answered +PONG passes (L7OK); a password-protected server answers
# -NOAUTH: L7STS with the error as the reason (HAProxy 2.6 keeps waiting for "+PONG" after
# that error and reports L7TOUT when "timeout check" ends; HAProxy 1.x-2.1 reported L7STS at
# once, as we do); a stopped server is L4CON; a config-file run probes several backends
: "${LB_TEST_TIMEOUT:=240}"
export LB_TEST_TIMEOUT
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/servers.sh"

start_redis || skip_all "redis-server: $SERVERS_WHY"
OPEN=$REDIS_PORT OPEN_PID=$REDIS_PID
start_redis requirepass s3cret || skip_all "redis-server: $SERVERS_WHY"
AUTH=$REDIS_PORT
start_redis || skip_all "redis-server: $SERVERS_WHY"
GONE=$REDIS_PORT
stop_server "$REDIS_PID"

# ---- ad-hoc probes ----
expect_probe L7OK 0 "redis: PING answered +PONG: L7OK, exit 0" --type redis "127.0.0.1:$OPEN"
json_rows_ok "$PROBE_OUT" && pass "redis: the JSON row has every field, with its type" ||
	fail "redis: the JSON row has every field, with its type"
is "$(jget "$PROBE_OUT" '[r[0][k] for k in ("server", "address", "type", "ok")]')" \
	"[\"\", \"127.0.0.1:$OPEN\", \"redis\", true]" \
	"redis: server is empty for an ad-hoc probe, address and type as asked, ok true"
num_between "$(jget "$PROBE_OUT" 'r[0]["duration_ms"]')" 0 2000 "redis: the duration is measured"
like "$(jget "$PROBE_OUT" 'r[0]["reason"]')" '[Rr]edis|PONG' "redis: the reason says the server is ok"

expect_probe L7STS 1 "redis: requirepass set, PING answered -NOAUTH: L7STS, exit 1" \
	--type redis "127.0.0.1:$AUTH"
like "$(jget "$PROBE_OUT" 'r[0]["reason"]')" 'NOAUTH' "redis: the reason quotes the server's error"
is "$(jget "$PROBE_OUT" 'r[0]["ok"]')" false "redis: ok is false for L7STS"

expect_probe L4CON 1 "redis: server stopped: connection refused, L4CON, exit 1" \
	--type redis "127.0.0.1:$GONE"

# The table (no --json): a header line, then one row per probe with the status in it.
probe out --type redis "127.0.0.1:$OPEN" "127.0.0.1:$AUTH"
is "$PROBE_RC" 1 "redis table: one of two probes failed: exit 1"
like "$(head -n 1 <<<"$out")" '^SERVER +ADDRESS +TYPE +STATUS +CODE +DURATION +REASON' \
	"redis table: the header names the columns"
like "$out" "127\.0\.0\.1:$OPEN +redis +L7OK" "redis table: the good server's row shows L7OK"
like "$out" "127\.0\.0\.1:$AUTH +redis +L7STS" "redis table: the protected server's row shows L7STS"

# ---- configured checks, several backends at once ----
cat >"$T/lb.cfg" <<CFG
defaults
	mode tcp
	timeout connect 1s
	timeout client 5s
	timeout server 5s
	timeout check 2s

backend cache_ok
	option redis-check
	server r1 127.0.0.1:$OPEN check
	server r2 127.0.0.1:$OPEN check

backend cache_auth
	option redis-check
	server locked 127.0.0.1:$AUTH check

backend cache_gone
	option redis-check
	server gone 127.0.0.1:$GONE check
CFG
probe out --json -f "$T/lb.cfg"
is "$PROBE_RC" 1 "config: some checks fail: exit 1"
json_rows_ok "$out" && pass "config: JSON rows are well-formed" || fail "config: JSON rows are well-formed"
is "$(jget "$out" '" ".join(sorted("%s=%s" % (o["server"], o["status"]) for o in r))')" \
	"cache_auth/locked=L7STS cache_gone/gone=L4CON cache_ok/r1=L7OK cache_ok/r2=L7OK" \
	"config: every server of every backend probed once, each with its status"
is "$(jget "$out" 'sorted(set(o["type"] for o in r))')" '["redis"]' "config: the type is redis"

probe out --json -f "$T/lb.cfg" cache_ok
is "$(jget "$out" 'len(r)') exit=$PROBE_RC" "2 exit=0" "config: only backend cache_ok: 2 probes, all pass, exit 0"
probe out --json -f "$T/lb.cfg" cache_auth/locked cache_ok/r2
is "$(jget "$out" '" ".join(sorted(o["server"] for o in r))') exit=$PROBE_RC" \
	"cache_auth/locked cache_ok/r2 exit=1" "config: backend/server selects single servers"

# The server that passed is stopped: the same probe now fails at layer 4.
stop_server "$OPEN_PID"
expect_probe L4CON 1 "redis: after stopping the good server: L4CON" --type redis "127.0.0.1:$OPEN"

done_testing
