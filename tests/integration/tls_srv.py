#!/usr/bin/python3
# tests/integration/tls_srv.py: an HTTPS backend for the TLS tests (Python's http.server with
# an SSLContext): tls_srv.py <port-file> <cert dir> [verify-clients]
# Answers every GET/POST with 200 and one line: the path, the SNI it received, whether the
# TLS session was resumed, the ALPN protocol, the client certificate's CN (mTLS) and, for a
# POST, the length and SHA-256 of the body. The kernel picks the port, written to port-file.
import hashlib
import http.server
import os
import ssl
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def reply(self, extra=""):
        c = self.connection
        peer = c.getpeercert() or {}
        cn = ""
        for rdn in peer.get("subject", ()):
            for k, v in rdn:
                if k == "commonName":
                    cn = v
        body = ("tls-backend path=%s sni=%s resumed=%s alpn=%s cert=%s%s\n" % (
            self.path, getattr(c, "lb_sni", None), c.session_reused,
            c.selected_alpn_protocol(), cn, extra)).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.reply()

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        data = self.rfile.read(n)
        self.reply(" len=%d sha256=%s" % (len(data), hashlib.sha256(data).hexdigest()))

    def log_message(self, *a):
        pass


def main():
    pf, d = sys.argv[1], sys.argv[2]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(d + "/srv.crt", d + "/srv.key")
    ctx.set_alpn_protocols(["http/1.1"])
    if len(sys.argv) > 3:
        ctx.load_verify_locations(d + "/ca.pem")
        ctx.verify_mode = ssl.CERT_OPTIONAL

    def sni_cb(sock, name, c):
        sock.lb_sni = name
    ctx.sni_callback = sni_cb
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(pf + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(pf + ".tmp", pf)
    srv.serve_forever()


main()
