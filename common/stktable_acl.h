/* common/stktable_acl.h: the stick-counter fetches and converters of the ACL engine
 *
 * sc_<type>(<ctr>), sc0_<type> .. sc2_<type>: the entry a track-sc rule tracks in that
 * counter (the stream's, else the connection's); no sample when nothing is tracked.
 * HAProxy's optional <table> argument of these (the tracked key looked up in another
 * table) is not supported: the parser refuses the extra argument.
 * src_<type>([<table>]): the client address's entry, 0 when there is none. table_<type>
 * (<table>): a converter looking its input up as a key. The rows are spliced into
 * lb_acl_fetches and lb_acl_convs (acl_fetch.c, acl_conv.c) with the macros below.
 */
#ifndef LB_STKTABLE_ACL_H
#define LB_STKTABLE_ACL_H

#include "acl_priv.h"
#include "stktable.h"

/* X(fetch suffix, converter suffix, data type, help) */
#define LB_STK_ACL_TYPES(X)                                                            \
	X(conn_cur, conn_cur, LB_STK_CONN_CUR, "connections in progress")               \
	X(conn_cnt, conn_cnt, LB_STK_CONN_CNT, "connections counted")                   \
	X(conn_rate, conn_rate, LB_STK_CONN_RATE, "connection rate")                    \
	X(sess_cnt, sess_cnt, LB_STK_SESS_CNT, "sessions counted")                      \
	X(sess_rate, sess_rate, LB_STK_SESS_RATE, "session rate")                       \
	X(http_req_cnt, http_req_cnt, LB_STK_HTTP_REQ_CNT, "HTTP requests counted")     \
	X(http_req_rate, http_req_rate, LB_STK_HTTP_REQ_RATE, "HTTP request rate")      \
	X(http_err_cnt, http_err_cnt, LB_STK_HTTP_ERR_CNT, "HTTP errors counted")       \
	X(http_err_rate, http_err_rate, LB_STK_HTTP_ERR_RATE, "HTTP error rate")        \
	X(bytes_in_rate, bytes_in_rate, LB_STK_BYTES_IN_RATE, "request bytes rate")     \
	X(bytes_out_rate, bytes_out_rate, LB_STK_BYTES_OUT_RATE, "response bytes rate") \
	X(get_gpc0, gpc0, LB_STK_GPC0, "general purpose counter 0")                     \
	X(get_gpc1, gpc1, LB_STK_GPC1, "general purpose counter 1")                     \
	X(gpc0_rate, gpc0_rate, LB_STK_GPC0_RATE, "rate of gpc0 increments")            \
	X(get_gpt0, gpt0, LB_STK_GPT0, "general purpose tag 0")

#define LB_STK_ACL_DECL(f, c, dt, h)                                                     \
	bool lb_f_sc_##f(struct lb_acl_run *, const struct lb_acl_arg *, struct lb_smp *,  \
			 uint64_t *);                                                       \
	bool lb_f_sc0_##f(struct lb_acl_run *, const struct lb_acl_arg *, struct lb_smp *, \
			  uint64_t *);                                                      \
	bool lb_f_sc1_##f(struct lb_acl_run *, const struct lb_acl_arg *, struct lb_smp *, \
			  uint64_t *);                                                      \
	bool lb_f_sc2_##f(struct lb_acl_run *, const struct lb_acl_arg *, struct lb_smp *, \
			  uint64_t *);                                                      \
	bool lb_f_src_##f(struct lb_acl_run *, const struct lb_acl_arg *, struct lb_smp *, \
			  uint64_t *);                                                      \
	bool lb_c_table_##c(struct lb_acl_run *, const struct lb_acl_arg *, struct lb_smp *);
LB_STK_ACL_TYPES(LB_STK_ACL_DECL)

/* Fetches that change the entry as HAProxy's do: sc*_inc_gpc0|1 (the new value),
 * sc*_clr_gpc0|1 (the value before), src_inc_gpc0|1 and src_clr_gpc0|1 (the client's entry,
 * created if needed). X(name, index, clear) */
#define LB_STK_ACL_OPS(X)                 \
	X(inc_gpc0, 0, false)             \
	X(inc_gpc1, 1, false)             \
	X(clr_gpc0, 0, true)              \
	X(clr_gpc1, 1, true)

#define LB_STK_OP_DECL(f, idx, clr)                                                        \
	bool lb_f_sc_##f(struct lb_acl_run *, const struct lb_acl_arg *, struct lb_smp *,  \
			 uint64_t *);                                                       \
	bool lb_f_sc0_##f(struct lb_acl_run *, const struct lb_acl_arg *, struct lb_smp *, \
			  uint64_t *);                                                      \
	bool lb_f_sc1_##f(struct lb_acl_run *, const struct lb_acl_arg *, struct lb_smp *, \
			  uint64_t *);                                                      \
	bool lb_f_sc2_##f(struct lb_acl_run *, const struct lb_acl_arg *, struct lb_smp *, \
			  uint64_t *);                                                      \
	bool lb_f_src_##f(struct lb_acl_run *, const struct lb_acl_arg *, struct lb_smp *, \
			  uint64_t *);
LB_STK_ACL_OPS(LB_STK_OP_DECL)

bool lb_f_sc_tracked(struct lb_acl_run *, const struct lb_acl_arg *, struct lb_smp *,
		     uint64_t *);
bool lb_f_sc0_tracked(struct lb_acl_run *, const struct lb_acl_arg *, struct lb_smp *,
		      uint64_t *);
bool lb_f_sc1_tracked(struct lb_acl_run *, const struct lb_acl_arg *, struct lb_smp *,
		      uint64_t *);
bool lb_f_sc2_tracked(struct lb_acl_run *, const struct lb_acl_arg *, struct lb_smp *,
		      uint64_t *);

#define LB_STK_ARG_CTR { { LB_ARG_INT }, 1 }
#define LB_STK_ARG_NONE { { LB_ARG_NONE }, 0 }
#define LB_STK_ARG_TBL { { LB_ARG_TABLE }, 0 }
#define LB_STK_ARG_TBL1 { { LB_ARG_TABLE }, 1 }

#define LB_STK_FETCH_ROW(f, c, dt, h)                                                      \
	{ "sc_" #f, lb_f_sc_##f, LB_STK_ARG_CTR, LB_SMP_INT, LB_ACL_USE_L4,                  \
	  h " of the entry tracked by stick counter <ctr>" },                                \
	{ "sc0_" #f, lb_f_sc0_##f, LB_STK_ARG_NONE, LB_SMP_INT, LB_ACL_USE_L4,                \
	  h " of the entry tracked by track-sc0" },                                          \
	{ "sc1_" #f, lb_f_sc1_##f, LB_STK_ARG_NONE, LB_SMP_INT, LB_ACL_USE_L4,                \
	  h " of the entry tracked by track-sc1" },                                          \
	{ "sc2_" #f, lb_f_sc2_##f, LB_STK_ARG_NONE, LB_SMP_INT, LB_ACL_USE_L4,                \
	  h " of the entry tracked by track-sc2" },                                          \
	{ "src_" #f, lb_f_src_##f, LB_STK_ARG_TBL, LB_SMP_INT, LB_ACL_USE_L4,                \
	  h " of the client address's entry ([<table>]; 0 if none)" },

#define LB_STK_OP_ROW(f, idx, clr)                                                         \
	{ "sc_" #f, lb_f_sc_##f, LB_STK_ARG_CTR, LB_SMP_INT, LB_ACL_USE_L4,                  \
	  (clr) ? "sets gpc" #idx " of stick counter <ctr>'s entry to 0, gives its value"    \
		: "adds one to gpc" #idx " of stick counter <ctr>'s entry, gives the result" },\
	{ "sc0_" #f, lb_f_sc0_##f, LB_STK_ARG_NONE, LB_SMP_INT, LB_ACL_USE_L4,               \
	  "sc_" #f " of track-sc0" },                                                        \
	{ "sc1_" #f, lb_f_sc1_##f, LB_STK_ARG_NONE, LB_SMP_INT, LB_ACL_USE_L4,               \
	  "sc_" #f " of track-sc1" },                                                        \
	{ "sc2_" #f, lb_f_sc2_##f, LB_STK_ARG_NONE, LB_SMP_INT, LB_ACL_USE_L4,               \
	  "sc_" #f " of track-sc2" },                                                        \
	{ "src_" #f, lb_f_src_##f, LB_STK_ARG_TBL, LB_SMP_INT, LB_ACL_USE_L4,                \
	  "sc_" #f " on the client address's entry ([<table>], created if needed)" },

#define LB_STK_FETCH_ROWS                                                                  \
	LB_STK_ACL_TYPES(LB_STK_FETCH_ROW)                                                 \
	LB_STK_ACL_OPS(LB_STK_OP_ROW)                                                      \
	{ "sc_tracked", lb_f_sc_tracked, LB_STK_ARG_CTR, LB_SMP_BOOL, LB_ACL_USE_L4,         \
	  "stick counter <ctr> tracks an entry" },                                           \
	{ "sc0_tracked", lb_f_sc0_tracked, LB_STK_ARG_NONE, LB_SMP_BOOL, LB_ACL_USE_L4,       \
	  "track-sc0 tracks an entry" },                                                     \
	{ "sc1_tracked", lb_f_sc1_tracked, LB_STK_ARG_NONE, LB_SMP_BOOL, LB_ACL_USE_L4,       \
	  "track-sc1 tracks an entry" },                                                     \
	{ "sc2_tracked", lb_f_sc2_tracked, LB_STK_ARG_NONE, LB_SMP_BOOL, LB_ACL_USE_L4,       \
	  "track-sc2 tracks an entry" },

#define LB_STK_CONV_ROW(f, c, dt, h)                                                       \
	{ "table_" #c, lb_c_table_##c, LB_STK_ARG_TBL1, LB_SMP_NONE, LB_SMP_INT,             \
	  h " of the input's entry in <table> (0 if none)" },
#define LB_STK_CONV_ROWS LB_STK_ACL_TYPES(LB_STK_CONV_ROW)

#endif
