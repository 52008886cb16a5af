#!/bin/bash
# tests/integration/132-lbtop-latency.sh: lbtop's latency and check columns and its
# sparkline: with traffic running, --once --plain shows P50/P99 (ms, from the histograms of
# the last interval) and CHECK per row and an ASCII sparkline; in tmux with a UTF-8 locale
# the sparkline is drawn with block characters.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

LBTOP=${LBTOP:-$top_builddir/lbtop/lbtop}
[ -x "$LBTOP" ] || skip_all "lbtop not found: LBTOP=$LBTOP"
start_stub P1 --http s1 || bail "stub s1"
PF=$(free_port)
ADMIN=$T/admin.sock
{
	cat <<-EOF
	global
		stats socket $ADMIN mode 600 level admin
	EOF
	cfg_global | sed 1d
	cat <<-EOF
	frontend f
		bind 127.0.0.1:$PF
		default_backend b
	backend b
		server s1 127.0.0.1:$P1
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"
wait_for 5 test -S "$ADMIN" || bail "no control socket"

# load: requests the stub holds 30 ms, for a bounded time
load()
{
	local end=$((SECONDS + $1))
	while [ "$SECONDS" -lt "$end" ]; do
		hcurl -o /dev/null "http://127.0.0.1:$PF/?delay=30" 2>/dev/null || break
	done
}
load 4 &
lb_track $!

out=$("$LBTOP" --once --plain -d 1 -s "$ADMIN")
is "$?" 0 "lbtop --once --plain exits 0"
like "$out" '^FRONTEND +STATUS +CHECK +WEIGHT .* P50 +P99 ' "the P50 and P99 columns"
like "$out" '^b/s1 +UP +- +1 .* [0-9.]+ms +[0-9.]+ms ' "b/s1: p50 and p99 in ms"
p50=$(printf '%s\n' "$out" | awk '$1 == "b/s1" { for (i = 1; i <= NF; i++) if ($i ~ /ms$/) { print $i; exit } }')
num_between "${p50%ms}" 30 60 "b/s1's p50 reflects the stub's 30 ms ($p50)"
like "$out" ' 5xx [0-9.]+% +[_.:=+*#-]' "the header: req/s, 5xx rate and an ASCII sparkline"

command -v tmux >/dev/null || { done_testing; exit; }
TM="lb132-$$"
tm() { tmux -L "$TM" -f /dev/null "$@"; }
trap 'tmux -L "$TM" kill-server 2>/dev/null; _lb_cleanup' EXIT
load 6 &
lb_track $!
tm new-session -d -s t -x 160 -y 20 \
	"LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color '$LBTOP' -s '$ADMIN' -d 0.3" ||
	bail "tmux new-session"
spark() { tm capture-pane -p -t t | grep -q '[▁▂▃▄▅▆▇█]'; }
wait_for 5 spark
spark
is "$?" 0 "tmux: the sparkline uses block characters in a UTF-8 terminal"
like "$(tm capture-pane -p -t t)" 'b/s1 +UP .*ms' "tmux: the latency columns"
tm send-keys -t t q
done_testing
