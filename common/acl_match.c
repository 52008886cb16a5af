/* common/acl_match.c: matching methods ("-m str|beg|...") and their compiled pattern sets
 *
 * Each matcher row says how to load one value and how to test one sample. Exact strings go
 * to an open-addressing hash set (so a 10,000-line -f file costs one lookup), addresses to
 * binary prefix trees, regexes are compiled once with PCRE2 (JIT when the platform has it), and
 * integers become ranges ("eq 5", "ge 10", "10:20"). Samples keep IPv4 mapped into
 * ::ffff:0:0/96; the trees keep IPv4 apart so that its lookups walk 32 levels, not 128.
 */
#include "acl_priv.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

/* ---- scratch space ---- */

char *
lb_acl_run_alloc(struct lb_acl_run *run, size_t n)
{
	char *p;

	if (n > sizeof(run->buf) - run->used)
		return NULL;
	p = run->buf + run->used;
	run->used += n;
	return p;
}

static void *
re_alloc(size_t n, void *arg)
{
	struct lb_acl_run *run = arg;
	size_t a = (n + 15) & ~(size_t)15;

	if (a > sizeof(run->re_arena) - run->re_used)
		return NULL;
	run->re_used += a;
	return run->re_arena + run->re_used - a;
}

static void
re_free(void *p, void *arg)
{
	(void)p;
	(void)arg;	/* the arena goes away with the evaluation */
}

pcre2_match_data *
lb_acl_run_md(struct lb_acl_run *run)
{
	if (!run->md) {
		if (!run->gctx)
			run->gctx = pcre2_general_context_create(re_alloc, re_free, run);
		if (run->gctx)
			run->md = pcre2_match_data_create(10, run->gctx);
	}
	return run->md;
}

/* ---- addresses ---- */

static const uint8_t v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

void
lb_acl_ip_from_sa(const struct sockaddr *sa, uint8_t ip[16])
{
	if (sa->sa_family == AF_INET) {
		memcpy(ip, v4_mapped, 12);
		memcpy(ip + 12, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
	} else {
		memcpy(ip, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
	}
}

int
lb_acl_parse_net(const char *s, size_t len, uint8_t ip[16], int *bits)
{
	char buf[INET6_ADDRSTRLEN + 40], *slash;
	struct in_addr a4;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, &a4) == 1) {
		int b = 32;
		memcpy(ip, v4_mapped, 12);
		memcpy(ip + 12, &a4, 4);
		if (slash) {
			struct in_addr m;
			long long v;
			if (strchr(slash, '.')) {
				uint32_t mm;
				if (inet_pton(AF_INET, slash, &m) != 1)
					return -1;
				mm = ntohl(m.s_addr);
				b = 0;
				while (b < 32 && (mm & (0x80000000u >> b)))
					b++;
				if (b < 32 && (mm << b))
					return -1;	/* not contiguous */
			} else if (lb_parse_int(slash, 0, 32, &v) == 0) {
				b = (int)v;
			} else {
				return -1;
			}
		}
		*bits = 96 + b;
		return 0;
	}
	if (inet_pton(AF_INET6, buf, ip) == 1) {
		long long v = 128;
		if (slash && lb_parse_int(slash, 0, 128, &v) < 0)
			return -1;
		*bits = (int)v;
		return 0;
	}
	return -1;
}

static uint32_t
trie_new(struct lb_acl_pats *p)
{
	if (p->ntrie + 1 >= p->trie_cap) {
		p->trie_cap = p->trie_cap ? p->trie_cap * 2 : 64;
		p->trie = lb_xrealloc(p->trie, p->trie_cap * sizeof(*p->trie));
	}
	memset(&p->trie[p->ntrie], 0, sizeof(p->trie[0]));
	return p->ntrie++;
}

static int
load_ip(struct lb_acl_pats *p, const char *v, bool icase, char *err, size_t errlen)
{
	uint8_t ip[16];
	int bits;
	uint32_t n;

	(void)icase;
	if (lb_acl_parse_net(v, strlen(v), ip, &bits) < 0) {
		snprintf(err, errlen, "'%s' is not an IPv4 or IPv6 address, with an optional mask",
			 v);
		return -1;
	}
	const uint8_t *key = ip;
	uint32_t *root = &p->root6;
	if (bits >= 96 && !memcmp(ip, v4_mapped, 12)) {
		key = ip + 12;
		bits -= 96;
		root = &p->root4;
	}
	if (!p->ntrie)
		p->ntrie = 1;	/* node 0 is the placeholder "no child" points to */
	if (!*root) {
		uint32_t r = trie_new(p);
		*root = r;
	}
	n = *root;
	for (int b = 0; b < bits && !p->trie[n].term; b++) {
		int bit = (key[b >> 3] >> (7 - (b & 7))) & 1;
		if (!p->trie[n].child[bit]) {
			uint32_t c = trie_new(p);
			p->trie[n].child[bit] = c;
		}
		n = p->trie[n].child[bit];
	}
	p->trie[n].term = true;
	p->count++;
	return 0;
}

static bool
trie_lookup(const struct lb_acl_pats *p, uint32_t n, const uint8_t *key, int bits)
{
	if (!n)
		return false;
	for (int b = 0; b < bits; b++) {
		if (p->trie[n].term)
			return true;
		n = p->trie[n].child[(key[b >> 3] >> (7 - (b & 7))) & 1];
		if (!n)
			return false;
	}
	return p->trie[n].term;
}

static bool
match_ip(const struct lb_acl_matcher *m, const struct lb_acl_pats *p, bool icase,
	 struct lb_acl_run *run, const struct lb_smp *smp)
{
	(void)m, (void)icase, (void)run;
	if (!memcmp(smp->ip, v4_mapped, 12) && trie_lookup(p, p->root4, smp->ip + 12, 32))
		return true;
	return trie_lookup(p, p->root6, smp->ip, 128);
}

/* ---- strings ---- */

static bool
str_eq(const char *a, size_t al, const char *b, size_t bl, bool icase)
{
	if (al != bl)
		return false;
	return icase ? lb_str_ieq(a, al, b, bl) : memcmp(a, b, al) == 0;
}

static void
hash_insert(struct lb_acl_pats *p, char *s, size_t len, bool icase)
{
	if ((p->hn + 1) * 2 > p->hcap) {
		size_t ncap = p->hcap ? p->hcap * 2 : 16;
		struct lb_acl_strpat *nt = lb_xcalloc(ncap, sizeof(*nt));
		for (size_t i = 0; i < p->hcap; i++) {
			if (!p->hash[i].s)
				continue;
			size_t j = lb_hash_str(p->hash[i].s, p->hash[i].len, icase) & (ncap - 1);
			while (nt[j].s)
				j = (j + 1) & (ncap - 1);
			nt[j] = p->hash[i];
		}
		free(p->hash);
		p->hash = nt;
		p->hcap = ncap;
	}
	size_t j = lb_hash_str(s, len, icase) & (p->hcap - 1);
	while (p->hash[j].s) {
		if (str_eq(p->hash[j].s, p->hash[j].len, s, len, icase)) {
			free(s);	/* a duplicate value */
			return;
		}
		j = (j + 1) & (p->hcap - 1);
	}
	p->hash[j].s = s;
	p->hash[j].len = len;
	p->hn++;
}

static int
load_str(struct lb_acl_pats *p, const char *v, bool icase, char *err, size_t errlen)
{
	(void)err, (void)errlen;
	hash_insert(p, lb_xstrdup(v), strlen(v), icase);
	p->count++;
	return 0;
}

static bool
match_str(const struct lb_acl_matcher *m, const struct lb_acl_pats *p, bool icase,
	  struct lb_acl_run *run, const struct lb_smp *smp)
{
	(void)m, (void)run;
	if (!p->hcap)
		return false;
	for (size_t j = lb_hash_str(smp->s, smp->len, icase) & (p->hcap - 1); p->hash[j].s;
	     j = (j + 1) & (p->hcap - 1))
		if (str_eq(p->hash[j].s, p->hash[j].len, smp->s, smp->len, icase))
			return true;
	return false;
}

/* "bin": exact bytes, each pattern written in hex ("160301"), as HAProxy's binary samples */
static int
load_bin(struct lb_acl_pats *p, const char *v, bool icase, char *err, size_t errlen)
{
	size_t n = strlen(v);
	char *b;

	(void)icase;
	if (!n || n % 2) {
		snprintf(err, errlen, "'%s' is not bytes in hex (an even number of hex digits)", v);
		return -1;
	}
	b = lb_xmalloc(n / 2);
	for (size_t i = 0; i < n / 2; i++) {
		int hi = lb_hexval(v[2 * i]), lo = lb_hexval(v[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			free(b);
			snprintf(err, errlen, "'%s' is not bytes in hex (0-9, a-f)", v);
			return -1;
		}
		b[i] = (char)(hi << 4 | lo);
	}
	hash_insert(p, b, n / 2, false);
	p->count++;
	return 0;
}

static bool
match_bin(const struct lb_acl_matcher *m, const struct lb_acl_pats *p, bool icase,
	  struct lb_acl_run *run, const struct lb_smp *smp)
{
	(void)icase;	/* bytes are bytes */
	return match_str(m, p, false, run, smp);
}

static int
load_list(struct lb_acl_pats *p, const char *v, bool icase, char *err, size_t errlen)
{
	(void)icase, (void)err, (void)errlen;
	p->list = lb_xrealloc(p->list, (p->nlist + 1) * sizeof(*p->list));
	p->list[p->nlist].s = lb_xstrdup(v);
	p->list[p->nlist].len = strlen(v);
	p->nlist++;
	p->count++;
	return 0;
}

/* "dir" and "dom" patterns lose the delimiters at their ends: "/img/" looks for "img". */
static int
load_delim(struct lb_acl_pats *p, const char *v, const char *delims, char *err, size_t errlen)
{
	size_t len = strlen(v), b = 0;

	while (b < len && strchr(delims, v[b]))
		b++;
	while (len > b && strchr(delims, v[len - 1]))
		len--;
	p->list = lb_xrealloc(p->list, (p->nlist + 1) * sizeof(*p->list));
	p->list[p->nlist].s = lb_xstrndup(v + b, len - b);
	p->list[p->nlist].len = len - b;
	p->nlist++;
	p->count++;
	(void)err, (void)errlen;
	return 0;
}

static const char dir_delims[] = "/?";
static const char dom_delims[] = "/?.:";

static int
load_dir(struct lb_acl_pats *p, const char *v, bool icase, char *err, size_t errlen)
{
	(void)icase;
	return load_delim(p, v, dir_delims, err, errlen);
}

static int
load_dom(struct lb_acl_pats *p, const char *v, bool icase, char *err, size_t errlen)
{
	(void)icase;
	return load_delim(p, v, dom_delims, err, errlen);
}

static inline unsigned char
lower_ascii(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static bool
mem_eq(const char *a, const char *b, size_t n, bool icase)
{
	if (!icase)
		return memcmp(a, b, n) == 0;
	/* ASCII case folding inline: strncasecmp() is a call per position of a substring
	 * search, and was a third of lbd's instructions with a realistic rule set */
	for (size_t i = 0; i < n; i++)
		if (lower_ascii((unsigned char)a[i]) != lower_ascii((unsigned char)b[i]))
			return false;
	return true;
}

static bool
match_beg(const struct lb_acl_matcher *m, const struct lb_acl_pats *p, bool icase,
	  struct lb_acl_run *run, const struct lb_smp *smp)
{
	(void)m, (void)run;
	for (size_t i = 0; i < p->nlist; i++)
		if (p->list[i].len <= smp->len && mem_eq(smp->s, p->list[i].s, p->list[i].len, icase))
			return true;
	return false;
}

static bool
match_end(const struct lb_acl_matcher *m, const struct lb_acl_pats *p, bool icase,
	  struct lb_acl_run *run, const struct lb_smp *smp)
{
	(void)m, (void)run;
	for (size_t i = 0; i < p->nlist; i++)
		if (p->list[i].len <= smp->len &&
		    mem_eq(smp->s + smp->len - p->list[i].len, p->list[i].s, p->list[i].len, icase))
			return true;
	return false;
}

/* Finds pat in s; with delims, only where it is bounded by them (or the ends). */
static bool
find_sub(const char *s, size_t len, const struct lb_acl_strpat *pat, bool icase,
	 const char *delims)
{
	unsigned char first;

	if (pat->len > len)
		return false;
	if (!delims && (!pat->len || !icase))
		return !pat->len || memmem(s, len, pat->s, pat->len) != NULL;
	/* candidates by their first byte, then the rest */
	first = pat->len ? (icase ? lower_ascii((unsigned char)pat->s[0])
				  : (unsigned char)pat->s[0]) : 0;
	for (size_t o = 0; o + pat->len <= len; o++) {
		unsigned char c = (unsigned char)s[o];
		if (pat->len && ((icase ? lower_ascii(c) : c) != first ||
				 !mem_eq(s + o + 1, pat->s + 1, pat->len - 1, icase)))
			continue;
		if (!delims)
			return true;
		if ((o == 0 || strchr(delims, s[o - 1])) &&
		    (o + pat->len == len || strchr(delims, s[o + pat->len])))
			return true;
	}
	return false;
}

static bool
match_sub(const struct lb_acl_matcher *m, const struct lb_acl_pats *p, bool icase,
	  struct lb_acl_run *run, const struct lb_smp *smp)
{
	const char *delims = m->load == load_dir ? dir_delims
			     : m->load == load_dom ? dom_delims : NULL;

	(void)run;
	for (size_t i = 0; i < p->nlist; i++)
		if (find_sub(smp->s, smp->len, &p->list[i], icase, delims))
			return true;
	return false;
}

static int
load_reg(struct lb_acl_pats *p, const char *v, bool icase, char *err, size_t errlen)
{
	char why[160];
	pcre2_code *re = lb_regex_compile(v, (size_t)-1, icase, why, sizeof(why));

	if (!re) {
		snprintf(err, errlen, "invalid regex '%s' %s", v, why);
		return -1;
	}
	p->re = lb_xrealloc(p->re, (p->nre + 1) * sizeof(*p->re));
	p->re[p->nre++] = re;
	p->count++;
	return 0;
}

static bool
match_reg(const struct lb_acl_matcher *m, const struct lb_acl_pats *p, bool icase,
	  struct lb_acl_run *run, const struct lb_smp *smp)
{
	pcre2_match_data *md = p->nre ? lb_acl_run_md(run) : NULL;

	(void)m, (void)icase;
	if (!md)
		return false;
	for (size_t i = 0; i < p->nre; i++)
		if (lb_regex_match(p->re[i], smp->s, smp->len, md))
			return true;
	return false;
}

/* ---- integers ---- */

static int
parse_i64(const char *s, int64_t *out)
{
	long long v;

	if (lb_parse_int(s, INT64_MIN, INT64_MAX, &v) < 0)
		return -1;
	*out = v;
	return 0;
}

/* The pending operator of "eq|ge|gt|le|lt <n>" lives in the next slot of ranges. */
static int
load_int(struct lb_acl_pats *p, const char *v, bool icase, char *err, size_t errlen)
{
	static const char *const ops[] = { "eq", "ge", "gt", "le", "lt" };
	struct lb_acl_range r = { INT64_MIN, INT64_MAX };
	const char *colon = strchr(v, ':');
	int64_t n;

	(void)icase;
	for (size_t i = 0; i < LB_ARRAY_SIZE(ops); i++) {
		if (!strcmp(v, ops[i])) {
			snprintf(err, errlen, "operator '%s' must be followed by a number in the same "
				 "value: write it as a separate word before the number", v);
			return -1;
		}
	}
	if (colon) {
		char lo[32];
		size_t ll = (size_t)(colon - v);
		if (ll >= sizeof(lo))
			goto bad;
		memcpy(lo, v, ll);
		lo[ll] = '\0';
		if ((ll && parse_i64(lo, &r.lo) < 0) || (colon[1] && parse_i64(colon + 1, &r.hi) < 0))
			goto bad;
		if (r.lo > r.hi)
			goto bad;
	} else {
		if (parse_i64(v, &n) < 0)
			goto bad;
		r.lo = r.hi = n;
	}
	p->ranges = lb_xrealloc(p->ranges, (p->nranges + 1) * sizeof(*p->ranges));
	p->ranges[p->nranges++] = r;
	p->count++;
	return 0;
bad:
	snprintf(err, errlen, "'%s' is not an integer or a range (<lo>:<hi>)", v);
	return -1;
}

static bool
in_ranges(const struct lb_acl_pats *p, int64_t v)
{
	for (size_t i = 0; i < p->nranges; i++)
		if (v >= p->ranges[i].lo && v <= p->ranges[i].hi)
			return true;
	return false;
}

static bool
match_int(const struct lb_acl_matcher *m, const struct lb_acl_pats *p, bool icase,
	  struct lb_acl_run *run, const struct lb_smp *smp)
{
	(void)m, (void)icase, (void)run;
	return in_ranges(p, smp->i);
}

static bool
match_len(const struct lb_acl_matcher *m, const struct lb_acl_pats *p, bool icase,
	  struct lb_acl_run *run, const struct lb_smp *smp)
{
	(void)m, (void)icase, (void)run;
	return in_ranges(p, (int64_t)smp->len);
}

static bool
match_found(const struct lb_acl_matcher *m, const struct lb_acl_pats *p, bool icase,
	    struct lb_acl_run *run, const struct lb_smp *smp)
{
	(void)m, (void)p, (void)icase, (void)run, (void)smp;
	return true;
}

static bool
match_bool(const struct lb_acl_matcher *m, const struct lb_acl_pats *p, bool icase,
	   struct lb_acl_run *run, const struct lb_smp *smp)
{
	(void)m, (void)p, (void)icase, (void)run;
	return smp->i != 0;
}

const struct lb_acl_matcher lb_acl_matchers[] = {
	{ "str", match_str, load_str, LB_SMP_STR, "exact string (hashed)" },
	{ "beg", match_beg, load_list, LB_SMP_STR, "the sample begins with a value" },
	{ "end", match_end, load_list, LB_SMP_STR, "the sample ends with a value" },
	{ "sub", match_sub, load_list, LB_SMP_STR, "the sample contains a value" },
	{ "dir", match_sub, load_dir, LB_SMP_STR, "a value is a '/'-delimited part" },
	{ "dom", match_sub, load_dom, LB_SMP_STR, "a value is a '.'-delimited part" },
	{ "reg", match_reg, load_reg, LB_SMP_STR, "a PCRE2 regex matches" },
	{ "len", match_len, load_int, LB_SMP_STR, "the length is in a range" },
	{ "int", match_int, load_int, LB_SMP_INT, "integer: n, lo:hi, eq|ge|gt|le|lt n" },
	{ "ip", match_ip, load_ip, LB_SMP_IP, "address in a network (prefix tree)" },
	{ "bin", match_bin, load_bin, LB_SMP_STR, "exact bytes, the values written in hex" },
	{ "found", match_found, NULL, LB_SMP_NONE, "the sample exists (no values)" },
	{ "bool", match_bool, NULL, LB_SMP_BOOL, "the sample is true or non-zero" },
	{ NULL, NULL, NULL, LB_SMP_NONE, NULL },
};

const struct lb_acl_matcher *
lb_acl_matcher_find(const char *name)
{
	for (const struct lb_acl_matcher *m = lb_acl_matchers; m->name; m++)
		if (!strcmp(m->name, name))
			return m;
	return NULL;
}

const struct lb_acl_matcher *
lb_acl_matcher_for(enum lb_smp_type t)
{
	switch (t) {
	case LB_SMP_INT:
		return lb_acl_matcher_find("int");
	case LB_SMP_IP:
		return lb_acl_matcher_find("ip");
	case LB_SMP_BOOL:
		return lb_acl_matcher_find("bool");
	default:
		return lb_acl_matcher_find("str");
	}
}

void
lb_acl_pats_free(struct lb_acl_pats *p)
{
	for (size_t i = 0; i < p->hcap; i++)
		free(p->hash[i].s);
	free(p->hash);
	for (size_t i = 0; i < p->nlist; i++)
		free(p->list[i].s);
	free(p->list);
	free(p->ranges);
	for (size_t i = 0; i < p->nre; i++)
		pcre2_code_free(p->re[i]);
	free(p->re);
	free(p->trie);
	memset(p, 0, sizeof(*p));
}

/* ---- casts ---- */

bool
lb_smp_cast(struct lb_acl_run *run, struct lb_smp *smp, enum lb_smp_type to)
{
	char tmp[INET6_ADDRSTRLEN + 8];

	if (smp->type == to || to == LB_SMP_NONE)
		return true;
	switch (to) {
	case LB_SMP_STR: {
		int n;
		char *p;
		if (smp->type == LB_SMP_INT || smp->type == LB_SMP_BOOL) {
			n = snprintf(tmp, sizeof(tmp), "%" PRId64, smp->i);
		} else if (smp->type == LB_SMP_IP) {
			if (!memcmp(smp->ip, v4_mapped, 12))
				inet_ntop(AF_INET, smp->ip + 12, tmp, sizeof(tmp));
			else
				inet_ntop(AF_INET6, smp->ip, tmp, sizeof(tmp));
			n = (int)strlen(tmp);
		} else {
			return false;
		}
		p = lb_acl_run_alloc(run, (size_t)n);
		if (!p)
			return false;
		memcpy(p, tmp, (size_t)n);
		smp->s = p;
		smp->len = (size_t)n;
		break;
	}
	case LB_SMP_INT:
	case LB_SMP_BOOL:
		if (smp->type == LB_SMP_STR) {
			size_t i = 0;
			int64_t v = 0;
			bool neg = smp->len && smp->s[0] == '-';
			for (i = neg; i < smp->len && smp->s[i] >= '0' && smp->s[i] <= '9'; i++)
				v = v * 10 + (smp->s[i] - '0');
			if (i == (size_t)neg)
				return false;	/* not a number: no sample */
			smp->i = neg ? -v : v;
		} else if (smp->type != LB_SMP_INT && smp->type != LB_SMP_BOOL) {
			return false;
		}
		if (to == LB_SMP_BOOL)
			smp->i = smp->i != 0;
		break;
	case LB_SMP_IP: {
		int bits;
		if (smp->type != LB_SMP_STR || lb_acl_parse_net(smp->s, smp->len, smp->ip, &bits) < 0 ||
		    bits != 128)
			return false;
		break;
	}
	default:
		return false;
	}
	smp->type = to;
	return true;
}
