#!/bin/bash
# tests/integration/070-cli.sh: lbd -c: exit codes and messages for good and bad configurations
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

start_stub PA --http A || bail "stub A"

# Indented with spaces, so the column of every keyword is unambiguous (5).
cat >"$T/good.cfg" <<EOF
global
    log stderr format raw local0

defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s

frontend fe
    bind 127.0.0.1:$PA
    default_backend be

backend be
    balance roundrobin
    server a 127.0.0.1:$PA check inter 2s rise 2 fall 3
EOF

# lbd -c never binds: the frontend above uses the stub's port, which is taken.
out=$("$LBD" -c -f "$T/good.cfg" 2>&1)
rc=$?
is "$rc" 0 "lbd -c on a good config exits 0 (without binding its ports)"
like "$out" 'Configuration file is valid' "and says 'Configuration file is valid'"

sed 's/^    timeout server 5s$/    timout server 5s/' "$T/good.cfg" >"$T/bad.cfg"
line=$(grep -n timout "$T/bad.cfg" | cut -d: -f1)
out=$("$LBD" -c -f "$T/bad.cfg" 2>&1)
rc=$?
check "lbd -c on an unknown keyword exits non-zero (got $rc)" test "$rc" -ne 0
unlike "$out" 'Configuration file is valid' "and does not claim it is valid"
like "$out" "unknown keyword 'timout'" "the message names the unknown keyword"
like "$out" "did you mean 'timeout'" "and suggests the right one"
like "$out" "bad\\.cfg:$line\\b" "the message gives file:line ($line)"
lbd_is_haproxy && LB_TODO="HAProxy 2.6 prints [file:line], without a column"
like "$out" "bad\\.cfg:$line:5: error: unknown keyword 'timout'" "the message reads file:line:col: error: ..."
LB_TODO=""

# Every error is reported, not only the first.
sed -e 's/^    timeout server 5s$/    timout server 5s/' -e 's/^    balance roundrobin$/    balance nosuchalgo/' \
	"$T/good.cfg" >"$T/bad2.cfg"
l2=$(grep -n nosuchalgo "$T/bad2.cfg" | cut -d: -f1)
out=$("$LBD" -c -f "$T/bad2.cfg" 2>&1)
like "$out" "bad2\\.cfg:$line\\b.*timout" "two errors: the first is reported (line $line)"
like "$out" "bad2\\.cfg:$l2\\b" "two errors: the second is reported too (line $l2)"

# A reference to a backend that does not exist.
sed 's/^    default_backend be$/    default_backend nope/' "$T/good.cfg" >"$T/bad3.cfg"
out=$("$LBD" -c -f "$T/bad3.cfg" 2>&1)
rc=$?
check "unknown default_backend: exit non-zero (got $rc)" test "$rc" -ne 0
like "$out" "nope" "the message names the missing backend"

# A value that does not parse.
sed 's/^    timeout client 5s$/    timeout client 5parsecs/' "$T/good.cfg" >"$T/bad4.cfg"
out=$("$LBD" -c -f "$T/bad4.cfg" 2>&1)
rc=$?
check "bad time value: exit non-zero (got $rc)" test "$rc" -ne 0
like "$out" "bad4\\.cfg:7\\b" "the message gives the line (7)"

# A missing file.
out=$("$LBD" -c -f "$T/does-not-exist.cfg" 2>&1)
rc=$?
check "missing file: exit non-zero (got $rc)" test "$rc" -ne 0
like "$out" "does-not-exist\\.cfg" "the message names the file"

# A bad config never starts the daemon.
"$LBD" -f "$T/bad.cfg" >"$T/run.out" 2>&1 &
pid=$!
lb_track "$pid"
check "lbd -f on a bad config exits by itself" wait_exit "$pid" 3
check "with a non-zero status (got $LB_EXIT)" test "$LB_EXIT" -ne 0

done_testing
