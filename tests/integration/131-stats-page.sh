#!/bin/bash
# tests/integration/131-stats-page.sh: the stats page ("stats enable|uri|auth|admin|realm|
# refresh"): 401 with the realm without valid credentials, every proxy and server on the
# HTML page with no external asset, ;csv with HAProxy's header line and one row per
# proxy/server (the same table as lbctl --csv), ;json that parses, an admin POST that drains
# and readies a server (lbctl confirms), a refused POST without "stats admin", defaults
# inheritance, config errors, and a screenshot rendered by headless Chromium (kept in $T).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

LB_CURL_TIMEOUT=10
start_stub P1 --http s1 || bail "stub s1"
start_stub P2 --http s2 || bail "stub s2"
PF=$(free_port)
PS=$(free_port)
PR=$(free_port)
PL=$(free_port)
ADMIN=$T/admin.sock
{
	cat <<-EOF
	global
		stats socket $ADMIN mode 600 level admin
	EOF
	cfg_global | sed 1d
	cat <<-EOF
	frontend web
		bind 127.0.0.1:$PF
		default_backend pool
	listen stats
		bind 127.0.0.1:$PS
		stats enable
		stats uri /lbstats
		stats refresh 10s
		stats realm lb\ stats
		stats auth admin:s3cret
		stats auth ops:other
		stats admin if TRUE
	defaults ro
		mode http
		timeout client 5s
		stats uri /ro
	frontend readonly from ro
		bind 127.0.0.1:$PR
	listen stats_lan
		bind 127.0.0.1:$PL
		stats uri /lan
		stats admin if { src 10.0.0.0/8 } || { hdr(x-ops) -m found }
	backend pool
		server s1 127.0.0.1:$P1
		server s2 127.0.0.1:$P2
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"
for i in 1 2 3 4; do hcurl -o /dev/null "http://127.0.0.1:$PF/"; done
U="http://127.0.0.1:$PS/lbstats"

hcurl -D "$T/401.head" -o /dev/null "$U"
like "$(head -n 1 "$T/401.head")" '^HTTP/1.1 401 ' "no credentials: 401"
ilike "$(cat "$T/401.head")" '^www-authenticate: Basic realm="lb stats"' "with the realm"
is "$(http_code "$U" -u admin:wrong)" 401 "a wrong password: 401"
is "$(http_code "$U" -u ops:other)" 200 "the second stats auth user: 200"

hcurl -u admin:s3cret -D "$T/page.head" -o "$T/page.html" "$U"
ilike "$(cat "$T/page.head")" '^content-type: text/html' "the page is HTML"
page=$(cat "$T/page.html")
for name in web pool s1 s2 stats readonly FRONTEND BACKEND; do
	like "$page" ">$name<" "the page shows $name"
done
like "$page" '<meta http-equiv="refresh" content="10">' "stats refresh 10s"
like "$page" 'name="action" value="drain"' "admin: drain buttons"
unlike "$page" '(src=|href="https?:|@import|url\()' "no external assets"
like "$page" 'class="UP">UP<' "state colours by class"
like "$page" '<td id="rate0">' "a Req/s cell per row"
like "$page" '<script>\(function\(\)\{var u="/lbstats;json";' \
	"the inline script that fills the rates reads ;json at the same URI"

# ;csv: HAProxy's header, one row per proxy/server, the same table as lbctl --csv
hcurl -u admin:s3cret -o "$T/page.csv" "$U;csv"
like "$(head -n 1 "$T/page.csv")" '^# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,' \
	";csv: HAProxy's header line"
"$LBCTL" -s "$ADMIN" show stats --csv >"$T/ctl.csv"
is "$(head -n 1 "$T/page.csv")" "$(head -n 1 "$T/ctl.csv")" ";csv header = lbctl --csv header"
is "$(cut -d, -f1,2 "$T/page.csv" | tail -n +2 | tr '\n' ' ')" \
	"web,FRONTEND stats,FRONTEND stats,BACKEND readonly,FRONTEND stats_lan,FRONTEND stats_lan,BACKEND pool,s1 pool,s2 pool,BACKEND " \
	";csv: one row per proxy and server"
is "$(awk -F, 'NR > 1 { print NF }' "$T/page.csv" | sort -u)" \
	"$(awk -F, 'NR == 1 { print NF }' "$T/page.csv")" ";csv: every row has every column"
is "$(awk -F, '$1 == "pool" && $2 == "BACKEND" { print $49 }' "$T/page.csv")" 4 \
	";csv: req_tot of pool = 4"

# ;json parses: the rows as objects
out=$(hcurl -u admin:s3cret "$U;json" | "$PYTHON" -c '
import json, sys
rows = json.load(sys.stdin)
print(len(rows), sorted({r["svname"] for r in rows if r["pxname"] == "pool"}))')
is "$out" "9 ['BACKEND', 's1', 's2']" ";json parses: 9 rows, pool's servers"

# admin: drain s1 from the page, then ready again
hcurl -u admin:s3cret -D "$T/post.head" -o /dev/null -d 'b=pool&s=s1&action=drain' "$U"
like "$(head -n 1 "$T/post.head")" '^HTTP/1.1 303 ' "admin POST: 303"
ilike "$(cat "$T/post.head")" '^location: /lbstats;st=DONE' "back to the page, st=DONE"
like "$("$LBCTL" -s "$ADMIN" show servers pool)" '^pool +s1 .* DRAIN +drain ' \
	"lbctl show servers: s1 drained from the page"
like "$(hcurl -u admin:s3cret "$U;st=DONE")" 'class="DRAIN">DRAIN<' "the page shows DRAIN"
hcurl -u admin:s3cret -o /dev/null -d 'b=pool&s=s1&action=ready' "$U"
like "$("$LBCTL" -s "$ADMIN" show servers pool)" '^pool +s1 .* UP +ready ' "ready again"
hcurl -u admin:s3cret -D "$T/post2.head" -o /dev/null -d 'b=pool&s=nope&action=maint' "$U"
ilike "$(cat "$T/post2.head")" '^location: /lbstats;st=NOSRV' "an unknown server: st=NOSRV"
is "$(http_code "$U" -d 'b=pool&s=s1&action=drain')" 401 "POST without credentials: 401"

# a page inherited from a defaults section, without admin: POST changes nothing
like "$(hcurl "http://127.0.0.1:$PR/ro")" '>pool<' "stats uri inherited from defaults"
hcurl -D "$T/post3.head" -o /dev/null -d 'b=pool&s=s1&action=maint' "http://127.0.0.1:$PR/ro"
ilike "$(cat "$T/post3.head")" '^location: /ro;st=DENY' "no stats admin: st=DENY"
like "$("$LBCTL" -s "$ADMIN" show servers pool)" '^pool +s1 .* UP +ready ' "s1 untouched"
is "$(http_code "http://127.0.0.1:$PR/other")" 503 "other URIs are not the page"

# "stats admin if <condition>": evaluated per request
UL="http://127.0.0.1:$PL/lan"
unlike "$(hcurl "$UL")" 'name="action"' "admin condition false (src not in 10/8): no buttons"
hcurl -D "$T/post4.head" -o /dev/null -d 'b=pool&s=s1&action=maint' "$UL"
ilike "$(cat "$T/post4.head")" '^location: /lan;st=DENY' "admin condition false: st=DENY"
like "$(hcurl -H 'X-Ops: 1' "$UL")" 'name="action" value="drain"' "condition true: buttons"
hcurl -H 'X-Ops: 1' -D "$T/post5.head" -o /dev/null -d 'b=pool&s=s2&action=maint' "$UL"
ilike "$(cat "$T/post5.head")" '^location: /lan;st=DONE' "condition true: st=DONE"
like "$("$LBCTL" -s "$ADMIN" show servers pool)" '^pool +s2 .* MAINT +maint ' "s2 in maint"
"$LBCTL" -s "$ADMIN" enable pool/s2 >/dev/null

# config errors
bad()
{
	printf 'defaults\n\tmode http\nlisten x\n\tbind 127.0.0.1:1\n\t%s\n' "$1" >"$T/bad.cfg"
	"$LBD" -c -f "$T/bad.cfg" 2>&1
}
like "$(bad 'stats admin')" "bad.cfg:5:.*error: 'stats admin' requires a condition" \
	"stats admin without a condition"
like "$(bad 'stats admin if { src 10.0.0.1 }')" "Configuration file is valid" \
	"stats admin with an ACL condition"
like "$(bad 'stats admin if { srcc 10.0.0.1 }')" "bad.cfg:5:.*error: unknown fetch method 'srcc'" \
	"stats admin: a bad condition refused with its position"
like "$(bad 'stats auth nopass')" "error: 'stats auth' expects <user>:<password>" \
	"stats auth without a colon"
like "$(bad 'stats show-legends')" "error: 'stats show-legends' is not supported yet" \
	"unsupported stats keywords say so"
like "$(bad 'stats admin if TRUE')" 'Configuration file is valid' "stats admin if TRUE"

# a screenshot by headless Chromium, in $T (never in the source tree)
if ! command -v chromium >/dev/null && [ "$(id -u)" = 0 ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium \
		>"$T/apt.log" 2>&1 || diag "apt-get install chromium failed"
fi
if command -v chromium >/dev/null; then
	# --no-sandbox: Chromium's sandbox refuses to run as root
	timeout 60 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
		--window-size=1600,700 --screenshot="$T/stats.png" "file://$T/page.html" \
		>"$T/chromium.log" 2>&1
	is "$(head -c 8 "$T/stats.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" \
		"89504e470d0a1a0a" "headless Chromium rendered the page to a PNG"
	num_between "$(stat -c %s "$T/stats.png" 2>/dev/null || echo 0)" 5000 100000000 \
		"the screenshot is not empty"
	diag "screenshot: $T/stats.png (kept with LB_KEEP=1)"
	# the page's script fills the Req/s cells from two ;json samples
	timeout 60 chromium --headless --no-sandbox --disable-gpu --virtual-time-budget=3000 \
		--dump-dom "http://127.0.0.1:$PR/ro" >"$T/dom.html" 2>"$T/chromium2.log"
	like "$(cat "$T/dom.html")" '<td id="rate0">[0-9]+\.[0-9]<' \
		"in a browser, the rates are filled in"
else
	skip "the screenshot" "chromium not installed and not installable"
	skip "the screenshot size" "chromium not installed and not installable"
	skip "the rates in a browser" "chromium not installed and not installable"
fi

done_testing
