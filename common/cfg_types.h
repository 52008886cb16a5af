/* common/cfg_types.h: the plain configuration model filled by the parser
 *
 * Parse is not apply: the parser fills these structures, leaving "unset" sentinels
 * (-1 for integers, LB_TIME_UNSET for times, NULL for strings) where the file said nothing.
 * lb_cfg_finalize() then merges defaults sections into proxies, default-server into servers,
 * applies built-in defaults, resolves names (default_backend, use_backend) and validates.
 * Only after that does lbd build runtime objects from it, so lbd and lbcheck can never
 * disagree about a config. Every object keeps the position it was declared at.
 * All strings are owned by the model and freed by lb_cfg_free().
 */
#ifndef LB_CFG_TYPES_H
#define LB_CFG_TYPES_H

#include <stdint.h>
#include <stdbool.h>
#include <sys/socket.h>

struct lb_cfg_pos {
	const char *file;	/* interned in struct lb_cfg, lives as long as it */
	int line;
	int col;
};

/* A socket address as written in the config and as resolved. */
struct lb_cfg_addr {
	struct sockaddr_storage ss;	/* AF_INET, AF_INET6 or AF_UNIX */
	socklen_t len;
};

enum lb_mode {
	LB_MODE_UNSET = 0,
	LB_MODE_TCP,
	LB_MODE_HTTP,
};

/* A compiled log-format string (also used for header values of http-request rules).
 * Compiled by common/logfmt.c; opaque here. */
struct lb_logfmt;
/* A compiled "if|unless" condition and a proxy's ACLs (common/acl.h); opaque here. */
struct lb_acl_cond;
struct lb_acl_set;

enum lb_log_kind {
	LB_LOG_STDERR = 0,
	LB_LOG_STDOUT,
	LB_LOG_FILE,		/* a plain file path, opened for append */
	LB_LOG_UDP,		/* syslog over UDP (ipv4/ipv6) */
	LB_LOG_UNIX,		/* syslog over a unix datagram socket, e.g. /dev/log */
};

enum lb_log_format {
	LB_LOGF_RFC3164 = 0,
	LB_LOGF_RFC5424,
	LB_LOGF_RAW,		/* the message alone, no syslog header */
	LB_LOGF_SHORT,		/* "<prio>message" */
};

/* "log <target> [len n] [format f] <facility> [max level [min level]]" or "log global" */
struct lb_cfg_log {
	struct lb_cfg_log *next;
	struct lb_cfg_pos pos;
	bool global;			/* "log global": use the global section's targets */
	enum lb_log_kind kind;
	char *path;			/* LB_LOG_FILE, LB_LOG_UNIX */
	struct lb_cfg_addr addr;	/* LB_LOG_UDP */
	int facility;			/* 0..23 (syslog numbers) */
	int level;			/* max level sent, 0..7 */
	int minlevel;			/* 0..7 */
	enum lb_log_format format;
	int maxlen;			/* line length cap, default 1024 */
};

enum lb_ctl_level {
	LB_CTL_LEVEL_USER = 0,
	LB_CTL_LEVEL_OPERATOR,
	LB_CTL_LEVEL_ADMIN,
};

/* "stats socket <path> [mode m] [user u] [group g] [level l]" (served by the control plane) */
struct lb_cfg_stats_socket {
	struct lb_cfg_stats_socket *next;
	struct lb_cfg_pos pos;
	char *path;
	int mode;		/* -1 unset, else octal permission bits */
	char *user;
	char *group;
	enum lb_ctl_level level;
};

/* "cpu-map [auto:]<thread-set> <cpu-set>": thread numbers 1..64 -> CPU mask */
struct lb_cfg_cpu_map {
	struct lb_cfg_cpu_map *next;
	struct lb_cfg_pos pos;
	uint64_t threads;	/* bit n = thread n+1 */
	uint64_t cpus;		/* bit n = CPU n */
	bool auto_spread;	/* "auto:" prefix: distribute cpus over threads one each */
};

struct lb_cfg_global {
	struct lb_cfg_pos pos;
	bool daemon;
	char *pidfile;
	char *server_state_file;	/* "server-state-file" (lbd/server_state.c) */
	char *server_state_base;	/* "server-state-base": where relative state files are */
	int nbthread;			/* -1: the number of CPUs lbd may run on */
	struct lb_cfg_cpu_map *cpu_maps;
	int maxconn;			/* -1: derived from the fd limit */
	char *user;
	char *group;
	char *chroot;
	struct lb_cfg_log *logs;
	struct lb_cfg_stats_socket *stats_sockets;
	long long hard_stop_after;	/* ms, LB_TIME_UNSET */
	int tune_bufsize;		/* "tune.bufsize", -1 unset (default 16384) */
	int tune_maxhdr;		/* "tune.http.maxhdr", -1 unset (default 101) */
	/* "tune.h2.*", -1 unset (lbd/h2_front.c has the defaults) */
	int tune_h2_header_table_size;
	int tune_h2_initial_window_size;
	int tune_h2_max_concurrent_streams;
	int tune_h2_max_frame_size;
	bool master_worker;		/* "master-worker" (or lbd -W / -Ws) */
	int mworker_max_reloads;	/* "mworker-max-reloads", -1 unset (no limit) */
	/* "ssl-default-bind-ciphers|ciphersuites|options": applied to later "bind ... ssl" */
	char *ssl_bind_ciphers;
	char *ssl_bind_ciphersuites;
	int ssl_bind_min_ver, ssl_bind_max_ver;	/* enum lb_tls_ver, 0 unset */
	bool ssl_bind_no_tickets;
	bool ssl_bind_prefer_client;	/* prefer-client-ciphers */
};

/* TLS protocol versions as ssl-min-ver / ssl-max-ver name them. */
enum lb_tls_ver {
	LB_TLSV_UNSET = 0,
	LB_TLSV_SSL3,
	LB_TLSV_TLS10,
	LB_TLSV_TLS11,
	LB_TLSV_TLS12,
	LB_TLSV_TLS13,
};

/* "verify none|optional|required" */
enum lb_ssl_verify {
	LB_SSL_VERIFY_NONE = 0,
	LB_SSL_VERIFY_OPTIONAL,
	LB_SSL_VERIFY_REQUIRED,
};

struct lb_cfg_bind_ssl;

/* One "crt <pem|dir>" of a bind line, or one line of a "crt-list" file. */
struct lb_cfg_crt {
	struct lb_cfg_crt *next;
	struct lb_cfg_pos pos;
	char *path;
	/* crt-list lines only (common/cfg_crtlist.c): the SNI filters as written ("a.test",
	 * "*.w.test", "!b.w.test"; none: the certificate's own names), and the "[...]" options,
	 * completed from the bind line's by cfg_ssl_bind_finish (NULL: the bind line's) */
	char **filters;
	int nfilters;
	struct lb_cfg_bind_ssl *opts;
};

/* The TLS options of one bind line (common/cfg_ssl.c), shared by the lb_cfg_bind copies
 * the line makes; freed with the last of them. */
struct lb_cfg_bind_ssl {
	struct lb_cfg_pos pos;		/* the "ssl" word, or the first TLS option */
	bool ssl;			/* "ssl": TLS is on */
	struct lb_cfg_crt *crts;
	char *ca_file, *crl_file;
	int verify;			/* enum lb_ssl_verify */
	char *alpn;			/* "http/1.1" */
	int min_ver, max_ver;		/* enum lb_tls_ver */
	char *ciphers, *ciphersuites, *curves;
	char *gnutls_priority;		/* our own keyword: a GnuTLS priority string as is */
	char *priority;			/* the priority string all of the above make */
	bool strict_sni;
	bool no_tickets;
	bool prefer_client;		/* prefer-client-ciphers: the client's order decides */
	char *ticket_keys;		/* "tls-ticket-keys <file>" */
};

/* "bind <addr> [accept-proxy] [maxconn n] [name s]" */
enum {
	LB_BIND_PROTO_AUTO = 0,
	LB_BIND_PROTO_H1,
	LB_BIND_PROTO_H2,
};

struct lb_cfg_bind {
	struct lb_cfg_bind *next;
	struct lb_cfg_pos pos;
	char *spec;			/* as written, for messages */
	struct lb_cfg_addr addr;	/* ":80" -> 0.0.0.0:80; "unix@/path" -> AF_UNIX */
	char *name;
	int maxconn;			/* -1 unset */
	bool accept_proxy;
	bool v6only;
	bool transparent_unused;	/* reserved; keep struct stable for later keywords */
	int proto;			/* "proto": LB_BIND_PROTO_*, 0 = by ALPN or preface */
	struct lb_cfg_bind_ssl *ssl;	/* TLS options, NULL: none (shared, see above) */
};

/* One server or the default-server template. Integers are -1 until set, so that a
 * default-server value only fills what the server line itself left unset. */
struct lb_cfg_server {
	struct lb_cfg_server *next;
	struct lb_cfg_pos pos;
	char *name;
	char *addr_spec;		/* "10.0.0.1:8080", "[::1]:80", "host:80", "unix@/p" */
	struct lb_cfg_addr addr;	/* resolved by lb_cfg_finalize() */
	int id;				/* 1-based position in its backend */
	int weight;			/* 0..256, default 1 */
	int maxconn;			/* 0 = unlimited */
	int maxqueue;			/* 0 = unlimited */
	int backup;			/* tri-state ints: -1 unset, 0, 1 */
	int disabled;
	int send_proxy;
	int send_proxy_v2;
	/* Health checks: parsed here, run by the health-check engine. */
	int check;
	long long inter;		/* ms, default 2000 */
	long long fastinter;
	long long downinter;
	int rise;			/* default 2 */
	int fall;			/* default 3 */
	int check_port;			/* "port" keyword, -1 unset */
	char *check_addr;		/* "addr" keyword */
	int check_ssl;			/* "check-ssl": -1 unset, 0, 1 */
	char *check_sni;		/* "check-sni <name>" */
	char *check_alpn;		/* "check-alpn <proto>[,<proto>...]" */
	int agent_check;		/* "agent-check": -1 unset, 0, 1 */
	int agent_port;			/* -1 unset */
	char *agent_addr;		/* numeric address, NULL: the server's */
	char *agent_send;		/* sent after connecting (escapes already decoded) */
	size_t agent_send_len;
	long long agent_inter;		/* ms, default: inter */
	/* Passive checks and state-change actions (run by lbd/health.c). */
	long long slowstart;		/* ms, 0 = none */
	int observe;			/* enum lb_observe, -1 unset */
	int error_limit;		/* default 10 */
	int on_error;			/* enum lb_on_error, -1 unset */
	int on_marked_down;		/* enum lb_on_marked_down, -1 unset */
	int on_marked_up;		/* enum lb_on_marked_up, -1 unset */
	/* TLS to the server (common/cfg_ssl.c): "ssl", "verify", "ca-file", "sni", "alpn",
	 * "crt"; tri-state ints -1 unset */
	int ssl;
	int ssl_verify;			/* enum lb_ssl_verify; unset: required */
	char *ssl_ca_file;
	char *ssl_sni;			/* the expression as written: str(x), req.hdr(host) */
	char *ssl_alpn;
	char *ssl_crt;
	char *ssl_verifyhost;		/* "verifyhost": the name checked when no SNI is sent */
	int proto;			/* "proto h1|h2": enum lb_srv_proto, -1 unset */
	int check_proto;		/* "check-proto h1|h2": enum lb_srv_proto, -1 unset */
};

/* "proto <name>" of a server line: what lbd speaks to it (HAProxy's mux names). ALPN can
 * still choose h2 for an h1 server ("ssl alpn h2,http/1.1"). */
enum lb_srv_proto {
	LB_SRV_PROTO_H1 = 0,
	LB_SRV_PROTO_H2,		/* HTTP/2 ("h2c" with prior knowledge without ssl) */
};

/* "observe layer4|layer7" */
enum lb_observe {
	LB_OBSERVE_NONE = 0,
	LB_OBSERVE_LAYER4,
	LB_OBSERVE_LAYER7,
};

/* "on-error fastinter|fail-check|sudden-death|mark-down" (default fail-check) */
enum lb_on_error {
	LB_ON_ERROR_FASTINTER = 0,
	LB_ON_ERROR_FAIL_CHECK,
	LB_ON_ERROR_SUDDEN_DEATH,
	LB_ON_ERROR_MARK_DOWN,
};

/* "on-marked-down shutdown-sessions" */
enum lb_on_marked_down {
	LB_ON_MARKED_DOWN_NONE = 0,
	LB_ON_MARKED_DOWN_SHUTDOWN_SESSIONS,
};

/* "on-marked-up shutdown-backup-sessions" */
enum lb_on_marked_up {
	LB_ON_MARKED_UP_NONE = 0,
	LB_ON_MARKED_UP_SHUTDOWN_BACKUP_SESSIONS,
};

/* One "tcp-check ..." or "http-check ..." line of a backend. */
enum lb_cfg_chk_act {
	LB_CHK_ACT_CONNECT = 1,		/* tcp-check connect [port n] [ssl] [sni s] [alpn a] */
	LB_CHK_ACT_SEND,		/* tcp-check send / send-binary, http-check send */
	LB_CHK_ACT_EXPECT,		/* tcp-check expect, http-check expect */
	LB_CHK_ACT_COMMENT,		/* tcp-check comment, http-check comment */
};

enum lb_cfg_chk_match {
	LB_CHK_MATCH_STRING = 1,	/* substring of the reply / body */
	LB_CHK_MATCH_RSTRING,		/* POSIX extended regex on the reply / body */
	LB_CHK_MATCH_BINARY,		/* bytes (written in hex) in the reply */
	LB_CHK_MATCH_STATUS,		/* http: status code list "200,301-302" */
	LB_CHK_MATCH_RSTATUS,		/* http: regex on the status code */
	LB_CHK_MATCH_HDR,		/* http: header present [with value] */
};

struct lb_cfg_chk_rule {
	struct lb_cfg_chk_rule *next;
	struct lb_cfg_pos pos;
	enum lb_cfg_chk_act act;
	char *comment;			/* "comment <text>" of this rule, or the comment line */
	/* connect */
	int port;			/* -1: the server's check port */
	bool ssl;
	char *sni;
	char *alpn;
	int proto;			/* http-check connect "proto h1|h2": lb_srv_proto, -1 */
	/* send: raw bytes (tcp-check), or the HTTP request parts (http-check) */
	char *data;
	size_t data_len;
	char *meth, *uri, *ver;		/* http-check send; NULL: keep option httpchk's */
	struct lb_cfg_hdr_pair *hdrs;	/* http-check send hdr <name> <value> (value_src) */
	char *body;
	/* expect */
	bool neg;			/* "expect !" */
	enum lb_cfg_chk_match match;
	char *pattern;			/* string, regex, status list, header name */
	size_t pattern_len;		/* binary: decoded length */
	char *hdr_value;		/* hdr name <n> value <v> */
};

/* The check type chosen by the backend's last typed option. */
enum lb_cfg_chk_type {
	LB_CFG_CHK_UNSET = 0,
	LB_CFG_CHK_TCP,			/* plain connect (no option, or "no option httpchk") */
	LB_CFG_CHK_HTTP,		/* option httpchk */
	LB_CFG_CHK_TCPCHECK,		/* option tcp-check */
	LB_CFG_CHK_SSL_HELLO,		/* option ssl-hello-chk */
	LB_CFG_CHK_REDIS,		/* option redis-check */
	LB_CFG_CHK_MYSQL,		/* option mysql-check */
	LB_CFG_CHK_PGSQL,		/* option pgsql-check */
	LB_CFG_CHK_LDAP,		/* option ldap-check */
	LB_CFG_CHK_SMTP,		/* option smtpchk */
};

/* A backend's health-check settings (defaults sections pass them on whole: a backend that
 * sets no check option and no check rules of its own takes its defaults section's). */
struct lb_cfg_check {
	struct lb_cfg_pos pos;		/* of the typed option */
	enum lb_cfg_chk_type type;
	char *http_meth, *http_uri, *http_ver;	/* option httpchk [<meth> <uri> [<ver>]] */
	int disable_on_404;		/* http-check disable-on-404: -1 unset, 0, 1 */
	char *user;			/* mysql-check user / pgsql-check user */
	bool mysql_post41;
	char *smtp_cmd;			/* "HELO" or "EHLO", NULL: HELO */
	char *smtp_domain;		/* NULL: "localhost" */
	struct lb_cfg_chk_rule *tcp_rules;	/* tcp-check lines, in order */
	struct lb_cfg_chk_rule *http_rules;	/* http-check send/expect/comment lines */
};

/* "load-server-state-from-file": which file a backend's server states come from at start */
enum lb_srv_state_load {
	LB_SRV_STATE_NONE = 0,
	LB_SRV_STATE_GLOBAL,		/* the global server-state-file */
	LB_SRV_STATE_LOCAL,		/* server-state-file-name, else the backend's name */
};

/* "balance <algo> [args]" and "hash-type" */
enum lb_hash_type {
	LB_HASH_UNSET = 0,
	LB_HASH_MAP_BASED,
	LB_HASH_CONSISTENT,
};

struct lb_cfg_balance {
	struct lb_cfg_pos pos;
	char *algo;			/* a name from the algorithm registry; NULL unset */
	char *arg;			/* hdr(<name>) -> name; url_param <name> -> name */
	int uri_len;			/* "balance uri len n" (-1 unset) */
	int uri_depth;			/* "balance uri depth n" */
	bool uri_whole;			/* "balance uri whole" */
	int random_draws;		/* "balance random(<n>)", default 2 */
	enum lb_hash_type hash_type;
};

/* "option http-keep-alive | http-server-close | httpclose" */
enum lb_http_conn_mode {
	LB_HTTP_CONN_UNSET = 0,
	LB_HTTP_CONN_KAL,		/* keep-alive on both sides (default) */
	LB_HTTP_CONN_SCL,		/* http-server-close: close server side after each response */
	LB_HTTP_CONN_CLO,		/* httpclose: close both sides after each exchange */
};

enum lb_http_reuse {
	LB_REUSE_UNSET = 0,
	LB_REUSE_NEVER,
	LB_REUSE_SAFE,			/* default */
	LB_REUSE_AGGRESSIVE,
	LB_REUSE_ALWAYS,
};

/* The actions of http-request / http-response rules in this issue. Conditions (if/unless)
 * arrive with the ACL issue: the parser refuses them with a clear error until then. */
enum lb_http_act {
	LB_ACT_SET_HEADER = 1,
	LB_ACT_ADD_HEADER,
	LB_ACT_DEL_HEADER,
	LB_ACT_RETURN,
	LB_ACT_DENY,
	LB_ACT_REDIRECT,
	LB_ACT_USE_SERVICE,		/* answered by a service of lbd (common/cfg_stats.c) */
	LB_ACT_TRACK_SC,		/* stick counters (common/cfg_stick.c): rule->track */
	LB_ACT_SC_INC_GPC0,
	LB_ACT_SC_INC_GPC1,
	LB_ACT_SC_SET_GPT0,
	/* flow and rewrites (common/cfg_http.c, run by lbd/http_act.c) */
	LB_ACT_ALLOW,
	LB_ACT_REJECT,
	LB_ACT_TARPIT,
	LB_ACT_REPLACE_HEADER,		/* name, re, value */
	LB_ACT_REPLACE_VALUE,
	LB_ACT_SET_PATH,		/* value */
	LB_ACT_SET_PATHQ,
	LB_ACT_SET_QUERY,
	LB_ACT_SET_URI,
	LB_ACT_SET_METHOD,
	LB_ACT_REPLACE_PATH,		/* re, value */
	LB_ACT_REPLACE_URI,
	LB_ACT_SET_STATUS,		/* status, reason */
	LB_ACT_SET_VAR,			/* var_key, expr */
	LB_ACT_SET_VAR_FMT,		/* var_key, value */
	LB_ACT_UNSET_VAR,		/* var_key */
	LB_ACT_SET_LOG_LEVEL,		/* log_level */
};

/* "set-log-level silent": no log line for this stream (levels 0..7 are syslog's). */
#define LB_LOG_LEVEL_SILENT 8

/* track-sc<n> <key> [table <t>] (http-request, tcp-request), sc-inc-gpc0|1(<n>) and
 * sc-set-gpt0(<n>) <value> (common/cfg_stick.c). */
struct lb_acl_expr;
struct lb_stktable;
struct lb_cfg_track {
	int sc;				/* 0..2 */
	const struct lb_acl_expr *key;	/* track-sc: the key (kept in the proxy's ACL set) */
	char *table_name;		/* NULL: the proxy's own table */
	struct lb_stktable *table;	/* resolved by finalize */
	long long value;		/* sc-set-gpt0 */
};

/* "tcp-request connection|content accept|reject|track-sc<n>" */
enum lb_tcp_act {
	LB_TCP_ACCEPT = 1,
	LB_TCP_REJECT,
	LB_TCP_TRACK_SC,
};

struct lb_cfg_tcp_rule {
	struct lb_cfg_tcp_rule *next;
	struct lb_cfg_pos pos;
	enum lb_tcp_act act;
	struct lb_cfg_track track;
	struct lb_acl_cond *acl_cond;	/* "if|unless ...", NULL: always */
};

/* "stick on|match|store-request|store-response <pattern> [table <t>] [if|unless <cond>]":
 * persistence of a
 * key (the client's address...) to the server that served it, in a stick table. */
enum {
	LB_STICK_MATCH = 1 << 0,	/* look the key up: its server, if usable, is taken */
	LB_STICK_STORE = 1 << 1,	/* once a server is chosen, remember it for the key */
	LB_STICK_STORE_RES = 1 << 2,	/* store-response: remember the server that answered
					 * for the key read from its response */
};
struct lb_cfg_stick_rule {
	struct lb_cfg_stick_rule *next;
	struct lb_cfg_pos pos;
	unsigned kind;			/* LB_STICK_MATCH | LB_STICK_STORE ("stick on": both) */
	struct lb_cfg_track key;	/* the pattern and its table (track's fields, sc unused) */
	struct lb_acl_cond *acl_cond;	/* NULL: always */
};

/* "http-request use-service <name>": the services lbd has. */
enum lb_service {
	LB_SVC_PROMETHEUS = 1,		/* "prometheus-exporter" */
};

enum lb_redirect_type {
	LB_REDIR_LOCATION = 1,
	LB_REDIR_PREFIX,
	LB_REDIR_SCHEME,
};

struct lb_cfg_http_rule {
	struct lb_cfg_http_rule *next;
	struct lb_cfg_pos pos;
	enum lb_http_act act;
	char *name;			/* header name (set/add/del-header) */
	char *value_src;		/* log-format source text of the header value */
	struct lb_logfmt *value;	/* compiled by finalize */
	int status;			/* deny_status, return status, redirect code; -1 unset */
	/* return: "content-type <t>" and one of "string <s>", "lf-string <fmt>", "file <path>",
	 * "errorfile <path>"; loaded/compiled by finalize */
	char *content_type;
	char *body_src;
	int body_kind;			/* 0 none, 1 string, 2 lf-string, 3 file, 4 errorfile */
	char *body;			/* loaded body (string/file) */
	size_t body_len;
	struct lb_logfmt *body_fmt;	/* lf-string */
	/* "hdr <name> <fmt>" extra headers for return, kept as a list */
	struct lb_cfg_hdr_pair *hdrs;
	/* redirect */
	enum lb_redirect_type redir_type;
	char *redir_target;		/* location / prefix / scheme text (log-format for location) */
	struct lb_logfmt *redir_fmt;
	bool redir_drop_query;
	bool redir_append_slash;
	/* use-service */
	enum lb_service service;
	char *redir_set_cookie;
	bool redir_clear_cookie;
	struct lb_acl_cond *acl_cond;	/* "if|unless ...", NULL: always */
	struct lb_cfg_track *track;	/* LB_ACT_TRACK_SC, LB_ACT_SC_* */
	/* replace-header|value|path|uri: the regex (a pcre2_code, common/regex.h) */
	struct pcre2_real_code_8 *re;
	uint32_t var_key;		/* set-var, set-var-fmt, unset-var (common/vars.h) */
	unsigned var_conds;		/* set-var(<name>,<cond>...): LB_VAR_IF_* */
	const struct lb_acl_expr *expr;	/* set-var: the sample (kept in the proxy's ACLs) */
	int log_level;			/* set-log-level: 0..7, LB_LOG_LEVEL_SILENT */
	char *reason;			/* set-status ... reason <text>, NULL: the standard one */
};

struct lb_cfg_hdr_pair {
	struct lb_cfg_hdr_pair *next;
	char *name;
	char *value_src;
	struct lb_logfmt *value;
};

/* "errorfile <code> <file>": a whole raw HTTP response, loaded by finalize */
struct lb_cfg_errorfile {
	struct lb_cfg_errorfile *next;
	struct lb_cfg_pos pos;
	int status;
	char *path;
	char *data;
	size_t len;
};

/* "use_backend <name> [if|unless <cond>]": evaluated in order, then default_backend */
struct lb_cfg_use_backend {
	struct lb_cfg_use_backend *next;
	struct lb_cfg_pos pos;
	char *name;
	struct lb_cfg_proxy *backend;	/* resolved by finalize */
	struct lb_acl_cond *acl_cond;	/* "if|unless ...", NULL: always */
	/* a dynamic name ("be_%[req.hdr(host),lower,map(hosts.map,web)]"): the literal text
	 * and sample expressions in order, resolved per request (backend NULL) */
	struct lb_cfg_name_part *dyn;
	int ndyn;
};

struct lb_cfg_name_part {
	char *lit;			/* literal text, or NULL */
	const struct lb_acl_expr *smp;	/* or a sample expression (owned by the proxy's ACLs) */
};

/* "option forwardfor [except <net>] [header <name>] [if-none]" */
struct lb_cfg_forwardfor {
	int enabled;			/* -1 unset, 0, 1 */
	char *header;			/* default "X-Forwarded-For" */
	bool if_none;
	bool has_except;
	struct lb_cfg_addr except_net;	/* network address */
	int except_prefix;		/* prefix length */
};

enum lb_proxy_cap {
	LB_CAP_FE = 1,
	LB_CAP_BE = 2,
	LB_CAP_DEFAULTS = 4,
};

/* The timeouts a proxy can set, all in ms, LB_TIME_UNSET when not given. */
enum lb_timeout_id {
	LB_TO_CONNECT = 0,
	LB_TO_CLIENT,
	LB_TO_SERVER,
	LB_TO_HTTP_REQUEST,
	LB_TO_HTTP_KEEP_ALIVE,
	LB_TO_QUEUE,
	LB_TO_TUNNEL,
	LB_TO_CLIENT_FIN,
	LB_TO_SERVER_FIN,
	LB_TO_CHECK,
	LB_TO_CLIENT_HS,	/* TLS handshake of a client connection */
	LB_TO_TARPIT,		/* http-request tarpit */
	LB_TO__COUNT
};

/* "stats auth <user>:<password>" */
struct lb_cfg_stats_auth {
	struct lb_cfg_stats_auth *next;
	char *user;
	char *pass;
};

/* The stats page of a proxy ("stats enable|uri|refresh|auth|admin|realm|hide-version",
 * common/cfg_stats.c). Made by the first "stats" line of a section (any of them enables the
 * page, as in HAProxy); fields a section leaves unset come from its defaults section. */
struct lb_cfg_stats {
	struct lb_cfg_pos pos;
	char *uri;			/* URI prefix; NULL: "/haproxy?stats" */
	long long refresh_ms;		/* LB_TIME_UNSET: no automatic refresh */
	char *realm;			/* NULL: "HAProxy Statistics" */
	struct lb_cfg_stats_auth *auths;	/* none: no authentication */
	int admin;			/* -1 unset, 1: "stats admin if|unless <cond>" */
	struct lb_acl_cond *admin_cond;		/* that condition, owned */
	const struct lb_acl_cond *admin_cond_inh;	/* or its defaults' (not owned) */
	int hide_version;		/* -1 unset, 1 */
};

/* A frontend, backend, listen or defaults section. */
struct lb_cfg_proxy {
	struct lb_cfg_proxy *next;
	struct lb_cfg_pos pos;
	char *name;			/* NULL for an unnamed defaults section */
	unsigned caps;			/* enum lb_proxy_cap bits */
	char *defaults_name;		/* "frontend x from <defaults>" */
	struct lb_cfg_proxy *defaults;	/* the defaults section it inherits, resolved */
	int id;				/* 1-based, in declaration order over proxies */

	enum lb_mode mode;
	struct lb_cfg_bind *binds;
	char *default_backend;
	struct lb_cfg_proxy *default_be;	/* resolved */
	struct lb_cfg_use_backend *use_backends;
	struct lb_cfg_server *servers;
	struct lb_cfg_server default_server;	/* template, fields -1 when unset */
	int nservers;
	struct lb_cfg_balance balance;

	long long timeouts[LB_TO__COUNT];
	int maxconn;			/* frontend maxconn; -1 unset */
	int fullconn;
	int retries;			/* -1 unset, default 3 */
	int redispatch;			/* -1 unset, 0, 1 */
	int allbackups;
	int load_server_state;		/* enum lb_srv_state_load, -1 unset (none) */
	char *server_state_file_name;	/* "server-state-file-name"; NULL: the backend's name */
	struct lb_cfg_forwardfor forwardfor;
	enum lb_http_conn_mode http_conn_mode;
	enum lb_http_reuse http_reuse;

	/* logging */
	int httplog;			/* -1 unset, 0, 1 */
	int httplog_clf;
	int tcplog;
	int dontlognull;
	char *log_format_src;		/* "log-format" text */
	struct lb_logfmt *log_format;	/* compiled: explicit, or httplog/tcplog's */
	struct lb_cfg_log *logs;	/* own targets; a "log global" entry pulls global ones */
	bool no_log;			/* "no log" */

	struct lb_cfg_http_rule *http_req_rules;
	struct lb_cfg_http_rule *http_res_rules;
	struct lb_cfg_errorfile *errorfiles;

	struct lb_cfg_check check;	/* health-check type and rules (common/cfg_check.c) */

	struct lb_cfg_stats *stats;	/* the stats page, NULL when no "stats" line applies */

	struct lb_acl_set *acls;	/* "acl" lines and the anonymous ACLs of conditions */

	/* stick table and tcp-request rules (common/cfg_stick.c) */
	struct lb_stktable *stktable;	/* "stick-table": made at parse time, filled by lbd */
	struct lb_cfg_pos stktable_pos;
	struct lb_cfg_tcp_rule *tcp_conn_rules;	/* "tcp-request connection" */
	struct lb_cfg_tcp_rule *tcp_cont_rules;	/* "tcp-request content" */
	long long inspect_delay;	/* "tcp-request inspect-delay", 0: unset */
	struct lb_cfg_stick_rule *stick_rules;	/* "stick on|match|store-request", in order */
};

/* The whole parsed configuration. */
struct lb_cfg {
	struct lb_cfg_global global;
	struct lb_cfg_proxy *proxies;	/* in declaration order, defaults sections included */
	struct lb_cfg_userlist *userlists;	/* "userlist" sections (common/userlist.h) */
	char **files;			/* interned file names (for lb_cfg_pos.file) */
	int nfiles;
	bool finalized;
};

#endif
