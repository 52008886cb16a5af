# tests/servers.sh: real servers for the health-check tests: redis-server, PostgreSQL, MariaDB,
# slapd, an SMTP server (aiosmtpd), and a misbehaving server (garbage, half a reply, a reset,
# silence) for each protocol
#
# Source it after tests/lib.sh. Every start_* function:
# - installs its Debian packages when missing (need_pkgs: apt-get, quietly, with service
#   start-up denied so that no system-wide daemon is left running);
# - starts one server in the foreground under $T, bound to 127.0.0.1 on a port the kernel
#   called free (a start that loses that race is retried on another port, 3 tries);
# - waits, bounded, until the server answers its own protocol;
# - tracks the PID with lb_track, so lib.sh's EXIT trap stops it by PID; stop_server stops
#   it earlier (the "server is down" case);
# - sets <NAME>_PORT and <NAME>_PID (NAME: REDIS, PGSQL, MYSQL, SLAPD, SMTP; start_misbehaving
#   fills MB_PORT[mode]) and prints the start-up time as a TAP comment;
# - on failure prints the server's log tail and returns 1: the test chooses skip or bail.
# SERVERS_WHY holds a one-line reason after a failure (for skip_all).

SERVERS_WHY=""
LB_NSRV=0

_ms_now() { date +%s%3N; }

# need_pkgs PKG...: install the missing packages. The start-up of services by the packages'
# maintainer scripts is denied with a policy-rc.d (exit 101) unless one exists; a daemon that
# a package started anyway (its pidfile appeared during the install) is stopped by that PID.
# Parallel tests serialise on a lock file; dpkg's own lock is waited for too.
_SRV_PIDFILES="/run/redis/redis-server.pid /run/mysqld/mysqld.pid /run/slapd/slapd.pid"
_SRV_PIDFILES="$_SRV_PIDFILES /run/postgresql/15-main.pid"
need_pkgs()
{
	local missing=() p f before="" rc
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ "${#missing[@]}" -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		SERVERS_WHY="Debian packages missing (${missing[*]}) and not root to install them"
		return 1
	fi
	for f in $_SRV_PIDFILES; do
		[ -e "$f" ] && before="$before $f"
	done
	diag "installing ${missing[*]}"
	(
		flock -w 600 9 || exit 1
		made_policy=0
		if [ ! -e /usr/sbin/policy-rc.d ]; then
			printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
			chmod 755 /usr/sbin/policy-rc.d
			made_policy=1
		fi
		inst() {
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
				-o DPkg::Lock::Timeout=300 "${missing[@]}"
		}
		inst || { DEBIAN_FRONTEND=noninteractive apt-get update -q && inst; }
		rc=$?
		[ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
		exit $rc
	) 9>/tmp/lb-tests-apt.lock >"$T/apt.log" 2>&1
	rc=$?
	for f in $_SRV_PIDFILES; do
		case " $before " in *" $f "*) continue ;; esac
		[ -s "$f" ] || continue
		p=$(cat "$f" 2>/dev/null)
		[ -n "$p" ] && pid_alive "$p" && kill -s TERM "$p" 2>/dev/null &&
			diag "stopped the system-wide daemon the package started (pid $p, $f)"
	done
	if [ "$rc" -ne 0 ]; then
		SERVERS_WHY="apt-get install ${missing[*]} failed"
		diag_file "$T/apt.log"
		return 1
	fi
	return 0
}

# _srv_run NAME LAUNCH READY: the common start-up loop. LAUNCH PORT DIR starts the server in
# the background and sets SRV_PID and SRV_LOG; READY PORT DIR is true once it answers.
_srv_run()
{
	local name=$1 launch=$2 ready=$3 try port dir t0 i
	LB_NSRV=$((LB_NSRV + 1))
	dir="$T/$name.$LB_NSRV"
	mkdir -p "$dir"
	t0=$(_ms_now)
	for try in 1 2 3; do
		port=$(free_port)
		SRV_PID="" SRV_LOG="$dir/$name.log"
		# fd 7 is lib.sh's copy of the TAP stdout: a server must not hold it open, or a
		# server that outlived its test would keep the TAP driver waiting for the end.
		"$launch" "$port" "$dir" 7>&- || break
		lb_track "$SRV_PID"
		for ((i = 0; i < 600; i++)); do	# 30 s: MariaDB's first start can be slow
			"$ready" "$port" "$dir" && break
			pid_alive "$SRV_PID" || break
			sleep 0.05
		done
		if pid_alive "$SRV_PID" && "$ready" "$port" "$dir"; then
			printf -v "${name^^}_PORT" '%s' "$port"
			printf -v "${name^^}_PID" '%s' "$SRV_PID"
			printf -v "${name^^}_DIR" '%s' "$dir"
			diag "$name up on 127.0.0.1:$port in $(($(_ms_now) - t0)) ms (pid $SRV_PID)"
			return 0
		fi
		stop_pid "$SRV_PID"
		grep -qiE 'address already in use|could not bind|bind.*in use|errno=98' \
			"$SRV_LOG" 2>/dev/null || break
		diag "$name: port $port was taken meanwhile; trying another"
	done
	SERVERS_WHY="$name did not start (log: $SRV_LOG)"
	diag "$name did not start"
	diag_file "$SRV_LOG" 25
	return 1
}

# stop_server PID: stop one server now (TERM, KILL after 5 s) and wait until it is gone.
stop_server() { stop_pid "$1" TERM 5; }

# ---- redis-server -------------------------------------------------------------------------
# start_redis [requirepass PASSWORD]
_REDIS_PW=""
_redis_launch()
{
	cat >"$2/redis.conf" <<-EOF
	port $1
	bind 127.0.0.1
	protected-mode no
	daemonize no
	save ""
	appendonly no
	dir $2
	logfile $2/redis.log
	EOF
	[ -n "$_REDIS_PW" ] && echo "requirepass $_REDIS_PW" >>"$2/redis.conf"
	redis-server "$2/redis.conf" >"$2/redis.out" 2>&1 &
	SRV_PID=$!
}
_redis_ready()
{
	timeout 2 redis-cli --no-auth-warning -h 127.0.0.1 -p "$1" ping 2>/dev/null |
		grep -qE '^(PONG|NOAUTH)'
}
start_redis()
{
	_REDIS_PW=""
	[ "${1:-}" = requirepass ] && _REDIS_PW=$2
	need_pkgs redis-server redis-tools || return 1
	_srv_run redis _redis_launch _redis_ready
}

# ---- PostgreSQL ---------------------------------------------------------------------------
# start_pgsql: a fresh cluster (initdb) run by the "postgres" system user (PostgreSQL refuses
# root), TCP on 127.0.0.1 and its unix socket in the cluster's directory. Roles and what the
# server answers to a StartupMessage for user NAME (database NAME, as pgsql-check names none):
#   lbcheck  trust, database lbcheck exists    -> AuthenticationOk
#   nodb     trust, no database "nodb"         -> AuthenticationOk, then ErrorResponse (3D000)
#   rejected pg_hba "reject"                   -> ErrorResponse (28000), no authentication
#   pwuser   scram-sha-256 password            -> AuthenticationSASL
#   md5user  md5 password                      -> AuthenticationMD5Password
#   any other name: no pg_hba.conf line        -> ErrorResponse (28000), no authentication
_pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
_as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"; }
_pgsql_launch()
{
	local bin
	bin=$(_pg_bin)
	# setpriv execs postgres: the PID tracked is the postmaster's, not a subshell's.
	setpriv --reuid=postgres --regid=postgres --init-groups -- "$bin/postgres" -D "$2/data" -p "$1" -c listen_addresses=127.0.0.1 \
		-c unix_socket_directories="$2" -c fsync=off -c synchronous_commit=off \
		-c full_page_writes=off -c shared_buffers=16MB -c max_connections=20 \
		-c logging_collector=off >"$2/pgsql.log" 2>&1 &
	SRV_PID=$!
}
_pgsql_ready() { pg_isready -q -h 127.0.0.1 -p "$1" -t 1 2>/dev/null; }
start_pgsql()
{
	local bin dir t0
	need_pkgs postgresql postgresql-client || return 1
	getent passwd postgres >/dev/null || { SERVERS_WHY="no postgres system user"; return 1; }
	bin=$(_pg_bin)
	[ -x "$bin/initdb" ] || { SERVERS_WHY="initdb not found under /usr/lib/postgresql"; return 1; }
	# The cluster lives under $T (mode 0700, root's): let the postgres user traverse it.
	chmod 711 "$T"
	dir="$T/pgsql-init"
	mkdir -p "$dir" && chown postgres: "$dir"
	t0=$(_ms_now)
	if ! _as_postgres "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C \
		--no-sync >"$T/initdb.log" 2>&1; then
		SERVERS_WHY="initdb failed"
		diag "initdb failed"
		diag_file "$T/initdb.log"
		return 1
	fi
	cat >"$dir/data/pg_hba.conf" <<-EOF
	local all all                   trust
	host  all pwuser   127.0.0.1/32 scram-sha-256
	host  all md5user  127.0.0.1/32 md5
	host  all rejected 127.0.0.1/32 reject
	host  all lbcheck,nodb 127.0.0.1/32 trust
	EOF
	diag "initdb took $(($(_ms_now) - t0)) ms"
	_PG_INIT=$dir
	_srv_run pgsql _pgsql_launch_init _pgsql_ready || return 1
	if ! psql -X -q -v ON_ERROR_STOP=1 -h "$PGSQL_DIR" -p "$PGSQL_PORT" -U postgres -d postgres \
		>"$PGSQL_DIR/setup.log" 2>&1 <<-'EOF'
	CREATE ROLE lbcheck LOGIN;
	CREATE DATABASE lbcheck OWNER lbcheck;
	CREATE ROLE nodb LOGIN;
	CREATE ROLE rejected LOGIN;
	CREATE DATABASE rejected;
	SET password_encryption = 'scram-sha-256';
	CREATE ROLE pwuser LOGIN PASSWORD 'secret';
	CREATE DATABASE pwuser;
	SET password_encryption = 'md5';
	CREATE ROLE md5user LOGIN PASSWORD 'secret';
	CREATE DATABASE md5user;
	EOF
	then
		SERVERS_WHY="creating the PostgreSQL roles failed"
		diag_file "$PGSQL_DIR/setup.log"
		return 1
	fi
}
# The data directory made by initdb moves into the directory _srv_run gives the server.
_pgsql_launch_init()
{
	if [ -d "$_PG_INIT/data" ]; then
		chown postgres: "$2"
		mv "$_PG_INIT/data" "$2/data" || return 1
	fi
	_pgsql_launch "$@"
}

# ---- MariaDB ------------------------------------------------------------------------------
# start_mariadb: a fresh data directory (mariadb-install-db), mariadbd as root (--user=root),
# no option files, TCP on 127.0.0.1 and a unix socket in its directory. Users:
#   'lbcheck'@'127.0.0.1'  no password   -> OK packet
#   'pwuser'@'127.0.0.1'   a password    -> error 1045 (access denied) without it
_MY_OPTS=(--no-defaults --user=root --skip-name-resolve --innodb-buffer-pool-size=16M
	--innodb-log-file-size=8M --skip-log-bin --performance-schema=OFF)
_mysql_launch()
{
	if [ ! -d "$2/data/mysql" ]; then
		mariadb-install-db "${_MY_OPTS[@]}" --datadir="$2/data" --skip-test-db \
			--auth-root-authentication-method=socket >"$2/install-db.log" 2>&1 ||
			{ cp "$2/install-db.log" "$SRV_LOG"; return 1; }
	fi
	mariadbd "${_MY_OPTS[@]}" --datadir="$2/data" --socket="$2/my.sock" --port="$1" \
		--bind-address=127.0.0.1 --pid-file="$2/my.pid" --log-error="$2/mysql.log" \
		--max-connections=30 >"$2/mariadbd.out" 2>&1 &
	SRV_PID=$!
}
_mysql_ready()
{
	timeout 2 mariadb-admin --no-defaults -S "$2/my.sock" -u root ping >/dev/null 2>&1 &&
		port_open "$1"
}
start_mariadb()
{
	need_pkgs mariadb-server mariadb-client || return 1
	_srv_run mysql _mysql_launch _mysql_ready || return 1
	if ! mariadb --no-defaults -S "$MYSQL_DIR/my.sock" -u root >"$MYSQL_DIR/setup.log" 2>&1 <<-'EOF'
	CREATE USER 'lbcheck'@'127.0.0.1';
	CREATE USER 'pwuser'@'127.0.0.1' IDENTIFIED BY 'secret';
	EOF
	then
		SERVERS_WHY="creating the MariaDB users failed"
		diag_file "$MYSQL_DIR/setup.log"
		return 1
	fi
}

# ---- slapd --------------------------------------------------------------------------------
# start_slapd [disallow-anon]: OpenLDAP with a small mdb database; anonymous binds are allowed
# unless "disallow-anon" (then an anonymous bind gets resultCode 48, inappropriateAuthentication).
_SLAPD_DISALLOW=""
_slapd_launch()
{
	mkdir -p "$2/db"
	cat >"$2/slapd.conf" <<-EOF
	include /etc/ldap/schema/core.schema
	pidfile $2/slapd.pid
	argsfile $2/slapd.args
	modulepath /usr/lib/ldap
	moduleload back_mdb
	$_SLAPD_DISALLOW
	database mdb
	maxsize 16777216
	suffix "dc=lb,dc=test"
	rootdn "cn=admin,dc=lb,dc=test"
	rootpw secret
	directory $2/db
	EOF
	# -d 0: stay in the foreground (the PID is the server's) and print nothing but errors.
	slapd -d 0 -f "$2/slapd.conf" -h "ldap://127.0.0.1:$1/" >"$2/slapd.log" 2>&1 &
	SRV_PID=$!
}
_slapd_ready() { port_open "$1"; }
start_slapd()
{
	_SLAPD_DISALLOW=""
	[ "${1:-}" = disallow-anon ] && _SLAPD_DISALLOW="disallow bind_anon"
	need_pkgs slapd ldap-utils || return 1
	_srv_run slapd _slapd_launch _slapd_ready
}

# ---- SMTP (aiosmtpd) ----------------------------------------------------------------------
# start_smtp [reject-helo]: Debian's python3-aiosmtpd SMTP server; "reject-helo" answers
# HELO and EHLO with "550 5.7.1 not welcome here".
_SMTP_MODE=""
_smtp_launch()
{
	cat >"$2/smtp.py" <<-'EOF'
	import asyncio, sys
	from aiosmtpd.smtp import SMTP

	port, mode = int(sys.argv[1]), sys.argv[2]

	class Handler:
	    async def handle_DATA(self, server, session, envelope):
	        return "250 OK"

	class Rejecting(Handler):
	    async def handle_HELO(self, server, session, envelope, hostname):
	        return "550 5.7.1 not welcome here"
	    async def handle_EHLO(self, server, session, envelope, hostname, responses):
	        return ["550 5.7.1 not welcome here"]

	async def main():
	    handler = Rejecting() if mode == "reject-helo" else Handler()
	    loop = asyncio.get_running_loop()
	    srv = await loop.create_server(lambda: SMTP(handler, hostname="lb.test"),
	                                   "127.0.0.1", port)
	    print("listening", flush=True)
	    await srv.serve_forever()

	asyncio.run(main())
	EOF
	"$PYTHON" "$2/smtp.py" "$1" "${_SMTP_MODE:-normal}" >"$2/smtp.log" 2>&1 &
	SRV_PID=$!
}
_smtp_ready() { grep -q '^listening' "$2/smtp.log" 2>/dev/null && port_open "$1"; }
start_smtp()
{
	_SMTP_MODE=${1:-}
	need_pkgs python3-aiosmtpd || return 1
	_srv_run smtp _smtp_launch _smtp_ready
}

# ---- a misbehaving server -----------------------------------------------------------------
# start_misbehaving PROTO [NAME=HEX...]: one process listening on one port per mode; fills the
# associative array MB_PORT[mode]. PROTO (redis pgsql mysql ldap smtp http tls agent tcp)
# decides who speaks first (mysql and smtp servers do; for the others the server first reads
# the probe's request) and what "half a reply" is. Modes:
#   garbage       bytes of no protocol, then close
#   half-close    the first bytes of a valid reply, then close
#   half-silence  the first bytes of a valid reply, then nothing (the connection stays open)
#   reset         an RST (SO_LINGER 0) instead of any answer
#   close         a clean close (FIN) without a byte
#   silence       accept, read, never answer
#   NAME=HEX      (extra arguments) send these bytes, then keep the connection open
declare -A MB_PORT=()
start_misbehaving()
{
	local proto=$1 pf line
	shift
	LB_NSRV=$((LB_NSRV + 1))
	pf="$T/mb.$LB_NSRV.ports"
	cat >"$T/misbehaving.py" <<-'EOF'
	import os, select, socket, struct, sys, threading, time

	proto, portfile = sys.argv[1], sys.argv[2]
	extra = dict(a.split("=", 1) for a in sys.argv[3:])
	speaks_first = proto in ("mysql", "smtp")
	half = {
	    "redis": b"+PO",
	    "pgsql": b"R\0\0",
	    "mysql": b"\x4a\x00\x00\x00\x0a5.5.5-10",
	    "ldap": b"\x30\x0c\x02\x01\x01\x61",
	    "smtp": b"22",
	    "http": b"HTTP/1.",
	    "tls": b"\x16\x03",
	    "agent": b"up",
	    "tcp": b"x",
	}[proto]
	garbage = b"garbage\x00\xff\xfe not a reply of any protocol \x1b[2J\x07\r\n" * 4
	HOLD = 30.0

	def read_some(c, wait):
	    r, _, _ = select.select([c], [], [], wait)
	    if r:
	        try:
	            c.recv(65536)
	        except OSError:
	            pass

	def hold(c):
	    end = time.monotonic() + HOLD
	    while time.monotonic() < end:
	        r, _, _ = select.select([c], [], [], 0.5)
	        if r:
	            try:
	                if not c.recv(65536):
	                    return
	            except OSError:
	                return

	def finish(c):
	    # FIN after the data; drain what the client still sends so that close() sends no RST
	    try:
	        c.shutdown(socket.SHUT_WR)
	        end = time.monotonic() + 2
	        while time.monotonic() < end:
	            r, _, _ = select.select([c], [], [], 0.2)
	            if r and not c.recv(65536):
	                break
	    except OSError:
	        pass

	def serve(c, mode):
	    try:
	        if not speaks_first:
	            read_some(c, 3)
	        if mode == "reset":
	            if speaks_first:
	                time.sleep(0.2)	# let the client see the connection established first
	            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
	        elif mode == "close":
	            finish(c)
	        elif mode == "silence":
	            hold(c)
	        elif mode == "garbage":
	            c.sendall(garbage)
	            finish(c)
	        elif mode == "half-close":
	            c.sendall(half)
	            finish(c)
	        elif mode == "half-silence":
	            c.sendall(half)
	            hold(c)
	        else:
	            c.sendall(bytes.fromhex(extra[mode]))
	            hold(c)
	    except OSError:
	        pass
	    finally:
	        c.close()

	modes = ["garbage", "half-close", "half-silence", "reset", "close", "silence"] + list(extra)
	socks = {}
	for m in modes:
	    s = socket.socket()
	    s.bind(("127.0.0.1", 0))
	    s.listen(64)
	    socks[s] = m
	with open(portfile + ".tmp", "w") as f:
	    for s, m in socks.items():
	        f.write("%s %d\n" % (m, s.getsockname()[1]))
	os.rename(portfile + ".tmp", portfile)
	while True:
	    r, _, _ = select.select(list(socks), [], [])
	    for s in r:
	        c, _ = s.accept()
	        threading.Thread(target=serve, args=(c, socks[s]), daemon=True).start()
	EOF
	"$PYTHON" "$T/misbehaving.py" "$proto" "$pf" "$@" 2>"$T/mb.$LB_NSRV.err" 7>&- &
	MB_PID=$!
	lb_track "$MB_PID"
	if ! wait_for 5 test -s "$pf"; then
		SERVERS_WHY="the misbehaving $proto server did not start"
		diag "$SERVERS_WHY"
		diag_file "$T/mb.$LB_NSRV.err"
		return 1
	fi
	MB_PORT=()
	while read -r line; do
		MB_PORT[${line% *}]=${line#* }
	done <"$pf"
	return 0
}

# ---- running lbcheck probe ----------------------------------------------------------------
# probe VAR ARGS...: `lbcheck probe ARGS` bounded by timeout(1) (30 s); stdout in VAR, exit
# status in PROBE_RC, wall-clock milliseconds in PROBE_MS, stderr in $T/probe.err.
probe()
{
	local _p_var=$1 _p_t0 _p_out
	shift
	_p_t0=$(_ms_now)
	_p_out=$(timeout -k 2 30 "$LBCHECK" probe "$@" 2>"$T/probe.err")
	PROBE_RC=$?
	PROBE_MS=$(($(_ms_now) - _p_t0))
	printf -v "$_p_var" '%s' "$_p_out"
	# with --enable-sanitizers: a memory error, leak or UB in lbcheck is a failed test
	if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$T/probe.err"; then
		fail "lbcheck probe $*: no sanitizer report"
		diag_file "$T/probe.err" 40
	fi
}

# jget JSON EXPR: a Python expression over the parsed JSON (named r); booleans and null are
# printed as JSON (true/false/null), strings and numbers as they are. Empty if JSON is invalid.
jget()
{
	"$PYTHON" -c 'import json, sys
r = json.loads(sys.argv[1])
v = eval(sys.argv[2])
print(json.dumps(v) if isinstance(v, (bool, type(None), list, dict)) else v)' "$1" "$2" 2>/dev/null
}

# json_rows_ok JSON: true when JSON is an array of objects with exactly the fields of
# `lbcheck probe --json`, each of its type (code: a number, or null when the reply has none),
# and "ok" agreeing with the status.
json_rows_ok()
{
	"$PYTHON" -c 'import json, sys
r = json.loads(sys.argv[1])
assert isinstance(r, list) and r, "not a non-empty array"
want = {"server": str, "address": str, "type": str, "status": str, "code": (int, type(None)),
        "duration_ms": int, "reason": str, "ok": bool}
for o in r:
    assert set(o) == set(want), "fields %s" % sorted(o)
    for k, t in want.items():
        assert type(o[k]) in (t if isinstance(t, tuple) else (t,)), "%s is %r" % (k, o[k])
    assert o["ok"] == (o["status"] in ("L4OK", "L6OK", "L7OK", "L7OKC")), o
    assert o["duration_ms"] >= 0
' "$1" 2>"$T/json.err" || { diag "JSON: $(head -c 600 <<<"$1")"; diag_file "$T/json.err" 3; return 1; }
}

# expect_probe STATUS RC DESC ARGS...: one ad-hoc probe (--json added); one assertion on its
# status and exit status together. The JSON is left in PROBE_OUT for further checks.
PROBE_OUT=""
expect_probe()
{
	local want=$1 rc=$2 desc=$3 st
	shift 3
	probe PROBE_OUT --json "$@"
	st=$(jget "$PROBE_OUT" 'r[0]["status"]')
	if ! is "$st exit=$PROBE_RC" "$want exit=$rc" "$desc"; then
		diag "lbcheck probe --json $*" "output: $(head -c 600 <<<"$PROBE_OUT")"
		diag_file "$T/probe.err" 5
		return 1
	fi
}
