/* common/ctl_proto.c: framing, limits and envelope codec of the control protocol
 *
 * msgpack-c does the byte-level work; this file adds what it does not: frames, a pre-scan that
 * bounds what the decoder may allocate (an array header can announce four billion elements in
 * five bytes), and the typed envelope. Decoders never trust a length they have not checked
 * against the bytes actually received.
 */
#include "ctl_proto.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const char *const status_names[LB_CTL_ST__COUNT] = {
	[LB_CTL_ST_OK] = "ok",
	[LB_CTL_ST_BAD_FRAME] = "bad-frame",
	[LB_CTL_ST_BAD_REQUEST] = "bad-request",
	[LB_CTL_ST_VERSION] = "version",
	[LB_CTL_ST_UNKNOWN_CMD] = "unknown-command",
	[LB_CTL_ST_DENIED] = "denied",
	[LB_CTL_ST_USAGE] = "usage",
	[LB_CTL_ST_NOT_FOUND] = "not-found",
	[LB_CTL_ST_FAILED] = "failed",
	[LB_CTL_ST_TOO_BIG] = "too-big",
	[LB_CTL_ST_BUSY] = "busy",
};

const char *
lb_ctl_status_name(int status)
{
	if (status < 0 || status >= LB_CTL_ST__COUNT)
		return "unknown-status";
	return status_names[status];
}

static const char *const level_names[] = {
	[LB_CTL_LEVEL_USER] = "user",
	[LB_CTL_LEVEL_OPERATOR] = "operator",
	[LB_CTL_LEVEL_ADMIN] = "admin",
};

const char *
lb_ctl_level_name(enum lb_ctl_level level)
{
	if ((unsigned)level >= LB_ARRAY_SIZE(level_names))
		return "?";
	return level_names[level];
}

int
lb_ctl_level_parse(const char *name)
{
	for (size_t i = 0; i < LB_ARRAY_SIZE(level_names); i++)
		if (strcmp(name, level_names[i]) == 0)
			return (int)i;
	return -1;
}

/* HAProxy's "show stat" columns 0..85 (pxname..reuse), in order. */
const char *const lb_ctl_stat_cols[] = {
	"pxname", "svname", "qcur", "qmax", "scur", "smax", "slim", "stot", "bin", "bout",
	"dreq", "dresp", "ereq", "econ", "eresp", "wretr", "wredis", "status", "weight", "act",
	"bck", "chkfail", "chkdown", "lastchg", "downtime", "qlimit", "pid", "iid", "sid",
	"throttle", "lbtot", "tracked", "type", "rate", "rate_lim", "rate_max", "check_status",
	"check_code", "check_duration", "hrsp_1xx", "hrsp_2xx", "hrsp_3xx", "hrsp_4xx",
	"hrsp_5xx", "hrsp_other", "hanafail", "req_rate", "req_rate_max", "req_tot", "cli_abrt",
	"srv_abrt", "comp_in", "comp_out", "comp_byp", "comp_rsp", "lastsess", "last_chk",
	"last_agt", "qtime", "ctime", "rtime", "ttime", "agent_status", "agent_code",
	"agent_duration", "check_desc", "agent_desc", "check_rise", "check_fall", "check_health",
	"agent_rise", "agent_fall", "agent_health", "addr", "cookie", "mode", "algo", "conn_rate",
	"conn_rate_max", "conn_tot", "intercepted", "dcon", "dses", "wrew", "connect", "reuse",
};
const size_t lb_ctl_nstat_cols = LB_ARRAY_SIZE(lb_ctl_stat_cols);

/* --- framing --- */

enum lb_ctl_frame_rc
lb_ctl_frame_peek(const void *buf, size_t len, size_t *payload_len)
{
	const uint8_t *p = buf;
	uint32_t n;

	if (len < LB_CTL_HDR_LEN)
		return LB_CTL_FRAME_MORE;
	n = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	*payload_len = n;
	if (n == 0)
		return LB_CTL_FRAME_EMPTY;
	if (n > LB_CTL_MAX_FRAME)
		return LB_CTL_FRAME_TOO_BIG;
	if (len - LB_CTL_HDR_LEN < n)
		return LB_CTL_FRAME_MORE;
	return LB_CTL_FRAME_OK;
}

/* --- the pre-scan --- */

static uint64_t
be_uint(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* Reads one object header at *off. For an array or a map, returns 1 and sets *children to the
 * number of objects that follow as its elements (2n for maps); for a scalar, skips its body
 * and returns 0. Returns -1 on a truncated object or an invalid byte. */
static int
scan_one(const uint8_t *p, size_t len, size_t *off, uint64_t *children)
{
	size_t o = *off;
	uint8_t b;
	uint64_t skip = 0;	/* body bytes after the header */
	unsigned hl = 0;	/* length bytes in the header */

	*children = 0;
	if (o >= len)
		return -1;
	b = p[o++];
	if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) {
		/* fixints, nil, bools: the byte is the object */
	} else if (b >= 0x80 && b <= 0x8f) {
		*children = 2u * (b & 0x0f);
		*off = o;
		return 1;
	} else if (b >= 0x90 && b <= 0x9f) {
		*children = b & 0x0f;
		*off = o;
		return 1;
	} else if (b >= 0xa0 && b <= 0xbf) {
		skip = b & 0x1f;
	} else {
		switch (b) {
		case 0xc4: case 0xd9: hl = 1; break;		/* bin8, str8 */
		case 0xc5: case 0xda: hl = 2; break;		/* bin16, str16 */
		case 0xc6: case 0xdb: hl = 4; break;		/* bin32, str32 */
		case 0xc7: hl = 1; skip = 1; break;		/* ext8: + type byte */
		case 0xc8: hl = 2; skip = 1; break;
		case 0xc9: hl = 4; skip = 1; break;
		case 0xca: skip = 4; break;			/* float32 */
		case 0xcb: skip = 8; break;			/* float64 */
		case 0xcc: case 0xd0: skip = 1; break;
		case 0xcd: case 0xd1: skip = 2; break;
		case 0xce: case 0xd2: skip = 4; break;
		case 0xcf: case 0xd3: skip = 8; break;
		case 0xd4: skip = 2; break;			/* fixext 1..16: type + data */
		case 0xd5: skip = 3; break;
		case 0xd6: skip = 5; break;
		case 0xd7: skip = 9; break;
		case 0xd8: skip = 17; break;
		case 0xdc: case 0xdd: case 0xde: case 0xdf: {
			unsigned n = (b == 0xdc || b == 0xde) ? 2 : 4;
			if (len - o < n)
				return -1;
			*children = be_uint(p + o, n) * (b >= 0xde ? 2u : 1u);
			o += n;
			*off = o;
			return 1;
		}
		default:
			return -1;				/* 0xc1: never used */
		}
		if (hl) {
			if (len - o < hl)
				return -1;
			skip += be_uint(p + o, hl);
			o += hl;
		}
	}
	if (skip > len - o)
		return -1;
	*off = o + (size_t)skip;
	return 0;
}

int
lb_ctl_check_limits(const void *payload, size_t len, unsigned max_depth, size_t max_items,
		    char *err, size_t errlen)
{
	const uint8_t *p = payload;
	uint64_t left[LB_CTL_MAX_DEPTH + 1];	/* elements still to read at each level */
	unsigned depth = 0;
	size_t off = 0, items = 0;

	if (max_depth > LB_CTL_MAX_DEPTH)
		max_depth = LB_CTL_MAX_DEPTH;
	left[0] = 1;
	for (;;) {
		uint64_t children;
		int kind;

		while (left[depth] == 0) {
			if (depth == 0)
				goto done;
			depth--;
		}
		left[depth]--;
		if (++items > max_items) {
			snprintf(err, errlen, "more than %zu objects", max_items);
			return -1;
		}
		kind = scan_one(p, len, &off, &children);
		if (kind < 0) {
			snprintf(err, errlen, "truncated or invalid msgpack at byte %zu", off);
			return -1;
		}
		if (kind == 0)
			continue;
		if (children > len - off) {
			snprintf(err, errlen, "container at byte %zu announces %" PRIu64
				 " elements but only %zu bytes follow", off, children, len - off);
			return -1;
		}
		if (depth + 1 > max_depth) {
			snprintf(err, errlen, "nesting deeper than %u", max_depth);
			return -1;
		}
		left[++depth] = children;
	}
done:
	if (off != len) {
		snprintf(err, errlen, "%zu trailing bytes after the object", len - off);
		return -1;
	}
	return 0;
}

/* --- encoding --- */

static void
put_be32(char *p, uint32_t n)
{
	p[0] = (char)(n >> 24);
	p[1] = (char)(n >> 16);
	p[2] = (char)(n >> 8);
	p[3] = (char)n;
}

/* Starts a frame: reserves the length header. Returns the frame's start offset. */
static int
frame_begin(msgpack_sbuffer *out, size_t *start)
{
	static const char zero[LB_CTL_HDR_LEN];

	*start = out->size;
	return msgpack_sbuffer_write(out, zero, sizeof(zero));
}

static int
frame_end(msgpack_sbuffer *out, size_t start, int rc)
{
	size_t plen;

	if (rc != 0 || out->size < start + LB_CTL_HDR_LEN) {
		out->size = start;
		return -1;
	}
	plen = out->size - start - LB_CTL_HDR_LEN;
	if (plen == 0 || plen > LB_CTL_MAX_FRAME) {
		out->size = start;
		return -1;
	}
	put_be32(out->data + start, (uint32_t)plen);
	return 0;
}

int
lb_ctl_pack_str(msgpack_packer *pk, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return msgpack_pack_str_with_body(pk, s ? s : "", n);
}

int
lb_ctl_pack_kv_str(msgpack_packer *pk, const char *key, const char *val)
{
	return lb_ctl_pack_str(pk, key) | lb_ctl_pack_str(pk, val);
}

int
lb_ctl_pack_kv_u64(msgpack_packer *pk, const char *key, uint64_t val)
{
	return lb_ctl_pack_str(pk, key) | msgpack_pack_uint64(pk, val);
}

int
lb_ctl_pack_kv_i64(msgpack_packer *pk, const char *key, int64_t val)
{
	return lb_ctl_pack_str(pk, key) | msgpack_pack_int64(pk, val);
}

int
lb_ctl_pack_kv_bool(msgpack_packer *pk, const char *key, bool val)
{
	return lb_ctl_pack_str(pk, key) | (val ? msgpack_pack_true(pk) : msgpack_pack_false(pk));
}

int
lb_ctl_encode_request(msgpack_sbuffer *out, uint64_t id, const char *cmd, int argc,
		      const char *const *argv)
{
	msgpack_packer pk;
	size_t start;
	int rc;

	msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
	rc = frame_begin(out, &start);
	rc |= msgpack_pack_map(&pk, 4);
	rc |= lb_ctl_pack_kv_u64(&pk, "v", LB_CTL_PROTO_VERSION);
	rc |= lb_ctl_pack_kv_u64(&pk, "id", id);
	rc |= lb_ctl_pack_kv_str(&pk, "cmd", cmd);
	rc |= lb_ctl_pack_str(&pk, "args");
	rc |= msgpack_pack_array(&pk, argc > 0 ? (size_t)argc : 0);
	for (int i = 0; i < argc; i++)
		rc |= lb_ctl_pack_str(&pk, argv[i]);
	return frame_end(out, start, rc);
}

int
lb_ctl_encode_reply(msgpack_sbuffer *out, uint64_t id, int status, const char *msg,
		    const void *data, size_t datalen)
{
	msgpack_packer pk;
	size_t start;
	int rc;

	msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
	rc = frame_begin(out, &start);
	rc |= msgpack_pack_map(&pk, 4);
	rc |= lb_ctl_pack_kv_u64(&pk, "id", id);
	rc |= lb_ctl_pack_kv_u64(&pk, "status", (uint64_t)(status < 0 ? LB_CTL_ST_FAILED : status));
	rc |= lb_ctl_pack_kv_str(&pk, "msg", msg ? msg : "");
	rc |= lb_ctl_pack_str(&pk, "data");
	if (data && datalen)
		rc |= msgpack_sbuffer_write(out, data, datalen);
	else
		rc |= msgpack_pack_nil(&pk);
	return frame_end(out, start, rc);
}

/* --- decoding --- */

static bool
key_is(const msgpack_object *k, const char *name)
{
	size_t n = strlen(name);

	return k->type == MSGPACK_OBJECT_STR && k->via.str.size == n &&
	       memcmp(k->via.str.ptr, name, n) == 0;
}

/* Valid UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF) without control
 * characters: what a command or an argument may hold. Strings are echoed in messages that
 * end up on terminals, so an escape sequence must never get through. */
static bool
good_text(const unsigned char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = p[i];
		uint32_t cp;
		size_t len;

		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return false;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			len = 2;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (n - i < len)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp < 0xa0))
			return false;	/* overlong, out of range, surrogate, C1 control */
		i += len;
	}
	return true;
}

/* A str of at most max bytes of good_text(). */
static bool
good_str(const msgpack_object *o, size_t max)
{
	return o->type == MSGPACK_OBJECT_STR && o->via.str.size <= max &&
	       good_text((const unsigned char *)o->via.str.ptr, o->via.str.size);
}

void
lb_ctl_request_free(struct lb_ctl_request *req)
{
	lb_free(&req->store);
	lb_free(&req->argv);
	req->cmd = NULL;
	req->argc = 0;
}

int
lb_ctl_decode_request(const void *payload, size_t len, struct lb_ctl_request *req, char *err,
		      size_t errlen)
{
	const msgpack_object *ov = NULL, *oid = NULL, *ocmd = NULL, *oargs = NULL;
	msgpack_unpacked up;
	size_t off = 0, need;
	int rc = LB_CTL_ST_BAD_REQUEST;
	char *w;

	memset(req, 0, sizeof(*req));
	if (lb_ctl_check_limits(payload, len, LB_CTL_REQ_MAX_DEPTH, LB_CTL_REQ_MAX_ITEMS, err,
				errlen) < 0)
		return LB_CTL_ST_BAD_FRAME;
	msgpack_unpacked_init(&up);
	if (msgpack_unpack_next(&up, payload, len, &off) != MSGPACK_UNPACK_SUCCESS) {
		snprintf(err, errlen, "payload is not valid msgpack");
		msgpack_unpacked_destroy(&up);
		return LB_CTL_ST_BAD_FRAME;
	}
	if (up.data.type != MSGPACK_OBJECT_MAP) {
		snprintf(err, errlen, "request is not a map");
		goto out;
	}
	for (uint32_t i = 0; i < up.data.via.map.size; i++) {
		const msgpack_object_kv *kv = &up.data.via.map.ptr[i];
		const msgpack_object **slot = key_is(&kv->key, "v") ? &ov :
					      key_is(&kv->key, "id") ? &oid :
					      key_is(&kv->key, "cmd") ? &ocmd :
					      key_is(&kv->key, "args") ? &oargs : NULL;
		if (!slot)
			continue;	/* unknown keys are ignored (forward compatibility) */
		if (*slot) {
			snprintf(err, errlen, "duplicate key '%.*s'", (int)kv->key.via.str.size,
				 kv->key.via.str.ptr);
			goto out;
		}
		*slot = &kv->val;
	}
	if (oid && oid->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
		req->id = oid->via.u64;
		req->has_id = true;
	} else if (oid) {
		snprintf(err, errlen, "'id' must be a non-negative integer");
		goto out;
	}
	if (!ov) {
		snprintf(err, errlen, "missing key 'v' (protocol version)");
		goto out;
	}
	if (ov->type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
		snprintf(err, errlen, "'v' must be a non-negative integer");
		goto out;
	}
	req->v = ov->via.u64;
	if (!ocmd) {
		snprintf(err, errlen, "missing key 'cmd'");
		goto out;
	}
	if (!good_str(ocmd, LB_CTL_MAX_ARG_LEN) || ocmd->via.str.size == 0) {
		snprintf(err, errlen, "'cmd' must be a non-empty UTF-8 string of at most %d "
			 "bytes without control characters", LB_CTL_MAX_ARG_LEN);
		goto out;
	}
	if (oargs && oargs->type == MSGPACK_OBJECT_NIL)
		oargs = NULL;
	if (oargs && oargs->type != MSGPACK_OBJECT_ARRAY) {
		snprintf(err, errlen, "'args' must be an array of strings");
		goto out;
	}
	if (oargs && oargs->via.array.size > LB_CTL_MAX_ARGS) {
		snprintf(err, errlen, "more than %d arguments", LB_CTL_MAX_ARGS);
		goto out;
	}
	need = ocmd->via.str.size + 1;
	for (uint32_t i = 0; oargs && i < oargs->via.array.size; i++) {
		if (!good_str(&oargs->via.array.ptr[i], LB_CTL_MAX_ARG_LEN)) {
			snprintf(err, errlen, "argument %u must be a UTF-8 string of at most %d "
				 "bytes without control characters", i + 1, LB_CTL_MAX_ARG_LEN);
			goto out;
		}
		need += oargs->via.array.ptr[i].via.str.size + 1;
	}
	req->argc = oargs ? (int)oargs->via.array.size : 0;
	req->store = malloc(need);
	req->argv = calloc((size_t)req->argc + 1, sizeof(*req->argv));
	if (!req->store || !req->argv) {
		snprintf(err, errlen, "out of memory");
		rc = LB_CTL_ST_FAILED;
		goto out;
	}
	w = req->store;
	req->cmd = w;
	memcpy(w, ocmd->via.str.ptr, ocmd->via.str.size);
	w += ocmd->via.str.size;
	*w++ = '\0';
	for (int i = 0; i < req->argc; i++) {
		const msgpack_object *a = &oargs->via.array.ptr[i];
		req->argv[i] = w;
		memcpy(w, a->via.str.ptr, a->via.str.size);
		w += a->via.str.size;
		*w++ = '\0';
	}
	rc = LB_CTL_ST_OK;
out:
	msgpack_unpacked_destroy(&up);
	return rc;
}

void
lb_ctl_reply_free(struct lb_ctl_reply *rep)
{
	lb_free(&rep->msg);
	msgpack_unpacked_destroy(&rep->up);
	memset(rep, 0, sizeof(*rep));
	msgpack_unpacked_init(&rep->up);
}

int
lb_ctl_decode_reply(const void *payload, size_t len, struct lb_ctl_reply *rep, char *err,
		    size_t errlen)
{
	const msgpack_object *o;
	size_t off = 0;

	memset(rep, 0, sizeof(*rep));
	msgpack_unpacked_init(&rep->up);
	rep->data.type = MSGPACK_OBJECT_NIL;
	if (lb_ctl_check_limits(payload, len, LB_CTL_MAX_DEPTH, LB_CTL_MAX_FRAME, err, errlen) < 0)
		return -1;
	if (msgpack_unpack_next(&rep->up, payload, len, &off) != MSGPACK_UNPACK_SUCCESS) {
		snprintf(err, errlen, "reply is not valid msgpack");
		return -1;
	}
	if (rep->up.data.type != MSGPACK_OBJECT_MAP) {
		snprintf(err, errlen, "reply is not a map");
		return -1;
	}
	o = lb_ctl_map_get(&rep->up.data, "id");
	if (o && !lb_ctl_obj_u64(o, &rep->id)) {
		snprintf(err, errlen, "reply 'id' is not an integer");
		return -1;
	}
	o = lb_ctl_map_get(&rep->up.data, "status");
	uint64_t st;
	if (!o || !lb_ctl_obj_u64(o, &st) || st > INT32_MAX) {
		snprintf(err, errlen, "reply has no valid 'status'");
		return -1;
	}
	rep->status = (int)st;
	o = lb_ctl_map_get(&rep->up.data, "msg");
	if (o && o->type == MSGPACK_OBJECT_STR)
		rep->msg = lb_xstrndup(o->via.str.ptr, o->via.str.size);
	else
		rep->msg = lb_xstrdup("");
	o = lb_ctl_map_get(&rep->up.data, "data");
	if (o)
		rep->data = *o;
	return 0;
}

/* --- data helpers --- */

const msgpack_object *
lb_ctl_map_get(const msgpack_object *o, const char *key)
{
	if (!o || o->type != MSGPACK_OBJECT_MAP)
		return NULL;
	for (uint32_t i = 0; i < o->via.map.size; i++)
		if (key_is(&o->via.map.ptr[i].key, key))
			return &o->via.map.ptr[i].val;
	return NULL;
}

bool
lb_ctl_obj_str(const msgpack_object *o, char *buf, size_t buflen)
{
	size_t n;

	if (!o || o->type != MSGPACK_OBJECT_STR || buflen == 0)
		return false;
	n = LB_MIN(o->via.str.size, buflen - 1);
	memcpy(buf, o->via.str.ptr, n);
	buf[n] = '\0';
	return true;
}

bool
lb_ctl_obj_u64(const msgpack_object *o, uint64_t *out)
{
	if (!o || o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		return false;
	*out = o->via.u64;
	return true;
}
