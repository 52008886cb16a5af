/* common/util.c: allocation, string, clock, number and hash helpers */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <strings.h>
#include <time.h>
#include <limits.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

static void
lb_oom(size_t n)
{
	fprintf(stderr, "lb: out of memory allocating %zu bytes\n", n);
	abort();
}

void *
lb_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		lb_oom(n);
	return p;
}

void *
lb_xcalloc(size_t nmemb, size_t n)
{
	void *p = calloc(nmemb ? nmemb : 1, n ? n : 1);
	if (!p)
		lb_oom(nmemb * n);
	return p;
}

void *
lb_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		lb_oom(n);
	return q;
}

char *
lb_xstrdup(const char *s)
{
	return lb_xstrndup(s, strlen(s));
}

char *
lb_xstrndup(const char *s, size_t n)
{
	char *p = lb_xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
lb_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	if (vasprintf(&p, fmt, ap) < 0)
		lb_oom(0);
	va_end(ap);
	return p;
}

bool
lb_str_ieq(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && strncasecmp(a, b, alen) == 0;
}

uint64_t
lb_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t
lb_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Parses the leading unsigned decimal of s; *end points after it. */
static int
parse_u64(const char *s, unsigned long long *v, const char **end)
{
	unsigned long long n = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (n > (ULLONG_MAX - 9) / 10)
			return -1;
		n = n * 10 + (unsigned long long)(*p - '0');
	}
	*v = n;
	*end = p;
	return 0;
}

int
lb_parse_time_ms(const char *s, long long *out_ms)
{
	static const struct {
		const char *unit;
		unsigned long long mul_us;
	} units[] = {
		{ "us", 1ULL }, { "ms", 1000ULL }, { "s", 1000000ULL }, { "m", 60000000ULL },
		{ "h", 3600000000ULL }, { "d", 86400000000ULL }, { "", 1000ULL },
	};
	unsigned long long v;
	const char *end;

	if (parse_u64(s, &v, &end) < 0)
		return -1;
	for (size_t i = 0; i < LB_ARRAY_SIZE(units); i++) {
		if (strcmp(end, units[i].unit) != 0)
			continue;
		if (v > ULLONG_MAX / units[i].mul_us)
			return -1;
		unsigned long long us = v * units[i].mul_us;
		unsigned long long ms = (us + 999) / 1000;
		if (ms > (unsigned long long)INT32_MAX)	/* HAProxy caps timers at ~24.8 days */
			return -1;
		*out_ms = (long long)ms;
		return 0;
	}
	return -1;
}

int
lb_parse_size(const char *s, unsigned long long *out)
{
	unsigned long long v, mul = 1;
	const char *end;

	if (parse_u64(s, &v, &end) < 0)
		return -1;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': mul = 1ULL << 10; end++; break;
	case 'm': case 'M': mul = 1ULL << 20; end++; break;
	case 'g': case 'G': mul = 1ULL << 30; end++; break;
	default: return -1;
	}
	if (*end != '\0' || v > ULLONG_MAX / mul)
		return -1;
	*out = v * mul;
	return 0;
}

int
lb_parse_int(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	if (!*s)
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

void
lb_addr_format(const struct sockaddr *sa, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	switch (sa->sa_family) {
	case AF_INET: {
		const struct sockaddr_in *a = (const struct sockaddr_in *)(const void *)sa;
		inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
		snprintf(buf, len, "%s:%u", ip, ntohs(a->sin_port));
		break;
	}
	case AF_INET6: {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)(const void *)sa;
		inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
		snprintf(buf, len, "[%s]:%u", ip, ntohs(a->sin6_port));
		break;
	}
	case AF_UNIX:
		snprintf(buf, len, "unix@%s", ((const struct sockaddr_un *)(const void *)sa)->sun_path);
		break;
	default:
		snprintf(buf, len, "-");
	}
}

unsigned
lb_levenshtein(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned row[64];

	if (lb >= LB_ARRAY_SIZE(row))
		return (unsigned)LB_MAX(la, lb);
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0];
		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned cost = a[i - 1] == b[j - 1] ? 0 : 1;
			unsigned best = LB_MIN(row[j] + 1, row[j - 1] + 1);
			row[j] = LB_MIN(best, diag + cost);
			diag = up;
		}
	}
	return row[lb];
}

/* FNV-1a followed by a 64-bit finaliser (splitmix64) so that low bits are well mixed
 * for modulo-based map hashing. */
uint64_t
lb_hash64(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

uint32_t
lb_hash32(const void *data, size_t len)
{
	uint64_t h = lb_hash64(data, len);
	return (uint32_t)(h ^ (h >> 32));
}

uint64_t
lb_hash_str(const char *s, size_t len, bool icase)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		h ^= icase ? (unsigned char)tolower(c) : c;
		h *= 0x100000001b3ull;
	}
	return h;
}
