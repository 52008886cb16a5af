#!/bin/bash
# tests/integration/130-prometheus.sh: "http-request use-service prometheus-exporter": the
# output passes promtool's strict parser and linter (Debian's prometheus package, installed
# when missing), the counters match the traffic sent, the latency histograms are cumulative
# with _count equal to the requests and buckets placed by the delays asked of the stub,
# "clear counters" clears them, show stats carries them, and the rule takes any ACL
# condition.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

LB_CURL_TIMEOUT=10
start_stub P1 --http s1 || bail "stub s1"
start_stub P2 --http s2 || bail "stub s2"
PF=$(free_port)
PM=$(free_port)
DEAD=$(free_port)
ADMIN=$T/admin.sock
{
	cat <<-EOF
	global
		stats socket $ADMIN mode 600 level admin
	EOF
	cfg_global | sed 1d
	cat <<-EOF
	frontend f
		bind 127.0.0.1:$PF
		default_backend b
	frontend m
		bind 127.0.0.1:$PM
		http-request use-service prometheus-exporter if { path /metrics }
	backend b
		balance roundrobin
		server s1 127.0.0.1:$P1
		server s2 127.0.0.1:$P2
	backend hc
		server up 127.0.0.1:$P1 check inter 200ms
		server dead 127.0.0.1:$DEAD check inter 200ms fall 1
		server nocheck 127.0.0.1:$P2
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"

# 6 fast requests, 4 that the stub holds for 150 ms
for i in 1 2 3 4 5 6; do hcurl -o /dev/null "http://127.0.0.1:$PF/fast"; done
for i in 1 2 3 4; do hcurl -o /dev/null "http://127.0.0.1:$PF/slow?delay=150"; done

hcurl -D "$T/m1.head" -o "$T/m1.txt" "http://127.0.0.1:$PM/metrics"
is "$?" 0 "the scrape answers"
like "$(cat "$T/m1.head")" 'content-type: text/plain; version=0.0.4' "text exposition format 0.0.4"
is "$(http_code "http://127.0.0.1:$PM/other")" 503 "the condition limits the service to /metrics"

# promtool: the reference parser and linter of the format
if ! command -v promtool >/dev/null && [ "$(id -u)" = 0 ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends prometheus \
		>"$T/apt.log" 2>&1 || diag "apt-get install prometheus failed"
fi
if command -v promtool >/dev/null; then
	out=$(promtool check metrics <"$T/m1.txt" 2>&1)
	is "$?" 0 "promtool check metrics accepts the output${out:+: $out}"
else
	skip "promtool check metrics" "promtool (Debian package prometheus) not installable"
fi

# metric VALUE: the value of an exact series line
metric() { awk -v k="$1" '$1 == k { print $2 }' "${2:-$T/m1.txt}"; }
is "$(metric 'haproxy_frontend_http_requests_total{proxy="f"}')" 10 "frontend f: 10 requests"
is "$(metric 'haproxy_frontend_http_requests_total{proxy="m"}')" 1 \
	"frontend m: the scrape counts itself"
is "$(metric 'haproxy_backend_http_requests_total{proxy="b"}')" 10 "backend b: 10 requests"
is "$(metric 'haproxy_backend_http_responses_total{proxy="b",code="2xx"}')" 10 \
	"backend b: 10 responses 2xx"
is "$(metric 'haproxy_server_sessions_total{proxy="b",server="s1"}') $(metric \
	'haproxy_server_sessions_total{proxy="b",server="s2"}')" "5 5" "roundrobin: 5 sessions each"
is "$(metric 'haproxy_server_status{proxy="b",server="s1",state="UP"}')" 1 "s1 state UP"
is "$(metric 'haproxy_server_status{proxy="b",server="s1",state="DOWN"}')" 0 "s1 not DOWN"
is "$(metric 'haproxy_backend_status{proxy="b",state="UP"}')" 1 "backend b UP"
like "$(metric 'haproxy_process_uptime_seconds')" '^[0-9]+$' "process uptime"
like "$(cat "$T/m1.txt")" '# TYPE haproxy_backend_response_time_seconds histogram' \
	"the response time is a histogram"
like "$(cat "$T/m1.txt")" '# HELP haproxy_server_bytes_out_total ' "HELP lines"

# every histogram: cumulative buckets, +Inf == _count; then the values we expect
cat >"$T/hist.py" <<'EOF'
import re, sys
series = {}
for line in open(sys.argv[1]):
    m = re.match(r'^(\w+)_bucket\{(.*),le="([^"]+)"\} (\d+)$', line)
    if m:
        series.setdefault((m.group(1), m.group(2)), []).append((m.group(3), int(m.group(4))))
counts = {}
for line in open(sys.argv[1]):
    m = re.match(r'^(\w+)_count\{(.*)\} (\d+)$', line)
    if m:
        counts[(m.group(1), m.group(2))] = int(m.group(3))
bad = []
for key, b in series.items():
    vals = [v for _, v in b]
    les = [float("inf") if l == "+Inf" else float(l) for l, _ in b]
    if vals != sorted(vals) or les != sorted(les) or b[-1][0] != "+Inf":
        bad.append("not cumulative: %s" % (key,))
    if counts.get(key) != vals[-1]:
        bad.append("+Inf != _count: %s" % (key,))
print("%d histograms" % len(series))
for x in bad:
    print(x)
EOF
out=$("$PYTHON" "$T/hist.py" "$T/m1.txt")
is "$out" "30 histograms" \
	"30 histograms (2 frontends: total; 2 backends, 5 servers: 4 phases), cumulative, +Inf = _count"
is "$(metric 'haproxy_frontend_total_time_seconds_count{proxy="f"}')" 10 \
	"frontend total time: _count = 10 requests"
is "$(metric 'haproxy_backend_response_time_seconds_count{proxy="b"}')" 10 \
	"backend response time: _count = 10"
is "$(metric 'haproxy_backend_response_time_seconds_bucket{proxy="b",le="0.096"}')" 6 \
	"the 6 fast responses are under 96 ms"
is "$(grep -c '^haproxy_backend_response_time_seconds_bucket{proxy="b",' "$T/m1.txt")" 35 \
	"35 buckets: two per power of two from 1 ms to 131 s, and +Inf"
les=$(grep '^haproxy_backend_response_time_seconds_bucket{proxy="b",' "$T/m1.txt" | head -n 8 |
	sed 's/.*le="\([^"]*\)".*/\1/' | tr '\n' ' ')
is "$les" '0.001 0.002 0.003 0.004 0.006 0.008 0.012 0.016 ' "the first bounds: 1 2 3 4 6 8 12 16 ms"
is "$(metric 'haproxy_backend_response_time_seconds_bucket{proxy="b",le="+Inf"}')" 10 \
	"the 4 slow ones above"
num_between "$(metric 'haproxy_backend_response_time_seconds_sum{proxy="b"}' | cut -d. -f1)" \
	0 2 "the sum is in seconds (about 0.6)"
s1=$(metric 'haproxy_server_total_time_seconds_count{proxy="b",server="s1"}')
s2=$(metric 'haproxy_server_total_time_seconds_count{proxy="b",server="s2"}')
is "$((s1 + s2))" 10 "the servers' histograms add up to the backend's"

# the scrape's own request shows on the next scrape (m also had the 503 for /other)
hcurl -o "$T/m2.txt" "http://127.0.0.1:$PM/metrics"
is "$(metric 'haproxy_frontend_http_requests_total{proxy="m"}' "$T/m2.txt")" 3 "second scrape: 3"
is "$(metric 'haproxy_frontend_total_time_seconds_count{proxy="m"}' "$T/m2.txt")" 2 \
	"the first scrape is timed once it is over, the second not yet"

# show stats carries the histograms; lbctl shows p50/p99
json=$("$LBCTL" -s "$ADMIN" --json show stats)
is "$(printf '%s' "$json" | "$PYTHON" -c '
import json, sys
rows = json.load(sys.stdin)["data"]
be = [r for r in rows if r["pxname"] == "b" and r["svname"] == "BACKEND"][0]
t = be["latency"]["total"]
print(t["count"], sum(t["buckets"]), len(t["buckets"]) <= len(be["latency"]["bounds_ms"]) + 1,
      len(be["latency"]["bounds_ms"]), t["p50"] < t["p99"])
')" "10 10 True 64 True" \
	"show stats: backend latency histogram (count, buckets, 64 bounds, p50 < p99)"
like "$("$LBCTL" -s "$ADMIN" show stats | head -n 1)" ' p50 +p99 *$' "lbctl show stats: p50 p99"

"$LBCTL" -s "$ADMIN" clear counters >/dev/null
hcurl -o "$T/m3.txt" "http://127.0.0.1:$PM/metrics"
is "$(metric 'haproxy_backend_response_time_seconds_count{proxy="b"}' "$T/m3.txt")" 0 \
	"clear counters clears the histograms"
is "$(metric 'haproxy_frontend_http_requests_total{proxy="f"}' "$T/m3.txt")" 0 \
	"and the counters"

# the parser: any ACL condition, clear messages
bad()
{
	printf 'defaults\n\tmode http\nfrontend x\n\tbind 127.0.0.1:1\n\t%s\n' "$1" >"$T/bad.cfg"
	"$LBD" -c -f "$T/bad.cfg" 2>&1
}
like "$(bad 'http-request use-service prometheus-exporter if { src 127.0.0.1 }')" \
	'Configuration file is valid' "use-service: any fetch in the condition"
like "$(bad 'http-request use-service prometheus-exporter unless { path /x }')" \
	'Configuration file is valid' "unless accepted"
like "$(bad 'http-request use-service prometheus-exporter if { pathh /x }')" \
	"bad.cfg:5:.*error: unknown fetch method 'pathh'" "an unknown fetch refused with its position"
like "$(bad 'http-request use-service lua.foo')" "error: unknown service 'lua.foo'" \
	"unknown services refused"
like "$(bad 'http-request use-service prometheus-exporter if { path_beg /m }')" \
	'Configuration file is valid' "path_beg accepted"
like "$(bad 'http-request use-service prometheus-exporter')" 'Configuration file is valid' \
	"no condition: every request"

# health checks: HAProxy's check metrics, for the servers that have a check
wait_for 5 eval "\"\$LBCTL\" -s \"\$ADMIN\" show servers hc | grep -q 'dead .*L4CON'" ||
	diag "the dead server's check did not fail in time"
hcurl -o "$T/m4.txt" "http://127.0.0.1:$PM/metrics"
is "$(metric 'haproxy_server_check_status{proxy="hc",server="up",state="L4OK"}' "$T/m4.txt")" 1 \
	"check_status: up is L4OK"
is "$(metric 'haproxy_server_check_status{proxy="hc",server="dead",state="L4CON"}' "$T/m4.txt")" 1 \
	"check_status: dead is L4CON"
is "$(metric 'haproxy_server_check_status{proxy="hc",server="dead",state="L4OK"}' "$T/m4.txt")" 0 \
	"check_status: one state at 1 per server"
is "$(grep -c 'haproxy_server_check_status{proxy="hc",server="nocheck"' "$T/m4.txt")" 0 \
	"no check metrics for a server without check"
is "$(metric 'haproxy_server_check_up_down_total{proxy="hc",server="dead"}' "$T/m4.txt")" 1 \
	"check_up_down_total: dead went down once"
num_between "$(metric 'haproxy_server_check_failures_total{proxy="hc",server="dead"}' "$T/m4.txt")" \
	1 100 "check_failures_total counts the failed checks"
like "$(metric 'haproxy_server_status{proxy="hc",server="dead",state="DOWN"}' "$T/m4.txt")" '^1$' \
	"server_status: dead is DOWN"
if command -v promtool >/dev/null; then
	out=$(promtool check metrics <"$T/m4.txt" 2>&1)
	is "$?" 0 "promtool accepts the check metrics${out:+: $out}"
fi

done_testing
