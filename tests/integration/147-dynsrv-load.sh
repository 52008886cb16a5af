#!/bin/bash
# tests/integration/147-dynsrv-load.sh: add / enable / drain / del under a bounded load (a fixed
# number of requests from keep-alive and one-request clients): no request fails at any step,
# the added server gets traffic once enabled and none after maint, and "del server" closes
# its idle server connections (every connection the stub accepted is closed).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

[ -x "$LBCTL" ] || skip_all "lbctl not found: LBCTL=$LBCTL"
start_stub P1 --http w1 --log "$T/w1.log" || bail "stub w1"
start_stub P2 --http w2 --log "$T/w2.log" || bail "stub w2"
start_stub P3 --http w3 --log "$T/w3.log" || bail "stub w3"
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
		server w1 127.0.0.1:$P1
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"
wait_for 5 test -S "$SOCK" || bail "lbd did not create its control socket"
ctl() { "$LBCTL" -s "$SOCK" "$@"; }
reqs_at() { grep -c '^req ' "$1" 2>/dev/null; }

# The load: THREADS clients, each sending COUNT requests (delay=DELAY ms at the stub); even
# clients keep their connection alive, odd ones open one per request. Prints "ok=N fail=N"
# and the first failures.
cat >"$T/load.py" <<'EOF'
import http.client, sys, threading
port, threads, count, delay = (int(a) for a in sys.argv[1:5])
lock = threading.Lock()
res = {"ok": 0, "fail": 0}
errs = []
def client(k):
    conn = None
    for i in range(count):
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            hdrs = {} if k % 2 == 0 else {"Connection": "close"}
            conn.request("GET", "/load?delay=%d" % delay, headers=hdrs)
            r = conn.getresponse()
            r.read()
            ok = r.status == 200
            err = "status %d" % r.status
            if k % 2 or r.will_close:
                conn.close()
                conn = None
        except Exception as e:
            ok, err = False, repr(e)
            if conn:
                conn.close()
            conn = None
        with lock:
            res["ok" if ok else "fail"] += 1
            if not ok and len(errs) < 5:
                errs.append(err)
    if conn:
        conn.close()
ts = [threading.Thread(target=client, args=(k,)) for k in range(threads)]
for t in ts: t.start()
for t in ts: t.join()
print("ok=%d fail=%d" % (res["ok"], res["fail"]))
for e in errs: print("# " + e)
EOF
run_bg "$T/load.out" "$PYTHON" "$T/load.py" "$PF" 4 250 10
LOAD=$BG_PID
wait_for 5 eval '[ "$(reqs_at "$T/w1.log")" -ge 20 ]'

out=$(ctl add server webs/w2 127.0.0.1:$P2 weight 2)
is "$?" 0 "add server under load"
sleep 0.3
is "$(reqs_at "$T/w2.log")" 0 "the new server gets nothing while in maintenance"
ctl enable webs/w2 >/dev/null
check "after enable, w2 gets requests" wait_for 5 eval '[ "$(reqs_at "$T/w2.log")" -ge 20 ]'
ctl drain webs/w2 >/dev/null
like "$(ctl wait webs/w2 empty --timeout 10s)" '^webs/w2: empty' "drain, then wait empty"
ctl maint webs/w2 >/dev/null
n2=$(reqs_at "$T/w2.log")
open_conns() { echo $(( $(grep -c '^accept ' "$T/w2.log") - $(grep -Ec '^(close|eof) ' "$T/w2.log") )); }
num_between "$(open_conns)" 1 1000 "lbd keeps idle connections to w2 before del"
out=$(ctl del server webs/w2)
is "$?" 0 "del server under load"
like "$out" 'removed \(workers paused [0-9]+ us\)' "del says how long the workers paused"
diag "del: $out"
# well before the 5 s idle purge
check "del closed the idle connections to w2" wait_for 1 eval '[ "$(open_conns)" = 0 ]'
# a second server comes and goes while the load goes on
ctl add server webs/w3 127.0.0.1:$P3 >/dev/null
ctl enable webs/w3 >/dev/null
check "w3 gets requests" wait_for 5 eval '[ "$(reqs_at "$T/w3.log")" -ge 10 ]'
ctl maint webs/w3 >/dev/null
like "$(ctl wait webs/w3 removable --timeout 10s)" '^webs/w3: removable' "w3 removable"
out=$(ctl del server webs/w3)
is "$?" 0 "del server webs/w3 under load"
wait_exit "$LOAD" 60
read -r summary <"$T/load.out"
is "$summary" "ok=1000 fail=0" "no request failed during add/enable/drain/del"
[ "$summary" = "ok=1000 fail=0" ] || diag_file "$T/load.out"
is "$(reqs_at "$T/w2.log")" "$n2" "the removed w2 got nothing after maint"
check "lbd is still running" pid_alive "$LBD_PID"
done_testing
