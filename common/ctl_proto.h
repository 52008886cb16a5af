/* common/ctl_proto.h: the lbd control protocol (framing, envelope, status codes, limits)
 *
 * This header is the whole wire protocol between lbd and its clients (lbctl, lbtop, scripts in
 * other languages); lbctl(8) documents it for people. Everything is on a unix stream socket.
 *
 * Frame: a 4-byte big-endian payload length, then the payload: exactly one msgpack map.
 *   Request: { "v": uint (LB_CTL_PROTO_VERSION), "id": uint (echoed), "cmd": str (the command
 *              words, e.g. "show servers"), "args": [str, ...] (optional, positional) }
 *   Reply:   { "id": uint (the request's, 0 if it could not be read), "status": uint
 *              (enum lb_ctl_status), "msg": str (empty on success unless the command says
 *              something), "data": any (nil when the command returns nothing) }
 * Unknown request keys are ignored, so a newer client can add optional keys. A client may
 * send several requests without waiting; replies come back in order, one per request (a
 * reply that takes time, like "wait", holds back the replies after it). A subscription
 * ("subscribe stats") streams: after its first reply the daemon keeps sending replies with
 * the subscription's id, between the replies to later requests, until the client closes.
 *
 * Validation happens at the boundary in a fixed order (as chrony's cmdmon does): frame size,
 * decode limits, envelope types, version, command known, access level, arguments; handlers
 * only ever see checked arguments.
 *
 * Version history (bump LB_CTL_PROTO_VERSION when a key, a status code or the meaning of a
 * reply changes; adding a command or a data field does not need a bump):
 *   1  first version: show info/stats/servers/backends, server state/weight/maxconn,
 *      drain/enable/maint/weight shorthands, clear counters, help. Added since, without a
 *      bump: show sessions, shutdown session(s), show errors, show config, wait, and
 *      subscribe stats (the first streamed replies).
 */
#ifndef LB_CTL_PROTO_H
#define LB_CTL_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "cfg_types.h"

#define LB_CTL_PROTO_VERSION 1

/* Limits. A frame longer than LB_CTL_MAX_FRAME is not read: the daemon answers
 * LB_CTL_ST_TOO_BIG and closes the connection (it cannot find the next frame otherwise). */
#define LB_CTL_HDR_LEN 4
#define LB_CTL_MAX_FRAME (1u << 20)	/* payload bytes, both directions */
#define LB_CTL_MAX_DEPTH 32		/* nesting of arrays/maps in any payload */
#define LB_CTL_REQ_MAX_DEPTH 4		/* requests are flat: map -> args array */
#define LB_CTL_REQ_MAX_ITEMS 1024	/* objects in one request */
#define LB_CTL_MAX_ARGS 32		/* elements of "args" */
#define LB_CTL_MAX_ARG_LEN 4096		/* bytes of one argument or of "cmd" */

/* Reply status codes. 0 is success; everything else is a refusal and "msg" says why. */
enum lb_ctl_status {
	LB_CTL_ST_OK = 0,
	LB_CTL_ST_BAD_FRAME = 1,	/* payload is not valid msgpack or breaks a decode limit */
	LB_CTL_ST_BAD_REQUEST = 2,	/* not a map, missing or mistyped envelope key */
	LB_CTL_ST_VERSION = 3,		/* "v" is not a version this daemon speaks */
	LB_CTL_ST_UNKNOWN_CMD = 4,
	LB_CTL_ST_DENIED = 5,		/* above this connection's access level */
	LB_CTL_ST_USAGE = 6,		/* wrong arguments for the command */
	LB_CTL_ST_NOT_FOUND = 7,	/* no such backend / server */
	LB_CTL_ST_FAILED = 8,		/* the command could not be carried out */
	LB_CTL_ST_TOO_BIG = 9,		/* frame over LB_CTL_MAX_FRAME (connection closed) */
	LB_CTL_ST_BUSY = 10,		/* too many clients (connection closed) */
	LB_CTL_ST__COUNT
};

/* "ok", "bad-frame", ...: stable names for scripts and messages. */
const char *lb_ctl_status_name(int status);

/* Access levels come from the config model (struct lb_cfg_stats_socket). */
const char *lb_ctl_level_name(enum lb_ctl_level level);
/* Returns the level for "user", "operator", "admin", or -1. */
int lb_ctl_level_parse(const char *name);

/* --- framing --- */

enum lb_ctl_frame_rc {
	LB_CTL_FRAME_OK = 0,		/* a whole frame is there: *payload_len set */
	LB_CTL_FRAME_MORE,		/* need more bytes */
	LB_CTL_FRAME_EMPTY,		/* length 0: a protocol error, skip LB_CTL_HDR_LEN bytes */
	LB_CTL_FRAME_TOO_BIG,		/* length over LB_CTL_MAX_FRAME: *payload_len set */
};

/* Looks at the start of buf (len bytes) without consuming anything. */
enum lb_ctl_frame_rc lb_ctl_frame_peek(const void *buf, size_t len, size_t *payload_len);

/* Checks a payload against the decode limits before msgpack-c allocates for it: exactly one
 * object, nesting at most max_depth, at most max_items objects, and no array or map that
 * announces more elements than bytes remain (which would make the decoder allocate for a
 * lie). Returns 0, or -1 with a message in err. */
int lb_ctl_check_limits(const void *payload, size_t len, unsigned max_depth, size_t max_items,
			char *err, size_t errlen);

/* --- encoding: each call appends one complete frame (header included) to out --- */

/* Returns 0, or -1 if the frame would exceed LB_CTL_MAX_FRAME (out is left unchanged). */
int lb_ctl_encode_request(msgpack_sbuffer *out, uint64_t id, const char *cmd, int argc,
			  const char *const *argv);
/* data/datalen: an already packed msgpack object (copied), or NULL for nil. Returns 0, or -1
 * if the frame would exceed LB_CTL_MAX_FRAME (out is left unchanged). */
int lb_ctl_encode_reply(msgpack_sbuffer *out, uint64_t id, int status, const char *msg,
			const void *data, size_t datalen);

/* --- decoding --- */

/* A decoded request. Strings are NUL-terminated copies owned by the struct. */
struct lb_ctl_request {
	uint64_t v;
	uint64_t id;
	bool has_id;		/* false: "id" missing or unreadable; replies use 0 */
	char *cmd;
	int argc;
	char **argv;		/* argc entries, then NULL */
	char *store;		/* one allocation holding cmd and the args */
};

/* Decodes one request payload (without the length header), after lb_ctl_check_limits with
 * the LB_CTL_REQ_* limits. Returns LB_CTL_ST_OK, or BAD_FRAME / BAD_REQUEST with a message in
 * err; req->id is filled as soon as it could be read, so the error reply can carry it. The
 * version is not judged here: the server compares req->v. Free with lb_ctl_request_free()
 * whatever the result. */
int lb_ctl_decode_request(const void *payload, size_t len, struct lb_ctl_request *req,
			  char *err, size_t errlen);
void lb_ctl_request_free(struct lb_ctl_request *req);

/* A decoded reply. `data` points into `up` (nil object when absent). */
struct lb_ctl_reply {
	uint64_t id;
	int status;
	char *msg;		/* NUL-terminated copy, never NULL */
	msgpack_object data;
	msgpack_unpacked up;
};

/* Decodes one reply payload. Returns 0, or -1 with a message in err. Free with
 * lb_ctl_reply_free() in both cases. */
int lb_ctl_decode_reply(const void *payload, size_t len, struct lb_ctl_reply *rep, char *err,
			size_t errlen);
void lb_ctl_reply_free(struct lb_ctl_reply *rep);

/* --- helpers for data objects --- */

/* Finds key in a map object; NULL if absent or o is not a map. */
const msgpack_object *lb_ctl_map_get(const msgpack_object *o, const char *key);
/* Copies a str object into buf (truncating, NUL-terminated). Returns false if o is no str. */
bool lb_ctl_obj_str(const msgpack_object *o, char *buf, size_t buflen);
/* Reads a non-negative integer. Returns false if o is not one. */
bool lb_ctl_obj_u64(const msgpack_object *o, uint64_t *out);

/* Packing shorthands for building data objects (return msgpack's status: 0 ok). */
int lb_ctl_pack_str(msgpack_packer *pk, const char *s);
int lb_ctl_pack_kv_str(msgpack_packer *pk, const char *key, const char *val);
int lb_ctl_pack_kv_u64(msgpack_packer *pk, const char *key, uint64_t val);
int lb_ctl_pack_kv_i64(msgpack_packer *pk, const char *key, int64_t val);
int lb_ctl_pack_kv_bool(msgpack_packer *pk, const char *key, bool val);

/* "show stats" rows are maps whose keys are HAProxy's "show stat" field names; this is
 * HAProxy's column order (management guide, section 9.1), which lbctl --csv follows. A row
 * carries only the fields lb fills; the CSV leaves the others empty. */
extern const char *const lb_ctl_stat_cols[];
extern const size_t lb_ctl_nstat_cols;

#endif
