/* common/acl_priv.h: what the parts of the ACL engine share (not for other modules)
 *
 * acl_fetch.c: sample fetch table and functions; acl_conv.c: converters; acl_match.c:
 * matchers and their compiled pattern sets; acl_cond.c: expression and condition parsers,
 * evaluation, predefined ACLs.
 */
#ifndef LB_ACL_PRIV_H
#define LB_ACL_PRIV_H

#include "regex.h"

#include "acl.h"

/* Sample types. An address is kept as 16 bytes, IPv4 mapped (::ffff:a.b.c.d). */
enum lb_smp_type {
	LB_SMP_NONE = 0,
	LB_SMP_BOOL,
	LB_SMP_INT,
	LB_SMP_STR,
	LB_SMP_IP,
};

struct lb_smp {
	enum lb_smp_type type;
	int64_t i;
	const char *s;
	size_t len;
	uint8_t ip[16];
};

/* Per-evaluation scratch space, on the evaluating thread's stack: converters write their
 * output here, and PCRE2 takes its match data from it (no malloc per request). */
#define LB_ACL_SCRATCH (16 * 1024)
#define LB_ACL_RE_ARENA (40 * 1024)
struct lb_acl_run {
	const struct lb_acl_ctx *ctx;
	char buf[LB_ACL_SCRATCH];
	size_t used;
	char re_arena[LB_ACL_RE_ARENA];
	size_t re_used;
	pcre2_general_context *gctx;
	pcre2_match_data *md;
	bool may_change;	/* set by a fetch: its answer may differ with more content */
};

/* Room for n bytes of converter output, or NULL when the scratch space is exhausted. */
char *lb_acl_run_alloc(struct lb_acl_run *run, size_t n);
/* The match data for regexes (made on first use in this evaluation). */
pcre2_match_data *lb_acl_run_md(struct lb_acl_run *run);

/* Argument kinds of fetches and converters. */
enum lb_acl_arg_kind {
	LB_ARG_NONE = 0,
	LB_ARG_STR,
	LB_ARG_INT,
	LB_ARG_REGEX,		/* compiled with PCRE2 */
	LB_ARG_BACKEND,		/* resolved by lb_acl_resolve */
	LB_ARG_SERVER,		/* "backend/server" */
	LB_ARG_MAP,		/* a map file, loaded by lb_acl_map_arg (common/map_conv.c) */
	LB_ARG_TABLE,		/* a stick table (its proxy's name), resolved by lb_acl_resolve;
				 * empty/absent: the table of the ACL set's proxy */
	LB_ARG_USERLIST,	/* a userlist name, resolved by lb_acl_resolve */
	LB_ARG_VAR,		/* a variable name, its key in i (common/vars.h) */
};

struct lb_pat_file;
struct lb_cfg_userlist;
struct lb_acl_arg {
	enum lb_acl_arg_kind kind;
	char *s;		/* as written (names kept for resolve) */
	size_t len;
	long long i;
	pcre2_code *re;
	const struct lb_cfg_proxy *px;
	int srv_id;
	struct lb_pat_file *pf;	/* LB_ARG_MAP: the shared file (common/map.h) */
	int pat_kind;		/* LB_ARG_MAP: enum lb_pat_kind of the converter */
	enum lb_smp_type pat_out;	/* LB_ARG_MAP: the converter's output type */
	const struct lb_cfg_userlist *ul;	/* LB_ARG_USERLIST (common/userlist.h) */
	struct lb_stktable *tbl;	/* LB_ARG_TABLE (common/stktable.h) */
};

#define LB_ACL_MAX_ARGS 3

/* Argument spec: up to 3 kinds, and how many are mandatory. */
struct lb_acl_argspec {
	enum lb_acl_arg_kind kind[LB_ACL_MAX_ARGS];
	int min;
};

struct lb_acl_fetch_def;
/* A fetch yields its samples one by one (hdr() yields each value): `it` starts at 0 and is
 * the fetch's own cursor. Returns false when there is no (more) sample. */
typedef bool (*lb_acl_fetch_fn)(struct lb_acl_run *run, const struct lb_acl_arg *args,
				struct lb_smp *out, uint64_t *it);

struct lb_acl_fetch_def {
	const char *name;
	lb_acl_fetch_fn fn;
	struct lb_acl_argspec args;
	enum lb_smp_type out;
	unsigned uses;			/* LB_ACL_USE_* it reads */
	const char *help;
};

/* An ACL keyword that is a fetch with a matching method: "path_beg" = path -m beg. */
struct lb_acl_kw_def {
	const char *name;
	const char *fetch;
	const char *match;
};

typedef bool (*lb_acl_conv_fn)(struct lb_acl_run *run, const struct lb_acl_arg *args,
			       struct lb_smp *smp);
struct lb_acl_conv_def {
	const char *name;
	lb_acl_conv_fn fn;
	struct lb_acl_argspec args;
	enum lb_smp_type in;		/* the sample is cast to this first */
	enum lb_smp_type out;
	const char *help;
};

/* Compiled patterns of one expression (what is used depends on the matcher). */
struct lb_acl_range {
	int64_t lo, hi;
};
struct lb_acl_strpat {
	char *s;
	size_t len;
};
struct lb_acl_trie_node {
	uint32_t child[2];	/* 0: none (node 0 is a placeholder, never a child) */
	bool term;		/* a prefix ends here */
};
struct lb_acl_pats {
	/* exact strings: open-addressing hash set (hash of the lowered text with -i) */
	struct lb_acl_strpat *hash;
	size_t hcap, hn;
	/* beg, end, sub, dir, dom: a list */
	struct lb_acl_strpat *list;
	size_t nlist;
	/* int, len: ranges */
	struct lb_acl_range *ranges;
	size_t nranges;
	/* reg */
	pcre2_code **re;
	size_t nre;
	/* ip: binary prefix trees, one over IPv4's 32 bits, one over IPv6's 128 (so that an
	 * IPv4 lookup walks at most 32 nodes) */
	struct lb_acl_trie_node *trie;
	uint32_t ntrie, trie_cap;
	uint32_t root4, root6;		/* 0: empty */
	size_t count;		/* patterns loaded */
};

struct lb_acl_matcher;
typedef bool (*lb_acl_match_fn)(const struct lb_acl_matcher *m, const struct lb_acl_pats *p,
				bool icase, struct lb_acl_run *run, const struct lb_smp *smp);
/* Parses one value into the pattern set; returns 0 or -1 with a message in err. */
typedef int (*lb_acl_load_fn)(struct lb_acl_pats *p, const char *v, bool icase, char *err,
			      size_t errlen);

struct lb_acl_matcher {
	const char *name;
	lb_acl_match_fn match;
	lb_acl_load_fn load;		/* NULL: takes no values (found, bool) */
	enum lb_smp_type in;		/* the sample is cast to this */
	const char *help;
};

struct lb_acl_conv {
	const struct lb_acl_conv_def *def;
	struct lb_acl_arg args[LB_ACL_MAX_ARGS];
};

struct lb_acl_expr {
	struct lb_acl_expr *next;
	const struct lb_acl_fetch_def *fetch;
	struct lb_acl_arg args[LB_ACL_MAX_ARGS];
	struct lb_acl_conv *convs;
	int nconvs;
	const struct lb_acl_matcher *match;
	bool icase;
	struct lb_acl_pats pats;
	/* "-f" files, shared and editable live (common/map.h), looked up after pats */
	struct lb_pat_file **files;
	int nfiles;
	int file_kind;		/* enum lb_pat_kind of the matcher */
	struct lb_cfg_pos pos;
};

struct lb_acl {
	struct lb_acl *next;
	char *name;			/* NULL: anonymous */
	struct lb_acl_expr *exprs;
	unsigned uses;
};

/* map(<file>[,<default>]) and map_<match>[_<out>] (common/map_conv.c): the converter,
 * and the loader of its file argument, called by the argument parser with the converter's
 * name. Returns 0 or -1 with err set. */
bool lb_acl_conv_map(struct lb_acl_run *run, const struct lb_acl_arg *args, struct lb_smp *smp);
int lb_acl_map_arg(struct lb_acl_arg *a, const char *conv, char *err, size_t errlen);
/* http_auth(<userlist>), http_auth_group(<userlist>) (common/cfg_userlist.c). */
bool lb_acl_fetch_http_auth(struct lb_acl_run *run, const struct lb_acl_arg *args,
			    struct lb_smp *out, uint64_t *it);
bool lb_acl_fetch_http_auth_group(struct lb_acl_run *run, const struct lb_acl_arg *args,
				  struct lb_smp *out, uint64_t *it);

extern const struct lb_acl_fetch_def lb_acl_fetches[];
extern const struct lb_acl_kw_def lb_acl_kws[];
extern const struct lb_acl_conv_def lb_acl_convs[];
extern const struct lb_acl_matcher lb_acl_matchers[];

const struct lb_acl_matcher *lb_acl_matcher_find(const char *name);
/* The default matcher of a sample type (str, int, ip, bool). */
const struct lb_acl_matcher *lb_acl_matcher_for(enum lb_smp_type t);
void lb_acl_pats_free(struct lb_acl_pats *p);
bool lb_acl_expr_match(const struct lb_acl_expr *e, struct lb_acl_run *run);

/* Casts a sample in place (int/ip -> str write into the run's scratch). */
bool lb_smp_cast(struct lb_acl_run *run, struct lb_smp *smp, enum lb_smp_type to);
/* The value of a sample expression (fetch and converters) outside a condition: run is
 * initialised for ctx and holds what smp points to. False when the fetch or a converter
 * finds nothing. */
bool lb_acl_sample_eval(const struct lb_acl_expr *e, const struct lb_acl_ctx *ctx,
			struct lb_acl_run *run, struct lb_smp *smp);
/* "10.0.0.1", "::1", with an optional "/mask" (v4 prefix or dotted mask, v6 prefix). Fills
 * 16 bytes (v4 mapped) and the prefix length in bits of the 128. Returns 0 or -1. */
int lb_acl_parse_net(const char *s, size_t len, uint8_t ip[16], int *bits);
void lb_acl_ip_from_sa(const struct sockaddr *sa, uint8_t ip[16]);

#endif
