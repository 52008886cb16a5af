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
};

/* "bind <addr> [accept-proxy] [maxconn n] [name s]" */
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
	char *redir_set_cookie;
	bool redir_clear_cookie;
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

/* "use_backend <name>" (conditions with the ACL issue) */
struct lb_cfg_use_backend {
	struct lb_cfg_use_backend *next;
	struct lb_cfg_pos pos;
	char *name;
	struct lb_cfg_proxy *backend;	/* resolved by finalize */
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
	LB_TO__COUNT
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
};

/* The whole parsed configuration. */
struct lb_cfg {
	struct lb_cfg_global global;
	struct lb_cfg_proxy *proxies;	/* in declaration order, defaults sections included */
	char **files;			/* interned file names (for lb_cfg_pos.file) */
	int nfiles;
	bool finalized;
};

#endif
