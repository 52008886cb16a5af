#!/bin/bash
# tests/integration/148-dynsrv-cycles.sh: 20 add / enable / traffic / maint / del cycles (each
# with keep-alive traffic that leaves idle server connections, and a health check) leave no
# file descriptor behind (/proc/PID/fd) and no memory growth (VmRSS; with a sanitizer build
# LeakSanitizer checks instead, at exit), and the gids move correctly: the server added after
# deletions still gets its own traffic and counters.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

[ -x "$LBCTL" ] || skip_all "lbctl not found: LBCTL=$LBCTL"
[ -d /proc/self/fd ] || skip_all "no /proc"
start_stub P1 --http w1 --log "$T/w1.log" || bail "stub w1"
start_stub P2 --http w2 --log "$T/w2.log" || bail "stub w2"
PF=$(free_port)
SOCK=$T/admin.sock
{
	cat <<-EOF
	global
		stats socket $SOCK mode 600 level admin
	EOF
	cfg_global http "nbthread 2" | sed 1d
	cat <<-EOF
	frontend f
		bind 127.0.0.1:$PF
		default_backend webs
	backend webs
		balance roundrobin
		http-reuse always
		option httpchk GET /health
		server w1 127.0.0.1:$P1
		server w9 127.0.0.1:$P1
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"
wait_for 5 test -S "$SOCK" || bail "lbd did not create its control socket"
ctl() { "$LBCTL" -s "$SOCK" "$@"; }
# fds: lbd's descriptors, minus its connections to w1/w9 (port P1): the idle pools of the
# servers that stay fill up over the first cycles at a pace the kernel's thread choice sets
fds()
{
	"$PYTHON" - "$LBD_PID" "$P1" <<-'PY'
	import os, sys
	pid, port = sys.argv[1], int(sys.argv[2])
	fds = os.listdir("/proc/%s/fd" % pid)
	inodes = set()
	for fd in fds:
	    try:
	        link = os.readlink("/proc/%s/fd/%s" % (pid, fd))
	    except OSError:
	        continue
	    if link.startswith("socket:["):
	        inodes.add(link[8:-1])
	to_p1 = 0
	for table in ("/proc/net/tcp", "/proc/net/tcp6"):
	    with open(table) as f:
	        for line in f.readlines()[1:]:
	            c = line.split()
	            if int(c[2].rsplit(":", 1)[1], 16) == port and c[9] in inodes:
	                to_p1 += 1
	print(len(fds) - to_p1)
	PY
}
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$LBD_PID/status"; }
reqs_at() { grep -c '^req .* /c' "$1" 2>/dev/null; }
urls() { local i; for ((i = 0; i < 6; i++)); do printf -- '-o /dev/null http://127.0.0.1:%s/c%s\n' "$PF" "$1"; done; }

FAILED=0
# cycle N: one add/del cycle; every step must succeed and w2 must get requests
cycle()
{
	local n=$1 before after codes
	ctl add server webs/w2 127.0.0.1:$P2 check inter 200ms weight 2 >/dev/null || return 1
	ctl enable webs/w2 >/dev/null || return 1
	before=$(reqs_at "$T/w2.log")
	# one curl, several URLs: one client connection, server connections reused (idle pool)
	codes=$(hcurl -w '%{http_code} ' $(urls "$n"))
	[ "$codes" = "200 200 200 200 200 200 " ] || { diag "cycle $n: $codes"; return 1; }
	after=$(reqs_at "$T/w2.log")
	[ "$after" -gt "$before" ] || { diag "cycle $n: w2 got nothing"; return 1; }
	ctl maint webs/w2 >/dev/null || return 1
	ctl wait webs/w2 removable --timeout 5s >/dev/null || return 1
	ctl del server webs/w2 >/dev/null || { diag "cycle $n: del failed"; return 1; }
}
for n in 1 2 3 4 5; do cycle "$n" || FAILED=$((FAILED + 1)); done
sleep 0.5
fd0=$(fds)
rss0=$(rss_kb)
for n in $(seq 6 25); do cycle "$n" || FAILED=$((FAILED + 1)); done
sleep 0.5
fd1=$(fds)
rss1=$(rss_kb)
is "$FAILED" 0 "25 add/enable/traffic/maint/del cycles all succeeded"
is "$fd1" "$fd0" "20 cycles leave no file descriptor behind ($fd0 before, $fd1 after, not counting the idle connections to w1/w9)"
diag "VmRSS: $rss0 kB after 5 cycles, $rss1 kB after 25"
if grep -qa __asan_init "$LBD"; then
	skip "no memory growth" "sanitizer build: LeakSanitizer checks at exit instead"
else
	num_between $((rss1 - rss0)) -100000 64 "20 cycles grow VmRSS by at most 64 kB"
fi
# the servers moved down a gid each time a server went: w1 and w9 must still work
ctl maint webs/w1 >/dev/null
ctl del server webs/w1 >/dev/null
is "$(ctl show servers webs | awk 'NR > 1 { print $2 }' | tr '\n' ' ')" "w9 " "w1 removed, w9 left"
stot() { ctl show servers webs | awk -v s="$1" '$2 == s { print $NF }'; }
w1_before=$(grep -c '^req ' "$T/w1.log")
w9_stot=$(stot w9)
for i in 1 2 3; do is "$(http_code "http://127.0.0.1:$PF/x")" 200 "request $i on w9: 200"; done
is "$(( $(grep -c '^req ' "$T/w1.log") - w1_before ))" 3 "w9 served them"
is "$(stot w9)" "$((w9_stot + 3))" "w9's session counter counts them (its own counters)"
check "lbd is still running" pid_alive "$LBD_PID"
done_testing
