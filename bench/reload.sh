#!/bin/bash
# bench/reload.sh: how long a reload takes in master-worker mode, and the memory over reloads.
#
# Usage: bench/reload.sh [LBD] [RELOADS]      (default: ./lbd/lbd of the build tree, 20)
# For a 10-server config and a 1,000-backend config (one server each), starts `lbd -W`,
# sends RELOADS SIGUSR2 one after the other (each once the previous one is served) and
# prints the time the master logs from the signal to the new worker serving (min / median /
# max), and the RSS of the master and of the serving worker before and after. Loopback
# only; nothing listens at the servers (no traffic is sent): this times the control path.
set -u
LBD=${1:-./lbd/lbd}
N=${2:-20}
T=$(mktemp -d "${TMPDIR:-/tmp}/lbreload.XXXXXX")
trap 'rm -rf "$T"' EXIT

port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

gen_cfg()	# KIND PORT
{
	printf 'global\n\tlog stderr format raw local0\n\tnbthread 2\n'
	printf 'defaults\n\tmode http\n\ttimeout connect 2s\n\ttimeout client 5s\n\ttimeout server 5s\n'
	printf 'frontend fe\n\tbind 127.0.0.1:%s\n\tdefault_backend be1\n' "$2"
	if [ "$1" = 10 ]; then
		printf 'backend be1\n'
		for i in $(seq 1 10); do printf '\tserver s%d 127.0.0.1:%d\n' "$i" $((20000 + i)); done
	else
		for i in $(seq 1 1000); do
			printf 'backend be%d\n\tserver s1 127.0.0.1:%d\n' "$i" $((20000 + i % 1000))
		done
	fi
}

for kind in 10 1000; do
	p=$(port)
	gen_cfg "$kind" "$p" >"$T/$kind.cfg"
	"$LBD" -W -f "$T/$kind.cfg" 2>"$T/$kind.log" &
	master=$!
	for _ in $(seq 1 100); do grep -q 'generation 1) serving' "$T/$kind.log" && break; sleep 0.05; done
	worker() { sed -n 's/.*worker \([0-9]*\) (generation [0-9]*) serving.*/\1/p' "$T/$kind.log" | tail -n 1; }
	m0=$(rss_kb "$master")
	w0=$(rss_kb "$(worker)")
	for i in $(seq 1 "$N"); do
		kill -USR2 "$master"
		for _ in $(seq 1 200); do grep -q "reload $i: worker" "$T/$kind.log" && break; sleep 0.01; done
	done
	sleep 0.3
	times=$(grep '^\[NOTICE\]' "$T/$kind.log" | sed -n 's/.*serving, \([0-9]*\) ms after the request.*/\1/p' | sort -n)
	n=$(echo "$times" | wc -l)
	printf '%s: %d reloads: %s ms min, %s ms median, %s ms max; RSS master %s -> %s kB, worker %s -> %s kB\n' \
		"$([ "$kind" = 10 ] && echo '10 servers' || echo '1000 backends')" "$n" \
		"$(echo "$times" | head -n 1)" "$(echo "$times" | sed -n "$(( (n + 1) / 2 ))p")" \
		"$(echo "$times" | tail -n 1)" "$m0" "$(rss_kb "$master")" "$w0" "$(rss_kb "$(worker)")"
	kill -TERM "$master"
	wait "$master"
done
