#!/bin/bash
# tests/integration/080-ctl.sh: lbctl against a real lbd: show commands, drain and enable
# (requests go only to the other server meanwhile), weights, maxconn, levels per socket, exit
# codes 0/1/2/3, --json and --csv, colour only when asked, the shell fed from a pipe,
# completion, bad frames answered while lbd keeps serving, and a stale socket replaced.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

[ -x "$LBCTL" ] || skip_all "lbctl not found: LBCTL=$LBCTL"
start_stub P1 --http s1 || bail "stub s1"
start_stub P2 --http s2 || bail "stub s2"
PF=$(free_port)
ADMIN=$T/admin.sock OPER=$T/oper.sock USER=$T/user.sock
{
	cat <<-EOF
	global
		stats socket $ADMIN mode 600 level admin
		stats socket $OPER mode 600 level operator
		stats socket $USER mode 600 level user
	EOF
	cfg_global | sed 1d
	cat <<-EOF
	frontend f
		bind 127.0.0.1:$PF
		default_backend b
	backend b
		balance roundrobin
		server s1 127.0.0.1:$P1
		server s2 127.0.0.1:$P2
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"
wait_for 5 test -S "$USER" || bail "lbd did not create its control sockets"

ctl() { "$LBCTL" -s "$ADMIN" "$@"; }
quiet() { "$@" >/dev/null; }
# reqs N: the servers that answered N requests, one a line
reqs()
{
	local i
	for ((i = 0; i < $1; i++)); do hcurl "http://127.0.0.1:$PF/"; done
}
servers_of() { reqs "$1" | sort -u | tr '\n' ' '; }

# --- show ---
out=$(ctl show servers)
is "$?" 0 "show servers exits 0"
like "$out" '^b +s1 +1 +127\.0\.0\.1:[0-9]+ +UP +ready +up ' "show servers: b/s1 UP ready up"
like "$out" '^b +s2 +2 ' "show servers: b/s2"
like "$(ctl show info)" '^level: +admin$' "show info: the admin socket has level admin"
like "$(ctl show backends)" '^b +http +roundrobin +2 +2 ' "show backends: 2 servers, 2 usable"
is "$(servers_of 10)" "s1 s2 " "both servers serve"

# --- drain, enable, maint ---
out=$(ctl drain b/s1)
is "$?" 0 "drain exits 0"
like "$out" '^b/s1: drain \(was ready\)' "drain says what changed"
like "$(ctl show servers b)" '^b +s1 .* DRAIN +drain +up ' "a drained server shows DRAIN"
is "$(servers_of 10)" "s2 " "while s1 drains, new requests only go to s2"
ctl enable b/s1 >/dev/null
is "$(servers_of 10)" "s1 s2 " "enable brings s1 back"
ctl server state b/s2 maint >/dev/null
is "$(servers_of 6)" "s1 " "server state maint: no requests for s2"
ctl server state b/s2 ready >/dev/null
is "$(servers_of 6)" "s1 s2 " "server state ready: s2 back"

# --- weights, maxconn ---
like "$(ctl server weight b/s2 0)" 'weight 0 \(was 1\)' "server weight 0"
is "$(servers_of 6)" "s1 " "weight 0: no new requests for s2"
like "$(ctl weight b/s2 100%)" 'weight 1 \(was 0\)' "weight 100% is the configured weight"
out=$(ctl --json show servers b | "$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
w = ["%s:%d/%d" % (r["server"], r["weight"], r["eweight"]) for r in d["data"]]
print(d["status"], " ".join(w))')
is "$out" "0 s1:1/1 s2:1/1" "--json show servers: weights back"
like "$(ctl server maxconn b/s1 5)" 'maxconn 5 \(was 0' "server maxconn"
ctl server maxconn b/s1 0 >/dev/null

# --- levels ---
check "the user socket can read" quiet "$LBCTL" -s "$USER" show servers
err=$("$LBCTL" -s "$USER" drain b/s1 2>&1 >/dev/null)
is "$?" 1 "the user socket cannot drain (exit 1)"
like "$err" "^lbctl: denied: .*'drain' needs level operator; this connection has level user" \
	"the refusal says which level is needed"
like "$(ctl show servers b)" '^b +s1 .* UP ' "a refused drain changed nothing"
check "the operator socket can drain" quiet "$LBCTL" -s "$OPER" drain b/s1
check "the operator socket can enable" quiet "$LBCTL" -s "$OPER" enable b/s1
"$LBCTL" -s "$OPER" server maxconn b/s1 3 2>/dev/null
is "$?" 1 "the operator socket cannot set maxconn (admin)"
"$LBCTL" -s "$OPER" clear counters 2>/dev/null
is "$?" 1 "the operator socket cannot clear counters (admin)"

# --- exit codes ---
ctl show nothing 2>/dev/null;			is "$?" 2 "unknown command: exit 2"
like "$(ctl show server 2>&1)" "did you mean 'show servers'" "unknown command: a suggestion"
ctl server state b/s1 sleep 2>/dev/null;	is "$?" 2 "bad argument: exit 2"
ctl drain 2>/dev/null;				is "$?" 2 "missing argument: exit 2"
"$LBCTL" --bogus 2>/dev/null;			is "$?" 2 "unknown option: exit 2"
ctl drain b/nope 2>/dev/null;			is "$?" 1 "unknown server: exit 1"
ctl show servers nope 2>/dev/null;		is "$?" 1 "unknown backend: exit 1"
"$LBCTL" -s "$T/none.sock" show info 2>/dev/null; is "$?" 3 "no socket: exit 3"

# --- output forms ---
out=$(ctl --json show info |
	"$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["data"]["name"])')
is "$out" "lbd" "--json show info"
check "--json may follow the command" bash -c "'$LBCTL' -s '$ADMIN' show servers --json |
	'$PYTHON' -c 'import json,sys; json.load(sys.stdin)'"
esc=$(printf '\033')
unlike "$(ctl show servers)" "$esc" "no colour when piped"
like "$(ctl --color=always show servers)" "${esc}\\[32mUP" "colour with --color=always"
unlike "$(NO_COLOR=1 ctl show servers)" "$esc" "no colour with NO_COLOR"
csv=$(ctl show stats --csv)
like "$(printf '%s\n' "$csv" | head -1)" '^# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,' \
	"--csv: HAProxy's header"
out=$(printf '%s\n' "$csv" | "$PYTHON" -c '
import csv, sys
rows = list(csv.reader(sys.stdin))
hdr = rows[0]; hdr[0] = hdr[0][2:]
get = lambda sv: dict(zip(hdr, [r for r in rows if r[1] == sv][0]))
fe, s1, be = get("FRONTEND"), get("s1"), get("BACKEND")
print(len(hdr) - 1, fe["pxname"], int(fe["req_tot"]) >= 40, int(fe["hrsp_2xx"]) >= 40,
      s1["status"], s1["type"], int(s1["hrsp_2xx"]) > 0, be["type"], be["algo"])')
is "$out" "86 f True True UP 2 True 1 roundrobin" "--csv: rows and counters in HAProxy's columns"

ctl clear counters >/dev/null
fe_req() { ctl --json show stats | "$PYTHON" -c '
import json, sys
print([r for r in json.load(sys.stdin)["data"] if r["svname"] == "FRONTEND"][0]["req_tot"])'; }
is "$(fe_req)" 0 "clear counters: the frontend's req_tot is 0"
reqs 3 >/dev/null
wait_for 2 eval '[ "$(fe_req)" = 3 ]'
is "$(fe_req)" 3 "counting goes on after clear counters"

# --- the shell, fed from a pipe; completion ---
out=$(printf 'show backends\n? server\ndrain b/s2\nenable b/s2\nquit\nshow info\n' |
	"$LBCTL" -s "$ADMIN")
is "$?" 0 "the shell exits 0"
like "$out" 'b/s2: drain \(was ready\)' "the shell runs commands"
like "$out" '^server state <be/srv> ready\|drain\|maint' "the shell's ? lists commands"
unlike "$out" '^name:' "the shell stops at quit"
is "$("$LBCTL" -s "$ADMIN" --complete -- server state '' | sort | tr '\n' ' ')" "b/s1 b/s2 " \
	"completion offers live server names"
is "$("$LBCTL" -s "$ADMIN" --complete -- server state b/s1 d)" "drain" "completion of a keyword"

# --- bad frames: error replies, the daemon goes on serving ---
"$PYTHON" "$top_srcdir/tests/integration/ctl_raw.py" "$ADMIN" >"$T/raw.log" 2>&1
rc=$?
is "$rc" 0 "bad frames get the right error replies ($(grep -c '^ok' "$T/raw.log") checks)"
[ "$rc" = 0 ] || diag_file "$T/raw.log" 30
check "the control socket still answers" quiet ctl show info
is "$(reqs 4 | wc -l)" 4 "the data plane still serves"
check "lbd is alive" pid_alive "$LBD_PID"

# --- a stale socket file is replaced at start ---
stop_pid "$LBD_PID" KILL
check "lbd killed: its socket file stays" test -S "$ADMIN"
start_lbd "$T/lbd.cfg" || bail "lbd did not restart"
wait_for 5 quiet ctl show info
like "$(ctl show info)" '^name: +lbd' "a restarted lbd replaces the stale socket"

done_testing
