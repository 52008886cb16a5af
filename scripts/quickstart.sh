#!/bin/bash
# scripts/quickstart.sh: from a fresh Debian 12 (as root) to the running demo or the full test run
#
#   bash scripts/quickstart.sh demo [--sanitize]   build, run lbd on examples/demo.cfg, curl it
#   bash scripts/quickstart.sh test [--sanitize]   build, make check, print the summary
#
# Steps: install the missing Debian packages (apt-get is skipped when all are installed),
# autoreconf -fi, configure out of tree in _build (--sanitize: _build-san with
# --enable-sanitizers), make -j2. `test` exits non-zero if anything failed; its last line is
# tests/summary.sh's "N passed, N failed". Environment: JOBS (default 2).

set -u
set -o pipefail

PACKAGES=(build-essential autoconf automake libtool pkg-config libevent-dev libgnutls28-dev
	libnghttp2-dev libmsgpack-dev libncurses-dev libreadline-dev check curl python3 clang llvm
	socat redis-server redis-tools postgresql postgresql-client mariadb-server mariadb-client
	slapd ldap-utils python3-aiosmtpd git pre-commit prometheus chromium tmux libpcre2-dev
	openssl libcrypt-dev gnutls-bin python3-h2 python3-grpcio nghttp2-client faketime libssl-dev)
DEMO_PORT=25080
DEMO_BACKEND_PORTS=(25081 25082)
DEMO_SOCKET=/tmp/lb-demo.sock

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
jobs=${JOBS:-2}

say() { printf '==> %s\n' "$*"; }
die() { printf 'quickstart: %s\n' "$*" >&2; exit 1; }

usage()
{
	sed -n '3,5p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
	exit 2
}

install_packages()
{
	local missing=() p
	for p in "${PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	if [ "${#missing[@]}" -eq 0 ]; then
		say "packages: all installed"
		return 0
	fi
	local sudo=""
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null || die "missing packages (${missing[*]}); run as root"
		sudo=sudo
	fi
	say "packages: installing ${missing[*]}"
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q || die "apt-get update failed"
	# the test servers (redis, PostgreSQL, MariaDB, slapd) are started by the tests on
	# private ports; keep their packages from starting system-wide services (policy-rc.d)
	local made_policy=0 rc=0
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null &&
			$sudo chmod 755 /usr/sbin/policy-rc.d && made_policy=1
	fi
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		"${missing[@]}" || rc=$?
	[ "$made_policy" = 1 ] && $sudo rm -f /usr/sbin/policy-rc.d
	[ "$rc" = 0 ] || die "apt-get install failed"
}

build()
{
	say "autoreconf -fi"
	(cd "$top" && autoreconf -fi) || die "autoreconf failed"
	if [ ! -f "$build/Makefile" ]; then
		say "configure in $build"
		mkdir -p "$build" || die "cannot create $build"
		(cd "$build" && "$top/configure" -q $configure_args) || die "configure failed"
	fi
	say "make -j$jobs"
	make -C "$build" -s -j"$jobs" || die "build failed"
}

# ---- demo --------------------------------------------------------------------------------
lbd_pid=""
stop_lbd()
{
	[ -n "$lbd_pid" ] || return 0
	kill -TERM "$lbd_pid" 2>/dev/null
	local i
	for ((i = 0; i < 50; i++)); do
		kill -0 "$lbd_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$lbd_pid" 2>/dev/null
	wait "$lbd_pid" 2>/dev/null
	lbd_pid=""
}

port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

demo()
{
	local lbd="$build/lbd/lbd" lbctl="$build/lbctl/lbctl" cfg="$top/examples/demo.cfg"
	local log="$build/demo.log" p i reply rc=0
	[ -x "$lbd" ] || die "$lbd was not built"
	for p in "$DEMO_PORT" "${DEMO_BACKEND_PORTS[@]}"; do
		port_open "$p" && die "port $p on 127.0.0.1 is already in use (see $cfg)"
	done

	say "$lbd -f $cfg   (log: $log)"
	"$lbd" -f "$cfg" 2>"$log" &
	lbd_pid=$!
	trap stop_lbd EXIT
	for ((i = 0; i < 100; i++)); do
		port_open "$DEMO_PORT" && break
		kill -0 "$lbd_pid" 2>/dev/null || break
		sleep 0.05
	done
	if ! port_open "$DEMO_PORT"; then
		tail -n 20 "$log" >&2
		die "lbd did not start listening on 127.0.0.1:$DEMO_PORT"
	fi

	say "6 requests to http://127.0.0.1:$DEMO_PORT/ (round robin over A and B)"
	for i in 1 2 3 4 5 6; do
		reply=$(curl -sS --max-time 5 --noproxy '*' "http://127.0.0.1:$DEMO_PORT/") || rc=1
		printf '  request %d: %s\n' "$i" "$reply"
	done

	if [ -x "$lbctl" ]; then
		say "$lbctl -s $DEMO_SOCKET show servers"
		"$lbctl" -s "$DEMO_SOCKET" show servers || { echo "  (lbctl failed)"; rc=1; }
	fi

	say "stopping lbd (pid $lbd_pid)"
	stop_lbd
	[ "$rc" -eq 0 ] || die "the demo did not work as expected (lbd log: $log)"
	say "demo done"
}

# ---- test --------------------------------------------------------------------------------
run_tests()
{
	local rc=0
	say "make check -j$jobs"
	make -C "$build" -s -j"$jobs" check || rc=$?
	[ "$rc" -eq 0 ] || echo "make check failed (status $rc): see $build/test-suite.log and the logs below"
	echo
	bash "$top/tests/summary.sh" "$build" || rc=1
	return "$rc"
}

# ---- main --------------------------------------------------------------------------------
[ $# -ge 1 ] || usage
cmd=$1
shift
build="$top/_build"
configure_args=""
for a in "$@"; do
	case "$a" in
	--sanitize) build="$top/_build-san"; configure_args="--enable-sanitizers" ;;
	*) usage ;;
	esac
done
case "$cmd" in
demo|test) ;;
*) usage ;;
esac

install_packages
build
case "$cmd" in
demo) demo ;;
test) run_tests ;;
esac
