#!/bin/bash
# tests/integration/166-server-state-file.sh: HAProxy's server state file. lbctl show servers
# state prints the version 1 format; saved to server-state-file, it brings the servers back
# after a restart (load-server-state-from-file global): a server DOWN by its check starts
# DOWN and gets no request, drain and a run-time weight are kept; a weight changed in the
# config wins; a server whose port changed ignores its line; "local" files under
# server-state-base; a missing file or a file of another version is logged; bad keyword
# values are config errors.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/health.sh"

[ -x "$LBCTL" ] || skip_all "lbctl not found: LBCTL=$LBCTL"
start_stub PA --http A || bail "stub A"
start_stub PB --http B --log "$T/b.log" || bail "stub B"
start_stub PB2 --http B2 || bail "stub B2"
start_stub PC --http C || bail "stub C"
start_target CB --http || bail "check target b"
PF=$(free_port)
CTL_SOCK=$T/admin.sock
mkdir -p "$T/states"
write_cfg()	# B-PORT C-WEIGHT
{
	printf 'global\n\tstats socket %s mode 600 level admin\n' "$CTL_SOCK"
	printf '\tserver-state-base %s\n\tserver-state-file %s\n' "$T/states" "$T/state"
	cfg_global | sed 1d
	cat <<-EOF
		load-server-state-from-file global
	frontend fe
		bind 127.0.0.1:$PF
		default_backend be
	backend be
		balance roundrobin
		option httpchk GET /health
		server a 127.0.0.1:$PA
		server b 127.0.0.1:$1 check port $CB inter 2s fastinter 100 downinter 2s rise 2 fall 2
		server c 127.0.0.1:$PC weight $2
	backend loc
		load-server-state-from-file local
		server l1 127.0.0.1:$PA
		server l2 127.0.0.1:$PC
	EOF
}
write_cfg "$PB" 10 >"$T/lbd.cfg"
check "lbcheck accepts the state keywords" "$LBCHECK" -q "$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"
wait_for 5 test -S "$CTL_SOCK" || bail "no control socket"
like "$(cat "$LBD_LOG")" "server state file '$T/state': No such file or directory: servers start from the configuration" \
	"a missing state file is logged"

echo 503 >"$CB_STATE"
check "b goes DOWN" wait_field 6 be/b status '^DOWN$'
ctl drain be/c >/dev/null
ctl weight be/c 5 >/dev/null
ctl maint loc/l2 >/dev/null
ctl show servers state >"$T/state"
is "$(sed -n 1p "$T/state")" "1" "show servers state: version 1"
is "$(sed -n 2p "$T/state")" "# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port" \
	"HAProxy's header line"
# be b: id 2 (after fe), server 2; stopped (0), L7STS (17) failed (2), health 0, check
# configured and enabled (6); c drained (0x08), weight 5 of 10
like "$(grep ' be 2 b ' "$T/state")" "^2 be 2 b 127\.0\.0\.1 0 0 1 1 [0-9]+ 17 2 0 6 0 0 0 - $PB - 0 $CB - - 0$" \
	"b's line: stopped, L7STS, failed, health 0, check enabled"
like "$(grep ' be 3 c ' "$T/state")" "^2 be 3 c 127\.0\.0\.1 2 8 5 10 [0-9]+ 0 0 0 0 0 0 0 - $PC - 0 0 - - 0$" \
	"c's line: running, drained, weight 5 of 10"
is "$(ctl show servers state loc | wc -l)" 4 "show servers state <backend>: that backend's servers only"
ctl show servers state loc >"$T/states/loc"
is "$(ctl show servers state nope 2>&1)" "lbctl: not-found: no backend 'nope'" "an unknown backend is an error"

# restart: the state comes back from the files
stop_pid "$LBD_PID"
before=$(grep -c '^req ' "$T/b.log")
start_lbd "$T/lbd.cfg" || bail "lbd did not start again"
wait_for 5 test -S "$CTL_SOCK" || bail "no control socket"
like "$(cat "$LBD_LOG")" "state of 5 server\(s\) loaded from the server state file\(s\)" "5 servers loaded"
is "$(srv_field be/b status)" "DOWN" "b starts DOWN"
like "$(srv_field be/b check)" "^L7STS " "with its last check status"
is "$(servers_of 8)" "A " "no request goes to b (c is drained)"
is "$(( $(grep -c '^req ' "$T/b.log") - before ))" 0 "b's stub saw no request"
is "$(srv_field be/c admin):$(srv_field be/c weight)" "drain:5" "c is still drained, weight 5"
is "$(srv_field loc/l2 admin)" "maint" "the local file of backend loc (under server-state-base) applied"
echo 200 >"$CB_STATE"
check "b comes UP when its check passes" wait_field 8 be/b status '^UP$'

# the config changes c's weight and b's port: the config wins, b's line does not apply
echo 503 >"$CB_STATE"
check "b DOWN again" wait_field 6 be/b status '^DOWN$'
ctl show servers state >"$T/state"
stop_pid "$LBD_PID"
write_cfg "$PB2" 20 >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start a third time"
wait_for 5 test -S "$CTL_SOCK" || bail "no control socket"
like "$(cat "$LBD_LOG")" "be/b is at 127\.0\.0\.1:$PB2 now \(127\.0\.0\.1:$PB in the file\): its saved state does not apply" \
	"a moved server ignores its line (logged)"
like "$(cat "$LBD_LOG")" "state of 4 server\(s\) loaded" "the 4 others loaded"
is "$(srv_field be/c weight):$(srv_field be/c admin)" "20:drain" "c: the config's new weight wins, drain is kept"
stop_pid "$LBD_PID"

# a file of another version is ignored
printf '2\n# be_id be_name\n' >"$T/state"
start_lbd "$T/lbd.cfg" || bail "lbd did not start a fourth time"
wait_for 5 test -S "$CTL_SOCK" || bail "no control socket"
like "$(cat "$LBD_LOG")" "$T/state:1: not a version 1 server state file: ignored" "another version is refused"
stop_pid "$LBD_PID"

# bad values are config errors
printf 'defaults\n\tload-server-state-from-file everything\nbackend b\n\tserver-state-file-name\n\tserver s 127.0.0.1:1\nfrontend f\n\tserver-state-file-name x\n' >"$T/bad.cfg"
out=$("$LBCHECK" "$T/bad.cfg" 2>&1)
like "$out" "bad.cfg:2:30: error: invalid value 'everything' for 'load-server-state-from-file' \(expected one of: global, local, none\)" \
	"load-server-state-from-file: an unknown mode is an error"
like "$out" "bad.cfg:7:2: error: .*server-state-file-name" "server-state-file-name is refused in a frontend"

done_testing
