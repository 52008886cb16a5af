#!/bin/bash
# tests/integration/081-lbtop.sh: lbtop in tmux against a real lbd: the rows appear, d asks
# and then drains the selected server (n cancels), e enables it, w sets a weight after a
# prompt and a confirmation, s sorts, / filters, Enter shows a server in full, a daemon
# restart shows and is followed, a resize keeps the frame, ? shows the keys, q quits with
# status 0; --once prints the frame as text.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

LBTOP=${LBTOP:-$top_builddir/lbtop/lbtop}
[ -x "$LBTOP" ] || skip_all "lbtop not found: LBTOP=$LBTOP"
[ -x "$LBCTL" ] || skip_all "lbctl not found: LBCTL=$LBCTL"
command -v tmux >/dev/null || skip_all "tmux not installed"
start_stub P1 --http s1 || bail "stub s1"
start_stub P2 --http s2 || bail "stub s2"
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
		server s2 127.0.0.1:$P2
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"
wait_for 5 test -S "$ADMIN" || bail "no control socket"

out=$("$LBTOP" --once -d 0.2 -s "$ADMIN")
is "$?" 0 "lbtop --once exits 0"
like "$out" '^FRONTEND +STATUS' "--once: the frontend table"
like "$out" '^b/s1 +UP ' "--once: b/s1 UP"
like "$out" '^b/s2 +UP ' "--once: b/s2 UP"
"$LBTOP" --once -s "$T/none.sock" 2>/dev/null
is "$?" 3 "--once without a daemon exits 3"

TM="lb081-$$"
tm() { tmux -L "$TM" -f /dev/null "$@"; }
tm_cleanup() { tmux -L "$TM" kill-server 2>/dev/null; }
trap 'tm_cleanup; _lb_cleanup' EXIT
pane() { tm capture-pane -p -t t; }
pane_has() { pane | grep -qF -- "$1"; }

# the exit status goes through a file: a sanitizer build's exit confuses tmux's own record
tm new-session -d -s t -x 132 -y 30 \
	"TERM=xterm-256color '$LBTOP' -s '$ADMIN' -d 0.3; echo \$? > '$T/lbtop.rc'" ||
	bail "tmux new-session"
tm set-option -t t remain-on-exit on >/dev/null
wait_for 5 pane_has "b/s2"
like "$(pane)" '^b/s1 +UP ' "tmux: the server rows appear"
like "$(pane)" 'lbtop - lbd' "tmux: the header"

tm send-keys -t t j d
wait_for 3 pane_has "drain b/s2? [y/N]"
like "$(pane)" 'drain b/s2\? \[y/N\]' "d asks before draining the selected server"
tm send-keys -t t n
wait_for 3 pane_has "cancelled"
like "$("$LBCTL" -s "$ADMIN" show servers b)" '^b +s2 .* UP ' "n cancels: s2 still UP"
tm send-keys -t t d y
wait_for 3 pane_has "b/s2: drain (was ready)"
like "$(pane)" 'b/s2: drain \(was ready\)' "d y drains: the daemon's answer in the status bar"
like "$("$LBCTL" -s "$ADMIN" show servers b)" '^b +s2 .* DRAIN ' "s2 is drained"
wait_for 3 eval 'pane | grep -Eq "^b/s2 +DRAIN "'
like "$(pane)" '^b/s2 +DRAIN ' "the row shows DRAIN"
tm send-keys -t t e y
wait_for 3 pane_has "b/s2: ready (was drain)"
like "$("$LBCTL" -s "$ADMIN" show servers b)" '^b +s2 .* UP ' "e y enables s2 again"

# w: the weight prompt, then a confirmation (s2 is still selected)
tm send-keys -t t w
wait_for 3 pane_has "weight of b/s2"
tm send-keys -t t 7 Enter
wait_for 3 pane_has "weight b/s2 7? [y/N]"
like "$(pane)" 'weight b/s2 7\? \[y/N\]' "w: prompt, then asks before changing the weight"
tm send-keys -t t y
wait_for 3 eval '"$LBCTL" -s "$ADMIN" --json show servers b | tr -d " " | grep -q "\"server\":\"s2\"[^}]*\"weight\":7"'
like "$("$LBCTL" -s "$ADMIN" --json show servers b | tr -d ' \n')" '"server":"s2"[^}]*"weight":7' \
	"w 7 y: s2's weight is 7"
"$LBCTL" -s "$ADMIN" weight b/s2 100% >/dev/null
# s: the sort order cycles, told in the status bar
tm send-keys -t t s
wait_for 3 pane_has "servers sorted by req/s"
like "$(pane)" 'servers sorted by req/s' "s sorts the servers (by req/s first)"
# /: filter by name
tm send-keys -t t / s 2 Enter
wait_for 3 eval '! pane | grep -Eq "^b/s1 "'
unlike "$(pane)" '^b/s1 ' "/ s2: b/s1 is filtered out"
like "$(pane)" '^b/s2 ' "/ s2: b/s2 stays"
tm send-keys -t t / BSpace BSpace Enter
wait_for 3 eval 'pane | grep -Eq "^b/s1 "'
like "$(pane)" '^b/s1 ' "an empty filter shows every server again"
# Enter: the selected server in full, Enter again goes back
tm send-keys -t t Enter
wait_for 3 pane_has "(Enter: back)"
like "$(pane)" '^ b/s[12] +\(Enter: back\)' "Enter: the detail of the selected server"
like "$(pane)" '^  P99 ' "the detail lists every column"
tm send-keys -t t Enter
wait_for 3 pane_has "FRONTEND"
like "$(pane)" '^FRONTEND' "Enter again: back to the tables"

stop_pid "$LBD_PID"
wait_for 5 pane_has "disconnected"
like "$(pane)" 'disconnected: .*retrying' "the daemon going away shows in the status bar"
start_lbd "$T/lbd.cfg" || bail "lbd did not restart"
wait_for 5 eval '! pane_has disconnected'
unlike "$(pane)" 'disconnected' "lbtop reconnects to the restarted daemon"
like "$(pane)" '^b/s1 +UP ' "and shows its servers again"

tm resize-window -t t -x 70 -y 12 >/dev/null 2>&1
sleep 0.5
like "$(pane)" 'lbtop - lbd' "after a resize the frame is redrawn"
tm send-keys -t t '?'
wait_for 3 pane_has "lbtop keys"
like "$(pane)" 'lbtop keys' "? shows the keys"
tm send-keys -t t x q
wait_for 5 eval '[ "$(tm display-message -p -t t "#{pane_dead}")" = 1 ]'
is "$(tm display-message -p -t t '#{pane_dead}')" 1 "q quits"
is "$(cat "$T/lbtop.rc" 2>/dev/null)" 0 "lbtop exits with status 0"

done_testing
