#!/bin/bash
# tests/integration/192-userlist-auth.sh: userlist sections and basic auth:
# "http-request auth" answers 401 with WWW-Authenticate, http_auth() lets the right password
# through (crypt(3) SHA-512 hash and insecure-password), http_auth_group() checks groups
# declared on either side, and configuration errors name their line
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

start_stub PW --http WEB || bail "stub WEB"
F=$(free_port)
# SHA-512 crypt of "s3cret" (made with python's crypt at test time when available, else a
# fixed one made with mkpasswd -m sha-512)
HASH=$("$PYTHON" -c 'import crypt; print(crypt.crypt("s3cret", "$6$lbsalt$"))' 2>/dev/null)
[ -n "$HASH" ] || HASH='$6$lbsalt$/vYCwhNb45rjSPI.Z8ZjiI74QSFOhgVh7f18paFmY95KXw7vJIYfYpCugu8V9ol6Ise3N4qYVtHoWrJtrjNxO/'
{
	cfg_global
	cat <<-EOF
	userlist staff
		group admins users alice
		group ops
		user alice password $HASH
		user bob insecure-password hunter2 groups ops
	frontend fe
		bind 127.0.0.1:$F
		acl auth_ok http_auth(staff)
		acl is_admin http_auth_group(staff) admins
		http-request auth realm Staff if { path_beg /admin } !is_admin
		http-request auth if !auth_ok
		http-request return status 200 content-type text/plain string "ops" if { path /ops } { http_auth_group(staff) ops }
		default_backend be
	backend be
		server w 127.0.0.1:$PW
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"
U=http://127.0.0.1:$F

hdrs=$(hcurl -D - -o "$T/body" "$U/x" | tr -d '\r')
like "$hdrs" '^HTTP/1.1 401' "no credentials: 401"
ilike "$hdrs" '^www-authenticate: Basic realm="fe"$' "WWW-Authenticate with the proxy's name as realm"
like "$(cat "$T/body")" "401 Unauthorized" "HAProxy's 401 page"
is "$(http_code "$U/x" -u alice:wrong)" 401 "a wrong password: 401"
is "$(http_code "$U/x" -u nobody:s3cret)" 401 "an unknown user: 401"
is "$(http_code "$U/x" -u alice:s3cret)" 200 "alice with the right password (SHA-512 crypt hash): 200"
is "$(http_code "$U/x" -u bob:hunter2)" 200 "bob with his insecure-password: 200"
is "$(http_code "$U/x" -H 'Authorization: Basic !!!')" 401 "undecodable credentials: 401"
is "$(http_code "$U/admin/x" -u alice:s3cret)" 200 "group admins (group ... users alice): alice passes"
hdrs=$(hcurl -D - -o /dev/null -u bob:hunter2 "$U/admin/x" | tr -d '\r')
like "$hdrs" '^HTTP/1.1 401' "bob is not in admins: 401"
ilike "$hdrs" '^www-authenticate: Basic realm="Staff"$' "realm Staff"
is "$(hcurl -u bob:hunter2 "$U/ops")" "ops" "group ops (user ... groups ops): bob"
is "$(hcurl -u alice:s3cret "$U/ops")" "WEB" "alice is not in ops"

# errors: while parsing, then when names are resolved
{
	cfg_global
	cat <<-EOF
	userlist u1
		user b
		user c password
		group g
		group g
	frontend fe
		bind 127.0.0.1:$(free_port)
		http-request auth realm "bad\"realm" if !{ http_auth(u1) }
		default_backend be
	backend be
		server w 127.0.0.1:$PW
	EOF
} >"$T/bad.cfg"
out=$("$LBD" -c -f "$T/bad.cfg" 2>&1)
ln() { grep -n -- "$1" "$T/bad.cfg" | head -1 | cut -d: -f1; }
like "$out" "bad.cfg:$(ln 'user b'):.*'user' expects" "a user without a password, with its line"
like "$out" "bad.cfg:$(ln 'user c'):.*'user' expects" "'password' without a value"
like "$out" "bad.cfg:$(($(ln 'group g') + 1)):.*group 'g' already declared" "a group declared twice"
like "$out" "invalid character '\"' in realm" "a realm with a quote"
{
	cfg_global
	cat <<-EOF
	userlist u1
		user a insecure-password x groups nogroup
		group g users nouser
	frontend fe
		bind 127.0.0.1:$(free_port)
		http-request auth if !{ http_auth(u2) }
		default_backend be
	backend be
		server w 127.0.0.1:$PW
	EOF
} >"$T/bad.cfg"
out=$("$LBD" -c -f "$T/bad.cfg" 2>&1)
like "$out" "bad.cfg:$(ln 'user a'):.*user 'a': no group 'nogroup' in userlist 'u1'" "an unknown group, with its line"
like "$out" "bad.cfg:$(ln 'group g'):.*group 'g': no user 'nouser'" "an unknown user, with its line"
like "$out" "no userlist called 'u2'" "http_auth of an unknown userlist"
done_testing
