/* common/logfmt.c: compile HAProxy log-format strings once, render them per log line */
/*
 * A format compiles to a flat array of items: literal text (kept in one pool), separators
 * (runs of spaces in a log line), variables (%ci) and sample fetches (%[req.hdr(host)]).
 * Rendering walks the array and writes straight into the caller's buffer: no allocation, no
 * locale, no strftime; the date strings come from a per-thread cache refreshed when the
 * second changes. A compiled format is never written after compilation, so any number of
 * threads may render it at once.
 *
 * Two dialects, as in HAProxy:
 * - a log line (log-format, option httplog/tcplog): a run of spaces is a separator that
 *   collapses when nothing was written since the previous one (so "%hr %hs" without
 *   captures leaves one space, not three), and unknown text renders as "-";
 * - a value (LB_LOGFMT_F_VALUE: header values, lf-string, redirect locations): spaces are
 *   literal, unknown text renders as nothing, fetched text is %-encoded where a header
 *   value could not hold it.
 * Rendering of each variable follows HAProxy 2.6 (src/log.c), including its quirks: %b falls
 * back to the frontend name, %s to "<NOSRV>", %r to "<BADREQ>", %{+Q} on unknown text gives
 * "" and %hr/%hs/%hrl/%hsl render nothing because lb has no header captures.
 */
#include "logfmt.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "vars.h"

/* ---- the tables ---- */

enum {
	LF_VF_HTTP = 1 << 0,	/* HAProxy reserves it for mode http */
	LF_VF_GLOBAL = 1 << 1,	/* %o: sets the default flags of what follows */
	LF_VF_NOOUT = 1 << 2,	/* renders nothing (captures): does not end a separator run */
};

/* X(id, name, flags, help): one row per variable. The parser, the renderer (through the
 * enum) and lb_logfmt_vars[] (lbcheck --list-keywords, the man page check) all read it. */
#define LF_VAR_LIST(X) \
	X(LF_V_o, "o", LF_VF_GLOBAL, "special: its flags apply to every following variable") \
	X(LF_V_B, "B", 0, "bytes sent to the client") \
	X(LF_V_CC, "CC", LF_VF_HTTP, "captured request cookie (lb captures none: \"-\")") \
	X(LF_V_CS, "CS", LF_VF_HTTP, "captured response cookie (lb captures none: \"-\")") \
	X(LF_V_H, "H", 0, "host name of the machine") \
	X(LF_V_HM, "HM", LF_VF_HTTP, "HTTP method (e.g. POST)") \
	X(LF_V_HP, "HP", LF_VF_HTTP, "HTTP request URI without the query string") \
	X(LF_V_HPO, "HPO", LF_VF_HTTP, "HTTP path only (without scheme, host or query string)") \
	X(LF_V_HQ, "HQ", LF_VF_HTTP, "HTTP query string with its '?' (e.g. ?bar=baz)") \
	X(LF_V_HU, "HU", LF_VF_HTTP, "HTTP request URI (e.g. /foo?bar=baz)") \
	X(LF_V_HV, "HV", LF_VF_HTTP, "HTTP version (e.g. HTTP/1.1)") \
	X(LF_V_ST, "ST", 0, "HTTP status code") \
	X(LF_V_T, "T", 0, "accept date, GMT (24/Nov/2026:20:11:05 +0000)") \
	X(LF_V_Ta, "Ta", LF_VF_HTTP, "active time of the request, from TR to the end (ms)") \
	X(LF_V_Tc, "Tc", 0, "time to connect to the server (ms)") \
	X(LF_V_Td, "Td", 0, "data transfer time: Tt - (Tq + Tw + Tc + Tr) (ms)") \
	X(LF_V_Th, "Th", 0, "connection handshake time (PROXY protocol, TLS) (ms)") \
	X(LF_V_Ti, "Ti", LF_VF_HTTP, "idle time before the HTTP request (ms)") \
	X(LF_V_Tl, "Tl", 0, "accept date, local time with its zone (24/Nov/2026:21:11:05 +0100)") \
	X(LF_V_Tq, "Tq", LF_VF_HTTP, "Th + Ti + TR (ms)") \
	X(LF_V_TR, "TR", LF_VF_HTTP, "time to receive the full request from its first byte (ms)") \
	X(LF_V_Tr, "Tr", LF_VF_HTTP, "server response time, until its headers (ms)") \
	X(LF_V_Ts, "Ts", 0, "accept date as a UNIX timestamp (s)") \
	X(LF_V_Tt, "Tt", 0, "total session time (ms)") \
	X(LF_V_Tu, "Tu", 0, "total time seen by the client: Tt - Ti (ms)") \
	X(LF_V_Tw, "Tw", 0, "time spent waiting in the queues (ms)") \
	X(LF_V_U, "U", 0, "bytes received from the client") \
	X(LF_V_ac, "ac", 0, "concurrent connections on the process") \
	X(LF_V_b, "b", 0, "backend name (the frontend's when none was chosen)") \
	X(LF_V_bc, "bc", 0, "concurrent connections on the backend") \
	X(LF_V_bi, "bi", 0, "backend source IP (our address towards the server)") \
	X(LF_V_bp, "bp", 0, "backend source port") \
	X(LF_V_bq, "bq", 0, "requests ahead of this one in the backend queue") \
	X(LF_V_ci, "ci", 0, "client IP") \
	X(LF_V_cp, "cp", 0, "client port") \
	X(LF_V_f, "f", 0, "frontend name") \
	X(LF_V_fc, "fc", 0, "concurrent connections on the frontend") \
	X(LF_V_fi, "fi", 0, "frontend IP (the address the client connected to)") \
	X(LF_V_fp, "fp", 0, "frontend port") \
	X(LF_V_ft, "ft", 0, "frontend name with its transport ('~' suffix for TLS)") \
	X(LF_V_hr, "hr", LF_VF_NOOUT, "captured request headers (lb captures none: nothing)") \
	X(LF_V_hrl, "hrl", LF_VF_NOOUT, "captured request headers, CLF style (none: nothing)") \
	X(LF_V_hs, "hs", LF_VF_NOOUT, "captured response headers (lb captures none: nothing)") \
	X(LF_V_hsl, "hsl", LF_VF_NOOUT, "captured response headers, CLF style (none: nothing)") \
	X(LF_V_ms, "ms", 0, "milliseconds of the accept date (3 digits)") \
	X(LF_V_pid, "pid", 0, "process ID") \
	X(LF_V_r, "r", LF_VF_HTTP, "HTTP request line (\"<BADREQ>\" if none)") \
	X(LF_V_rc, "rc", 0, "connection retries") \
	X(LF_V_rt, "rt", 0, "request counter (HTTP request or TCP session)") \
	X(LF_V_s, "s", 0, "server name (\"<NOSRV>\" if none)") \
	X(LF_V_sc, "sc", 0, "concurrent connections on the server") \
	X(LF_V_si, "si", 0, "server IP") \
	X(LF_V_sp, "sp", 0, "server port") \
	X(LF_V_sq, "sq", 0, "requests ahead of this one in the server queue") \
	X(LF_V_sslc, "sslc", 0, "TLS cipher suite of the client connection (GnuTLS name)") \
	X(LF_V_sslv, "sslv", 0, "TLS version of the client connection (TLSv1.3)") \
	X(LF_V_t, "t", 0, "accept date, local time (24/Nov/2026:20:11:05.123)") \
	X(LF_V_tr, "tr", LF_VF_HTTP, "request date, local time (24/Nov/2026:20:11:05.123)") \
	X(LF_V_trg, "trg", LF_VF_HTTP, "request date, GMT (24/Nov/2026:20:11:05 +0000)") \
	X(LF_V_trl, "trl", LF_VF_HTTP, "request date, local time with its zone") \
	X(LF_V_ts, "ts", 0, "termination state (2 characters)") \
	X(LF_V_tsc, "tsc", 0, "termination state with cookie status (4 characters)")

#define LF_ENUM(id, name, flags, help) id,
enum lf_var_id { LF_VAR_LIST(LF_ENUM) LF_V__COUNT };
#undef LF_ENUM

struct lf_var_def {
	const char *name;
	unsigned flags;
};

#define LF_DEF(id, name, flags, help) [id] = { name, flags },
static const struct lf_var_def lf_vars[] = { LF_VAR_LIST(LF_DEF) };
#undef LF_DEF

#define LF_INFO(id, name, flags, help) { "%" name, help },
const struct lb_logfmt_var_info lb_logfmt_vars[] = { LF_VAR_LIST(LF_INFO) { NULL, NULL } };
#undef LF_INFO

/* HAProxy variables lb knows but cannot render: refused with the reason. */
static const struct {
	const char *name;
	const char *why;
} lf_refused[] = {
	{ "ID", "lb has no unique-id-format" },
	{ "lc", "lb keeps no per-frontend log counter" },
};

enum {
	LF_FF_ARG = 1 << 0,	/* takes a header name argument */
	LF_FF_VAR = 1 << 1,	/* takes a variable name (common/vars.h), kept as its key */
};

/* X(id, name, usage, flags, help): the sample fetches accepted in %[...]. */
#define LF_FETCH_LIST(X) \
	X(LF_F_src, "src", "src", 0, "client IP") \
	X(LF_F_src_port, "src_port", "src_port", 0, "client port") \
	X(LF_F_dst, "dst", "dst", 0, "frontend IP the client connected to") \
	X(LF_F_dst_port, "dst_port", "dst_port", 0, "frontend port the client connected to") \
	X(LF_F_fe_name, "fe_name", "fe_name", 0, "frontend name") \
	X(LF_F_be_name, "be_name", "be_name", 0, "backend name") \
	X(LF_F_srv_name, "srv_name", "srv_name", 0, "server name") \
	X(LF_F_req_hdr, "req.hdr", "req.hdr(<name>)", LF_FF_ARG, \
	  "last value of request header <name>, values split on commas") \
	X(LF_F_hdr, "hdr", "hdr(<name>)", LF_FF_ARG, "same as req.hdr(<name>)") \
	X(LF_F_req_fhdr, "req.fhdr", "req.fhdr(<name>)", LF_FF_ARG, \
	  "full value of request header <name>, commas included") \
	X(LF_F_method, "method", "method", 0, "HTTP method") \
	X(LF_F_path, "path", "path", 0, "HTTP path, from the first '/' to the '?'") \
	X(LF_F_query, "query", "query", 0, "HTTP query string, after the '?'") \
	X(LF_F_url, "url", "url", 0, "HTTP request URI as received") \
	X(LF_F_req_ver, "req.ver", "req.ver", 0, "HTTP version of the request (e.g. 1.1)") \
	X(LF_F_pid, "pid", "pid", 0, "process ID") \
	X(LF_F_hostname, "hostname", "hostname", 0, "host name of the machine") \
	X(LF_F_ssl_fc, "ssl_fc", "ssl_fc", 0, "1 when the client connection is TLS, else 0") \
	X(LF_F_ssl_fc_sni, "ssl_fc_sni", "ssl_fc_sni", 0, "server name the TLS client sent") \
	X(LF_F_ssl_fc_protocol, "ssl_fc_protocol", "ssl_fc_protocol", 0, \
	  "TLS version of the client connection") \
	X(LF_F_ssl_fc_cipher, "ssl_fc_cipher", "ssl_fc_cipher", 0, \
	  "TLS cipher suite of the client connection") \
	X(LF_F_ssl_fc_alpn, "ssl_fc_alpn", "ssl_fc_alpn", 0, "ALPN protocol chosen with the client") \
	X(LF_F_ssl_c_used, "ssl_c_used", "ssl_c_used", 0, "1 when the client sent a certificate") \
	X(LF_F_ssl_c_verify, "ssl_c_verify", "ssl_c_verify", 0, \
	  "client certificate verification (OpenSSL code, 0 = valid or none)") \
	X(LF_F_ssl_c_s_dn, "ssl_c_s_dn", "ssl_c_s_dn", 0, "client certificate subject DN") \
	X(LF_F_var, "var", "var(txn.<name>[,<default>])", LF_FF_VAR, \
	  "value of a variable (set-var; scopes proc, sess, txn, req, res), or the default")

#define LF_ENUM(id, name, usage, flags, help) id,
enum lf_fetch_id { LF_FETCH_LIST(LF_ENUM) LF_F__COUNT };
#undef LF_ENUM

#define LF_DEF(id, name, usage, flags, help) [id] = { name, flags },
static const struct lf_var_def lf_fetches[] = { LF_FETCH_LIST(LF_DEF) };
#undef LF_DEF

#define LF_INFO(id, name, usage, flags, help) { usage, help },
const struct lb_logfmt_var_info lb_logfmt_fetches[] = { LF_FETCH_LIST(LF_INFO) { NULL, NULL } };
#undef LF_INFO

/* HAProxy 2.6's predefined formats (src/log.c), and its legacy default line. */
const char lb_logfmt_httplog_src[] =
	"%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc "
	"%sq/%bq %hr %hs %{+Q}r";
const char lb_logfmt_httplog_clf_src[] =
	"%{+Q}o %{-Q}ci - - [%trg] %r %ST %B \"\" \"\" %cp %ms %ft %b %s %TR %Tw %Tc %Tr %Ta "
	"%tsc %ac %fc %bc %sc %rc %sq %bq %CC %CS %hrl %hsl";
const char lb_logfmt_tcplog_src[] =
	"%ci:%cp [%t] %ft %b/%s %Tw/%Tc/%Tt %B %ts %ac/%fc/%bc/%sc/%rc %sq/%bq";
const char lb_logfmt_default_src[] = "Connect from %ci:%cp to %fi:%fp (%f/TCP)";
const char lb_logfmt_default_http_src[] = "Connect from %ci:%cp to %fi:%fp (%f/HTTP)";

/* ---- the compiled form ---- */

enum lf_kind {
	LF_I_TEXT,	/* text[off .. off+len) */
	LF_I_SEP,	/* a run of spaces in a log line */
	LF_I_VAR,	/* id: enum lf_var_id */
	LF_I_FETCH,	/* id: enum lf_fetch_id; argument in text[off .. off+len) */
};

/* item options: HAProxy's %{+Q,+X,+E,+M} */
enum {
	LF_O_QUOTE = 1 << 0,	/* Q: wrap text in double quotes */
	LF_O_HEX = 1 << 1,	/* X: addresses, ports, timestamps and counters in hex */
	LF_O_ESC = 1 << 2,	/* E: backslash before '"', '\' and ']' (rfc5424 values) */
	LF_O_MAND = 1 << 3,	/* M: unknown text renders as "-" (default in log lines) */
};

struct lf_item {
	uint8_t kind;
	uint8_t opts;
	uint16_t id;
	uint32_t off;
	uint32_t len;
	uint32_t doff;	/* var(<name>,<default>): the default's offset in text, len - 1 bytes */
};

struct lb_logfmt {
	unsigned flags;		/* LB_LOGFMT_F_* given to compile */
	size_t nitems;
	struct lf_item *items;
	char *text;		/* literal text and fetch arguments */
	bool is_const;
	char *cstr;		/* the rendered constant when is_const */
	size_t clen;
	char host[256];		/* gethostname() at compile time, for %H */
};

/* ---- output helpers: all bounded by o->end, none fails ---- */

struct lf_out {
	char *p;
	char *end;
};

enum lf_enc {
	LF_ENC_NONE,
	LF_ENC_URL,	/* %r & co: '"', '#', controls and non-ASCII as #XX */
	LF_ENC_HTTP,	/* fetched text in a value: controls but HTAB as %XX */
};

static const char lf_hex[] = "0123456789ABCDEF";

static inline void
out_mem(struct lf_out *o, const char *s, size_t n)
{
	size_t room = (size_t)(o->end - o->p);

	if (n > room)
		n = room;
	if (n) {
		memcpy(o->p, s, n);
		o->p += n;
	}
}

static inline void
out_chr(struct lf_out *o, char c)
{
	if (o->p < o->end)
		*o->p++ = c;
}

static void
out_u64(struct lf_out *o, uint64_t v)
{
	char tmp[20];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	out_mem(o, tmp + i, sizeof(tmp) - i);
}

static void
out_i64(struct lf_out *o, int64_t v)
{
	if (v < 0) {
		out_chr(o, '-');
		out_u64(o, (uint64_t)0 - (uint64_t)v);
	} else {
		out_u64(o, (uint64_t)v);
	}
}

/* Uppercase hex with at least `digits` digits, as HAProxy's "%04X". */
static void
out_hexnum(struct lf_out *o, uint64_t v, unsigned digits)
{
	char tmp[16];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = lf_hex[v & 15];
		v >>= 4;
	} while (v || sizeof(tmp) - i < digits);
	out_mem(o, tmp + i, sizeof(tmp) - i);
}

/* Zero-padded decimal of exactly `digits` digits (v must fit). */
static void
out_pad(struct lf_out *o, unsigned v, unsigned digits)
{
	char tmp[10];

	for (unsigned i = digits; i > 0; i--) {
		tmp[i - 1] = (char)('0' + v % 10);
		v /= 10;
	}
	out_mem(o, tmp, digits);
}

static void
out_enc(struct lf_out *o, const char *s, size_t len, unsigned opts, enum lf_enc enc)
{
	if (enc == LF_ENC_NONE && !(opts & LF_O_ESC)) {
		out_mem(o, s, len);
		return;
	}
	for (size_t i = 0; i < len && o->p < o->end; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc = 0;

		if (enc == LF_ENC_URL && (c < 0x20 || c >= 0x7f || c == '"' || c == '#'))
			esc = '#';
		else if (enc == LF_ENC_HTTP && ((c < 0x20 && c != '\t') || c == 0x7f))
			esc = '%';
		if (esc) {
			out_chr(o, esc);
			out_chr(o, lf_hex[c >> 4]);
			out_chr(o, lf_hex[c & 15]);
		} else if ((opts & LF_O_ESC) && (c == '"' || c == '\\' || c == ']')) {
			out_chr(o, '\\');
			out_chr(o, (char)c);
		} else {
			out_chr(o, (char)c);
		}
	}
}

/* HAProxy's lf_text_len(): s == NULL or empty is "unknown". */
static void
out_text(struct lf_out *o, const char *s, size_t len, unsigned opts, enum lf_enc enc)
{
	if (opts & LF_O_QUOTE)
		out_chr(o, '"');
	if (s && len)
		out_enc(o, s, len, opts, enc);
	else if ((opts & (LF_O_QUOTE | LF_O_MAND)) == LF_O_MAND)
		out_chr(o, '-');
	if (opts & LF_O_QUOTE)
		out_chr(o, '"');
}

static inline void
out_str(struct lf_out *o, const char *s, unsigned opts)
{
	out_text(o, s, s ? strlen(s) : 0, opts, LF_ENC_NONE);
}

/* Text form of an address into buf (>= INET6_ADDRSTRLEN); returns its length, 0 if none. */
static size_t
addr_text(const struct sockaddr *sa, char *buf, size_t bufsz)
{
	if (!sa)
		return 0;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)sa;
		const unsigned char *a = (const unsigned char *)&s4->sin_addr;
		char *p = buf;

		for (int i = 0; i < 4; i++) {
			unsigned v = a[i];
			if (i)
				*p++ = '.';
			if (v >= 100)
				*p++ = (char)('0' + v / 100);
			if (v >= 10)
				*p++ = (char)('0' + v / 10 % 10);
			*p++ = (char)('0' + v % 10);
		}
		*p = '\0';
		return (size_t)(p - buf);
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;

		if (!inet_ntop(AF_INET6, &s6->sin6_addr, buf, (socklen_t)bufsz))
			return 0;
		return strlen(buf);
	}
	if (sa->sa_family == AF_UNIX) {
		memcpy(buf, "unix", 5);
		return 4;
	}
	return 0;
}

static int
addr_port(const struct sockaddr *sa)
{
	if (sa && sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)(const void *)sa)->sin_port);
	if (sa && sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)(const void *)sa)->sin6_port);
	return -1;
}

/* %ci & co; +X writes the address bytes in hex, most significant first. */
static void
out_ip(struct lf_out *o, const struct sockaddr *sa, unsigned opts)
{
	char buf[INET6_ADDRSTRLEN + 8];
	size_t n;

	if ((opts & LF_O_HEX) && sa && (sa->sa_family == AF_INET || sa->sa_family == AF_INET6)) {
		const unsigned char *a;
		size_t alen;

		if (sa->sa_family == AF_INET) {
			a = (const unsigned char *)&((const struct sockaddr_in *)(const void *)sa)
				    ->sin_addr;
			alen = 4;
		} else {
			a = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
			alen = 16;
		}
		for (size_t i = 0; i < alen; i++) {
			out_chr(o, lf_hex[a[i] >> 4]);
			out_chr(o, lf_hex[a[i] & 15]);
		}
		return;
	}
	n = addr_text(sa, buf, sizeof(buf));
	out_text(o, buf, n, opts, LF_ENC_NONE);
}

static void
out_port(struct lf_out *o, const struct sockaddr *sa, unsigned opts)
{
	int port = addr_port(sa);

	if (port < 0)
		out_text(o, NULL, 0, opts, LF_ENC_NONE);
	else if (opts & LF_O_HEX)
		out_hexnum(o, (unsigned)port, 4);
	else
		out_u64(o, (unsigned)port);
}

/* ---- dates: formatted once per second per thread ---- */

struct lf_date {
	bool ok;
	time_t sec;
	char s[64];	/* "24/Nov/2026:20:11:05", 20 bytes for 4-digit years */
	size_t len;
	char zone[16];	/* "+0100" */
};

/* [0] local, [1] GMT; two seconds each, as accept and request dates may differ. Keyed by
 * the second alone: the zone is loaded once (tzset() at compile) and never changes while
 * lbd runs. */
static __thread struct lf_date lf_dates[2][2];

static const char *const lf_months[12] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

static const struct lf_date *
lf_date_get(time_t sec, bool gmt)
{
	struct lf_date *d = &lf_dates[gmt][(unsigned long)sec & 1];
	struct tm tm;
	long off;
	int n;

	if (LB_LIKELY(d->ok && d->sec == sec))
		return d;
	if (!(gmt ? gmtime_r(&sec, &tm) : localtime_r(&sec, &tm)))
		memset(&tm, 0, sizeof(tm));
	n = snprintf(d->s, sizeof(d->s), "%02d/%s/%04d:%02d:%02d:%02d", tm.tm_mday,
		     lf_months[(unsigned)tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
		     tm.tm_sec);
	d->len = n > 0 ? LB_MIN((size_t)n, sizeof(d->s) - 1) : 0;
	off = gmt ? 0 : tm.tm_gmtoff;
	snprintf(d->zone, sizeof(d->zone), "%c%02ld%02ld", off < 0 ? '-' : '+',
		 (off < 0 ? -off : off) / 3600 % 100, (off < 0 ? -off : off) / 60 % 60);
	d->sec = sec;
	d->ok = true;
	return d;
}

/* %t / %tr: local with milliseconds */
static void
out_date_ms(struct lf_out *o, const struct timeval *tv)
{
	const struct lf_date *d = lf_date_get(tv->tv_sec, false);

	out_mem(o, d->s, d->len);
	out_chr(o, '.');
	out_pad(o, (unsigned)(tv->tv_usec / 1000) % 1000, 3);
}

/* %T / %trg (gmt) and %Tl / %trl (local): with the zone */
static void
out_date_zone(struct lf_out *o, const struct timeval *tv, bool gmt)
{
	const struct lf_date *d = lf_date_get(tv->tv_sec, gmt);

	out_mem(o, d->s, d->len);
	out_chr(o, ' ');
	out_mem(o, d->zone, 5);
}

/* ---- the HTTP request, split as HAProxy splits its request line ---- */

struct lf_req {
	bool ok;		/* there is a request */
	const char *meth;	/* NULL when the line has no space ("<BADREQ>") */
	size_t meth_len;
	const char *uri;	/* NULL when there is no URI */
	size_t uri_len;
	const char *ver;	/* "HTTP/1.1", or "HTTP/0.9" when the line has no version */
	size_t ver_len;
};

static bool
is_sp(char c)
{
	return c == ' ' || c == '\t';
}

static void
lf_req_split(const struct lb_log_ctx *ctx, struct lf_req *r)
{
	memset(r, 0, sizeof(*r));
	if (ctx->req_line) {
		const char *p = ctx->req_line, *e = p + ctx->req_line_len, *s;

		r->ok = true;
		for (s = p; p < e && !is_sp(*p); p++)
			;
		if (p == e)
			return;	/* a lone method: HAProxy's "<BADREQ>" for every part */
		r->meth = s;
		r->meth_len = (size_t)(p - s);
		while (p < e && is_sp(*p))
			p++;
		for (s = p; p < e && !is_sp(*p); p++)
			;
		r->uri = s;
		r->uri_len = (size_t)(p - s);
		while (p < e && is_sp(*p))
			p++;
		if (p < e) {
			r->ver = p;
			r->ver_len = (size_t)(e - p);
		} else {
			r->ver = "HTTP/0.9";
			r->ver_len = 8;
		}
		return;
	}
	if (ctx->method && ctx->uri) {
		r->ok = true;
		r->meth = ctx->method;
		r->meth_len = ctx->method_len;
		r->uri = ctx->uri;
		r->uri_len = ctx->uri_len;
		switch (ctx->http_version) {
		case 10: r->ver = "HTTP/1.0"; break;
		case 11: r->ver = "HTTP/1.1"; break;
		case 20: r->ver = "HTTP/2.0"; break;
		case 30: r->ver = "HTTP/3.0"; break;
		default: r->ver = "HTTP/0.9"; break;
		}
		r->ver_len = 8;
	}
}

/* The path of a URI: origin form as is, absolute form after its authority; up to the '?'.
 * False when there is none (authority form, "*"). */
static bool
uri_path(const char *u, size_t n, const char **path, size_t *plen)
{
	size_t i = 0, j;

	if (!u)
		return false;
	if (!(n && u[0] == '/')) {
		const char *ss = memmem(u, n, "://", 3);

		if (!ss)
			return false;
		for (i = (size_t)(ss - u) + 3; i < n && u[i] != '/' && u[i] != '?'; i++)
			;
	}
	for (j = i; j < n && u[j] != '?'; j++)
		;
	*path = u + i;
	*plen = j - i;
	return true;
}

static void
out_badreq(struct lf_out *o, const char *s, size_t len, unsigned opts)
{
	if (!s) {
		s = "<BADREQ>";
		len = 8;
	}
	if (opts & LF_O_QUOTE)
		out_chr(o, '"');
	out_enc(o, s, len, opts, LF_ENC_URL);
	if (opts & LF_O_QUOTE)
		out_chr(o, '"');
}

static void
out_http_part(struct lf_out *o, const struct lb_log_ctx *ctx, unsigned id, unsigned opts)
{
	struct lf_req r;
	const char *s = NULL, *q;
	size_t len = 0;

	lf_req_split(ctx, &r);
	switch (id) {
	case LF_V_HM:
		s = r.meth;
		len = r.meth_len;
		break;
	case LF_V_HU:
		s = r.uri;
		len = r.uri_len;
		break;
	case LF_V_HP:
		if (r.uri) {
			q = memchr(r.uri, '?', r.uri_len);
			s = r.uri;
			len = q ? (size_t)(q - r.uri) : r.uri_len;
		}
		break;
	case LF_V_HPO:
		if (r.uri && !uri_path(r.uri, r.uri_len, &s, &len)) {
			s = "";
			len = 0;
		}
		break;
	case LF_V_HQ:
		if (r.ok) {
			/* from the '?' on; nothing at all when there is no query */
			q = r.uri ? memchr(r.uri, '?', r.uri_len) : NULL;
			s = q ? q : "";
			len = q ? r.uri_len - (size_t)(q - r.uri) : 0;
		}
		break;
	case LF_V_HV:
		s = r.ver;
		len = r.ver_len;
		break;
	}
	out_badreq(o, s, len, opts);
}

/* ---- rendering ---- */

static long
t_or0(long t)
{
	return t >= 0 ? t : 0;
}

/* Returns false when nothing was written on purpose (captures), so that the separator run
 * around it still collapses. */
static bool
render_var(const struct lb_logfmt *fmt, const struct lf_item *it, const struct lb_log_ctx *ctx,
	   struct lf_out *o)
{
	unsigned opts = it->opts;
	long t;

	switch ((enum lf_var_id)it->id) {
	case LF_V_o:
	case LF_V_hr:
	case LF_V_hrl:
	case LF_V_hs:
	case LF_V_hsl:
		return false;
	case LF_V_B:
		out_u64(o, ctx->bytes_out);
		break;
	case LF_V_U:
		out_u64(o, ctx->bytes_in);
		break;
	case LF_V_CC:
	case LF_V_CS:
		out_text(o, NULL, 0, opts, LF_ENC_NONE);
		break;
	case LF_V_H:
		out_str(o, fmt->host, opts);
		break;
	case LF_V_HM:
	case LF_V_HP:
	case LF_V_HPO:
	case LF_V_HQ:
	case LF_V_HU:
	case LF_V_HV:
		out_http_part(o, ctx, it->id, opts);
		break;
	case LF_V_r:
		out_badreq(o, ctx->req_line, ctx->req_line_len, opts);
		break;
	case LF_V_ST:
		/* HAProxy: the transaction's status (-1 before a response), 0 without HTTP */
		if (ctx->status >= 0)
			out_i64(o, ctx->status);
		else
			out_i64(o, (fmt->flags & LB_LOGFMT_F_HTTP) ? -1 : 0);
		break;
	case LF_V_T:
		out_date_zone(o, &ctx->accept_date, true);
		break;
	case LF_V_Tl:
		out_date_zone(o, &ctx->accept_date, false);
		break;
	case LF_V_trg:
		out_date_zone(o, &ctx->request_date, true);
		break;
	case LF_V_trl:
		out_date_zone(o, &ctx->request_date, false);
		break;
	case LF_V_t:
		out_date_ms(o, &ctx->accept_date);
		break;
	case LF_V_tr:
		out_date_ms(o, &ctx->request_date);
		break;
	case LF_V_Ts:
		if (opts & LF_O_HEX)
			out_hexnum(o, (uint64_t)ctx->accept_date.tv_sec, 4);
		else
			out_i64(o, ctx->accept_date.tv_sec);
		break;
	case LF_V_ms:
		if (opts & LF_O_HEX)
			out_hexnum(o, (uint64_t)(ctx->accept_date.tv_usec / 1000), 2);
		else
			out_pad(o, (unsigned)(ctx->accept_date.tv_usec / 1000) % 1000, 3);
		break;
	case LF_V_Th:
		out_i64(o, ctx->t_handshake);
		break;
	case LF_V_Ti:
		out_i64(o, ctx->t_idle);
		break;
	case LF_V_TR:
		out_i64(o, ctx->t_request);
		break;
	case LF_V_Tq:
		out_i64(o, ctx->t_request >= 0 ? t_or0(ctx->t_handshake) + t_or0(ctx->t_idle) +
							 ctx->t_request
					       : -1);
		break;
	case LF_V_Tw:
		out_i64(o, ctx->t_queue);
		break;
	case LF_V_Tc:
		out_i64(o, ctx->t_connect);
		break;
	case LF_V_Tr:
		out_i64(o, ctx->t_response);
		break;
	case LF_V_Ta:
		out_i64(o, ctx->t_active);
		break;
	case LF_V_Tt:
		out_i64(o, ctx->t_total);
		break;
	case LF_V_Tu:
		out_i64(o, ctx->t_total >= 0 ? ctx->t_total - t_or0(ctx->t_idle) : -1);
		break;
	case LF_V_Td:
		/* from the end of the response headers (http) or of the connect (tcp) */
		t = (fmt->flags & LB_LOGFMT_F_HTTP) ? ctx->t_response : ctx->t_connect;
		if (t < 0 || ctx->t_total < 0) {
			out_i64(o, -1);
			break;
		}
		t = ctx->t_total - (t_or0(ctx->t_handshake) + t_or0(ctx->t_idle) +
				    t_or0(ctx->t_request) + t_or0(ctx->t_queue) +
				    t_or0(ctx->t_connect) +
				    ((fmt->flags & LB_LOGFMT_F_HTTP) ? t_or0(ctx->t_response) : 0));
		out_i64(o, t);
		break;
	case LF_V_ac:
		out_i64(o, ctx->actconn);
		break;
	case LF_V_fc:
		out_i64(o, ctx->feconn);
		break;
	case LF_V_bc:
		out_i64(o, ctx->beconn);
		break;
	case LF_V_sc:
		out_i64(o, ctx->srv_conn);
		break;
	case LF_V_rc:
		/* HAProxy prefixes the count with '+' when the request was redispatched */
		if (ctx->redispatched)
			out_chr(o, '+');
		out_i64(o, ctx->retries);
		break;
	case LF_V_sq:
		out_i64(o, ctx->srv_queue);
		break;
	case LF_V_bq:
		out_i64(o, ctx->be_queue);
		break;
	case LF_V_b:
		out_str(o, ctx->be_name ? ctx->be_name : ctx->fe_name, opts);
		break;
	case LF_V_s:
		out_str(o, ctx->srv_name ? ctx->srv_name : "<NOSRV>", opts);
		break;
	case LF_V_f:
	case LF_V_ft:
		/* "fe~" for a TLS connection, as HAProxy */
		if (ctx->tls && ctx->fe_name) {
			char ft[128];
			snprintf(ft, sizeof(ft), "%s~", ctx->fe_name);
			out_str(o, ft, opts);
		} else {
			out_str(o, ctx->fe_name, opts);
		}
		break;
	case LF_V_sslc:
	case LF_V_sslv: {
		char tv[128];
		size_t n = ctx->tls ? ctx->tls_fact(ctx->tls, it->id == LF_V_sslc ? LB_TLS_FACT_CIPHER
										 : LB_TLS_FACT_PROTOCOL,
						    tv, sizeof(tv))
				    : 0;
		out_text(o, tv, n, opts, LF_ENC_NONE);
		break;
	}
	case LF_V_ci:
		out_ip(o, ctx->cli_addr, opts);
		break;
	case LF_V_cp:
		out_port(o, ctx->cli_addr, opts);
		break;
	case LF_V_fi:
		out_ip(o, ctx->fe_addr, opts);
		break;
	case LF_V_fp:
		out_port(o, ctx->fe_addr, opts);
		break;
	case LF_V_bi:
		out_ip(o, ctx->be_src_addr, opts);
		break;
	case LF_V_bp:
		out_port(o, ctx->be_src_addr, opts);
		break;
	case LF_V_si:
		out_ip(o, ctx->srv_addr, opts);
		break;
	case LF_V_sp:
		out_port(o, ctx->srv_addr, opts);
		break;
	case LF_V_pid:
		if (opts & LF_O_HEX)
			out_hexnum(o, (unsigned)(ctx->pid > 0 ? ctx->pid : (int)getpid()), 4);
		else
			out_i64(o, ctx->pid > 0 ? ctx->pid : (int)getpid());
		break;
	case LF_V_rt:
		if (opts & LF_O_HEX)
			out_hexnum(o, ctx->uniq_id, 4);
		else
			out_u64(o, ctx->uniq_id);
		break;
	case LF_V_ts:
	case LF_V_tsc:
		for (int i = 0; i < (it->id == LF_V_ts ? 2 : 4); i++)
			out_chr(o, ctx->term_state[i] ? ctx->term_state[i] : '-');
		break;
	case LF_V__COUNT:
		break;
	}
	return true;
}

/* The last comma-separated element of a header value, without its spaces: req.hdr(). */
static void
hdr_last_value(const char **v, size_t *len)
{
	const char *s = *v, *e = s + *len, *p = e;

	while (p > s && p[-1] != ',')
		p--;
	while (p < e && is_sp(*p))
		p++;
	while (e > p && is_sp(e[-1]))
		e--;
	*v = p;
	*len = (size_t)(e - p);
}

/* A 16-byte address (IPv4 mapped) as text. */
static size_t
ip16_text(const uint8_t ip[16], char *buf, size_t bufsz)
{
	static const uint8_t v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	bool v4 = !memcmp(ip, v4_mapped, sizeof(v4_mapped));

	if (!inet_ntop(v4 ? AF_INET : AF_INET6, v4 ? ip + 12 : ip, buf, (socklen_t)bufsz))
		return 0;
	return strlen(buf);
}

static void
render_fetch(const struct lb_logfmt *fmt, const struct lf_item *it, const struct lb_log_ctx *ctx,
	     struct lf_out *o)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *s = NULL, *q;
	size_t len = 0;
	struct lf_req r;
	int port;

	switch ((enum lf_fetch_id)it->id) {
	case LF_F_src:
	case LF_F_dst:
		s = buf;
		len = addr_text(it->id == LF_F_src ? ctx->cli_addr : ctx->fe_addr, buf,
				sizeof(buf));
		break;
	case LF_F_src_port:
	case LF_F_dst_port:
		port = addr_port(it->id == LF_F_src_port ? ctx->cli_addr : ctx->fe_addr);
		if (port >= 0) {
			len = (size_t)snprintf(buf, sizeof(buf), "%d", port);
			s = buf;
		}
		break;
	case LF_F_pid:
		s = buf;
		len = (size_t)snprintf(buf, sizeof(buf), "%d",
				       ctx->pid > 0 ? ctx->pid : (int)getpid());
		break;
	case LF_F_fe_name:
	case LF_F_be_name:
	case LF_F_srv_name:
	case LF_F_hostname:
		s = it->id == LF_F_fe_name    ? ctx->fe_name
		    : it->id == LF_F_be_name  ? (ctx->be_name ? ctx->be_name : ctx->fe_name)
		    : it->id == LF_F_srv_name ? ctx->srv_name
					      : fmt->host;
		len = s ? strlen(s) : 0;
		break;
	case LF_F_req_hdr:
	case LF_F_hdr:
	case LF_F_req_fhdr:
		if (!ctx->req_hdr ||
		    !ctx->req_hdr(ctx->req_hdr_arg, fmt->text + it->off, it->len, &s, &len) || !s) {
			s = NULL;
			len = 0;
		} else if (it->id != LF_F_req_fhdr) {
			hdr_last_value(&s, &len);
		}
		break;
	case LF_F_method:
	case LF_F_url:
	case LF_F_req_ver:
	case LF_F_path:
	case LF_F_query:
		lf_req_split(ctx, &r);
		if (it->id == LF_F_method) {
			s = r.meth;
			len = r.meth_len;
		} else if (it->id == LF_F_url) {
			s = r.uri;
			len = r.uri_len;
		} else if (it->id == LF_F_req_ver) {
			if (r.ver && r.ver_len > 5 && !memcmp(r.ver, "HTTP/", 5)) {
				s = r.ver + 5;
				len = r.ver_len - 5;
			}
		} else if (it->id == LF_F_path) {
			if (!uri_path(r.uri, r.uri_len, &s, &len))
				s = NULL;
		} else if (r.uri && (q = memchr(r.uri, '?', r.uri_len)) != NULL) {
			s = q + 1;
			len = r.uri_len - (size_t)(q + 1 - r.uri);
		}
		break;
	case LF_F_ssl_fc:
		s = ctx->tls ? "1" : "0";
		len = 1;
		break;
	case LF_F_ssl_fc_sni:
	case LF_F_ssl_fc_protocol:
	case LF_F_ssl_fc_cipher:
	case LF_F_ssl_fc_alpn:
	case LF_F_ssl_c_used:
	case LF_F_ssl_c_verify:
	case LF_F_ssl_c_s_dn: {
		static const enum lb_tls_fact facts[] = {
			[LF_F_ssl_fc_sni] = LB_TLS_FACT_SNI,
			[LF_F_ssl_fc_protocol] = LB_TLS_FACT_PROTOCOL,
			[LF_F_ssl_fc_cipher] = LB_TLS_FACT_CIPHER,
			[LF_F_ssl_fc_alpn] = LB_TLS_FACT_ALPN,
			[LF_F_ssl_c_used] = LB_TLS_FACT_C_USED,
			[LF_F_ssl_c_verify] = LB_TLS_FACT_C_VERIFY,
			[LF_F_ssl_c_s_dn] = LB_TLS_FACT_C_S_DN,
		};
		static _Thread_local char tbuf[512];
		if (ctx->tls) {
			len = ctx->tls_fact(ctx->tls, facts[it->id], tbuf, sizeof(tbuf));
			s = tbuf;
		}
		break;
	}
	case LF_F_var: {
		static _Thread_local char vbuf[1024];
		struct lb_var_val v;
		if (!lb_vars_peek(ctx->vars ? *ctx->vars : NULL, it->off, &v, vbuf, sizeof(vbuf))) {
			if (it->len) {	/* var(<name>,<default>) */
				s = fmt->text + it->doff;
				len = it->len - 1;
			}
			break;
		}
		s = buf;
		if (v.type == LB_VAR_T_STR) {
			s = v.s;
			len = v.len;
		} else if (v.type == LB_VAR_T_IP) {
			len = ip16_text(v.ip, buf, sizeof(buf));
		} else {
			len = (size_t)snprintf(buf, sizeof(buf), "%lld", (long long)v.i);
		}
		break;
	}
	case LF_F__COUNT:
		break;
	}
	out_text(o, s, len, it->opts, (fmt->flags & LB_LOGFMT_F_VALUE) ? LF_ENC_HTTP : LF_ENC_NONE);
}

size_t
lb_logfmt_render(const struct lb_logfmt *fmt, const struct lb_log_ctx *ctx, char *out,
		 size_t outsz)
{
	struct lf_out o;
	bool last_sp = true;	/* a leading separator is dropped, as HAProxy does */
	size_t n;

	if (!outsz)
		return 0;
	o.p = out;
	o.end = out + outsz;
	for (size_t i = 0; i < fmt->nitems && o.p < o.end; i++) {
		const struct lf_item *it = &fmt->items[i];

		switch ((enum lf_kind)it->kind) {
		case LF_I_TEXT:
			out_mem(&o, fmt->text + it->off, it->len);
			last_sp = false;
			break;
		case LF_I_SEP:
			if (!last_sp) {
				out_chr(&o, ' ');
				last_sp = true;
			}
			break;
		case LF_I_VAR:
			if (render_var(fmt, it, ctx, &o))
				last_sp = false;
			break;
		case LF_I_FETCH:
			render_fetch(fmt, it, ctx, &o);
			last_sp = false;
			break;
		}
	}
	n = (size_t)(o.p - out);
	if (n < outsz)
		out[n] = '\0';
	return n;
}

void
lb_log_ctx_init(struct lb_log_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->t_handshake = ctx->t_idle = ctx->t_request = ctx->t_queue = -1;
	ctx->t_connect = ctx->t_response = ctx->t_active = ctx->t_total = -1;
	ctx->status = -1;
	memcpy(ctx->term_state, "----", 5);
}

/* ---- compilation ---- */

struct lf_build {
	struct lf_item *items;
	size_t n, cap;
	char *text;
	size_t tlen, tcap;
	unsigned flags;
	unsigned defopts;	/* options every variable starts with (changed by %o) */
	const char *src;
	char *err;
};

static void
b_item(struct lf_build *b, unsigned kind, unsigned opts, unsigned id, size_t off, size_t len)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 16;
		b->items = lb_xrealloc(b->items, b->cap * sizeof(*b->items));
	}
	b->items[b->n++] = (struct lf_item){
		.kind = (uint8_t)kind, .opts = (uint8_t)opts, .id = (uint16_t)id,
		.off = (uint32_t)off, .len = (uint32_t)len,
	};
}

/* Appends to the text pool; returns the offset. */
static size_t
b_pool(struct lf_build *b, const char *s, size_t n)
{
	size_t off = b->tlen;

	if (b->tlen + n + 1 > b->tcap) {
		b->tcap = LB_MAX(b->tcap * 2, b->tlen + n + 64);
		b->text = lb_xrealloc(b->text, b->tcap);
	}
	memcpy(b->text + b->tlen, s, n);
	b->tlen += n;
	b->text[b->tlen] = '\0';
	return off;
}

static void
b_text(struct lf_build *b, const char *s, size_t n)
{
	struct lf_item *last = b->n ? &b->items[b->n - 1] : NULL;
	size_t off = b_pool(b, s, n);

	/* a literal run split by an escape or "%%" stays one item */
	if (last && last->kind == LF_I_TEXT && last->off + last->len == off)
		last->len += (uint32_t)n;
	else
		b_item(b, LF_I_TEXT, 0, 0, off, n);
}

static int b_error(struct lf_build *b, const char *fmt, ...) LB_PRINTF(2, 3);

/* Sets b->err (the caller hands it over to *errmsg); returns -1. */
static int
b_error(struct lf_build *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&b->err, fmt, ap);
	va_end(ap);
	if (n < 0)
		b->err = lb_xstrdup("out of memory");
	return -1;
}

/* "%{+Q,-X}": applies the flag list a[0..len) to *opts. */
static int
parse_flags(struct lf_build *b, const char *a, size_t len, unsigned *opts)
{
	static const struct {
		char name;
		unsigned bit;
	} flags[] = {
		{ 'Q', LF_O_QUOTE }, { 'X', LF_O_HEX }, { 'E', LF_O_ESC }, { 'M', LF_O_MAND },
	};
	size_t i = 0;

	while (i < len) {
		size_t j = i;
		size_t k;

		while (j < len && a[j] != ',')
			j++;
		if (j - i == 2 && (a[i] == '+' || a[i] == '-')) {
			for (k = 0; k < LB_ARRAY_SIZE(flags); k++)
				if (flags[k].name == a[i + 1])
					break;
			if (k < LB_ARRAY_SIZE(flags)) {
				if (a[i] == '+')
					*opts |= flags[k].bit;
				else
					*opts &= ~flags[k].bit;
				i = j + 1;
				continue;
			}
		}
		if (j > i)
			return b_error(b, "unknown flag '%.*s' in '%%{%.*s}': expected +Q, -Q, +X, "
				       "-X, +E, -E, +M or -M", (int)(j - i), a + i, (int)len, a);
		i = j + 1;
	}
	return 0;
}

static bool
is_tchar(char c)
{
	return isalnum((unsigned char)c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* "%[name(arg)]": body[0..len) is what is between the brackets. */
static int
parse_fetch(struct lf_build *b, const char *body, size_t len, unsigned opts)
{
	size_t i = 0, nlen, arg = 0, alen = 0;
	unsigned id;

	while (i < len && (isalnum((unsigned char)body[i]) || body[i] == '.' || body[i] == '_'))
		i++;
	nlen = i;
	if (!nlen)
		return b_error(b, "missing fetch name in '%%[%.*s]'", (int)len, body);
	for (id = 0; id < LF_F__COUNT; id++)
		if (strlen(lf_fetches[id].name) == nlen && !memcmp(lf_fetches[id].name, body, nlen))
			break;
	if (id == LF_F__COUNT)
		return b_error(b, "fetch '%.*s' is not supported", (int)nlen, body);
	if (i < len && body[i] == '(') {
		const char *close = memchr(body + i, ')', len - i);

		if (!close)
			return b_error(b, "missing ')' in '%%[%.*s]'", (int)len, body);
		arg = i + 1;
		alen = (size_t)(close - body) - arg;
		i = (size_t)(close - body) + 1;
	}
	if (i < len && body[i] == ',') {
		size_t c = ++i;

		while (i < len && body[i] != ',' && body[i] != '(')
			i++;
		return b_error(b, "converter '%.*s' in '%%[%.*s]' is not supported", (int)(i - c),
			       body + c, (int)len, body);
	}
	if (i < len)
		return b_error(b, "unexpected '%c' after fetch '%.*s' in '%%[%.*s]'", body[i],
			       (int)nlen, body, (int)len, body);
	if (lf_fetches[id].flags & LF_FF_VAR) {
		/* var(<name>[,<default>]): the default is text, given when the variable is not set */
		const char *comma = memchr(body + arg, ',', alen);
		size_t klen = comma ? (size_t)(comma - (body + arg)) : alen, doff = 0, dlen = 0;
		char err[200];
		uint32_t key;
		if (lb_var_name_parse(body + arg, klen, &key, err, sizeof(err)) < 0)
			return b_error(b, "fetch '%s': %s", lf_fetches[id].name, err);
		if (comma) {
			dlen = alen - klen - 1;
			doff = b_pool(b, comma + 1, dlen);
		}
		b_item(b, LF_I_FETCH, opts, id, key, comma ? dlen + 1 : 0);
		b->items[b->n - 1].doff = (uint32_t)doff;
		return 0;
	}
	if (lf_fetches[id].flags & LF_FF_ARG) {
		if (!alen)
			return b_error(b, "fetch '%s' needs a header name, e.g. '%%[%s(host)]'",
				       lf_fetches[id].name, lf_fetches[id].name);
		for (size_t k = 0; k < alen; k++) {
			if (!is_tchar(body[arg + k]))
				return b_error(b, "fetch '%s': '%.*s' is not a header name (an "
					       "occurrence argument is not supported)",
					       lf_fetches[id].name, (int)alen, body + arg);
		}
	} else if (arg) {
		return b_error(b, "fetch '%s' takes no argument", lf_fetches[id].name);
	}
	b_item(b, LF_I_FETCH, opts, id, b_pool(b, body + arg, alen), alen);
	return 0;
}

/* "%name" with its options; name[0..len). */
static int
add_var(struct lf_build *b, const char *name, size_t len, unsigned opts)
{
	unsigned id;

	for (id = 0; id < LF_V__COUNT; id++)
		if (strlen(lf_vars[id].name) == len && !memcmp(lf_vars[id].name, name, len))
			break;
	if (id == LF_V__COUNT) {
		for (size_t k = 0; k < LB_ARRAY_SIZE(lf_refused); k++)
			if (strlen(lf_refused[k].name) == len &&
			    !memcmp(lf_refused[k].name, name, len))
				return b_error(b, "format variable '%.*s' is not supported: %s",
					       (int)len, name, lf_refused[k].why);
		return b_error(b, "no such format variable '%.*s'. If you wanted to emit the '%%' "
			       "character verbatim, you need to use '%%%%'", (int)len, name);
	}
	if ((lf_vars[id].flags & LF_VF_HTTP) && !(b->flags & LB_LOGFMT_F_HTTP))
		return b_error(b, "format variable '%s' is reserved for HTTP mode",
			       lf_vars[id].name);
	if (lf_vars[id].flags & LF_VF_GLOBAL) {
		b->defopts = opts;
		return 0;
	}
	b_item(b, LF_I_VAR, opts, id, 0, 0);
	return 0;
}

/* After a '%' at p[-1]: parses one variable, fetch or "%%"; returns the next position. */
static const char *
parse_percent(struct lf_build *b, const char *p)
{
	const char *start = p - 1, *name;
	unsigned opts = b->defopts;
	bool has_flags = false;

	if (*p == '%') {
		b_text(b, "%", 1);
		return p + 1;
	}
	if (*p == '{') {
		const char *close = strchr(p + 1, '}');

		if (!close) {
			b_error(b, "missing '}' after '%s'", start);
			return NULL;
		}
		if (parse_flags(b, p + 1, (size_t)(close - p - 1), &opts) < 0)
			return NULL;
		has_flags = true;
		p = close + 1;
	}
	if (*p == '[') {
		const char *close = strchr(p + 1, ']');

		if (!close) {
			b_error(b, "missing ']' after '%s'", start);
			return NULL;
		}
		if (parse_fetch(b, p + 1, (size_t)(close - p - 1), opts) < 0)
			return NULL;
		return close + 1;
	}
	if (!isalpha((unsigned char)*p)) {
		if (has_flags)
			b_error(b, "flags '%.*s' are not followed by a variable name",
				(int)(p - start), start);
		else if (*p)
			b_error(b, "unexpected character '%c' after '%%' at position %d; to emit "
				"a single '%%', write '%%%%'", *p, (int)(start - b->src));
		else
			b_error(b, "'%%' at the end of the format; to emit a single '%%', write "
				"'%%%%'");
		return NULL;
	}
	for (name = p; isalnum((unsigned char)*p); p++)
		;
	if (add_var(b, name, (size_t)(p - name), opts) < 0)
		return NULL;
	return p;
}

static void
build_free(struct lf_build *b)
{
	free(b->items);
	free(b->text);
	free(b->err);
}

struct lb_logfmt *
lb_logfmt_compile(const char *src, unsigned flags, char **errmsg)
{
	struct lf_build b = { .flags = flags, .src = src };
	const char *p = src;
	struct lb_logfmt *fmt;
	bool log_line = !(flags & LB_LOGFMT_F_VALUE);

	if (errmsg)
		*errmsg = NULL;
	b.defopts = log_line ? LF_O_MAND : 0;
	while (p && *p) {
		if (*p == '%') {
			p = parse_percent(&b, p + 1);
		} else if (log_line && (*p == ' ' || (p[0] == '\\' && p[1] == ' '))) {
			/* "\ " is the config file's escaped space: a space like any other */
			while (*p == ' ' || (p[0] == '\\' && p[1] == ' '))
				p += *p == ' ' ? 1 : 2;
			b_item(&b, LF_I_SEP, 0, 0, 0, 0);
		} else if (p[0] == '\\' && p[1] == ' ') {
			b_text(&b, " ", 1);
			p += 2;
		} else {
			const char *s = p;

			while (*p && *p != '%' && !(log_line && *p == ' ') &&
			       !(p[0] == '\\' && p[1] == ' '))
				p++;
			b_text(&b, s, (size_t)(p - s));
		}
	}
	if (!p) {
		if (errmsg)
			*errmsg = b.err;
		else
			free(b.err);
		b.err = NULL;
		build_free(&b);
		return NULL;
	}

	fmt = lb_xcalloc(1, sizeof(*fmt));
	fmt->flags = flags;
	fmt->nitems = b.n;
	fmt->items = b.items;
	fmt->text = b.text ? b.text : lb_xstrdup("");
	b.items = NULL;
	b.text = NULL;
	build_free(&b);
	if (gethostname(fmt->host, sizeof(fmt->host) - 1) < 0)
		fmt->host[0] = '\0';
	/* load the zone now: localtime_r() reuses it, even after a chroot */
	tzset();

	fmt->is_const = true;
	for (size_t i = 0; i < fmt->nitems; i++)
		if (fmt->items[i].kind != LF_I_TEXT && fmt->items[i].kind != LF_I_SEP)
			fmt->is_const = false;
	if (fmt->is_const) {
		/* text and separators alone: render once, without a context */
		size_t cap = fmt->nitems + 1;

		for (size_t i = 0; i < fmt->nitems; i++)
			cap += fmt->items[i].len;
		fmt->cstr = lb_xmalloc(cap);
		fmt->clen = lb_logfmt_render(fmt, NULL, fmt->cstr, cap);
		fmt->cstr[fmt->clen] = '\0';
	}
	return fmt;
}

void
lb_logfmt_free(struct lb_logfmt *fmt)
{
	if (!fmt)
		return;
	free(fmt->items);
	free(fmt->text);
	free(fmt->cstr);
	free(fmt);
}

bool
lb_logfmt_is_const(const struct lb_logfmt *fmt)
{
	return fmt && fmt->is_const;
}

const char *
lb_logfmt_const(const struct lb_logfmt *fmt, size_t *len)
{
	if (!fmt || !fmt->is_const) {
		if (len)
			*len = 0;
		return NULL;
	}
	if (len)
		*len = fmt->clen;
	return fmt->cstr;
}
