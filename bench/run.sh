#!/bin/bash
# bench/run.sh: side-by-side benchmark of lbd, HAProxy and NGINX, following /work/shared/BENCH.md
#
# Design: two nginx backends (127.0.0.1:9001, :9002) and the proxies under test run from config
# files in a private temp dir, pinned to core 1; the load generator (wrk, idle_conns) runs on
# core 0. All proxies run at once on their own ports, and each repeat runs every workload
# against every proxy in turn, so drift of the shared machine hits all columns alike. Each wrk
# run records the proxy's CPU time (utime+stime from /proc/PID/stat) before and after; the
# median of the repeats is reported. The memory row is measured last, once per proxy. Every
# process started here is recorded in STARTED and killed by PID on exit (trap).
#
# Environment: BENCH_DURATION (wrk -d, default 10s), BENCH_REPEATS (default 3),
# BENCH_ONLY (subset of "lbd haproxy nginx"), BENCH_IDLE_CONNS (default 10000),
# BENCH_WORKLOADS (subset of the workload names below, e.g. "https-ka https-new" for a smoke;
# the HTTP/2 and TLS-handshake rows are named in H2_WORKLOADS),
# BUILD_DIR (default ../_build relative to this dir), LBD (default $BUILD_DIR/lbd/lbd),
# BENCH_KEEP_TMP (non-empty: keep the temp dir with configs and logs, for debugging).
# Output: a markdown table on stdout, also written to bench/results/<date>.md and latest.md.
# Exit status: 0 all selected proxies measured, 1 a proxy failed (its column says so), 2 set-up
# error (missing tool, busy port, bad option).
set -u
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
DURATION=${BENCH_DURATION:-10s}
REPEATS=${BENCH_REPEATS:-3}
ONLY=${BENCH_ONLY:-lbd haproxy nginx}
IDLE_N=${BENCH_IDLE_CONNS:-10000}
BUILD_DIR=${BUILD_DIR:-$top/_build}
LBD=${LBD:-$BUILD_DIR/lbd/lbd}
RESULTS_DIR=$here/results

# Fixed by BENCH.md: the backends' ports. The proxies use the bench range 28000-29999.
BACKEND1=9001
BACKEND2=9002
ALL_PROXIES="lbd haproxy nginx"
declare -A LABEL=([lbd]=lbd [haproxy]=HAProxy [nginx]=NGINX)
declare -A HTTP_PORT=([lbd]=28080 [haproxy]=28081 [nginx]=28082)
declare -A TCP_PORT=([lbd]=28090 [haproxy]=28091)
declare -A TLS_PORT=([lbd]=28093 [haproxy]=28094)	# bind ... ssl, the same ECDSA P-256 cert
# The HTTP/2 rows and the TLS-handshake rows (H2_WORKLOADS) run against more instances of lbd
# and HAProxy, one per kind: "h2" (conf/proxy-h2.cfg.in) and "tls" (conf/proxy-tls.cfg.in). A
# proxy that rejects a frontend of one (proto h2, alpn h2, ...) fails that kind's rows only;
# its column in the other rows stands.
declare -A H2C_PORT=([lbd]=28100 [haproxy]=28110)	# h2: bind ... proto h2 (prior knowledge)
declare -A H2TLS_PORT=([lbd]=28101 [haproxy]=28111)	# h2: ECDSA P-256, alpn h2,http/1.1
declare -A ECDSA_PORT=([lbd]=28102 [haproxy]=28112)	# tls: ECDSA P-256
declare -A RSA_PORT=([lbd]=28103 [haproxy]=28113)	# tls: RSA-2048
H2_PROXIES="lbd haproxy"
S_TIME_PROCS=4		# openssl s_time clients at once in the handshake rows
LOAD_CPU=0
PROXY_CPU=1
WRK_THREADS=1
WRK_CONNS=50

# The h2 workloads: h2load -c50 -m10 for the run's duration over h2c and over TLS (ALPN h2);
# then new TLS connections per second with openssl s_time (S_TIME_PROCS at once, each
# connection one HTTP/1.0 GET): full handshakes (-new) and resumed ones (-reuse: TLS 1.3
# session tickets), with the ECDSA P-256 and the RSA-2048 certificate.
H2_WORKLOADS=(h2c h2-tls tls-new-ecdsa tls-resume-ecdsa tls-new-rsa tls-resume-rsa)

# The workloads: name|path|extra request header|frontend (http, tcp or https). One wrk run
# each. https-new: a full TLS handshake per request (wrk offers no session to resume).
WORKLOADS=(
	"ka|/||http"
	"close|/|Connection: close|http"
	"64k|/64k||http"
	"1m|/1m||http"
	"tcp|/||tcp"
	"https-ka|/||https"
	"https-new|/|Connection: close|https"
)
if [ -n "${BENCH_WORKLOADS:-}" ]; then
	chosen=()
	for wl in "${WORKLOADS[@]}"; do
		[[ " $BENCH_WORKLOADS " == *" ${wl%%|*} "* ]] && chosen+=("$wl")
	done
	h2_chosen=()
	for wl in "${H2_WORKLOADS[@]}"; do
		[[ " $BENCH_WORKLOADS " == *" $wl "* ]] && h2_chosen+=("$wl")
	done
	((${#chosen[@]} + ${#h2_chosen[@]})) ||
		{ printf 'bench: error: BENCH_WORKLOADS selects nothing\n' >&2; exit 2; }
	WORKLOADS=("${chosen[@]}")
	H2_WORKLOADS=("${h2_chosen[@]}")
fi

STARTED=()		# every PID this script started, killed on exit
declare -A PID		# proxy -> main PID
declare -A STATE	# proxy -> ok | failed
declare -A WHY		# proxy -> reason it failed
T=

log() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 2; }

# ours PID: true while PID is still a child of this script (bash reaps exited children, so a
# recorded PID may since belong to someone else's process: never signal that one).
ours() {
	[ "$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk '$1 != "Z" { print $2 }')" = "$$" ]
}

cleanup() {
	local p i
	trap - EXIT INT TERM
	exec 7>&- 2>/dev/null
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

[[ $DURATION =~ ^([0-9]+)([smh]?)$ ]] ||
	die "BENCH_DURATION must look like 10s, 1m (got '$DURATION')"
case ${BASH_REMATCH[2]} in
m) DUR_S=$((BASH_REMATCH[1] * 60)) ;;
h) DUR_S=$((BASH_REMATCH[1] * 3600)) ;;
*) DUR_S=${BASH_REMATCH[1]} ;;
esac
((DUR_S >= 1)) || die "BENCH_DURATION must be at least 1s"
[[ $REPEATS =~ ^[1-9][0-9]?$ ]] || die "BENCH_REPEATS must be 1 to 99 (got '$REPEATS')"
[[ $IDLE_N =~ ^[1-9][0-9]*$ ]] || die "BENCH_IDLE_CONNS must be a positive number"
SELECTED=
for p in $ONLY; do
	[ -n "${LABEL[$p]:-}" ] || die "BENCH_ONLY: unknown proxy '$p' (choose from: $ALL_PROXIES)"
	SELECTED="$SELECTED $p"
done
[ -n "$SELECTED" ] || die "BENCH_ONLY selects no proxy"
selected() { [[ " $SELECTED " == *" $1 "* ]]; }

(($(nproc) >= 2)) ||
	die "the method pins load and proxy on two different cores; this machine has $(nproc)"

# Install what is missing (Debian packages), never touching what is present.
missing=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
if selected haproxy && ! command -v haproxy >/dev/null && ! [ -x /usr/sbin/haproxy ]; then
	missing+=(haproxy)
fi
command -v wrk >/dev/null || missing+=(wrk)
if ((${#H2_WORKLOADS[@]})); then
	command -v h2load >/dev/null || missing+=(nghttp2-client)
	command -v openssl >/dev/null || missing+=(openssl)
fi
command -v taskset >/dev/null || missing+=(util-linux)
command -v ss >/dev/null || missing+=(iproute2)
command -v ps >/dev/null || missing+=(procps)
command -v curl >/dev/null || missing+=(curl)
if ((${#missing[@]})); then
	((EUID == 0)) || die "missing ${missing[*]}; run as root or apt-get install them"
	log "installing ${missing[*]}"
	apt() { DEBIAN_FRONTEND=noninteractive timeout 600 apt-get "$@" >&2; }
	apt update -qq || die "apt-get update failed"
	others=()
	for pkg in "${missing[@]}"; do
		# nginx-light is enough (return, static files, upstream keepalive); else nginx.
		if [ "$pkg" = nginx ]; then
			apt install -y -qq nginx-light || apt install -y -qq nginx ||
				die "could not install nginx"
		else
			others+=("$pkg")
		fi
	done
	if ((${#others[@]})); then
		apt install -y -qq "${others[@]}" || die "could not install: ${others[*]}"
	fi
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)

# Descriptors: 10,000 idle connections need that many in the proxy and in idle_conns.
ulimit -n "$(ulimit -Hn)" 2>/dev/null
NOFILE=$(ulimit -n)
[ "$NOFILE" = unlimited ] && NOFILE=1048576
if ((NOFILE > 1048576)); then NOFILE=1048576; fi
((NOFILE >= IDLE_N + 200)) ||
	die "the descriptor limit ($NOFILE) is too low for $IDLE_N idle connections;" \
	    "raise the hard limit (ulimit -Hn) or lower BENCH_IDLE_CONNS"
NOFILE=$((NOFILE - 10))		# stay under the hard limit: the proxies raise their own
MAXCONN=$((IDLE_N + 100))

# Every port must be free: the backends' are fixed by the method.
ports="$BACKEND1 $BACKEND2"
for p in $SELECTED; do
	ports="$ports ${HTTP_PORT[$p]} ${TCP_PORT[$p]:-} ${TLS_PORT[$p]:-}"
	((${#H2_WORKLOADS[@]})) && ports="$ports ${H2C_PORT[$p]:-} ${H2TLS_PORT[$p]:-}" &&
		ports="$ports ${ECDSA_PORT[$p]:-} ${RSA_PORT[$p]:-}"
done
for port in $ports; do
	if [ -n "$(ss -ltnH "( sport = :$port )")" ]; then
		owner=$(ss -ltnpH "( sport = :$port )" |
			sed -n 's/.*users:((\("[^"]*"\).*/\1/p' | head -1)
		die "port $port on this machine is in use${owner:+ by $owner}; the benchmark" \
		    "needs it (backends on $BACKEND1 and $BACKEND2, proxies on 28080-28094)"
	fi
done

T=$(mktemp -d /tmp/lb-bench.XXXXXX) || die "mktemp failed"
chmod 755 "$T"	# nginx workers may run as nobody and must read the static files

# The certificate of the HTTPS rows (lbd and HAProxy load the same PEM): ECDSA P-256.
if ! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj /CN=bench.test -keyout "$T/bench.key" -out "$T/bench.crt" >/dev/null 2>&1; then
	die "cannot make the benchmark certificate (install openssl)"
fi
cat "$T/bench.crt" "$T/bench.key" >"$T/bench.pem"
# The RSA rows: a 2048-bit RSA certificate.
if ((${#H2_WORKLOADS[@]})); then
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=bench.test \
		-keyout "$T/bench-rsa.key" -out "$T/bench-rsa.crt" >/dev/null 2>&1 ||
		die "cannot make the RSA benchmark certificate"
	cat "$T/bench-rsa.crt" "$T/bench-rsa.key" >"$T/bench-rsa.pem"
fi

# idle_conns: the build's, or compiled here from the source next to this script.
IDLE_CONNS=$BUILD_DIR/bench/idle_conns
if ! [ -x "$IDLE_CONNS" ]; then
	IDLE_CONNS=$T/idle_conns
	cc -std=c11 -D_GNU_SOURCE -O2 -o "$IDLE_CONNS" "$here/idle_conns.c" ||
		die "cannot compile $here/idle_conns.c" \
		    "(install gcc, or build it: make bench/idle_conns)"
fi

# ---- process helpers ----------------------------------------------------------------------

# fill TEMPLATE OUT: copy a config template, replacing the @NAMES@ run.sh knows.
fill() {
	sed -e "s|@DIR@|$3|g" -e "s|@WWW@|$T/www|g" -e "s|@PORT@|${4:-}|g" \
	    -e "s|@HTTP_PORT@|${5:-}|g" -e "s|@TCP_PORT@|${6:-}|g" \
	    -e "s|@TLS_PORT@|${7:-}|g" -e "s|@CERT@|$T/bench.pem|g" \
	    -e "s|@BACKEND1@|$BACKEND1|g" -e "s|@BACKEND2@|$BACKEND2|g" \
	    -e "s|@MAXCONN@|$MAXCONN|g" -e "s|@NOFILE@|$NOFILE|g" "$1" >"$2"
}

# wait_listen PORT PID: wait (bounded, 10 s) until PORT listens; fails if PID dies first.
wait_listen() {
	local i
	for ((i = 0; i < 100; i++)); do
		ours "$2" || return 1
		[ -n "$(ss -ltnH "( sport = :$1 )")" ] && return 0
		sleep 0.1
	done
	return 1
}

# children PID: the PIDs of PID's children (nginx's workers).
children() { ps -o pid= --ppid "$1" | tr -d ' '; }

# cpu_ticks PROXY: utime+stime, in clock ticks, of the proxy's processes: the one started and
# its children (nginx's master and worker; lbd's worker if it ever runs under a master).
# /proc/PID/stat of a process sums all its threads.
cpu_ticks() {
	local total=0 t pid
	for pid in "${PID[$1]}" $(children "${PID[$1]}"); do
		t=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{ print $12 + $13 }')
		total=$((total + ${t:-0}))
	done
	echo "$total"
}
CLK_TCK=$(getconf CLK_TCK)

# rss_pid PROXY: the process whose VmRSS is the proxy's memory: its worker when it has one
# (nginx: the master holds no client connection), else the process itself.
rss_pid() {
	local w
	w=$(children "${PID[$1]}" | head -1)
	echo "${w:-${PID[$1]}}"
}
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

# last_lines FILE...: the last lines of some logs, on one line, for a message.
last_lines() { cat "$@" 2>/dev/null | tail -3 | tr '\n' ' '; }

# fail PROXY REASON: mark a proxy failed and stop it; the other columns go on.
fail() {
	STATE[$1]=failed
	WHY[$1]=$2
	log "${LABEL[$1]} failed: $2"
	[ -n "${PID[$1]:-}" ] && ours "${PID[$1]}" && kill -TERM "${PID[$1]}" 2>/dev/null
}

# check_get URL EXPECT: a GET through the proxy must return 200 and the expected body or size.
check_get() {
	local got
	got=$(curl -s -k -m 5 -o "$T/check.body" -w '%{http_code} %{size_download}' "$1") ||
		return 1
	case $2 in
	hello) [ "$got" = "200 6" ] && [ "$(cat "$T/check.body")" = hello ] ;;
	*) [ "$got" = "200 $2" ] ;;
	esac
}

# ---- set-up -------------------------------------------------------------------------------

mkdir -p "$T/www"
head -c 65536 /dev/zero | tr '\0' 'a' >"$T/www/64k"
head -c 1048576 /dev/zero | tr '\0' 'b' >"$T/www/1m"
chmod 644 "$T/www/64k" "$T/www/1m"

for n in 1 2; do
	port=$((n == 1 ? BACKEND1 : BACKEND2))
	d=$T/backend$n
	mkdir -p "$d/tmp"
	fill "$here/conf/backend-nginx.conf.in" "$d/nginx.conf" "$d" "$port"
	taskset -c $PROXY_CPU "$NGINX" -e "$d/error.log" -p "$d" -c "$d/nginx.conf" \
		-g 'daemon off;' >"$d/stderr" 2>&1 &
	STARTED+=("$!")
	wait_listen "$port" $! || die "backend nginx on port $port did not start:" \
		"$(last_lines "$d/stderr" "$d/error.log")"
	check_get "http://127.0.0.1:$port/" hello ||
		die "backend on port $port does not answer 'hello'"
	check_get "http://127.0.0.1:$port/1m" 1048576 ||
		die "backend on port $port does not serve /1m"
done
log "backends up on $BACKEND1 and $BACKEND2"

start_proxy() {
	local p=$1 d=$T/$1 cmd
	mkdir -p "$d/tmp"
	case $p in
	haproxy)
		fill "$here/conf/proxy-haproxy.cfg.in" "$d/haproxy.cfg" "$d" "" \
			"${HTTP_PORT[$p]}" "${TCP_PORT[$p]}" "${TLS_PORT[$p]}"
		cmd=("$HAPROXY" -db -f "$d/haproxy.cfg")
		;;
	lbd)
		fill "$here/conf/proxy-haproxy.cfg.in" "$d/full.cfg" "$d" "" \
			"${HTTP_PORT[$p]}" "${TCP_PORT[$p]}" "${TLS_PORT[$p]}"
		grep -v 'haproxy-only$' "$d/full.cfg" >"$d/lbd.cfg"
		if ! [ -x "$LBD" ]; then
			fail lbd "no lbd binary at $LBD (build it, or set LBD= or BUILD_DIR=)"
			return
		fi
		if ! "$LBD" -c -f "$d/lbd.cfg" >"$d/check.out" 2>&1; then
			fail lbd "lbd -c rejects the bench config: $(last_lines "$d/check.out")"
			return
		fi
		cmd=("$LBD" -d -f "$d/lbd.cfg")
		;;
	nginx)
		fill "$here/conf/proxy-nginx.conf.in" "$d/nginx.conf" "$d" "" "${HTTP_PORT[$p]}"
		cmd=("$NGINX" -e "$d/error.log" -p "$d" -c "$d/nginx.conf" -g 'daemon off;')
		;;
	esac
	taskset -c $PROXY_CPU "${cmd[@]}" >"$d/stderr" 2>&1 &
	PID[$p]=$!
	STARTED+=("$!")
	STATE[$p]=ok
	if ! wait_listen "${HTTP_PORT[$p]}" "${PID[$p]}" ||
	   { [ -n "${TCP_PORT[$p]:-}" ] && ! wait_listen "${TCP_PORT[$p]}" "${PID[$p]}"; } ||
	   { [ -n "${TLS_PORT[$p]:-}" ] && ! wait_listen "${TLS_PORT[$p]}" "${PID[$p]}"; }; then
		fail "$p" "did not start: $(last_lines "$d/stderr" "$d/error.log")"
		return
	fi
	# Two requests of each kind, so both backends are seen to answer through the proxy.
	local i
	for i in 1 2; do
		if ! check_get "http://127.0.0.1:${HTTP_PORT[$p]}/" hello ||
		   ! check_get "http://127.0.0.1:${HTTP_PORT[$p]}/64k" 65536 ||
		   ! check_get "http://127.0.0.1:${HTTP_PORT[$p]}/1m" 1048576; then
			fail "$p" "wrong answer through the HTTP frontend"
			return
		fi
		if [ -n "${TCP_PORT[$p]:-}" ]; then
			check_get "http://127.0.0.1:${TCP_PORT[$p]}/" hello ||
				{ fail "$p" "wrong answer through the TCP frontend"; return; }
		fi
		if [ -n "${TLS_PORT[$p]:-}" ]; then
			check_get "https://127.0.0.1:${TLS_PORT[$p]}/" hello ||
				{ fail "$p" "wrong answer through the HTTPS frontend"; return; }
		fi
	done
	[ "$p" = nginx ] && [ "$(children "${PID[$p]}" | wc -l)" != 1 ] &&
		{ fail nginx "expected exactly one nginx worker"; return; }
	log "${LABEL[$p]} up (pid ${PID[$p]})"
}

for p in $SELECTED; do
	start_proxy "$p"
done

# ---- throughput and latency ---------------------------------------------------------------

: >"$T/values.tsv"	# proxy, metric, value: one line per run and metric
: >"$T/notes"

# run_wrk PROXY WORKLOAD REPEAT: one wrk run; appends its figures to values.tsv.
run_wrk() {
	local p=$1 wl=$2 rep=$3 name path hdr kind port before after out line scheme=http
	IFS='|' read -r name path hdr kind <<<"$wl"
	case $kind in
	tcp) port=${TCP_PORT[$p]:-} ;;
	https) port=${TLS_PORT[$p]:-} scheme=https ;;
	*) port=${HTTP_PORT[$p]} ;;
	esac
	[ -n "$port" ] || return 0
	local args=("-t$WRK_THREADS" "-c$WRK_CONNS" "-d$DURATION" --latency
		    -s "$here/wrk_report.lua")
	[ -n "$hdr" ] && args+=(-H "$hdr")
	before=$(cpu_ticks "$p")
	out=$(timeout $((DUR_S + 60)) taskset -c $LOAD_CPU wrk "${args[@]}" \
		"$scheme://127.0.0.1:$port$path" 2>&1)
	after=$(cpu_ticks "$p")
	printf '== %s %s repeat %s\n%s\n' "$p" "$name" "$rep" "$out" >>"$T/wrk.log"
	if ! ours "${PID[$p]}"; then
		fail "$p" "the process died during the $name run"
		return
	fi
	line=$(grep '^LBBENCH ' <<<"$out")
	if [ -z "$line" ]; then
		fail "$p" "wrk gave no result for $name: $(tail -2 <<<"$out" | tr '\n' ' ')"
		return
	fi
	awk -v p="$p" -v wl="$name" -v rep="$rep" -v ticks=$((after - before)) -v hz="$CLK_TCK" \
	    -v line="$line" -v notes="$T/notes" '
	BEGIN {
		n = split(line, kv, " ")
		for (i = 2; i <= n; i++) { split(kv[i], f, "="); v[f[1]] = f[2] }
		secs = v["duration_us"] / 1e6
		cpu = ticks / hz
		rps = v["requests"] / secs
		printf "%s\t%s_rps\t%.3f\n", p, wl, rps
		printf "%s\t%s_mibs\t%.3f\n", p, wl, v["bytes"] / secs / 1048576
		printf "%s\t%s_cpu\t%.3f\n", p, wl, 100 * cpu / secs
		if (cpu > 0)
			printf "%s\t%s_rpc\t%.3f\n", p, wl, v["requests"] / cpu
		printf "%s\t%s_p50\t%.3f\n", p, wl, v["p50_us"] / 1000
		printf "%s\t%s_p99\t%.3f\n", p, wl, v["p99_us"] / 1000
		err = v["connect"] + v["read"] + v["write"] + v["status"] + v["timeout"]
		if (err > 0)
			printf "- %s, %s, repeat %d: %d errors (connect %d, read %d, write %d, " \
			       "non-2xx %d, timeout %d) of %d requests\n", p, wl, rep, err,
			       v["connect"], v["read"], v["write"], v["status"], v["timeout"],
			       v["requests"] >> notes
	}' >>"$T/values.tsv"
}

alive() { [ "${STATE[$1]:-}" = ok ]; }

# ---- HTTP/2 and TLS handshakes: more instances of lbd and HAProxy -------------------------

declare -A PID2 STATE2	# "proxy:kind" -> PID and state (ok | failed) of that instance

# kind_of WORKLOAD: the instance a workload of H2_WORKLOADS runs against.
kind_of() { case $1 in h2*) echo h2 ;; *) echo tls ;; esac; }

# h2_fail PROXY KIND REASON: that kind's rows of PROXY show "failed"; the note says why.
h2_fail() {
	local wl
	STATE2[$1:$2]=failed
	echo "- ${LABEL[$1]} failed the $2 rows: $3" >>"$T/notes"
	log "${LABEL[$1]} ($2 instance) failed: $3"
	for wl in "${H2_WORKLOADS[@]}"; do
		[ "$(kind_of "$wl")" = "$2" ] && printf '%s\t%s_failed\t1\n' "$1" "$wl" >>"$T/values.tsv"
	done
	[ -n "${PID2[$1:$2]:-}" ] && ours "${PID2[$1:$2]}" && kill -TERM "${PID2[$1:$2]}" 2>/dev/null
}
alive2() { [ "${STATE2[$1:$2]:-}" = ok ] && ours "${PID2[$1:$2]}"; }

# h2_ticks PROXY KIND: utime+stime of that instance (and its children), in clock ticks.
h2_ticks() {
	local total=0 t pid
	for pid in "${PID2[$1:$2]}" $(children "${PID2[$1:$2]}"); do
		t=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{ print $12 + $13 }')
		total=$((total + ${t:-0}))
	done
	echo "$total"
}

# start_h2_proxy PROXY KIND: start the instance of conf/proxy-KIND.cfg.in and check that
# each of its frontends answers.
start_h2_proxy() {
	local p=$1 kind=$2 d=$T/$1-$2 cfg cmd port got ports
	mkdir -p "$d/tmp"
	fill "$here/conf/proxy-$kind.cfg.in" "$d/full.cfg" "$d"
	sed -i -e "s|@H2C_PORT@|${H2C_PORT[$p]}|g" -e "s|@H2TLS_PORT@|${H2TLS_PORT[$p]}|g" \
	    -e "s|@ECDSA_PORT@|${ECDSA_PORT[$p]}|g" -e "s|@RSA_PORT@|${RSA_PORT[$p]}|g" \
	    -e "s|@RSA_CERT@|$T/bench-rsa.pem|g" "$d/full.cfg"
	case $p in
	haproxy)
		cfg=$d/full.cfg
		cmd=("$HAPROXY" -db -f "$cfg")
		;;
	lbd)
		cfg=$d/lbd.cfg
		grep -v 'haproxy-only$' "$d/full.cfg" >"$cfg"
		[ -x "$LBD" ] || { h2_fail lbd "$kind" "no lbd binary at $LBD"; return; }
		if ! "$LBD" -c -f "$cfg" >"$d/check.out" 2>&1; then
			h2_fail lbd "$kind" \
				"lbd -c rejects conf/proxy-$kind.cfg.in: $(last_lines "$d/check.out")"
			return
		fi
		cmd=("$LBD" -d -f "$cfg")
		;;
	esac
	taskset -c $PROXY_CPU "${cmd[@]}" >"$d/stderr" 2>&1 &
	PID2[$p:$kind]=$!
	STARTED+=("$!")
	STATE2[$p:$kind]=ok
	if [ "$kind" = h2 ]; then ports="${H2C_PORT[$p]} ${H2TLS_PORT[$p]}"
	else ports="${ECDSA_PORT[$p]} ${RSA_PORT[$p]}"
	fi
	for port in $ports; do
		wait_listen "$port" "${PID2[$p:$kind]}" ||
			{ h2_fail "$p" "$kind" "did not start: $(last_lines "$d/stderr")"; return; }
	done
	if [ "$kind" = h2 ]; then
		got=$(curl -s -m 5 --http2-prior-knowledge -o /dev/null \
			-w '%{http_version} %{http_code}' "http://127.0.0.1:${H2C_PORT[$p]}/")
		[ "$got" = "2 200" ] ||
			{ h2_fail "$p" h2 "h2c GET / answered '$got', not '2 200'"; return; }
		got=$(curl -s -k -m 5 --http2 -o /dev/null -w '%{http_version} %{http_code}' \
			"https://127.0.0.1:${H2TLS_PORT[$p]}/")
		[ "$got" = "2 200" ] ||
			{ h2_fail "$p" h2 "h2 over TLS GET / answered '$got', not '2 200'"; return; }
	else
		for port in $ports; do
			check_get "https://127.0.0.1:$port/" hello ||
				{ h2_fail "$p" tls "wrong answer over TLS on port $port"; return; }
		done
	fi
	log "${LABEL[$p]} $kind instance up (pid ${PID2[$p:$kind]})"
}

# run_h2load PROXY WORKLOAD URL: prints "rps failed_requests" from one h2load run.
run_h2load() {
	local out
	out=$(timeout $((DUR_S + 60)) taskset -c $LOAD_CPU h2load -t1 -c$WRK_CONNS -m10 \
		-D "$DUR_S" "$3" 2>&1)
	printf '== %s %s\n%s\n' "$1" "$2" "$out" >>"$T/h2load.log"
	awk '/^finished in/ { secs = $3 + 0 }
	     /^requests:/ { ok = $8; bad = $10 + $12 + $14 }
	     /^status codes:/ { s2 = $3 }
	     END { if (secs > 0 && ok > 0) printf "%.3f %d %d\n", s2 / secs, bad, ok - s2 }' <<<"$out"
}

# run_s_time PROXY PORT -new|-reuse: S_TIME_PROCS s_time clients for the run's duration;
# prints "connections_per_s resumed_percent".
run_s_time() {
	local p=$1 port=$2 mode=$3 i pids=() t0 t1 f
	t0=$(date +%s.%N)
	for ((i = 0; i < S_TIME_PROCS; i++)); do
		timeout $((DUR_S + 30)) taskset -c $LOAD_CPU openssl s_time \
			-connect "127.0.0.1:$port" "$mode" -time "$DUR_S" -www / \
			>"$T/s_time.$i" 2>&1 &
		pids+=("$!")
		STARTED+=("$!")
	done
	for i in "${pids[@]}"; do
		wait "$i"
	done
	t1=$(date +%s.%N)
	for ((i = 0; i < S_TIME_PROCS; i++)); do
		printf '== %s %s %s client %d\n' "$p" "$port" "$mode" "$i" >>"$T/s_time.log"
		cat "$T/s_time.$i" >>"$T/s_time.log"
	done
	# "N connections in Xs; ..." once per client; on the lines of progress marks, '*' is a
	# full handshake and 'r' a resumed one
	for ((i = 0; i < S_TIME_PROCS; i++)); do
		f=$T/s_time.$i
		awk '/connections in .*user sec/ { n = $1 } END { print n + 0 }' "$f"
		grep -E '^[r*]+$' "$f" | tr -d '\n' |
			awk '{ all = length($0); r = gsub(/r/, ""); print "marks", r, all - r }'
	done | awk -v secs="$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" '
		$1 == "marks" { r += $2; full += $3; next }
		{ n += $1 }
		END { if (n > 0) printf "%.3f %.1f\n", n / secs, (r + full) ? 100 * r / (r + full) : 0 }'
}

# run_h2 PROXY WORKLOAD REPEAT: one run of an h2 workload; appends to values.tsv like run_wrk
# (rps: answers 2xx or connections per second, cpu: % of a core, rpc: per CPU-second).
run_h2() {
	local p=$1 wl=$2 rep=$3 before after res t0 t1 secs kind
	kind=$(kind_of "$wl")
	before=$(h2_ticks "$p" "$kind")
	t0=$(date +%s.%N)
	case $wl in
	h2c) res=$(run_h2load "$p" "$wl" "http://127.0.0.1:${H2C_PORT[$p]}/") ;;
	h2-tls) res=$(run_h2load "$p" "$wl" "https://127.0.0.1:${H2TLS_PORT[$p]}/") ;;
	tls-new-ecdsa) res=$(run_s_time "$p" "${ECDSA_PORT[$p]}" -new) ;;
	tls-resume-ecdsa) res=$(run_s_time "$p" "${ECDSA_PORT[$p]}" -reuse) ;;
	tls-new-rsa) res=$(run_s_time "$p" "${RSA_PORT[$p]}" -new) ;;
	tls-resume-rsa) res=$(run_s_time "$p" "${RSA_PORT[$p]}" -reuse) ;;
	esac
	t1=$(date +%s.%N)
	after=$(h2_ticks "$p" "$kind")
	if ! ours "${PID2[$p:$kind]}"; then
		h2_fail "$p" "$kind" "the process died during the $wl run"
		return
	fi
	if [ -z "$res" ]; then
		printf '%s\t%s_failed\t1\n' "$p" "$wl" >>"$T/values.tsv"
		echo "- ${LABEL[$p]}, $wl, repeat $rep: no result (see the h2load or s_time output" \
		     "with BENCH_KEEP_TMP=1)" >>"$T/notes"
		return
	fi
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
	awk -v p="$p" -v wl="$wl" -v rep="$rep" -v ticks=$((after - before)) -v hz="$CLK_TCK" \
	    -v secs="$secs" -v res="$res" -v notes="$T/notes" -v label="${LABEL[$p]}" '
	BEGIN {
		split(res, r, " ")
		cpu = ticks / hz
		printf "%s\t%s_rps\t%.3f\n", p, wl, r[1]
		printf "%s\t%s_cpu\t%.3f\n", p, wl, 100 * cpu / secs
		if (cpu > 0)
			printf "%s\t%s_rpc\t%.3f\n", p, wl, r[1] * secs / cpu
		if (wl ~ /^h2/ && r[2] + r[3] > 0)
			printf "- %s, %s, repeat %d: %d requests failed, %d answers not 2xx\n",
			       label, wl, rep, r[2], r[3] >> notes
		if (wl ~ /resume/)
			printf "- %s, %s, repeat %d: %.1f%% of the connections resumed a session%s\n",
			       label, wl, rep, r[2], r[2] < 90 ? " (resumption is not working)" : "" >> notes
	}' >>"$T/values.tsv"
}

for p in $H2_PROXIES; do
	selected "$p" || continue
	for kind in h2 tls; do
		for wl in "${H2_WORKLOADS[@]}"; do
			if [ "$(kind_of "$wl")" = "$kind" ]; then
				start_h2_proxy "$p" "$kind"
				break
			fi
		done
	done
done

for p in $SELECTED; do		# warm-up: pools filled, backend connections opened
	alive "$p" && taskset -c $LOAD_CPU timeout 30 wrk -t1 -c$WRK_CONNS -d1s \
		"http://127.0.0.1:${HTTP_PORT[$p]}/" >/dev/null 2>&1
done
for p in $H2_PROXIES; do	# the h2 instances' warm-up
	alive2 "$p" h2 && taskset -c $LOAD_CPU timeout 30 h2load -t1 -c$WRK_CONNS -m10 -D 1 \
		"http://127.0.0.1:${H2C_PORT[$p]}/" >/dev/null 2>&1
done
for ((rep = 1; rep <= REPEATS; rep++)); do
	for wl in "${WORKLOADS[@]}"; do
		for p in $SELECTED; do
			alive "$p" || continue
			[[ $wl == *"|tcp" && -z ${TCP_PORT[$p]:-} ]] && continue
			[[ $wl == *"|https" && -z ${TLS_PORT[$p]:-} ]] && continue
			log "repeat $rep/$REPEATS: ${wl%%|*} through ${LABEL[$p]}"
			run_wrk "$p" "$wl" "$rep"
		done
	done
	for wl in "${H2_WORKLOADS[@]}"; do
		for p in $H2_PROXIES; do
			alive2 "$p" "$(kind_of "$wl")" || continue
			log "repeat $rep/$REPEATS: $wl through ${LABEL[$p]}"
			run_h2 "$p" "$wl" "$rep"
		done
	done
done

# ---- memory per idle client connection ----------------------------------------------------

# idle_test PROXY: RSS before and after IDLE_N idle connections to the HTTP frontend.
idle_test() {
	local p=$1 port=${HTTP_PORT[$1]} pid before after prev q i ipid rc fifo=$T/idle.in
	pid=$(rss_pid "$p")
	before=$(rss_kib "$pid")
	rm -f "$fifo"
	mkfifo "$fifo"
	taskset -c $LOAD_CPU "$IDLE_CONNS" 127.0.0.1 "$port" "$IDLE_N" <"$fifo" \
		>"$T/idle.out" 2>"$T/idle.err" &
	ipid=$!
	STARTED+=("$ipid")
	exec 7>"$fifo"		# idle_conns holds its connections until this closes
	for ((i = 0; i < 1200; i++)); do	# up to 120 s for the connections
		grep -q '^ready' "$T/idle.out" && break
		ours $ipid || break
		sleep 0.1
	done
	if ! grep -q '^ready' "$T/idle.out"; then
		exec 7>&-
		echo "- ${LABEL[$p]}: idle connections could not be opened:" \
		     "$(last_lines "$T/idle.err")" >>"$T/notes"
		return
	fi
	# Established is not yet accepted: wait (up to 60 s) for the accept queue to empty, then
	# (up to 10 s) for the RSS to settle.
	for ((i = 0; i < 600; i++)); do
		q=$(ss -ltnH "( sport = :$port )" | awk '{ print $2; exit }')
		[ "${q:-0}" = 0 ] && break
		sleep 0.1
	done
	prev=
	for ((i = 0; i < 20; i++)); do
		sleep 0.5
		after=$(rss_kib "$pid")
		[ "$after" = "$prev" ] && break
		prev=$after
	done
	exec 7>&-
	for ((i = 0; i < 100; i++)); do
		ours $ipid || break
		sleep 0.1
	done
	ours $ipid && kill -TERM $ipid 2>/dev/null
	wait $ipid
	rc=$?
	if [ "${q:-0}" != 0 ]; then
		echo "- ${LABEL[$p]}: $q idle connections were never accepted;" \
		     "no memory figure" >>"$T/notes"
	elif [ $rc != 0 ]; then
		echo "- ${LABEL[$p]}: the proxy closed idle connections during the test" \
		     "($(last_lines "$T/idle.err")); no memory figure" >>"$T/notes"
	else
		awk -v p="$p" -v b="$before" -v a="$after" -v n="$IDLE_N" \
			'BEGIN { printf "%s\tidle_kib\t%.4f\n", p, (a - b) / n }' >>"$T/values.tsv"
		echo "- ${LABEL[$p]}: VmRSS $before KiB before, $after KiB with $IDLE_N" \
		     "idle connections" >>"$T/notes"
	fi
	sleep 1		# let the proxy close the 10,000 connections before the next one starts
}

for p in $SELECTED; do
	alive "$p" || continue
	log "memory: $IDLE_N idle connections to ${LABEL[$p]}"
	idle_test "$p"
done

# ---- report -------------------------------------------------------------------------------

versions() {
	"$NGINX" -v 2>&1 | sed 's/^nginx version: /nginx /'
	selected haproxy && "$HAPROXY" -v 2>&1 | head -1 | awk '{ print "HAProxy", $3 }'
	selected lbd && [ -x "$LBD" ] && "$LBD" -v 2>&1 | head -1
	wrk -v 2>&1 | head -1 | awk '{ print "wrk", $2 }'
	if ((${#H2_WORKLOADS[@]})); then
		h2load --version 2>&1 | head -1 | awk '{ print "h2load", $NF }'
		openssl version | awk '{ print "OpenSSL", $2 }'
	fi
}

status_line() {
	local p
	for p in $ALL_PROXIES; do
		if ! selected "$p"; then printf '%s\tnot_run\n' "$p"
		elif alive "$p"; then printf '%s\tok\n' "$p"
		else printf '%s\tfailed\n' "$p"
		fi
	done
}

# table: median of the repeats per proxy and metric, one row per workload.
table() {
	status_line >"$T/status.tsv"
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
		while (length(s) > 3) {
			r = "," substr(s, length(s) - 2) r
			s = substr(s, 1, length(s) - 3)
		}
		return s r
	}
	function fmt(x, how) {
		if (how == "int") return commas(x)
		if (how == "ms") return sprintf("%.2f", x)
		return sprintf("%.2f", x)
	}
	function cell(p, m, how, extra,    wl) {
		if (status[p] == "not_run") return "-"
		wl = m
		sub(/_[a-z0-9]+$/, "", wl)
		if (!((p, m) in vals) && ((p, wl "_failed") in vals)) return "failed"
		if (!((p, m) in vals)) return status[p] == "failed" ? "failed" : "-"
		s = fmt(med[p, m], how)
		if (extra != "" && ((p, extra) in vals))
			s = s sprintf(" (%.0f%% CPU)", med[p, extra])
		return s
	}
	function ratio(a, b, m) {
		if (!((a, m) in vals) || !((b, m) in vals) || med[b, m] == 0) return "-"
		return sprintf("%.2f", med[a, m] / med[b, m])
	}
	function row(label, m, how, extra) {
		printf "| %s | %s | %s | %s | %s | %s |\n", label, cell("lbd", m, how, extra),
		       cell("haproxy", m, how, extra), cell("nginx", m, how, extra),
		       ratio("lbd", "haproxy", m), ratio("lbd", "nginx", m)
	}
	FILENAME ~ /status/ { status[$1] = $2; next }
	{ vals[$1, $2] = vals[$1, $2] " " $3 }
	END {
		for (k in vals) med[k] = median(vals[k])
		print "| workload | lbd | HAProxy | NGINX | lbd/HAProxy | lbd/NGINX |"
		print "| --- | --- | --- | --- | --- | --- |"
		row("HTTP/1.1 keep-alive req/s (proxy CPU)", "ka_rps", "int", "ka_cpu")
		row("keep-alive req/s per proxy CPU-second", "ka_rpc", "int", "")
		row("new connection per request, req/s", "close_rps", "int", "")
		row("64 KiB responses, MiB/s", "64k_mibs", "int", "")
		row("1 MiB responses, MiB/s", "1m_mibs", "int", "")
		row("TCP mode keep-alive req/s", "tcp_rps", "int", "")
		row("HTTPS keep-alive req/s (proxy CPU)", "https-ka_rps", "int", "https-ka_cpu")
		row("new TLS connection per request (ECDSA P-256, full handshake), req/s",
		    "https-new_rps", "int", "https-new_cpu")
		row("h2c req/s, h2load -c 50 -m 10 (proxy CPU)", "h2c_rps", "int", "h2c_cpu")
		row("h2c req/s per proxy CPU-second", "h2c_rpc", "int", "")
		row("h2 over TLS req/s, ALPN h2, h2load -c 50 -m 10 (proxy CPU)", "h2-tls_rps",
		    "int", "h2-tls_cpu")
		row("h2 over TLS req/s per proxy CPU-second", "h2-tls_rpc", "int", "")
		row("new TLS connections/s, ECDSA P-256, full handshake (proxy CPU)",
		    "tls-new-ecdsa_rps", "int", "tls-new-ecdsa_cpu")
		row("full TLS handshakes per proxy CPU-second (ECDSA P-256)", "tls-new-ecdsa_rpc",
		    "int", "")
		row("new TLS connections/s, ECDSA P-256, resumed with a ticket (proxy CPU)",
		    "tls-resume-ecdsa_rps", "int", "tls-resume-ecdsa_cpu")
		row("resumed TLS handshakes per proxy CPU-second (ECDSA P-256)",
		    "tls-resume-ecdsa_rpc", "int", "")
		row("new TLS connections/s, RSA-2048, full handshake (proxy CPU)",
		    "tls-new-rsa_rps", "int", "tls-new-rsa_cpu")
		row("full TLS handshakes per proxy CPU-second (RSA-2048)", "tls-new-rsa_rpc",
		    "int", "")
		row("new TLS connections/s, RSA-2048, resumed with a ticket (proxy CPU)",
		    "tls-resume-rsa_rps", "int", "tls-resume-rsa_cpu")
		row("resumed TLS handshakes per proxy CPU-second (RSA-2048)", "tls-resume-rsa_rpc",
		    "int", "")
		row("keep-alive p50 latency, ms (lower is better)", "ka_p50", "ms", "")
		row("keep-alive p99 latency, ms (lower is better)", "ka_p99", "ms", "")
		row("KiB per idle client connection (lower is better)", "idle_kib", "kib", "")
	}' "$T/status.tsv" "$T/values.tsv"
}

report() {
	local p
	echo "# lb benchmark, $(date '+%Y-%m-%d %H:%M %Z')"
	echo
	echo "Method: /work/shared/BENCH.md (see bench/README.md)." \
	     "wrk -t$WRK_THREADS -c$WRK_CONNS -d$DURATION --latency," \
	     "median of $REPEATS repeat(s); load on core $LOAD_CPU, proxy and backends on" \
	     "core $PROXY_CPU."
	echo "Versions: $(versions | paste -sd, - | sed 's/,/, /g');" \
	     "kernel $(uname -r), $(nproc) CPUs."
	echo
	table
	echo
	echo "Notes:"
	echo "- Ratios are lbd divided by the other proxy: above 1 is better for lbd except in"
	echo "  the latency and memory rows. Proxy CPU: the share of one core the proxy used."
	echo "- NGINX memory is its worker's VmRSS only (the master holds no client connection);"
	echo "  NGINX CPU time is master plus worker."
	for p in $SELECTED; do
		alive "$p" || echo "- ${LABEL[$p]} failed: ${WHY[$p]}"
	done
	cat "$T/notes"
}

report >"$T/report.md"
cat "$T/report.md"
if mkdir -p "$RESULTS_DIR" 2>/dev/null; then
	stamp=$(date +%Y-%m-%d-%H%M%S)
	cp "$T/report.md" "$RESULTS_DIR/$stamp.md" && cp "$T/report.md" "$RESULTS_DIR/latest.md" &&
		log "written to $RESULTS_DIR/$stamp.md and latest.md"
else
	log "cannot create $RESULTS_DIR; the table is only on stdout"
fi
for p in $SELECTED; do
	alive "$p" || exit 1
	[ "${STATE2[$p:h2]:-}" = failed ] && exit 1
	[ "${STATE2[$p:tls]:-}" = failed ] && exit 1
done
exit 0
