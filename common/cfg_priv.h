/* common/cfg_priv.h: what the parts of the config parser share (not for other modules)
 *
 * A line is split into words (cfg_tokenize.c), then the first word selects a row of a
 * keyword table (one table per area: cfg_global.c, cfg_proxy.c, cfg_http.c, ...). The
 * dispatcher in cfg.c checks the section, the "no" prefix, rule conditions and the number
 * of arguments from the row before the row's handler runs, so handlers only convert
 * values. Multi-word keywords ("timeout connect", "option redispatch", "http-request
 * set-header") are rows whose `sub` points to the table of the next word.
 * Handlers report problems with cfg_err()/cfg_warn() at the column of the word at fault and
 * return -1 (error) or 0.
 */
#ifndef LB_CFG_PRIV_H
#define LB_CFG_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include "cfg.h"
#include "util.h"

/* Section bits, used in keyword rows to say where a keyword may appear. */
enum {
	CFG_SEC_GLOBAL = 1 << 0,
	CFG_SEC_DEFAULTS = 1 << 1,
	CFG_SEC_FRONTEND = 1 << 2,
	CFG_SEC_BACKEND = 1 << 3,
	CFG_SEC_LISTEN = 1 << 4,
	CFG_SEC_USERLIST = 1 << 5,
};
#define CFG_SEC_FE (CFG_SEC_DEFAULTS | CFG_SEC_FRONTEND | CFG_SEC_LISTEN)
#define CFG_SEC_BE (CFG_SEC_DEFAULTS | CFG_SEC_BACKEND | CFG_SEC_LISTEN)
#define CFG_SEC_PROXY (CFG_SEC_FE | CFG_SEC_BE)
#define CFG_SEC_FE_ONLY (CFG_SEC_FRONTEND | CFG_SEC_LISTEN)	/* not in defaults */
#define CFG_SEC_BE_ONLY (CFG_SEC_BACKEND | CFG_SEC_LISTEN)
#define CFG_SEC_FE_BE (CFG_SEC_FRONTEND | CFG_SEC_BACKEND | CFG_SEC_LISTEN)

/* HAProxy's limit of words per line. */
#define CFG_MAX_WORDS 64
/* Longest line accepted, before and after variable expansion. */
#define CFG_MAX_LINE (64 * 1024)
/* Largest configuration file read. */
#define CFG_MAX_FILE (64 * 1024 * 1024)

/* One tokenized line. The words point into buf, which the tokenizer owns and reuses. */
struct cfg_words {
	int n;
	char *v[CFG_MAX_WORDS + 1];	/* v[n] is NULL */
	int col[CFG_MAX_WORDS + 1];	/* 1-based byte column where each word starts */
	char *buf;
	size_t cap;
	/* the first non-fatal remark of the tokenizer (a "${" left unexpanded) */
	int warn_col;
	char *warn;
};

/* What "${.FILE}", "${.LINE}" and "${.SECTION}" expand to. */
struct cfg_tok_ctx {
	const char *file;
	int line;
	const char *section;
};

/* Splits line[0..len) into words: quotes, escapes, comments and "${VAR}" as HAProxy does.
 * Returns 0, or -1 with a message (malloc'd) and the 1-based column of the problem. */
int cfg_tokenize(const char *line, size_t len, const struct cfg_tok_ctx *ctx,
		 struct cfg_words *w, char **errmsg, int *errcol);
void cfg_words_free(struct cfg_words *w);

struct cfg_parser {
	struct lb_cfg *cfg;
	struct lb_diag *d;
	const char *file;		/* interned */
	int line;
	unsigned sec;			/* CFG_SEC_* of the current section, 0 before any */
	bool sec_skip;			/* inside a section lb does not support: lines skipped */
	const char *sec_name;
	struct lb_cfg_proxy *px;	/* current proxy section (defaults included) */
	struct cfg_words *w;
	bool neg;			/* the line started with "no" */
	int kw0;			/* index of the keyword's first word (after "no") */
	char kwname[128]; /* the keyword as written, for messages ("timeout connect") */
	int nerrors;
	struct lb_acl_cond *cond;	/* the rule's condition, until its handler takes it */
	struct lb_cfg_userlist *ul;	/* current userlist section */
};

struct lb_cfg_kw;

/* A handler converts the arguments w->v[a..n) of the row `kw` into `obj` (the proxy, the
 * global section, a server or a bind line, depending on the table). */
typedef int (*cfg_kw_fn)(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a);

enum {
	CFG_KW_NEG = 1 << 0,		/* "no <keyword>" is accepted */
	CFG_KW_COND = 1 << 1,		/* a rule: "if"/"unless <cond>" is compiled to p->cond,
					 * which the handler takes (the words stop before it) */
	CFG_KW_COND_RES = 1 << 2,	/* ... evaluated on a response (http-response) */
	CFG_KW_PAREN = 1 << 3,		/* written "<name>(<arg>)" (set-var(txn.x)): the
					 * handler reads <arg> from the word before w->v[a] */
};

struct lb_cfg_kw {
	const char *name;
	unsigned sections;		/* CFG_SEC_* bits; 0 in option tables (bind, server) */
	int min_args, max_args;		/* after the keyword's words; max -1: no limit */
	cfg_kw_fn parse;
	size_t offset;			/* field in obj, for the generic setters */
	const char *usage;		/* arguments, e.g. "<time>" */
	const char *help;
	/* A multi-word keyword ("timeout", "option") has `sub`, the table of the next word; its
	 * `usage` then names that word in messages ("unknown option 'x'") and its `data` is the
	 * NULL-terminated list of the next words HAProxy has but lb does not support yet. */
	const struct lb_cfg_kw *sub;
	long long lo, hi;		/* bounds of the integer, size and time setters */
	const void *data;		/* setter data (const struct cfg_enum *) */
	unsigned flags;			/* CFG_KW_* */
};

/* A table row. Trailing arguments are designated initializers (.lo = 1, .sub = t, ...). */
#define CFG_KW(n, sec, mn, mx, fn, off, use, hlp, ...)                                     \
	{ .name = (n), .sections = (sec), .min_args = (mn), .max_args = (mx), .parse = (fn), \
	  .offset = (off), .usage = (use), .help = (hlp), __VA_ARGS__ }
#define CFG_KW_END { .name = NULL }

/* One value of an enumerated keyword. Tables end with a NULL name. */
struct cfg_enum {
	const char *name;
	int value;
};

/* The keyword tables (NULL-name terminated) and the unsupported-keyword lists (NULL
 * terminated): HAProxy keywords lb does not implement yet, refused with "not supported yet"
 * instead of a confusing "unknown keyword". */
extern const struct lb_cfg_kw cfg_global_kws[];
extern const struct lb_cfg_kw cfg_proxy_kws[];
extern const struct lb_cfg_kw cfg_http_req_kws[];
extern const struct lb_cfg_kw cfg_http_res_kws[];
extern const struct lb_cfg_kw cfg_server_kws[];
extern const struct lb_cfg_kw cfg_bind_kws[];
extern const char *const cfg_global_unsupported[];
extern const char *const cfg_proxy_unsupported[];
extern const char *const cfg_option_unsupported[];
extern const char *const cfg_server_unsupported[];
extern const char *const cfg_bind_unsupported[];
extern const char *const cfg_http_req_unsupported[];
extern const char *const cfg_http_res_unsupported[];

/* ---- cfg.c: reporting and generic setters ---- */

struct lb_cfg_pos cfg_pos(const struct cfg_parser *p, int wi);
void cfg_err(struct cfg_parser *p, int wi, const char *fmt, ...) LB_PRINTF(3, 4);
void cfg_warn(struct cfg_parser *p, int wi, const char *fmt, ...) LB_PRINTF(3, 4);
/* The closest name (edit distance <= 2) to `word` among a NULL-name table, or NULL. */
const char *cfg_suggest_kw(const char *word, const struct lb_cfg_kw *tab);
const char *cfg_suggest_list(const char *word, const char *const *names);
bool cfg_in_list(const char *word, const char *const *names);
/* Runs an option table over w->v[a..n): "<option> [value]" pairs (bind, server, ...). `what`
 * names the line in messages ("server", "bind"). */
int cfg_parse_options(struct cfg_parser *p, const struct lb_cfg_kw *tab,
		      const char *const *unsupported, const char *what, void *obj, int a);

int cfg_kw_time(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a);
int cfg_kw_int(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a);
int cfg_kw_size(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a);
int cfg_kw_str(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a);
int cfg_kw_bool(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a);
int cfg_kw_on(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a);
int cfg_kw_off(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a);
int cfg_kw_enum(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a);

/* Parses a bounded integer word; reports "invalid ... for '<what>'" itself. */
int cfg_get_int(struct cfg_parser *p, int wi, const char *what, long long lo, long long hi,
		long long *out);

/* ---- cfg_addr.c: addresses ---- */

enum {
	CFG_ADDR_PORT_RANGE = 1 << 0,	/* "8000-8002" (bind) */
	CFG_ADDR_PORT_OPTIONAL = 1 << 1,
	CFG_ADDR_UNIX = 1 << 2,		/* "unix@/path" and "/path" */
	CFG_ADDR_HOSTNAME = 1 << 3,	/* a name to resolve later */
	CFG_ADDR_DGRAM = 1 << 4,	/* "udp@", "udp4@", "udp6@" prefixes (log targets) */
};

struct cfg_addr {
	struct lb_cfg_addr addr;	/* filled for numeric and unix addresses */
	int port_lo, port_hi;		/* 0 when no port was given */
	char *host;			/* malloc'd: a name still to resolve, else NULL */
	int family;			/* AF_UNSPEC, or the family an "ipv4@"/"ipv6@" forced */
};

/* Parses one address (no commas). Returns 0, or -1 with *errmsg (malloc'd). */
int cfg_addr_parse(const char *spec, unsigned flags, struct cfg_addr *out, char **errmsg);
/* Resolves host with getaddrinfo (numeric first); fills out with `port`. */
int cfg_addr_resolve(const char *host, int family, int port, struct lb_cfg_addr *out,
		     char **errmsg);
void cfg_addr_set_port(struct lb_cfg_addr *a, int port);
/* "10.0.0.0/8", "192.168.0.0/255.255.0.0", "::1/128", "127.0.0.1" (host = full prefix). */
int cfg_net_parse(const char *spec, struct lb_cfg_addr *net, int *prefix, char **errmsg);
/* Proxy and server names: letters, digits, '-', '_', '.', ':'. Returns the first bad
 * character, or 0 if the name is valid (an empty name is refused with '\0' + -1). */
int cfg_name_check(const char *name, char *bad);

/* ---- cfg_userlist.c: userlist sections ---- */

extern const struct lb_cfg_kw cfg_userlist_kws[];
/* "userlist <name>": starts the section (p->ul). */
void cfg_userlist_start(struct cfg_parser *p);
/* Resolves group and user names; returns the number of errors reported. */
int cfg_userlist_finalize(struct lb_cfg *cfg, struct lb_diag *d);
void cfg_userlist_free(struct lb_cfg *cfg);

/* ---- cfg_acl.c: ACLs and conditions ---- */

int cfg_kw_acl(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a);
/* Compiles w->v[i..n) ("if|unless ...") of a rule into p->cond; `res`: a response rule.
 * Returns 0 or -1 (reported). */
int cfg_cond_compile(struct cfg_parser *p, int i, bool res);
/* Compiles the sample expression w->v[i] ("src", "req.hdr(x),lower") in the current proxy;
 * `uses` is LB_ACL_USE_* of the place. Returns 0 or -1 (reported). */
struct lb_acl_expr;
int cfg_sample_compile(struct cfg_parser *p, int i, unsigned uses,
		       const struct lb_acl_expr **out);
/* Resolves a proxy's ACL arguments and checks its conditions against its mode; returns the
 * number of errors reported. */
int cfg_acl_finalize(struct lb_cfg *cfg, struct lb_cfg_proxy *px, struct lb_diag *d);
void cfg_acl_free(struct lb_cfg_proxy *px);
/* Compiles the dynamic backend name w->v[a] ("lit%[<sample>]lit...") into u->dyn. Returns
 * 0 or -1 (reported). */
int cfg_use_backend_dyn(struct cfg_parser *p, int a, struct lb_cfg_use_backend *u);

/* ---- cfg_stick.c: stick-table, tcp-request, stick-counter actions ---- */

extern const struct lb_cfg_kw cfg_tcp_req_kws[];
extern const char *const cfg_tcp_req_unsupported[];
int cfg_kw_stick_table(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a);
extern const struct lb_cfg_kw cfg_stick_kws[];
/* A server's settings that only make sense together (agent-check without agent-port, ssl
 * verifying without a CA): the message (malloc'd), or NULL when it is complete. Run after
 * default-server is merged, for config servers and for "add server" alike. */
char *cfg_server_incomplete(const struct lb_cfg_server *s);
extern const char *const cfg_stick_unsupported[];
/* Frees what the actions of cfg_http.c add to a rule (called by cfg_http_rule_clear). */
void cfg_http_act_clear(struct lb_cfg_http_rule *r);
/* A new http-request rule at the end of the list (cfg_http.c), taking p->cond. */
struct lb_cfg_http_rule *cfg_http_new_rule(struct cfg_parser *p, const struct lb_cfg_kw *kw,
					   void *obj, enum lb_http_act act);
int cfg_act_track_sc(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a);
int cfg_act_sc_inc(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a);
int cfg_act_sc_set_gpt0(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a);
/* Resolves track tables and checks tcp-request conditions; returns the errors reported. */
int cfg_stick_finalize(struct lb_cfg *cfg, struct lb_cfg_proxy *px, struct lb_diag *d);
void cfg_stick_free(struct lb_cfg_proxy *px);
void cfg_track_free(struct lb_cfg_track *tr);

/* ---- shared handlers ---- */

int cfg_kw_log(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a);
int cfg_kw_bind(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a);
int cfg_kw_server(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a);
int cfg_kw_default_server(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a);
/* Checks the syntax of a log-format string at parse time, so that the error lands on its
 * line; the real compilation (which depends on the final mode) happens in finalize. */
int cfg_check_logfmt(struct cfg_parser *p, int wi, const char *src, unsigned flags);

/* ---- object life cycle (cfg.c) ---- */

void cfg_server_init(struct lb_cfg_server *s);
/* ---- cfg_ssl.c: TLS options of bind and server lines, global TLS defaults ---- */
extern const struct cfg_enum cfg_ssl_verify_modes[];
extern const struct cfg_enum cfg_ssl_server_verify_modes[];
int cfg_ssl_bind_flag(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a);
int cfg_ssl_bind_str(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a);
int cfg_ssl_bind_file(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a);
int cfg_ssl_bind_crt(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a);
int cfg_ssl_bind_ver(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a);
int cfg_ssl_bind_verify(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a);
int cfg_ssl_bind_alpn(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a);
int cfg_bind_proto(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a);
/* "crt-list <file>" (cfg_crtlist.c): its lines become crts with filters and options. */
int cfg_ssl_bind_crtlist(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a);
/* "tls-ticket-keys <file>": checked now (base64 keys of 48 or 80 bytes, at least one). */
int cfg_ssl_bind_ticket_keys(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a);
/* A file name for lb_cfg_pos.file, owned by cfg (cfg.c). */
const char *cfg_intern_file(struct lb_cfg *cfg, const char *name);
/* Global defaults, consistency and the GnuTLS priority string of a parsed bind line. */
int cfg_ssl_bind_finish(struct cfg_parser *p, struct lb_cfg_bind *b, int a);
int cfg_ssl_default_bind_options(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj,
				 int a);
int cfg_ssl_server_sni(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a);
int cfg_ssl_server_alpn(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a);
/* A malloc'd message when a server's options need another mode than its backend's. */
char *cfg_server_mode_conflict(const struct lb_cfg_server *s, const struct lb_cfg_proxy *px);
void cfg_bind_ssl_free(struct lb_cfg_bind_ssl *s);
/* The GnuTLS priority string of these options (see cfg_ssl.c); NULL with *err (malloc'd)
 * when an option has no GnuTLS equivalent. */
char *cfg_ssl_priority(const char *native, const char *ciphers, const char *suites,
		       const char *curves, int min_ver, int max_ver, bool prefer_client,
		       char **err);
int cfg_ssl_server_file(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a);
void cfg_server_free(struct lb_cfg_server *s);	/* fields only */
/* Fills the fields s leaves unset from the template t (default-server), then from HAProxy's
 * built-in defaults (cfg_finalize.c; also used by lb_cfg_server_from_words). */
void cfg_server_merge(struct lb_cfg_server *s, const struct lb_cfg_server *t);
void cfg_server_builtin(struct lb_cfg_server *s);
void cfg_proxy_init(struct lb_cfg_proxy *px);
void cfg_log_free_list(struct lb_cfg_log *l);
struct lb_cfg_log *cfg_log_dup(const struct lb_cfg_log *l);
void cfg_http_rules_free(struct lb_cfg_http_rule *r);	/* the whole list */
void cfg_http_rule_clear(struct lb_cfg_http_rule *r);	/* one rule's fields, not r */
void cfg_hdr_pairs_free(struct lb_cfg_hdr_pair *h);
void cfg_errorfiles_free(struct lb_cfg_errorfile *e);

/* ---- cfg_stats.c: the stats page keywords ---- */

extern const struct lb_cfg_kw cfg_stats_kws[];
extern const char *const cfg_stats_unsupported[];
/* Fills px's unset stats fields from def's (a px without stats lines gets a copy). */
void cfg_stats_merge(struct lb_cfg_proxy *px, const struct lb_cfg_proxy *def);
void cfg_stats_free(struct lb_cfg_stats *s);

/* ---- health checks (cfg_check.c) ---- */

extern const struct lb_cfg_kw cfg_tcpcheck_kws[];
extern const struct lb_cfg_kw cfg_httpcheck_kws[];
extern const char *const cfg_tcpcheck_unsupported[];
extern const char *const cfg_httpcheck_unsupported[];
int cfg_opt_check_plain(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a);
int cfg_opt_httpchk(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a);
int cfg_opt_mysql(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a);
int cfg_opt_pgsql(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a);
int cfg_opt_smtpchk(struct cfg_parser *p, const struct lb_cfg_kw *kw, void *obj, int a);
void cfg_check_init(struct lb_cfg_check *c);
void cfg_check_free(struct lb_cfg_check *c);
void cfg_check_merge(struct lb_cfg_check *c, const struct lb_cfg_check *def);
void cfg_check_builtin(struct lb_cfg_check *c);

/* HAProxy's list of statuses it has error pages for (errorfile, deny). */
bool cfg_http_err_code(int status);

#endif
