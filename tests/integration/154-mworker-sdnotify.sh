#!/bin/bash
# tests/integration/154-mworker-sdnotify.sh: lbd -Ws speaks systemd's notify protocol on
# $NOTIFY_SOCKET (an abstract '@' name, then a path): READY=1 once the worker serves;
# RELOADING=1 with MONOTONIC_USEC on a reload, then READY=1 when the new worker serves (also
# after a failed reload, with a STATUS); STOPPING=1 on SIGTERM.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

start_stub PA --http A || bail "stub A"
PF=$(free_port)
{
	cfg_global http
	cat <<-EOF
	frontend fe
		bind 127.0.0.1:$PF
		default_backend be
	backend be
		server a 127.0.0.1:$PA
	EOF
} >"$T/lbd.cfg"
cp "$T/lbd.cfg" "$T/good.cfg"

for addr in "@lbtest-notify-$$" "$T/notify.sock"; do
	rm -f "$T/notes" "$T/sink.ready"
	run_bg "$T/sink.out" "$PYTHON" "$top_srcdir/tests/integration/sdnotify_sink.py" "$addr" "$T/notes" "$T/sink.ready"
	SINK=$BG_PID
	wait_for 5 test -e "$T/sink.ready" || bail "the notify sink did not start"
	NOTIFY_SOCKET=$addr start_lbd "$T/lbd.cfg" -Ws || bail "lbd -Ws did not start"
	MASTER=$LBD_PID
	check "$addr: READY=1 once the worker serves" wait_for 5 grep -q '^READY=1' "$T/notes"
	kill -USR2 "$MASTER"
	check "$addr: RELOADING=1 on SIGUSR2" wait_for 5 grep -q '^RELOADING=1' "$T/notes"
	like "$(grep '^RELOADING=1' "$T/notes")" "^RELOADING=1 \| MONOTONIC_USEC=[0-9]+$" \
		"$addr: with MONOTONIC_USEC"
	check "$addr: then READY=1 again" wait_for 5 eval "[ \$(grep -c '^READY=1' '$T/notes') = 2 ]"
	is "$(sed -n 2p "$T/notes" | cut -d' ' -f1) $(sed -n 3p "$T/notes" | cut -d' ' -f1)" \
		"RELOADING=1 READY=1" "$addr: in that order"
	echo "	bogus-keyword 1" >>"$T/lbd.cfg"
	kill -HUP "$MASTER"
	check "$addr: a failed reload still ends with READY=1" \
		wait_for 5 eval "[ \$(grep -c '^READY=1' '$T/notes') = 3 ]"
	like "$(tail -n 1 "$T/notes")" "STATUS=reload failed" "$addr: with a STATUS saying it failed"
	cp "$T/good.cfg" "$T/lbd.cfg"
	kill -TERM "$MASTER"
	check "$addr: STOPPING=1 on SIGTERM" wait_for 5 grep -q '^STOPPING=1' "$T/notes"
	wait_exit "$MASTER" 5
	stop_pid "$SINK"
done

done_testing
