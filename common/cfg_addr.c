/* common/cfg_addr.c: socket addresses as HAProxy writes them ("ipv6@", "[::1]:80", ...)
 *
 * HAProxy's rules (str2sa_range): an optional family prefix ("ipv4@", "ipv6@", "unix@",
 * "udp@", ...), then either a path (unix sockets) or host and port, where the port follows
 * the last colon, so IPv6 may be written ":::80" or "[::]:80". An empty host or "*" means
 * every address. Hostnames are only kept (for later resolution) where the caller allows
 * them.
 */
#include "cfg_priv.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

struct addr_prefix {
	const char *name;
	int family;
	unsigned needs;		/* CFG_ADDR_* flag the caller must allow */
};

static const struct addr_prefix addr_prefixes[] = {
	{ "ipv4@", AF_INET, 0 },
	{ "ipv6@", AF_INET6, 0 },
	{ "tcp@", AF_UNSPEC, 0 },
	{ "tcp4@", AF_INET, 0 },
	{ "tcp6@", AF_INET6, 0 },
	{ "udp@", AF_UNSPEC, CFG_ADDR_DGRAM },
	{ "udp4@", AF_INET, CFG_ADDR_DGRAM },
	{ "udp6@", AF_INET6, CFG_ADDR_DGRAM },
	{ "unix@", AF_UNIX, CFG_ADDR_UNIX },
};

void
cfg_addr_set_port(struct lb_cfg_addr *a, int port)
{
	if (a->ss.ss_family == AF_INET)
		((struct sockaddr_in *)&a->ss)->sin_port = htons((uint16_t)port);
	else if (a->ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&a->ss)->sin6_port = htons((uint16_t)port);
}

static int
set_unix(const char *path, struct lb_cfg_addr *out, char **errmsg)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)&out->ss;
	size_t len = strlen(path);

	if (!len) {
		*errmsg = lb_xstrdup("missing unix socket path");
		return -1;
	}
	if (len >= sizeof(sun->sun_path)) {
		*errmsg = lb_xasprintf("unix socket path too long (%zu bytes, at most %zu)", len,
				       sizeof(sun->sun_path) - 1);
		return -1;
	}
	memset(out, 0, sizeof(*out));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, len + 1);
	out->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
	return 0;
}

static int
parse_port(const char *s, const char *spec, unsigned flags, struct cfg_addr *out, char **errmsg)
{
	long lo, hi;
	char *end;

	if (!*s) {
		*errmsg = lb_xasprintf("missing port number after ':' in '%s'", spec);
		return -1;
	}
	if (*s == '+' || *s == '-') {
		*errmsg = lb_xasprintf("port offsets ('%s') are not supported", s);
		return -1;
	}
	if (*s < '0' || *s > '9')
		goto bad;
	lo = strtol(s, &end, 10);
	hi = lo;
	if (*end == '-') {
		if (!(flags & CFG_ADDR_PORT_RANGE)) {
			*errmsg =
			    lb_xasprintf("port ranges ('%s') are only accepted on 'bind' lines", s);
			return -1;
		}
		if (end[1] < '0' || end[1] > '9')
			goto bad;
		hi = strtol(end + 1, &end, 10);
	}
	if (*end)
		goto bad;
	if (lo < 1 || lo > 65535 || hi < 1 || hi > 65535) {
		*errmsg = lb_xasprintf("port '%s' out of range (1 to 65535)", s);
		return -1;
	}
	if (hi < lo) {
		*errmsg = lb_xasprintf("port range '%s' ends before it starts", s);
		return -1;
	}
	out->port_lo = (int)lo;
	out->port_hi = (int)hi;
	return 0;
bad:
	*errmsg = lb_xasprintf("invalid port '%s' in '%s'", s, spec);
	return -1;
}

static bool
hostname_ok(const char *h, size_t len)
{
	if (!len || len > 253)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)h[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.' || c == '_'))
			return false;
	}
	return true;
}

int
cfg_addr_parse(const char *spec, unsigned flags, struct cfg_addr *out, char **errmsg)
{
	const char *s = spec, *at = strchr(spec, '@'), *host, *port = NULL;
	size_t hlen;
	int fam = AF_UNSPEC;
	char hbuf[INET6_ADDRSTRLEN + 1];

	memset(out, 0, sizeof(*out));
	out->family = AF_UNSPEC;
	if (at) {
		const struct addr_prefix *pf = NULL;
		size_t plen = (size_t)(at - spec) + 1;

		for (size_t i = 0; i < LB_ARRAY_SIZE(addr_prefixes); i++)
			if (strlen(addr_prefixes[i].name) == plen &&
			    !strncmp(spec, addr_prefixes[i].name, plen))
				pf = &addr_prefixes[i];
		if (!pf || (pf->needs & ~flags) ||
		    ((flags & CFG_ADDR_DGRAM) && !strncmp(spec, "tcp", 3))) {
			*errmsg = lb_xasprintf("address prefix '%.*s' is not supported here",
					       (int)plen, spec);
			return -1;
		}
		fam = pf->family;
		s = at + 1;
	}
	if (fam == AF_UNIX || (fam == AF_UNSPEC && !at && s[0] == '/')) {
		if (!(flags & CFG_ADDR_UNIX)) {
			*errmsg = lb_xasprintf("unix socket '%s' is not accepted here", spec);
			return -1;
		}
		if (set_unix(s, &out->addr, errmsg) < 0)
			return -1;
		out->family = AF_UNIX;
		return 0;
	}
	if (*s == '[') {
		const char *close = strchr(s, ']');
		if (!close) {
			*errmsg = lb_xasprintf("missing ']' in '%s'", spec);
			return -1;
		}
		host = s + 1;
		hlen = (size_t)(close - host);
		if (close[1] == ':')
			port = close + 2;
		else if (close[1]) {
			*errmsg =
			    lb_xasprintf("unexpected '%s' after ']' in '%s'", close + 1, spec);
			return -1;
		}
		if (fam == AF_UNSPEC)
			fam = AF_INET6;
	} else {
		const char *colon = strrchr(s, ':');
		host = s;
		hlen = colon ? (size_t)(colon - s) : strlen(s);
		port = colon ? colon + 1 : NULL;
	}
	if (port) {
		if (parse_port(port, spec, flags, out, errmsg) < 0)
			return -1;
	} else if (!(flags & CFG_ADDR_PORT_OPTIONAL)) {
		*errmsg = lb_xasprintf("missing port in '%s' (write <address>:<port>)", spec);
		return -1;
	}
	if (hlen == 0 || (hlen == 1 && host[0] == '*')) {
		if (fam == AF_INET6) {
			struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&out->addr.ss;
			in6->sin6_family = AF_INET6;
			in6->sin6_addr = in6addr_any;
			out->addr.len = sizeof(*in6);
		} else {
			struct sockaddr_in *in = (struct sockaddr_in *)&out->addr.ss;
			in->sin_family = AF_INET;
			in->sin_addr.s_addr = htonl(INADDR_ANY);
			out->addr.len = sizeof(*in);
		}
	} else if (hlen < sizeof(hbuf)) {
		memcpy(hbuf, host, hlen);
		hbuf[hlen] = '\0';
		struct sockaddr_in *in = (struct sockaddr_in *)&out->addr.ss;
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&out->addr.ss;
		if (fam != AF_INET6 && inet_pton(AF_INET, hbuf, &in->sin_addr) == 1) {
			in->sin_family = AF_INET;
			out->addr.len = sizeof(*in);
		} else if (fam != AF_INET && inet_pton(AF_INET6, hbuf, &in6->sin6_addr) == 1) {
			in6->sin6_family = AF_INET6;
			out->addr.len = sizeof(*in6);
		} else {
			goto name;
		}
	} else {
		goto name;
	}
	out->family = out->addr.ss.ss_family;
	cfg_addr_set_port(&out->addr, out->port_lo);
	return 0;
name:
	if (!hostname_ok(host, hlen)) {
		*errmsg = lb_xasprintf("invalid address '%.*s' in '%s'", (int)LB_MIN(hlen, 256),
				       host, spec);
		return -1;
	}
	if (!(flags & CFG_ADDR_HOSTNAME)) {
		*errmsg =
		    lb_xasprintf("'%.*s' is not a numeric address (hostnames are not accepted "
		                 "here)",
		                 (int)hlen, host);
		return -1;
	}
	out->host = lb_xstrndup(host, hlen);
	out->family = fam == AF_UNSPEC ? AF_UNSPEC : fam;
	memset(&out->addr, 0, sizeof(out->addr));
	return 0;
}

int
cfg_addr_resolve(const char *host, int family, int port, struct lb_cfg_addr *out,
		 char **errmsg)
{
	struct addrinfo hints = { 0 }, *res = NULL;
	int rc;

	hints.ai_family = family == AF_INET || family == AF_INET6 ? family : AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	rc = getaddrinfo(host, NULL, &hints, &res);
	if (rc == EAI_BADFLAGS || rc == EAI_NONAME || rc == EAI_NODATA) {
		/* without a configured address of a family, AI_ADDRCONFIG may hide it */
		hints.ai_flags = 0;
		if (res)
			freeaddrinfo(res);
		res = NULL;
		rc = getaddrinfo(host, NULL, &hints, &res);
	}
	if (rc != 0 || !res) {
		*errmsg = lb_xasprintf("cannot resolve '%s': %s", host,
				       rc ? gai_strerror(rc) : "no address");
		if (res)
			freeaddrinfo(res);
		return -1;
	}
	memset(out, 0, sizeof(*out));
	memcpy(&out->ss, res->ai_addr, LB_MIN((size_t)res->ai_addrlen, sizeof(out->ss)));
	out->len = res->ai_addrlen;
	freeaddrinfo(res);
	cfg_addr_set_port(out, port);
	return 0;
}

int
cfg_net_parse(const char *spec, struct lb_cfg_addr *net, int *prefix, char **errmsg)
{
	const char *slash = strchr(spec, '/');
	size_t alen = slash ? (size_t)(slash - spec) : strlen(spec);
	char abuf[INET6_ADDRSTRLEN + 1];
	struct sockaddr_in *in = (struct sockaddr_in *)&net->ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&net->ss;
	int max;

	memset(net, 0, sizeof(*net));
	if (alen == 0 || alen >= sizeof(abuf))
		goto bad;
	memcpy(abuf, spec, alen);
	abuf[alen] = '\0';
	if (inet_pton(AF_INET, abuf, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		net->len = sizeof(*in);
		max = 32;
	} else if (inet_pton(AF_INET6, abuf, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		net->len = sizeof(*in6);
		max = 128;
	} else {
		goto bad;
	}
	*prefix = max;
	if (!slash)
		return 0;
	if (max == 32 && strchr(slash + 1, '.')) {
		struct in_addr m;
		uint32_t v;
		if (inet_pton(AF_INET, slash + 1, &m) != 1)
			goto bad;
		v = ntohl(m.s_addr);
		/* a mask must be contiguous ones */
		if (v && (~v & (~v + 1)) != 0)
			goto bad;
		*prefix = v ? 32 - __builtin_ctz(v) : 0;
		return 0;
	}
	long long pl;
	if (lb_parse_int(slash + 1, 0, max, &pl) < 0)
		goto bad;
	*prefix = (int)pl;
	return 0;
bad:
	*errmsg = lb_xasprintf("invalid network '%s' (expected <address>[/<prefix length or "
			       "mask>])", spec);
	return -1;
}
