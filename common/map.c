/* common/map.c: pattern files, their versions and lookup indexes (see map.h) */
#include "map.h"

#include "regex.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "acl_priv.h"
#include "util.h"

struct pat_ent {
	char *key, *val;	/* val NULL in ACL files */
	size_t klen, vlen;
	int line;		/* in the file; 0: added live */
};

struct trie_node {
	uint32_t child[2];	/* 0: none (node 0 is a placeholder) */
	int32_t ent;		/* entry whose prefix ends here, -1: none */
};

struct int_range {
	int64_t lo, hi;
};

/* The index of one (kind, icase) over one version's entries. */
struct pat_index {
	bool built;
	uint32_t *hash;		/* STR: entry index + 1, 0 empty (open addressing) */
	size_t hcap;
	pcre2_code **re;	/* REG: one per entry */
	struct trie_node *trie;	/* IP */
	uint32_t ntrie, tcap, root4, root6;
	struct int_range *rng;	/* INT: one per entry */
	size_t nbuilt;		/* entries covered (for freeing re) */
};

struct pat_ver {
	struct pat_ent *e;
	size_t n, cap;
	struct pat_index idx[LB_PAT__COUNT][2];
};

struct lb_pat_file {
	struct lb_pat_file *next;
	char *path;
	bool is_map;
	unsigned id;
	int refs;
	bool used[LB_PAT__COUNT][2];	/* indexes rules need */
	struct pat_ver *cur;		/* atomic: what readers see */
	struct pat_ver *staging;	/* prepared, not yet committed */
	unsigned staging_id;
};

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct lb_pat_file *reg_files;
static unsigned reg_next_id, reg_next_ver;
static void (*retire_hook)(void (*free_fn)(void *), void *obj);

static const char *const kind_names[LB_PAT__COUNT] = {
	[LB_PAT_STR] = "str", [LB_PAT_BEG] = "beg", [LB_PAT_SUB] = "sub",
	[LB_PAT_DIR] = "dir", [LB_PAT_DOM] = "dom", [LB_PAT_END] = "end",
	[LB_PAT_REG] = "reg", [LB_PAT_IP] = "ip", [LB_PAT_INT] = "int",
};

int
lb_pat_kind_find(const char *matcher)
{
	for (int k = 0; k < LB_PAT__COUNT; k++)
		if (!strcmp(kind_names[k], matcher))
			return k;
	return -1;
}

const char *
lb_pat_kind_name(enum lb_pat_kind k)
{
	return k < LB_PAT__COUNT ? kind_names[k] : "?";
}

/* ---- versions ---- */

static void
index_free(struct pat_index *ix)
{
	free(ix->hash);
	for (size_t i = 0; ix->re && i < ix->nbuilt; i++)
		if (ix->re[i])
			pcre2_code_free(ix->re[i]);
	free(ix->re);
	free(ix->trie);
	free(ix->rng);
	memset(ix, 0, sizeof(*ix));
}

static void
ver_free(void *arg)
{
	struct pat_ver *v = arg;

	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++) {
		free(v->e[i].key);
		free(v->e[i].val);
	}
	free(v->e);
	for (int k = 0; k < LB_PAT__COUNT; k++)
		for (int c = 0; c < 2; c++)
			index_free(&v->idx[k][c]);
	free(v);
}

static void
ver_push(struct pat_ver *v, const char *key, size_t klen, const char *val, size_t vlen, int line)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 16;
		v->e = lb_xrealloc(v->e, v->cap * sizeof(*v->e));
	}
	v->e[v->n].key = lb_xstrndup(key, klen);
	v->e[v->n].klen = klen;
	v->e[v->n].val = val ? lb_xstrndup(val, vlen) : NULL;
	v->e[v->n].vlen = val ? vlen : 0;
	v->e[v->n].line = line;
	v->n++;
}

static struct pat_ver *
ver_copy(const struct pat_ver *o)
{
	struct pat_ver *v = lb_xcalloc(1, sizeof(*v));

	for (size_t i = 0; i < o->n; i++)
		ver_push(v, o->e[i].key, o->e[i].klen, o->e[i].val, o->e[i].vlen, o->e[i].line);
	return v;
}

/* ---- indexes ---- */

static bool
mem_eq(const char *a, const char *b, size_t n, bool icase)
{
	return icase ? strncasecmp(a, b, n) == 0 : memcmp(a, b, n) == 0;
}

static void
build_hash(struct pat_index *ix, const struct pat_ver *v, bool icase)
{
	ix->hcap = 16;
	while (ix->hcap < v->n * 2 + 2)
		ix->hcap *= 2;
	ix->hash = lb_xcalloc(ix->hcap, sizeof(*ix->hash));
	for (size_t i = 0; i < v->n; i++) {
		const struct pat_ent *e = &v->e[i];
		size_t j = lb_hash_str(e->key, e->klen, icase) & (ix->hcap - 1);
		bool dup = false;
		for (; ix->hash[j]; j = (j + 1) & (ix->hcap - 1)) {
			const struct pat_ent *o = &v->e[ix->hash[j] - 1];
			if (o->klen == e->klen && mem_eq(o->key, e->key, e->klen, icase)) {
				dup = true;	/* the first in file order wins */
				break;
			}
		}
		if (!dup)
			ix->hash[j] = (uint32_t)i + 1;
	}
}

static uint32_t
trie_new(struct pat_index *ix)
{
	if (ix->ntrie + 1 >= ix->tcap) {
		ix->tcap = ix->tcap ? ix->tcap * 2 : 64;
		ix->trie = lb_xrealloc(ix->trie, ix->tcap * sizeof(*ix->trie));
	}
	ix->trie[ix->ntrie].child[0] = ix->trie[ix->ntrie].child[1] = 0;
	ix->trie[ix->ntrie].ent = -1;
	return ix->ntrie++;
}

static const uint8_t v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

static int
trie_insert(struct pat_index *ix, const struct pat_ent *e, int32_t ent, char *err,
	    size_t errlen)
{
	uint8_t ip[16];
	int bits;
	const uint8_t *key = ip;
	uint32_t *root = &ix->root6, n;

	if (lb_acl_parse_net(e->key, e->klen, ip, &bits) < 0) {
		snprintf(err, errlen, "'%s' is not an IPv4 or IPv6 address, with an optional mask",
			 e->key);
		return -1;
	}
	if (bits >= 96 && !memcmp(ip, v4_mapped, 12)) {
		key = ip + 12;
		bits -= 96;
		root = &ix->root4;
	}
	if (!ix->ntrie)
		trie_new(ix);	/* node 0: the placeholder */
	if (!*root) {
		uint32_t r = trie_new(ix);
		*root = r;
	}
	n = *root;
	for (int b = 0; b < bits; b++) {
		int bit = (key[b >> 3] >> (7 - (b & 7))) & 1;
		if (!ix->trie[n].child[bit]) {
			uint32_t c = trie_new(ix);
			ix->trie[n].child[bit] = c;
		}
		n = ix->trie[n].child[bit];
	}
	if (ix->trie[n].ent < 0)
		ix->trie[n].ent = ent;
	return 0;
}

/* The entry of the longest prefix of key (bits long) under root n, -1 if none. */
static int32_t
trie_lookup(const struct pat_index *ix, uint32_t n, const uint8_t *key, int bits)
{
	int32_t best = -1;

	if (!n)
		return -1;
	for (int b = 0;; b++) {
		if (ix->trie[n].ent >= 0)
			best = ix->trie[n].ent;
		if (b == bits)
			break;
		n = ix->trie[n].child[(key[b >> 3] >> (7 - (b & 7))) & 1];
		if (!n)
			break;
	}
	return best;
}

static int
parse_range(const char *s, struct int_range *r)
{
	const char *colon = strchr(s, ':');
	long long lo = INT64_MIN, hi = INT64_MAX;

	if (!colon) {
		if (lb_parse_int(s, INT64_MIN, INT64_MAX, &lo) < 0)
			return -1;
		hi = lo;
	} else {
		char buf[32];
		size_t ll = (size_t)(colon - s);
		if (ll >= sizeof(buf))
			return -1;
		memcpy(buf, s, ll);
		buf[ll] = '\0';
		if ((ll && lb_parse_int(buf, INT64_MIN, INT64_MAX, &lo) < 0) ||
		    (colon[1] && lb_parse_int(colon + 1, INT64_MIN, INT64_MAX, &hi) < 0) || lo > hi)
			return -1;
	}
	r->lo = lo;
	r->hi = hi;
	return 0;
}

static void
ent_err(const struct lb_pat_file *f, const struct pat_ent *e, char *err, size_t errlen,
	const char *msg)
{
	if (e->line)
		snprintf(err, errlen, "%s:%d: %s", f->path, e->line, msg);
	else
		snprintf(err, errlen, "%s", msg);
}

/* Builds the (kind, icase) index of v. Returns 0 or -1 (err names the first bad entry). */
static int
index_build(const struct lb_pat_file *f, struct pat_ver *v, int kind, bool icase, char *err,
	    size_t errlen)
{
	struct pat_index *ix = &v->idx[kind][icase];
	char msg[300];

	index_free(ix);
	ix->built = true;
	switch (kind) {
	case LB_PAT_STR:
		build_hash(ix, v, icase);
		break;
	case LB_PAT_REG:
		ix->re = lb_xcalloc(v->n + 1, sizeof(*ix->re));
		for (size_t i = 0; i < v->n; i++, ix->nbuilt++) {
			char why[160];

			ix->re[i] = lb_regex_compile(v->e[i].key, v->e[i].klen, icase, why,
						     sizeof(why));
			if (!ix->re[i]) {
				snprintf(msg, sizeof(msg), "invalid regex '%s' %s", v->e[i].key, why);
				ent_err(f, &v->e[i], err, errlen, msg);
				return -1;
			}
		}
		break;
	case LB_PAT_IP:
		for (size_t i = 0; i < v->n; i++) {
			if (trie_insert(ix, &v->e[i], (int32_t)i, msg, sizeof(msg)) < 0) {
				ent_err(f, &v->e[i], err, errlen, msg);
				return -1;
			}
		}
		break;
	case LB_PAT_INT:
		ix->rng = lb_xcalloc(v->n + 1, sizeof(*ix->rng));
		for (size_t i = 0; i < v->n; i++) {
			if (parse_range(v->e[i].key, &ix->rng[i]) < 0) {
				snprintf(msg, sizeof(msg), "'%s' is not an integer or a range "
					 "(<lo>:<hi>)", v->e[i].key);
				ent_err(f, &v->e[i], err, errlen, msg);
				return -1;
			}
		}
		break;
	default:
		break;	/* beg, sub, dir, dom, end walk the entries */
	}
	return 0;
}

static int
ver_index_all(const struct lb_pat_file *f, struct pat_ver *v, char *err, size_t errlen)
{
	for (int k = 0; k < LB_PAT__COUNT; k++)
		for (int c = 0; c < 2; c++)
			if (f->used[k][c] && index_build(f, v, k, c, err, errlen) < 0)
				return -1;
	return 0;
}

/* ---- lookup ---- */

static const char dir_delims[] = "/?";
static const char dom_delims[] = "/?.:";

/* dir/dom patterns lose the delimiters at their ends ("/img/" looks for "img"); then the
 * pattern must be bounded by delimiters (or the ends) in s. */
static bool
find_delimited(const char *s, size_t len, const char *p, size_t plen, bool icase,
	       const char *delims)
{
	while (plen && strchr(delims, *p))
		p++, plen--;
	while (plen && strchr(delims, p[plen - 1]))
		plen--;
	if (plen > len)
		return false;
	for (size_t o = 0; o + plen <= len; o++) {
		if (!mem_eq(s + o, p, plen, icase))
			continue;
		if ((o == 0 || strchr(delims, s[o - 1])) &&
		    (o + plen == len || strchr(delims, s[o + plen])))
			return true;
	}
	return false;
}

static bool
find_sub(const char *s, size_t len, const char *p, size_t plen, bool icase)
{
	for (size_t o = 0; o + plen <= len; o++)
		if (mem_eq(s + o, p, plen, icase))
			return true;
	return false;
}

static long
lookup_ver(const struct pat_ver *v, int kind, bool icase, const struct lb_pat_key *k, void *md)
{
	const struct pat_index *ix = &v->idx[kind][icase];
	const char *s = k->s ? k->s : "";

	if (!ix->built)
		return -1;
	switch (kind) {
	case LB_PAT_STR:
		for (size_t j = lb_hash_str(s, k->len, icase) & (ix->hcap - 1); ix->hash[j];
		     j = (j + 1) & (ix->hcap - 1)) {
			const struct pat_ent *e = &v->e[ix->hash[j] - 1];
			if (e->klen == k->len && mem_eq(e->key, s, k->len, icase))
				return (long)ix->hash[j] - 1;
		}
		return -1;
	case LB_PAT_IP: {
		int32_t r = -1;
		if (!k->ip)
			return -1;
		if (!memcmp(k->ip, v4_mapped, 12))
			r = trie_lookup(ix, ix->root4, k->ip + 12, 32);
		if (r < 0)
			r = trie_lookup(ix, ix->root6, k->ip, 128);
		return r;
	}
	case LB_PAT_REG:
		if (!md)
			return -1;
		for (size_t i = 0; i < v->n; i++)
			if (lb_regex_match(ix->re[i], s, k->len, md))
				return (long)i;
		return -1;
	case LB_PAT_INT:
		for (size_t i = 0; i < v->n; i++)
			if (k->i >= ix->rng[i].lo && k->i <= ix->rng[i].hi)
				return (long)i;
		return -1;
	default:
		break;
	}
	for (size_t i = 0; i < v->n; i++) {
		const struct pat_ent *e = &v->e[i];
		bool hit = false;
		switch (kind) {
		case LB_PAT_BEG:
			hit = e->klen <= k->len && mem_eq(s, e->key, e->klen, icase);
			break;
		case LB_PAT_END:
			hit = e->klen <= k->len &&
			      mem_eq(s + k->len - e->klen, e->key, e->klen, icase);
			break;
		case LB_PAT_SUB:
			hit = find_sub(s, k->len, e->key, e->klen, icase);
			break;
		case LB_PAT_DIR:
			hit = find_delimited(s, k->len, e->key, e->klen, icase, dir_delims);
			break;
		case LB_PAT_DOM:
			hit = find_delimited(s, k->len, e->key, e->klen, icase, dom_delims);
			break;
		default:
			break;
		}
		if (hit)
			return (long)i;
	}
	return -1;
}

bool
lb_pat_lookup(const struct lb_pat_file *f, enum lb_pat_kind kind, bool icase,
	      const struct lb_pat_key *key, void *md, const char **val, size_t *vlen)
{
	const struct pat_ver *v = __atomic_load_n(&f->cur, __ATOMIC_ACQUIRE);
	long i = lookup_ver(v, (int)kind, icase, key, md);

	if (i < 0)
		return false;
	if (val) {
		*val = v->e[i].val ? v->e[i].val : "";
		*vlen = v->e[i].vlen;
	}
	return true;
}

/* ---- loading ---- */

/* Splits a trimmed line: maps "key<spaces>value" (the value is the rest of the line), ACL
 * files the whole line. */
static int
load_file(struct lb_pat_file *f, struct pat_ver *v, char *err, size_t errlen)
{
	FILE *fp = fopen(f->path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int ln = 0;

	if (!fp) {
		snprintf(err, errlen, "cannot open %s file '%s': %s", f->is_map ? "map" : "ACL",
			 f->path, strerror(errno));
		return -1;
	}
	while ((len = getline(&line, &cap, fp)) >= 0) {
		char *s = line;
		ln++;
		while (len > 0 && isspace((unsigned char)s[len - 1]))
			s[--len] = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || *s == '#')
			continue;
		if (!f->is_map) {
			ver_push(v, s, strlen(s), NULL, 0, ln);
			continue;
		}
		size_t kl = strcspn(s, " \t");
		const char *val = s + kl;
		while (*val == ' ' || *val == '\t')
			val++;
		if (!*val) {
			snprintf(err, errlen, "%s:%d: key '%s' has no value (map lines are "
				 "'<key> <value>')", f->path, ln, s);
			free(line);
			fclose(fp);
			return -1;
		}
		ver_push(v, s, kl, val, strlen(val), ln);
	}
	free(line);
	fclose(fp);
	return 0;
}

struct lb_pat_file *
lb_pat_file_get(const char *path, bool is_map, enum lb_pat_kind kind, bool icase, char *err,
		size_t errlen)
{
	struct lb_pat_file *f;

	pthread_mutex_lock(&reg_lock);
	for (f = reg_files; f; f = f->next)
		if (!strcmp(f->path, path))
			break;
	if (f && f->is_map != is_map) {
		snprintf(err, errlen, "'%s' is already used as %s file", path,
			 f->is_map ? "a map" : "an ACL");
		pthread_mutex_unlock(&reg_lock);
		return NULL;
	}
	if (!f) {
		struct pat_ver *v = lb_xcalloc(1, sizeof(*v));
		f = lb_xcalloc(1, sizeof(*f));
		f->path = lb_xstrdup(path);
		f->is_map = is_map;
		if (load_file(f, v, err, errlen) < 0) {
			ver_free(v);
			free(f->path);
			free(f);
			pthread_mutex_unlock(&reg_lock);
			return NULL;
		}
		f->cur = v;
		f->id = reg_next_id++;
		f->next = reg_files;
		reg_files = f;
	}
	/* a new index on the live version: only while loading the configuration, before any
	 * reader runs */
	if (!f->used[kind][icase]) {
		if (index_build(f, f->cur, (int)kind, icase, err, errlen) < 0) {
			index_free(&f->cur->idx[kind][icase]);
			if (!f->refs) {
				struct lb_pat_file **pp;
				for (pp = &reg_files; *pp != f; pp = &(*pp)->next)
					;
				*pp = f->next;
				ver_free(f->cur);
				free(f->path);
				free(f);
			}
			pthread_mutex_unlock(&reg_lock);
			return NULL;
		}
		f->used[kind][icase] = true;
	}
	f->refs++;
	pthread_mutex_unlock(&reg_lock);
	return f;
}

void
lb_pat_file_put(struct lb_pat_file *f)
{
	struct lb_pat_file **pp;

	if (!f)
		return;
	pthread_mutex_lock(&reg_lock);
	if (--f->refs > 0) {
		pthread_mutex_unlock(&reg_lock);
		return;
	}
	for (pp = &reg_files; *pp && *pp != f; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = f->next;
	if (!reg_files)
		reg_next_id = 0;
	pthread_mutex_unlock(&reg_lock);
	ver_free(f->cur);
	ver_free(f->staging);
	free(f->path);
	free(f);
}

const char *
lb_pat_file_path(const struct lb_pat_file *f)
{
	return f->path;
}

/* ---- live edits ---- */

void
lb_pat_set_retire(void (*retire)(void (*free_fn)(void *), void *obj))
{
	pthread_mutex_lock(&reg_lock);
	retire_hook = retire;
	pthread_mutex_unlock(&reg_lock);
}

/* Publishes v as f's live version (lock held). */
static void
publish(struct lb_pat_file *f, struct pat_ver *v)
{
	struct pat_ver *old = f->cur;

	__atomic_store_n(&f->cur, v, __ATOMIC_RELEASE);
	if (retire_hook)
		retire_hook(ver_free, old);
	else
		ver_free(old);
}

struct lb_pat_file *
lb_pat_find(const char *name, bool is_map)
{
	struct lb_pat_file *f;
	long long id = -1;

	if (name[0] == '#' && lb_parse_int(name + 1, 0, 1 << 30, &id) < 0)
		return NULL;
	pthread_mutex_lock(&reg_lock);
	for (f = reg_files; f; f = f->next)
		if (f->is_map == is_map &&
		    (id >= 0 ? f->id == (unsigned)id : !strcmp(f->path, name)))
			break;
	pthread_mutex_unlock(&reg_lock);
	return f;
}

void
lb_pat_each(bool is_map, void (*fn)(void *arg, unsigned id, const char *path, size_t n),
	    void *arg)
{
	struct lb_pat_file *list[4096];
	size_t n = 0;

	pthread_mutex_lock(&reg_lock);
	for (struct lb_pat_file *f = reg_files; f && n < LB_ARRAY_SIZE(list); f = f->next)
		if (f->is_map == is_map)
			list[n++] = f;
	/* oldest first: the registry is a stack */
	for (size_t i = n; i-- > 0;)
		fn(arg, list[i]->id, list[i]->path, list[i]->cur->n);
	pthread_mutex_unlock(&reg_lock);
}

void
lb_pat_show(struct lb_pat_file *f, void (*fn)(void *arg, const char *key, const char *value),
	    void *arg)
{
	pthread_mutex_lock(&reg_lock);
	for (size_t i = 0; i < f->cur->n; i++)
		fn(arg, f->cur->e[i].key, f->cur->e[i].val);
	pthread_mutex_unlock(&reg_lock);
}

size_t
lb_pat_count(struct lb_pat_file *f)
{
	size_t n;

	pthread_mutex_lock(&reg_lock);
	n = f->cur->n;
	pthread_mutex_unlock(&reg_lock);
	return n;
}

static bool
bad_text(const char *s, const char *what, char *err, size_t errlen)
{
	if (!*s) {
		snprintf(err, errlen, "empty %s", what);
		return true;
	}
	for (; *s; s++) {
		if (*s == '\n' || *s == '\r') {
			snprintf(err, errlen, "a %s cannot contain a line break", what);
			return true;
		}
	}
	return false;
}

int
lb_pat_add(struct lb_pat_file *f, unsigned ver, const char *key, const char *value, char *err,
	   size_t errlen)
{
	struct pat_ver *v;

	if (bad_text(key, f->is_map ? "key" : "pattern", err, errlen) ||
	    (f->is_map && (!value || bad_text(value, "value", err, errlen))))
		return -1;
	if (!f->is_map)
		value = NULL;
	pthread_mutex_lock(&reg_lock);
	if (ver) {
		if (!f->staging || f->staging_id != ver) {
			snprintf(err, errlen, "no prepared version @%u of '%s' (see prepare)", ver,
				 f->path);
			pthread_mutex_unlock(&reg_lock);
			return -1;
		}
		ver_push(f->staging, key, strlen(key), value, value ? strlen(value) : 0, 0);
		pthread_mutex_unlock(&reg_lock);
		return 0;
	}
	v = ver_copy(f->cur);
	ver_push(v, key, strlen(key), value, value ? strlen(value) : 0, 0);
	if (ver_index_all(f, v, err, errlen) < 0) {
		pthread_mutex_unlock(&reg_lock);
		ver_free(v);
		return -1;
	}
	publish(f, v);
	pthread_mutex_unlock(&reg_lock);
	return 0;
}

int
lb_pat_set(struct lb_pat_file *f, const char *key, const char *value, char *err,
	   size_t errlen)
{
	struct pat_ver *v;
	int n = 0;

	if (bad_text(value, "value", err, errlen))
		return -1;
	pthread_mutex_lock(&reg_lock);
	v = ver_copy(f->cur);
	for (size_t i = 0; i < v->n; i++) {
		if (strcmp(v->e[i].key, key))
			continue;
		free(v->e[i].val);
		v->e[i].val = lb_xstrdup(value);
		v->e[i].vlen = strlen(value);
		n++;
	}
	if (n && ver_index_all(f, v, err, errlen) == 0) {
		publish(f, v);
		v = NULL;
	}
	pthread_mutex_unlock(&reg_lock);
	ver_free(v);
	return n;
}

int
lb_pat_del(struct lb_pat_file *f, const char *key)
{
	struct pat_ver *v;
	char err[8];
	int n = 0;

	pthread_mutex_lock(&reg_lock);
	v = lb_xcalloc(1, sizeof(*v));
	for (size_t i = 0; i < f->cur->n; i++) {
		const struct pat_ent *e = &f->cur->e[i];
		if (!strcmp(e->key, key))
			n++;
		else
			ver_push(v, e->key, e->klen, e->val, e->vlen, e->line);
	}
	/* fewer entries than an indexed version: building cannot fail */
	if (n && ver_index_all(f, v, err, sizeof(err)) == 0) {
		publish(f, v);
		v = NULL;
	}
	pthread_mutex_unlock(&reg_lock);
	ver_free(v);
	return n;
}

size_t
lb_pat_clear(struct lb_pat_file *f, unsigned ver)
{
	struct pat_ver *v;
	char err[8];
	size_t n;

	pthread_mutex_lock(&reg_lock);
	if (ver) {
		n = f->staging && f->staging_id == ver ? f->staging->n : 0;
		if (n) {
			ver_free(f->staging);
			f->staging = lb_xcalloc(1, sizeof(*f->staging));
		}
		pthread_mutex_unlock(&reg_lock);
		return n;
	}
	n = f->cur->n;
	v = lb_xcalloc(1, sizeof(*v));
	ver_index_all(f, v, err, sizeof(err));
	publish(f, v);
	pthread_mutex_unlock(&reg_lock);
	return n;
}

unsigned
lb_pat_prepare(struct lb_pat_file *f)
{
	unsigned id;

	pthread_mutex_lock(&reg_lock);
	ver_free(f->staging);
	f->staging = lb_xcalloc(1, sizeof(*f->staging));
	id = ++reg_next_ver;
	if (!id)
		id = ++reg_next_ver;
	f->staging_id = id;
	pthread_mutex_unlock(&reg_lock);
	return id;
}

long
lb_pat_commit(struct lb_pat_file *f, unsigned ver, char *err, size_t errlen)
{
	struct pat_ver *v;
	long n;

	pthread_mutex_lock(&reg_lock);
	if (!f->staging || f->staging_id != ver) {
		snprintf(err, errlen, "no prepared version @%u of '%s' (see prepare)", ver, f->path);
		pthread_mutex_unlock(&reg_lock);
		return -1;
	}
	v = f->staging;
	if (ver_index_all(f, v, err, errlen) < 0) {
		pthread_mutex_unlock(&reg_lock);
		return -1;	/* the staging version stays: fix it with clear @ver and add */
	}
	f->staging = NULL;
	f->staging_id = 0;
	n = (long)v->n;
	publish(f, v);
	pthread_mutex_unlock(&reg_lock);
	return n;
}
