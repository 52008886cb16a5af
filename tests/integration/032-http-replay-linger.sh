#!/bin/bash
# tests/integration/032-http-replay-linger.sh: an idempotent request resent when a reused server
# connection dies before answering; lingering close after lbd's own replies
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

# A backend that answers the first request of each connection and, on the second one, reads
# it and closes without a word (path containing "rst": with a reset) - a server closing an
# idle keep-alive connection at the moment the proxy reuses it. It logs "conn N: request line".
cat >"$T/closer.py" <<'EOF'
import socket, struct, sys, threading
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0))
srv.listen(64)
open(sys.argv[1], "w").write(str(srv.getsockname()[1]))
log = open(sys.argv[2], "a", buffering=1)
lock = threading.Lock()
count = [0]

def read_request(c, buf):
    while b"\r\n\r\n" not in buf:
        d = c.recv(65536)
        if not d:
            return None, b""
        buf += d
    head, rest = buf.split(b"\r\n\r\n", 1)
    clen = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            clen = int(v)
    while len(rest) < clen:
        d = c.recv(65536)
        if not d:
            break
        rest += d
    return head.split(b"\r\n")[0].decode(), rest[clen:]

def serve(c, n):
    buf = b""
    for i in (1, 2):
        line, buf = read_request(c, buf)
        if line is None:
            break
        log.write("conn %d: %s\n" % (n, line))
        if i == 1:
            body = ("c%d" % n).encode()
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
        else:
            if "rst" in line:
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            break
    c.close()

while True:
    c, _ = srv.accept()
    with lock:
        count[0] += 1
        n = count[0]
    threading.Thread(target=serve, args=(c, n), daemon=True).start()
EOF
"$PYTHON" "$T/closer.py" "$T/closer.port" "$T/closer.log" 2>"$T/closer.err" &
lb_track $!
wait_for 5 test -s "$T/closer.port" || bail "closer backend did not start"
PC=$(cat "$T/closer.port")

F1=$(free_port) F2=$(free_port)
{
	cfg_global http "nbthread 1"
	cat <<-EOF
	frontend fe_replay
		bind 127.0.0.1:$F1
		default_backend be_closer
	backend be_closer
		http-reuse always
		server c 127.0.0.1:$PC
	frontend fe_deny
		bind 127.0.0.1:$F2
		http-request deny
	EOF
} >"$T/lbd.cfg"
start_lbd "$T/lbd.cfg" || bail "lbd did not start"

# 1. a first request opens server connection 1, which then waits in the idle pool
is "$(hcurl "http://127.0.0.1:$F1/first")" "c1" "first request served on server connection 1"
# 2. the next one reuses it; the server closes it on receipt: lbd resends on a new connection
out=$(hcurl -w ' %{http_code}' "http://127.0.0.1:$F1/again")
is "$out" "c2 200" "GET on a reused connection closed by the server: resent, 200 from connection 2"
# 3. same with a reset instead of a close
out=$(hcurl -w ' %{http_code}' "http://127.0.0.1:$F1/rst")
is "$out" "c3 200" "GET on a reused connection reset by the server: resent, 200 from connection 3"
# 4. a POST is not idempotent: never sent twice, the client gets the 502
out=$(hcurl -o /dev/null -w '%{http_code}' -d 'x=1' "http://127.0.0.1:$F1/post")
is "$out" "502" "POST on a reused connection closed by the server: 502, not resent"
is "$(grep -c 'POST /post' "$T/closer.log")" "1" "the POST reached the server once"
is "$(grep -c 'GET /again' "$T/closer.log")" "2" "the GET reached the server twice (conn 1 then 2)"
like "$(grep 'GET /again' "$T/closer.log" | tr '\n' ' ')" "conn 1: GET /again HTTP/1.1 conn 2: GET /again HTTP/1.1" \
	"the resend went on a new connection"
wait_log_count 1 ' 502 ' || true
like "$(grep ' 502 ' "$LBD_LOG")" "POST /post" "the 502 is logged"
unlike "$(grep -E 'GET /(again|rst)' "$LBD_LOG")" " 502 " "the resent requests are logged with their 200"

# 5. lingering close: lbd denies a request whose 1 MB body the client is still sending. The
# client sends 64 KiB, waits for the 403 to be written, sends 100 KiB more, then reads: with a
# plain close() the unread bytes make the kernel reset the connection and the 403 is lost.
cat >"$T/linger.py" <<'EOF'
import socket, sys, time
port = int(sys.argv[1])
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall(b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n" + b"a" * 65536)
time.sleep(0.3)
try:
    s.sendall(b"b" * 102400)
    sent = "sent"
except OSError as e:
    sent = "send failed: %s" % e.__class__.__name__
time.sleep(0.2)
data = b""
try:
    while True:
        d = s.recv(65536)
        if not d:
            break
        data += d
    end = "EOF"
except OSError as e:
    end = e.__class__.__name__
print(sent)
print(data.split(b"\r\n")[0].decode() if data else "(nothing)")
print(end)
# after the linger window the socket is gone: more data now draws a reset
time.sleep(2.5)
try:
    s.sendall(b"c" * 1000)
    time.sleep(0.2)
    s.sendall(b"c" * 1000)
    print("still open")
except OSError as e:
    print("closed by lbd")
EOF
out=$("$PYTHON" "$T/linger.py" "$F2" 2>&1)
is "$(sed -n 1p <<<"$out")" "sent" "lingering close: the client can finish sending"
is "$(sed -n 2p <<<"$out")" "HTTP/1.1 403 Forbidden" "lingering close: the 403 reaches the client"
is "$(sed -n 3p <<<"$out")" "EOF" "lingering close: then a clean end of stream, no reset"
is "$(sed -n 4p <<<"$out")" "closed by lbd" "lingering close: bounded (socket gone after 2 s)"

# lbd still serves
is "$(http_code "http://127.0.0.1:$F2/")" "403" "lbd serves after all of this"

done_testing
