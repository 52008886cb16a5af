#!/bin/bash
# bench/rules.sh: the cost of a realistic rule set, lbd against HAProxy, in one run
#
# Method: /work/shared/BENCH.md, as bench/run.sh applies it: two nginx backends on
# 127.0.0.1:9001 and :9002 and the proxies pinned to core 1, wrk on core 0, each proxy's CPU
# time read from /proc before and after each run, the median of the repeats reported. Here
# each proxy (lbd, and Debian's HAProxy, installed if missing) runs one config with two
# frontends over the same backends (bench/conf/rules-haproxy.cfg.in): fe_plain without
# rules, fe_rules with 20 ACLs on host, path and headers, a 10,000-address denylist read with
# "src -f", and "http-request track-sc0 src" with a 429 rate limit on sc_http_req_rate(0).
# The requests (keep-alive GET / with a browser's headers) match no deny rule, so every rule
# is evaluated each time. Before measuring, the script checks that the rules really work in
# both proxies: a denylisted source address, a scanner's User-Agent and a rate above a low
# limit are refused. Every process started here is killed by PID on exit.
#
# Environment: BENCH_DURATION (wrk -d, default 10s), BENCH_REPEATS (default 3), BENCH_ONLY
# (subset of "lbd haproxy"), BUILD_DIR (default ../_build), LBD (default $BUILD_DIR/lbd/lbd),
# BENCH_KEEP_TMP (non-empty: keep the temp dir).
# Output: a markdown table on stdout and in bench/results/<date-time>-rules.md.
# Exit status: 0 every selected proxy measured, 1 a proxy failed, 2 set-up error.
set -u
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
DURATION=${BENCH_DURATION:-10s}
REPEATS=${BENCH_REPEATS:-3}
ONLY=${BENCH_ONLY:-lbd haproxy}
BUILD_DIR=${BUILD_DIR:-$top/_build}
LBD=${LBD:-$BUILD_DIR/lbd/lbd}
RESULTS_DIR=$here/results

BACKEND1=9001		# fixed by the method
BACKEND2=9002
declare -A LABEL=([lbd]=lbd [haproxy]=HAProxy)
declare -A PLAIN_PORT=([lbd]=28180 [haproxy]=28181)
declare -A RULES_PORT=([lbd]=28182 [haproxy]=28183)
LOAD_CPU=0
PROXY_CPU=1
WRK_CONNS=50
DENY_N=10000
RATE_LIMIT=1000000000	# never reached by the benchmark: evaluated, never denies
# A browser's request: the header ACLs have something to read.
HEADERS=(-H "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"
	 -H "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	 -H "Accept-Language: en-US,en;q=0.5"
	 -H "Cookie: theme=dark; session=4f2a9c1e77; consent=yes")

STARTED=()
declare -A PID STATE WHY
T=

log() { printf 'rules: %s\n' "$*" >&2; }
die() { printf 'rules: error: %s\n' "$*" >&2; exit 2; }
# ours PID: still a child of this script (a reaped PID may belong to someone else now)
ours() {
	[ "$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk '$1 != "Z" { print $2 }')" = "$$" ]
}
cleanup() {
	local p i
	trap - EXIT INT TERM
	for p in "${STARTED[@]}"; do
		ours "$p" && kill -TERM "$p" 2>/dev/null
	done
	for p in "${STARTED[@]}"; do
		for ((i = 0; i < 50; i++)); do
			ours "$p" || break
			sleep 0.1
		done
		ours "$p" && kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	if [ -n "$T" ] && [ -d "$T" ]; then
		if [ -n "${BENCH_KEEP_TMP:-}" ]; then log "kept $T"; else rm -rf "$T"; fi
	fi
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

# ---- options and prerequisites ------------------------------------------------------------

[[ $DURATION =~ ^([0-9]+)([smh]?)$ ]] || die "BENCH_DURATION must look like 10s, 1m"
case ${BASH_REMATCH[2]} in
m) DUR_S=$((BASH_REMATCH[1] * 60)) ;;
h) DUR_S=$((BASH_REMATCH[1] * 3600)) ;;
*) DUR_S=${BASH_REMATCH[1]} ;;
esac
((DUR_S >= 1)) || die "BENCH_DURATION must be at least 1s"
[[ $REPEATS =~ ^[1-9][0-9]?$ ]] || die "BENCH_REPEATS must be 1 to 99"
SELECTED=
for p in $ONLY; do
	[ -n "${LABEL[$p]:-}" ] || die "BENCH_ONLY: unknown proxy '$p' (lbd, haproxy)"
	SELECTED="$SELECTED $p"
done
[ -n "$SELECTED" ] || die "BENCH_ONLY selects no proxy"
selected() { [[ " $SELECTED " == *" $1 "* ]]; }
(($(nproc) >= 2)) || die "the method pins load and proxies on two cores; this machine has $(nproc)"

missing=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
selected haproxy && ! command -v haproxy >/dev/null && ! [ -x /usr/sbin/haproxy ] &&
	missing+=(haproxy)
command -v wrk >/dev/null || missing+=(wrk)
command -v taskset >/dev/null || missing+=(util-linux)
command -v ss >/dev/null || missing+=(iproute2)
command -v curl >/dev/null || missing+=(curl)
if ((${#missing[@]})); then
	((EUID == 0)) || die "missing ${missing[*]}; run as root or apt-get install them"
	log "installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive timeout 600 apt-get update -qq >&2 ||
		die "apt-get update failed"
	DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq "${missing[@]}" >&2 ||
		die "could not install ${missing[*]}"
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)

for port in $BACKEND1 $BACKEND2 $(for p in $SELECTED; do
	echo "${PLAIN_PORT[$p]} ${RULES_PORT[$p]}"; done); do
	[ -z "$(ss -ltnH "( sport = :$port )")" ] ||
		die "port $port is in use (backends: $BACKEND1, $BACKEND2; proxies: 28180-28183)"
done

T=$(mktemp -d /tmp/lb-rules.XXXXXX) || die "mktemp failed"
chmod 755 "$T"

# ---- set-up -------------------------------------------------------------------------------

# The denylist: 10,000 addresses and networks of 10.0.0.0/8, plus 127.0.0.2, which the
# sanity check uses as a denied client.
awk -v n=$DENY_N 'BEGIN {
	print "127.0.0.2"
	for (i = 1; i < n; i++) {
		if (i % 10 == 0)
			printf "10.%d.%d.0/24\n", int(i / 250) % 256, i % 250
		else
			printf "10.%d.%d.%d\n", int(i / 65000) % 256, int(i / 250) % 256, i % 250 + 1
	}
}' >"$T/deny.lst"

fill() {	# TEMPLATE OUT DIR PORT PLAIN RULES RATE
	sed -e "s|@DIR@|$3|g" -e "s|@WWW@|$T/www|g" -e "s|@PORT@|${4:-}|g" \
	    -e "s|@PLAIN_PORT@|${5:-}|g" -e "s|@RULES_PORT@|${6:-}|g" \
	    -e "s|@RATE_LIMIT@|${7:-$RATE_LIMIT}|g" -e "s|@DENYLIST@|$T/deny.lst|g" \
	    -e "s|@BACKEND1@|$BACKEND1|g" -e "s|@BACKEND2@|$BACKEND2|g" "$1" >"$2"
}
wait_listen() {	# PORT PID
	local i
	for ((i = 0; i < 100; i++)); do
		ours "$2" || return 1
		[ -n "$(ss -ltnH "( sport = :$1 )")" ] && return 0
		sleep 0.1
	done
	return 1
}
last_lines() { cat "$@" 2>/dev/null | tail -3 | tr '\n' ' '; }
status_of() {	# URL [CURL ARGS]: the status code, 000 when none
	local url=$1
	shift
	curl -s -m 5 -o /dev/null -w '%{http_code}' "$@" "$url" 2>/dev/null
}
cpu_ticks() {	# PID: utime + stime of all its threads
	sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 }'
}
CLK_TCK=$(getconf CLK_TCK)
fail() {
	STATE[$1]=failed
	WHY[$1]=$2
	log "${LABEL[$1]} failed: $2"
	[ -n "${PID[$1]:-}" ] && ours "${PID[$1]}" && kill -TERM "${PID[$1]}" 2>/dev/null
}
alive() { [ "${STATE[$1]:-}" = ok ]; }

mkdir -p "$T/www"
for n in 1 2; do
	port=$((n == 1 ? BACKEND1 : BACKEND2))
	d=$T/backend$n
	mkdir -p "$d/tmp"
	fill "$here/conf/backend-nginx.conf.in" "$d/nginx.conf" "$d" "$port"
	taskset -c $PROXY_CPU "$NGINX" -e "$d/error.log" -p "$d" -c "$d/nginx.conf" \
		-g 'daemon off;' >"$d/stderr" 2>&1 &
	STARTED+=("$!")
	wait_listen "$port" $! || die "backend nginx on $port did not start: $(last_lines "$d/stderr")"
	[ "$(status_of "http://127.0.0.1:$port/")" = 200 ] || die "backend on $port does not answer"
done
log "backends up on $BACKEND1 and $BACKEND2"

# start PROXY NAME RATE: the proxy on the rule-set config (RATE: the 429 limit). Sets PID.
start() {
	local p=$1 d=$T/$1.$2 cmd
	mkdir -p "$d"
	fill "$here/conf/rules-haproxy.cfg.in" "$d/full.cfg" "$d" "" "${PLAIN_PORT[$p]}" \
		"${RULES_PORT[$p]}" "$3"
	case $p in
	haproxy)
		cp "$d/full.cfg" "$d/proxy.cfg"
		cmd=("$HAPROXY" -db -f "$d/proxy.cfg")
		;;
	lbd)
		grep -v 'haproxy-only$' "$d/full.cfg" >"$d/proxy.cfg"
		[ -x "$LBD" ] || { fail lbd "no lbd binary at $LBD (set LBD= or BUILD_DIR=)"; return 1; }
		"$LBD" -c -f "$d/proxy.cfg" >"$d/check.out" 2>&1 ||
			{ fail lbd "lbd -c rejects the config: $(last_lines "$d/check.out")"; return 1; }
		cmd=("$LBD" -d -f "$d/proxy.cfg")
		;;
	esac
	taskset -c $PROXY_CPU "${cmd[@]}" >"$d/stderr" 2>&1 &
	PID[$p]=$!
	STARTED+=("$!")
	STATE[$p]=ok
	if ! wait_listen "${PLAIN_PORT[$p]}" "${PID[$p]}" ||
	   ! wait_listen "${RULES_PORT[$p]}" "${PID[$p]}"; then
		fail "$p" "did not start: $(last_lines "$d/stderr")"
		return 1
	fi
}
stop() {	# PROXY
	local i
	ours "${PID[$1]}" && kill -TERM "${PID[$1]}" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		ours "${PID[$1]}" || break
		sleep 0.1
	done
	wait "${PID[$1]}" 2>/dev/null
}

# sanity PROXY: the rules answer as they should (with a rate limit of 5 per 10 s), then the
# proxy restarts with the benchmark's limit.
sanity() {
	local p=$1 u="http://127.0.0.1:${RULES_PORT[$1]}/" got="" i
	start "$p" check 5 || return 1
	got="$(status_of "http://127.0.0.1:${PLAIN_PORT[$p]}/" -H 'User-Agent: sqlmap/1.7')"
	got="$got $(status_of "$u" -H 'User-Agent: sqlmap/1.7')"
	got="$got $(status_of "$u" --interface 127.0.0.2)"
	got="$got $(status_of "${u}admin/x")"
	for ((i = 0; i < 8; i++)); do
		got="$got $(status_of "$u" "${HEADERS[@]}")"
	done
	stop "$p"
	# plain passes the scanner; rules: scanner, denylisted source, admin without auth refused
	# (before track-sc0, so not counted); then 5 requests pass and the limit answers 429
	if [[ $got != "200 403 403 403 200 200 200 200 200 429 429 429" ]]; then
		fail "$p" "the rules do not behave as configured (got: $got)"
		return 1
	fi
	start "$p" bench "$RATE_LIMIT"
}

for p in $SELECTED; do
	sanity "$p" && log "${LABEL[$p]} up (pid ${PID[$p]}), rules checked"
done

# ---- measurements -------------------------------------------------------------------------

: >"$T/values.tsv"
: >"$T/notes"
run_wrk() {	# PROXY plain|rules REPEAT
	local p=$1 what=$2 port before after out line
	[ "$what" = plain ] && port=${PLAIN_PORT[$p]} || port=${RULES_PORT[$p]}
	before=$(cpu_ticks "${PID[$p]}")
	out=$(timeout $((DUR_S + 60)) taskset -c $LOAD_CPU wrk -t1 -c$WRK_CONNS -d"$DURATION" \
		--latency -s "$here/wrk_report.lua" "${HEADERS[@]}" "http://127.0.0.1:$port/" 2>&1)
	after=$(cpu_ticks "${PID[$p]}")
	printf '== %s %s repeat %s\n%s\n' "$p" "$what" "$3" "$out" >>"$T/wrk.log"
	ours "${PID[$p]}" || { fail "$p" "died during the $what run"; return; }
	line=$(grep '^LBBENCH ' <<<"$out")
	[ -n "$line" ] || { fail "$p" "wrk gave no result: $(tail -2 <<<"$out" | tr '\n' ' ')"; return; }
	awk -v p="$p" -v w="$what" -v rep="$3" -v ticks=$((after - before)) -v hz="$CLK_TCK" \
	    -v line="$line" -v notes="$T/notes" '
	BEGIN {
		n = split(line, kv, " ")
		for (i = 2; i <= n; i++) { split(kv[i], f, "="); v[f[1]] = f[2] }
		secs = v["duration_us"] / 1e6
		cpu = ticks / hz
		printf "%s\t%s_rps\t%.3f\n", p, w, v["requests"] / secs
		printf "%s\t%s_cpu\t%.3f\n", p, w, 100 * cpu / secs
		if (cpu > 0)
			printf "%s\t%s_rpc\t%.3f\n", p, w, v["requests"] / cpu
		printf "%s\t%s_p99\t%.3f\n", p, w, v["p99_us"] / 1000
		err = v["connect"] + v["read"] + v["write"] + v["status"] + v["timeout"]
		if (err > 0)
			printf "- %s, %s, repeat %d: %d errors (non-2xx %d) of %d requests\n", p, w,
			       rep, err, v["status"], v["requests"] >> notes
	}' >>"$T/values.tsv"
}

for p in $SELECTED; do		# warm-up
	alive "$p" && taskset -c $LOAD_CPU timeout 30 wrk -t1 -c$WRK_CONNS -d1s \
		"http://127.0.0.1:${PLAIN_PORT[$p]}/" >/dev/null 2>&1
done
for ((rep = 1; rep <= REPEATS; rep++)); do
	for what in plain rules; do
		for p in $SELECTED; do
			alive "$p" || continue
			log "repeat $rep/$REPEATS: $what through ${LABEL[$p]}"
			run_wrk "$p" "$what" "$rep"
		done
	done
done

# ---- report -------------------------------------------------------------------------------

table() {
	for p in lbd haproxy; do
		if ! selected "$p"; then printf '%s\tnot_run\n' "$p"
		elif alive "$p"; then printf '%s\tok\n' "$p"
		else printf '%s\tfailed\n' "$p"; fi
	done >"$T/status.tsv"
	awk -F'\t' '
	function median(list,    n, a, i, j, t) {
		n = split(list, a, " ")
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
			}
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	function commas(x,    s, r) {
		s = sprintf("%.0f", x); r = ""
		while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) }
		return s r
	}
	function has(p, m) { return (p, m) in med }
	function cell(p, s) { return status[p] == "ok" ? s : status[p] == "failed" ? "failed" : "-" }
	function num(p, m, how, extra,    s) {
		if (!has(p, m)) return cell(p, "-")
		s = how == "int" ? commas(med[p, m]) : sprintf("%.2f", med[p, m])
		if (extra != "" && has(p, extra)) s = s sprintf(" (%.0f%% CPU)", med[p, extra])
		return s
	}
	# CPU microseconds the rule set adds to each request
	function cost(p) {
		if (!has(p, "plain_rpc") || !has(p, "rules_rpc")) return ""
		return 1e6 / med[p, "rules_rpc"] - 1e6 / med[p, "plain_rpc"]
	}
	function keep(p) {
		if (!has(p, "plain_rpc") || !has(p, "rules_rpc")) return ""
		return med[p, "rules_rpc"] / med[p, "plain_rpc"]
	}
	function ratio(m) {
		if (!has("lbd", m) || !has("haproxy", m) || med["haproxy", m] == 0) return "-"
		return sprintf("%.2f", med["lbd", m] / med["haproxy", m])
	}
	function row(label, m, how, extra) {
		printf "| %s | %s | %s | %s |\n", label, num("lbd", m, how, extra),
		       num("haproxy", m, how, extra), ratio(m)
	}
	FILENAME ~ /status/ { status[$1] = $2; next }
	{ vals[$1, $2] = vals[$1, $2] " " $3 }
	END {
		for (k in vals) med[k] = median(vals[k])
		print "| workload | lbd | HAProxy | lbd/HAProxy |"
		print "| --- | --- | --- | --- |"
		row("no rules: keep-alive req/s (proxy CPU)", "plain_rps", "int", "plain_cpu")
		row("no rules: req/s per proxy CPU-second", "plain_rpc", "int", "")
		row("rule set: keep-alive req/s (proxy CPU)", "rules_rps", "int", "rules_cpu")
		row("rule set: req/s per proxy CPU-second", "rules_rpc", "int", "")
		row("rule set: p99 latency, ms (lower is better)", "rules_p99", "ms", "")
		a = keep("lbd"); b = keep("haproxy")
		printf "| rule set / no rules, req per CPU-second | %s | %s | %s |\n",
		       a == "" ? cell("lbd", "-") : sprintf("%.2f", a),
		       b == "" ? cell("haproxy", "-") : sprintf("%.2f", b),
		       a == "" || b == "" ? "-" : sprintf("%.2f", a / b)
		a = cost("lbd"); b = cost("haproxy")
		printf "| CPU microseconds the rule set adds per request (lower is better) | %s | %s | %s |\n",
		       a == "" ? cell("lbd", "-") : sprintf("%.2f", a),
		       b == "" ? cell("haproxy", "-") : sprintf("%.2f", b),
		       a == "" || b == "" || b <= 0 ? "-" : sprintf("%.2f", a / b)
	}' "$T/status.tsv" "$T/values.tsv"
}

report() {
	local p
	echo "# lb rule-set benchmark, $(date '+%Y-%m-%d %H:%M %Z')"
	echo
	echo "Method: /work/shared/BENCH.md (bench/README.md, \"rules.sh\"). wrk -t1" \
	     "-c$WRK_CONNS -d$DURATION --latency, keep-alive GET / with a browser's headers," \
	     "median of $REPEATS repeat(s); load on core $LOAD_CPU, proxies and backends on" \
	     "core $PROXY_CPU. Rule set: bench/conf/rules-haproxy.cfg.in (20 ACLs, a" \
	     "$DENY_N-entry src -f denylist, track-sc0 src with a 429 rate limit)."
	echo "Versions: $( { selected haproxy && "$HAPROXY" -v 2>&1 | head -1 |
		awk '{ print "HAProxy", $3 }'; selected lbd && [ -x "$LBD" ] &&
		"$LBD" -v 2>&1 | head -1; "$NGINX" -v 2>&1 | sed 's/^nginx version: /backends /'; } |
		paste -sd, - | sed 's/,/, /g'); kernel $(uname -r), $(nproc) CPUs."
	echo
	table
	echo
	echo "Notes:"
	echo "- Both frontends of a proxy run in the same process over the same backends; the"
	echo "  rule-set rows go through fe_rules, whose rules all evaluate and none denies."
	for p in $SELECTED; do
		alive "$p" || echo "- ${LABEL[$p]} failed: ${WHY[$p]}"
	done
	cat "$T/notes"
}

report >"$T/report.md"
cat "$T/report.md"
if mkdir -p "$RESULTS_DIR" 2>/dev/null; then
	out="$RESULTS_DIR/$(date +%Y-%m-%d-%H%M%S)-rules.md"
	cp "$T/report.md" "$out" && log "written to $out"
fi
for p in $SELECTED; do
	alive "$p" || exit 1
done
exit 0
