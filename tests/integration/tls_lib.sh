# tests/integration/tls_lib.sh: test certificates for the TLS tests (17x), made at test time
#
# mk_certs DIR: with certtool (Debian gnutls-bin, also in scripts/quickstart.sh) makes, in DIR:
#   ca.pem (an ECDSA CA), a.pem (ECDSA, a.test), b.pem (RSA-2048, b.test), w.pem (ECDSA,
#   *.w.test): each the certificate, the CA as its chain and the key, as HAProxy loads them;
#   client.crt/client.key (CN "client one", O "lb tests", from the CA), rogue.crt (the same
#   key, from other.pem, a CA nobody trusts), client2.crt (revoked by crl.pem), srv.pem/srv.crt/srv.key (ECDSA, 127.0.0.1 and
#   localhost: a TLS backend).
need_tls_tools()
{
	local pkg
	for pkg in "certtool:gnutls-bin" "openssl:openssl" "gnutls-cli:gnutls-bin"; do
		command -v "${pkg%%:*}" >/dev/null && continue
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkg#*:}" >/dev/null 2>&1 ||
			skip_all "${pkg%%:*} (Debian ${pkg#*:}) is not installed and cannot be"
	done
}

_tmpl() { printf '%s\n' "$@" >"$D/t.tmpl"; }

# _leaf NAME rsa|ecdsa CN [DNS...]
_leaf()
{
	local name=$1 type=$2 cn=$3 n
	shift 3
	if [ "$type" = rsa ]; then
		certtool --generate-privkey --key-type=rsa --bits=2048 --outfile "$D/$name.key"
	else
		certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 --outfile "$D/$name.key"
	fi
	_tmpl "cn = \"$cn\"" tls_www_server signing_key encryption_key 'expiration_days = 7'
	for n in "$@"; do
		case "$n" in
		[0-9]*) echo "ip_address = \"$n\"" >>"$D/t.tmpl" ;;
		*) echo "dns_name = \"$n\"" >>"$D/t.tmpl" ;;
		esac
	done
	certtool --generate-certificate --load-privkey "$D/$name.key" --load-ca-certificate \
		"$D/ca.pem" --load-ca-privkey "$D/ca.key" --template "$D/t.tmpl" \
		--outfile "$D/$name.crt"
	cat "$D/$name.crt" "$D/ca.pem" "$D/$name.key" >"$D/$name.pem"
}

mk_certs()
{
	D=$1
	mkdir -p "$D"
	{
		certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 --outfile "$D/ca.key"
		_tmpl 'cn = "lb test CA"' ca cert_signing_key crl_signing_key 'expiration_days = 7'
		certtool --generate-self-signed --load-privkey "$D/ca.key" --template "$D/t.tmpl" \
			--outfile "$D/ca.pem"
		_leaf a ecdsa a.test a.test
		_leaf b rsa b.test b.test
		_leaf w ecdsa '*.w.test' '*.w.test'
		_leaf srv ecdsa localhost localhost 127.0.0.1
		certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 \
			--outfile "$D/client.key"
		_tmpl 'cn = "client one"' 'organization = "lb tests"' tls_www_client signing_key \
			'expiration_days = 7'
		certtool --generate-certificate --load-privkey "$D/client.key" \
			--load-ca-certificate "$D/ca.pem" --load-ca-privkey "$D/ca.key" \
			--template "$D/t.tmpl" --outfile "$D/client.crt"
		_tmpl 'cn = "client two"' tls_www_client signing_key 'expiration_days = 7'
		certtool --generate-certificate --load-privkey "$D/client.key" \
			--load-ca-certificate "$D/ca.pem" --load-ca-privkey "$D/ca.key" \
			--template "$D/t.tmpl" --outfile "$D/client2.crt"
		_tmpl 'crl_next_update = 7' 'crl_number = 1'
		certtool --generate-crl --load-ca-privkey "$D/ca.key" --load-ca-certificate \
			"$D/ca.pem" --load-certificate "$D/client2.crt" --template "$D/t.tmpl" \
			--outfile "$D/crl.pem"
		certtool --generate-privkey --key-type=ecdsa --outfile "$D/other.key"
		_tmpl 'cn = "other CA"' ca cert_signing_key 'expiration_days = 7'
		certtool --generate-self-signed --load-privkey "$D/other.key" --template "$D/t.tmpl" \
			--outfile "$D/other.pem"
		_tmpl 'cn = "rogue"' tls_www_client signing_key 'expiration_days = 7'
		certtool --generate-certificate --load-privkey "$D/client.key" \
			--load-ca-certificate "$D/other.pem" --load-ca-privkey "$D/other.key" \
			--template "$D/t.tmpl" --outfile "$D/rogue.crt"
	} >"$D/certtool.log" 2>&1
	[ -s "$D/rogue.crt" ] && [ -s "$D/b.pem" ]
}

# tcurl NAME PORT PATH [CURL ARGS...]: curl https://NAME:PORT/PATH resolved to 127.0.0.1,
# trusting the test CA.
tcurl()
{
	local name=$1 port=$2 path=$3
	shift 3
	hcurl --cacert "$T/c/ca.pem" --resolve "$name:$port:127.0.0.1" "$@" \
		"https://$name:$port$path"
}

# peer_cn PORT [OPENSSL S_CLIENT ARGS...]: the CN of the certificate the server shows ("" when
# the handshake fails).
peer_cn()
{
	local port=$1
	shift
	timeout 5 openssl s_client -connect "127.0.0.1:$port" "$@" </dev/null 2>/dev/null |
		sed -n 's/^subject=.*CN *= *//p' | head -n 1
}
