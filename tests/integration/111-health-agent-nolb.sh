#!/bin/bash
# tests/integration/111-health-agent-nolb.sh: http-check disable-on-404 puts a server in NOLB
# (no new sessions, requests in flight finish, back on 200); agent replies change the admin
# state (drain/ready), the weight (absolute and percent: visible in show servers and in the
# traffic split) and the health (down#reason, then up).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/health.sh"

[ -x "$LBCTL" ] || skip_all "lbctl not found: LBCTL=$LBCTL"
start_stub P1 --http s1 || bail "stub s1"
start_stub P2 --http s2 || bail "stub s2"
start_target C1 --http || bail "check target"
start_target A1 --agent || bail "agent target"
PF=$(free_port)
CTL_SOCK=$T/admin.sock
{
	printf 'global\n\tstats socket %s mode 600 level admin\n' "$CTL_SOCK"
	cfg_global | sed 1d
	cat <<-EOF
	frontend f
		bind 127.0.0.1:$PF
		default_backend b
	backend b
		balance roundrobin
		option httpchk GET /health
		http-check disable-on-404
		server w1 127.0.0.1:$P1 weight 10 check port $C1 inter 150 agent-check agent-port $A1 agent-inter 150
		server w2 127.0.0.1:$P2 weight 10
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"
wait_for 5 test -S "$CTL_SOCK" || bail "no control socket"
check "the first check passes" wait_field 3 b/w1 check '^L7OK 200'
agent_probed() { [ "$(probes A1 up)" -ge 1 ]; }
check "the agent answered" wait_for 3 agent_probed

# --- disable-on-404: NOLB ---
# two slow requests in flight, one on each server, while w1 turns NOLB
run_bg "$T/slow1" hcurl "http://127.0.0.1:$PF/?delay=1200"
slow1=$BG_PID
run_bg "$T/slow2" hcurl "http://127.0.0.1:$PF/?delay=1200"
slow2=$BG_PID
sleep 0.2
echo 404 >"$C1_STATE"
check "a 404 puts w1 in NOLB" wait_field 3 b/w1 status '^NOLB$'
is "$(srv_field b/w1 eweight)" "0" "NOLB: effective weight 0"
is "$(srv_field b/w1 health)" "up" "NOLB: still up"
like "$(srv_field b/w1 check)" '^L7OKC 404' "the check result is L7OKC 404"
is "$(servers_of 6)" "s2 " "NOLB: no new sessions on w1"
wait_exit "$slow1" 5
wait_exit "$slow2" 5
is "$(cat "$T/slow1" "$T/slow2" | sort | tr '\n' ' ')" "s1 s2 " \
	"requests in flight on the NOLB server finish"
check "NOLB is logged" wait_log 'Server b/w1 is NOLB.*reason: Layer7 check conditionally passed, code: 404'
echo 200 >"$C1_STATE"
check "a 200 gives it back" wait_field 3 b/w1 status '^UP$'
is "$(srv_field b/w1 eweight)" "10" "weight back to 10"

# --- agent: drain / ready ---
echo drain >"$A1_STATE"
check "agent 'drain': DRAIN" wait_field 3 b/w1 status '^DRAIN$'
is "$(srv_field b/w1 admin)" "drain" "admin state drain"
is "$(servers_of 6)" "s2 " "a drained server gets no new sessions"
check "the agent's change is logged" wait_log "Server b/w1 is DRAIN, reason: agent says"
echo ready >"$A1_STATE"
check "agent 'ready': back to UP" wait_field 3 b/w1 status '^UP$'

# --- agent: weights ---
echo 'weight:30' >"$A1_STATE"
check "agent 'weight:30': weight 30" wait_field 3 b/w1 weight '^30$'
is "$(srv_field b/w1 eweight)" "30" "effective weight 30"
is "$(split_of 8)" "s1=6 s2=2 " "traffic split 30:10"
echo '50%' >"$A1_STATE"
check "agent '50%': half the configured weight (5)" wait_field 3 b/w1 weight '^5$'
is "$(split_of 6)" "s1=2 s2=4 " "traffic split 5:10"
echo '100%' >"$A1_STATE"
check "agent '100%': weight 10 again" wait_field 3 b/w1 weight '^10$'

# --- agent: down#reason, then up (rise 2) ---
echo 'down#disk full' >"$A1_STATE"
check "agent 'down#disk full': DOWN" wait_field 3 b/w1 status '^DOWN$'
check "the reason is logged" wait_log \
	'^Server b/w1 is DOWN, reason: Agent reports down, info: "disk full", check duration: [0-9]+ms\. 1 active'
is "$(servers_of 6)" "s2 " "the agent's DOWN takes the server out"
like "$(ctl --json show stats)" '"last_agt":"[^"]*disk full' "show stats: last_agt"
echo up >"$A1_STATE"
check "agent 'up' (twice, rise 2): UP" wait_field 3 b/w1 status '^UP$'
is "$(servers_of 6)" "s1 s2 " "both serve again"

done_testing
