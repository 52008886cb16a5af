#!/bin/bash
# tests/integration/157-mworker-binary-upgrade.sh: binary upgrade: a new executable put at
# the master's path (another inode, as a package upgrade does) is exec'd by the master at
# the next reload: same master pid, now running the new file, same listening sockets (no
# refused connection under load), a new worker serving with the drained state carried,
# the old worker gone; lbctl reload gets its answer across the exec. A config the new
# executable refuses keeps the old worker serving.
: "${LB_TEST_TIMEOUT:=90}"
export LB_TEST_TIMEOUT
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
# workers_of PID: the child processes of master PID (its workers), one per line
workers_of() { cat "/proc/$1/task/"*/children 2>/dev/null | tr ' ' '\n' | grep .; }

[ -x "$LBCTL" ] || skip_all "lbctl not found: LBCTL=$LBCTL"
start_stub PA --http A || bail "stub A"
start_stub PB --http B || bail "stub B"
PF=$(free_port)
SOCK=$T/ctl.sock
{
	cfg_global http "stats socket $SOCK level admin"
	printf 'frontend fe\n\tbind 127.0.0.1:%s\n\tdefault_backend be\n' "$PF"
	printf 'backend be\n\tserver a 127.0.0.1:%s\n\tserver b 127.0.0.1:%s\n' "$PA" "$PB"
} >"$T/lbd.cfg"
cp "$T/lbd.cfg" "$T/good.cfg"
cp "$LBD" "$T/lbd-bin" || bail "cannot copy lbd"
LBD=$T/lbd-bin start_lbd "$T/lbd.cfg" -W || bail "lbd -W did not start"
MASTER=$LBD_PID
wait_log "\(generation 1\) serving" || bail "no worker serves"
wait_for 5 test -S "$SOCK" || bail "no control socket"
ctl() { "$LBCTL" -s "$SOCK" "$@"; }
sock_inodes() { ls -l "/proc/$1/fd" 2>/dev/null | grep -o 'socket:\[[0-9]*\]' | sort; }
# listen_inodes: the listening sockets on port PF (from the kernel's table)
listen_inodes()
{
	awk -v p=":$(printf '%04X' "$PF")" '$4 == "0A" && substr($2, length($2) - 4) == p {
		print "socket:[" $10 "]" }' /proc/net/tcp | sort
}
W1=$(workers_of "$MASTER")
LISTEN1=$(listen_inodes)
FDS1=$(ls "/proc/$MASTER/fd" | wc -l)
check "drain be/a" eval "ctl drain be/a >/dev/null"

# the upgrade: a new file at the same path (cp + mv: a new inode, the running one stays)
cp "$LBD" "$T/lbd-bin.new" && mv "$T/lbd-bin.new" "$T/lbd-bin"
NEW_INO=$(stat -c %i "$T/lbd-bin")
run_bg "$T/load" "$PYTHON" "$top_srcdir/tests/integration/reload_load.py" "$PF" 20 "$T/stop" 2 1
LOAD=$BG_PID
sleep 0.3
out=$(ctl reload)
is "$?" 0 "lbctl reload exits 0 across the binary upgrade"
like "$out" "^reload 1: worker [0-9]+ \(generation 2\) serving" "and answers with the new generation"
like "$(cat "$LBD_LOG")" "master: binary upgrade: executing $T/lbd-bin" "the master logs the exec"
check "the master is the same process" pid_alive "$MASTER"
is "$(stat -L -c %i "/proc/$MASTER/exe")" "$NEW_INO" "it now runs the new file"
num_between "$(echo "$LISTEN1" | grep -c socket)" 1 64 "listening sockets before the upgrade"
is "$(listen_inodes)" "$LISTEN1" "the very same listening sockets after it (inodes)"
is "$(comm -12 <(echo "$LISTEN1") <(sock_inodes "$MASTER") | wc -l)" "$(echo "$LISTEN1" | wc -l)" \
	"the master still holds them all"
check "the old worker exits" wait_for 3 eval "! pid_alive $W1"
is "$(ctl --json show servers be | "$PYTHON" -c 'import json,sys; print([r["admin"] for r in json.load(sys.stdin)["data"] if r["server"] == "a"][0])')" \
	"drain" "be/a is still drained"
sleep 0.3
touch "$T/stop"
wait_exit "$LOAD" 10
res=$(head -n 1 "$T/load")
diag "load: $res"
like "$res" "new_fail=0 refused=0 ka_ok=[0-9]+ ka_fail=0" "no request failed, no connection refused"
is "$(ls "/proc/$MASTER/fd" | wc -l)" "$FDS1" "the master holds as many fds as before"

# a second upgrade whose config the new binary refuses: the serving worker goes on
W2=$(workers_of "$MASTER")
cp "$LBD" "$T/lbd-bin.new" && mv "$T/lbd-bin.new" "$T/lbd-bin"
echo "	no-such-keyword 1" >>"$T/lbd.cfg"
out=$(ctl reload 2>&1)
is "$?" 1 "a bad config after the exec: lbctl reload exits 1"
like "$out" "error: unknown keyword 'no-such-keyword'" "with the error"
is "$(workers_of "$MASTER")" "$W2" "the serving worker goes on"
is "$(hcurl "http://127.0.0.1:$PF/")" "B" "and serves"
cp "$T/good.cfg" "$T/lbd.cfg"
out=$(ctl reload)
like "$out" "^reload 2: worker [0-9]+ \(generation 3\) serving" "the fixed config reloads"
is "$(hcurl "http://127.0.0.1:$PF/")" "B" "and serves"

done_testing
