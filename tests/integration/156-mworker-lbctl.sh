#!/bin/bash
# tests/integration/156-mworker-lbctl.sh: "lbctl reload" and "lbctl show proc" in
# master-worker mode: show proc lists the master and the worker with generation and state;
# reload answers once the new worker serves, with its generation (exit 0), and the new
# config is what serves; a config with errors makes lbctl exit 1 and print each error with
# file:line:col, the same worker goes on; without master-worker mode both commands fail with
# a message saying what to do. A reload whose worker cannot start keeps the control socket
# where it was; one that moves it moves it.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
# workers_of PID: the child processes of master PID (its workers), one per line
workers_of() { cat "/proc/$1/task/"*/children 2>/dev/null | tr ' ' '\n' | grep .; }

[ -x "$LBCTL" ] || skip_all "lbctl not found: LBCTL=$LBCTL"
start_stub PA --http A || bail "stub A"
start_stub PB --http B || bail "stub B"
PF=$(free_port)
SOCK=$T/ctl.sock
write_cfg()	# SERVER-PORT
{
	cfg_global http "stats socket $SOCK level admin"
	printf 'frontend fe\n\tbind 127.0.0.1:%s\n\tdefault_backend be\n' "$PF"
	printf 'backend be\n\tserver s 127.0.0.1:%s\n' "$1"
}
write_cfg "$PA" >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" -W || bail "lbd -W did not start"
MASTER=$LBD_PID
wait_log "\(generation 1\) serving" || bail "no worker serves"
wait_for 5 test -S "$SOCK" || bail "no control socket"
ctl() { "$LBCTL" -s "$SOCK" "$@"; }
W1=$(workers_of "$MASTER")

out=$(ctl show proc)
like "$out" "^$MASTER +master +- +[0-9]+ +serving +0" "show proc: the master's row"
like "$out" "^$W1 +worker +1 +[0-9]+ +serving +0 +\*" "show proc: the worker's row (generation 1, answering)"

write_cfg "$PB" >"$T/lbd.cfg"
out=$(ctl reload)
is "$?" 0 "lbctl reload exits 0"
like "$out" "^reload 1: worker [0-9]+ \(generation 2\) serving, [0-9]+ ms after the request$" \
	"it answers with the new generation"
is "$(hcurl "http://127.0.0.1:$PF/")" "B" "the new configuration serves as soon as it answered"
out=$(ctl show proc)
like "$out" "worker +2 +[0-9]+ +serving +0 +\*" "show proc: generation 2 serves (a new connection reaches it)"
check "the old worker is gone soon" wait_for 3 eval "! pid_alive $W1"

W2=$(workers_of "$MASTER")
{ write_cfg "$PA"; printf '\tno-such-keyword x\n\tserver t 127.0.0.1:99999\n'; } >"$T/lbd.cfg"
out=$(ctl reload 2>&1)
is "$?" 1 "a bad config: lbctl reload exits 1"
like "$out" "reload failed: the configuration has errors; the serving worker goes on unchanged" \
	"it says the reload failed"
like "$out" "lbd\.cfg:[0-9]+:2: error: unknown keyword 'no-such-keyword'" "with the first error and its position"
like "$out" "lbd\.cfg:[0-9]+:[0-9]+: error: .*99999" "and the second one"
is "$(workers_of "$MASTER")" "$W2" "the same worker goes on"
is "$(hcurl "http://127.0.0.1:$PF/")" "B" "serving the configuration it had"

# A valid config whose worker cannot start (its user does not exist) and which moves the
# control socket: the reload fails, the control socket stays where it was.
SOCK2=$T/ctl2.sock
write_cfg "$PA" | sed -e "s#$SOCK#$SOCK2#" -e 's/^global$/global\n\tuser no-such-user-lbtest/' >"$T/lbd.cfg"
out=$(ctl reload 2>&1)
is "$?" 1 "a worker that cannot start: lbctl reload exits 1"
like "$out" "reload failed: the new worker could not start" "and says so"
is "$(workers_of "$MASTER")" "$W2" "the serving worker goes on"
check "the control socket still answers at its path" eval "ctl show info >/dev/null"
check "the new path was removed again" test ! -e "$SOCK2"
is "$(hcurl "http://127.0.0.1:$PF/")" "B" "the old configuration serves"

# The socket moves for real: the new path answers, the old one is gone.
write_cfg "$PB" | sed -e "s#$SOCK#$SOCK2#" >"$T/lbd.cfg"
out=$(ctl reload)
like "$out" "^reload 2: worker [0-9]+ \(generation 4\) serving" "a reload that moves the control socket"
check "the new path answers" eval "\"\$LBCTL\" -s '$SOCK2' show info >/dev/null"
check "the old path is gone" wait_for 3 test ! -e "$SOCK"
stop_pid "$MASTER"

# single-process mode: the commands say they need master-worker mode
write_cfg "$PA" >"$T/single.cfg"
start_lbd "$T/single.cfg" || bail "lbd did not start"
wait_for 5 test -S "$SOCK" || bail "no control socket"
out=$(ctl reload 2>&1)
is "$?" 1 "single-process lbd: lbctl reload exits 1"
like "$out" "not in master-worker mode: start lbd with -W" "and says what to do"
out=$(ctl show proc 2>&1)
is "$?" 1 "show proc exits 1 too"

done_testing
