/* tests/unit/test_ctl.c: the control protocol codec and command table (common/ctl_*.c) */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_cmds.h"
#include "ctl_proto.h"
#include "util.h"

/* Packs an arbitrary request map with the given raw builder and returns the payload. */
struct pbuf {
	msgpack_sbuffer sb;
	msgpack_packer pk;
};

static void
pb_init(struct pbuf *b)
{
	msgpack_sbuffer_init(&b->sb);
	msgpack_packer_init(&b->pk, &b->sb, msgpack_sbuffer_write);
}

static int
decode(struct pbuf *b, struct lb_ctl_request *req, char *err, size_t errlen)
{
	return lb_ctl_decode_request(b->sb.data, b->sb.size, req, err, errlen);
}

START_TEST(test_request_round_trip)
{
	const char *argv[] = { "web/s1", "drain" };
	msgpack_sbuffer sb;
	struct lb_ctl_request req;
	size_t plen;
	char err[256];

	msgpack_sbuffer_init(&sb);
	ck_assert_int_eq(lb_ctl_encode_request(&sb, 42, "server state", 2, argv), 0);
	ck_assert_int_eq(lb_ctl_frame_peek(sb.data, sb.size, &plen), LB_CTL_FRAME_OK);
	ck_assert_uint_eq(plen + LB_CTL_HDR_LEN, sb.size);
	ck_assert_int_eq(lb_ctl_decode_request(sb.data + 4, plen, &req, err, sizeof(err)),
			 LB_CTL_ST_OK);
	ck_assert_uint_eq(req.v, LB_CTL_PROTO_VERSION);
	ck_assert(req.has_id);
	ck_assert_uint_eq(req.id, 42);
	ck_assert_str_eq(req.cmd, "server state");
	ck_assert_int_eq(req.argc, 2);
	ck_assert_str_eq(req.argv[0], "web/s1");
	ck_assert_str_eq(req.argv[1], "drain");
	ck_assert_ptr_null(req.argv[2]);
	lb_ctl_request_free(&req);
	msgpack_sbuffer_destroy(&sb);
}
END_TEST

START_TEST(test_reply_round_trip)
{
	msgpack_sbuffer sb, data;
	msgpack_packer pk;
	struct lb_ctl_reply rep;
	const msgpack_object *o;
	uint64_t u;
	size_t plen;
	char err[256], s[32];

	msgpack_sbuffer_init(&data);
	msgpack_packer_init(&pk, &data, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 2);
	lb_ctl_pack_kv_str(&pk, "name", "web");
	lb_ctl_pack_kv_u64(&pk, "scur", 7);
	msgpack_sbuffer_init(&sb);
	ck_assert_int_eq(lb_ctl_encode_reply(&sb, 9, LB_CTL_ST_OK, "", data.data, data.size), 0);
	ck_assert_int_eq(lb_ctl_encode_reply(&sb, 10, LB_CTL_ST_DENIED, "no", NULL, 0), 0);
	/* two frames back to back */
	ck_assert_int_eq(lb_ctl_frame_peek(sb.data, sb.size, &plen), LB_CTL_FRAME_OK);
	ck_assert_int_eq(lb_ctl_decode_reply(sb.data + 4, plen, &rep, err, sizeof(err)), 0);
	ck_assert_uint_eq(rep.id, 9);
	ck_assert_int_eq(rep.status, LB_CTL_ST_OK);
	ck_assert_str_eq(rep.msg, "");
	ck_assert(lb_ctl_obj_str(lb_ctl_map_get(&rep.data, "name"), s, sizeof(s)));
	ck_assert_str_eq(s, "web");
	ck_assert(lb_ctl_obj_u64(lb_ctl_map_get(&rep.data, "scur"), &u));
	ck_assert_uint_eq(u, 7);
	lb_ctl_reply_free(&rep);
	{
		size_t first = plen + 4, plen2;
		ck_assert_int_eq(lb_ctl_frame_peek(sb.data + first, sb.size - first, &plen2),
				 LB_CTL_FRAME_OK);
		ck_assert_int_eq(lb_ctl_decode_reply(sb.data + first + 4, plen2, &rep, err,
						     sizeof(err)), 0);
		ck_assert_uint_eq(rep.id, 10);
		ck_assert_int_eq(rep.status, LB_CTL_ST_DENIED);
		ck_assert_str_eq(rep.msg, "no");
		o = &rep.data;
		ck_assert_int_eq(o->type, MSGPACK_OBJECT_NIL);
		lb_ctl_reply_free(&rep);
	}
	msgpack_sbuffer_destroy(&sb);
	msgpack_sbuffer_destroy(&data);
}
END_TEST

START_TEST(test_frames_truncated_and_oversize)
{
	const char *argv[] = { "x" };
	unsigned char big[4] = { 0x00, 0x10, 0x00, 0x01 };	/* 1 MiB + 1 */
	unsigned char zero[4] = { 0, 0, 0, 0 };
	msgpack_sbuffer sb;
	size_t plen;

	msgpack_sbuffer_init(&sb);
	ck_assert_int_eq(lb_ctl_encode_request(&sb, 1, "show info", 1, argv), 0);
	for (size_t cut = 0; cut < sb.size; cut++)
		ck_assert_int_eq(lb_ctl_frame_peek(sb.data, cut, &plen), LB_CTL_FRAME_MORE);
	ck_assert_int_eq(lb_ctl_frame_peek(big, 4, &plen), LB_CTL_FRAME_TOO_BIG);
	ck_assert_uint_eq(plen, LB_CTL_MAX_FRAME + 1);
	ck_assert_int_eq(lb_ctl_frame_peek(zero, 4, &plen), LB_CTL_FRAME_EMPTY);
	/* a truncated payload (frame length lies about its content) is a bad frame */
	for (size_t cut = 1; cut + 4 < sb.size; cut++) {
		struct lb_ctl_request req;
		char err[256];
		ck_assert_int_eq(lb_ctl_decode_request(sb.data + 4, cut, &req, err, sizeof(err)),
				 LB_CTL_ST_BAD_FRAME);
		lb_ctl_request_free(&req);
	}
	msgpack_sbuffer_destroy(&sb);
}
END_TEST

START_TEST(test_encode_refuses_oversize)
{
	msgpack_sbuffer sb;
	char *blob = malloc(LB_CTL_MAX_FRAME + 16);

	memset(blob, 'a', LB_CTL_MAX_FRAME + 15);
	blob[LB_CTL_MAX_FRAME + 15] = '\0';
	msgpack_sbuffer_init(&sb);
	ck_assert_int_eq(lb_ctl_encode_reply(&sb, 1, 0, blob, NULL, 0), -1);
	ck_assert_uint_eq(sb.size, 0);
	msgpack_sbuffer_destroy(&sb);
	free(blob);
}
END_TEST

START_TEST(test_limits)
{
	unsigned char lie[] = { 0xdd, 0xff, 0xff, 0xff, 0xff, 0xc0 };	/* array32 of 4G */
	unsigned char deep[64];
	unsigned char bad[] = { 0xc1 };
	unsigned char two[] = { 0xc0, 0xc0 };
	char err[256];

	ck_assert_int_eq(lb_ctl_check_limits(lie, sizeof(lie), 32, 100000, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "announces"));
	memset(deep, 0x91, sizeof(deep));	/* [[[[...]]]] */
	deep[sizeof(deep) - 1] = 0xc0;
	ck_assert_int_eq(lb_ctl_check_limits(deep, sizeof(deep), 32, 100000, err, sizeof(err)),
			 -1);
	ck_assert_ptr_nonnull(strstr(err, "nesting"));
	ck_assert_int_eq(lb_ctl_check_limits(deep + 40, 24, 32, 100000, err, sizeof(err)), 0);
	ck_assert_int_eq(lb_ctl_check_limits(deep + 40, 24, 32, 10, err, sizeof(err)), -1);
	ck_assert_int_eq(lb_ctl_check_limits(bad, 1, 32, 10, err, sizeof(err)), -1);
	ck_assert_int_eq(lb_ctl_check_limits(two, 2, 32, 10, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "trailing"));
}
END_TEST

START_TEST(test_wrong_types)
{
	struct lb_ctl_request req;
	struct pbuf b;
	char err[256];

	/* not a map */
	pb_init(&b);
	msgpack_pack_array(&b.pk, 0);
	ck_assert_int_eq(decode(&b, &req, err, sizeof(err)), LB_CTL_ST_BAD_REQUEST);
	lb_ctl_request_free(&req);
	msgpack_sbuffer_destroy(&b.sb);

	/* cmd is an integer; the id is still read for the error reply */
	pb_init(&b);
	msgpack_pack_map(&b.pk, 3);
	lb_ctl_pack_kv_u64(&b.pk, "v", 1);
	lb_ctl_pack_kv_u64(&b.pk, "id", 77);
	lb_ctl_pack_kv_u64(&b.pk, "cmd", 5);
	ck_assert_int_eq(decode(&b, &req, err, sizeof(err)), LB_CTL_ST_BAD_REQUEST);
	ck_assert(req.has_id);
	ck_assert_uint_eq(req.id, 77);
	ck_assert_ptr_nonnull(strstr(err, "'cmd'"));
	lb_ctl_request_free(&req);
	msgpack_sbuffer_destroy(&b.sb);

	/* args with an integer inside */
	pb_init(&b);
	msgpack_pack_map(&b.pk, 3);
	lb_ctl_pack_kv_u64(&b.pk, "v", 1);
	lb_ctl_pack_kv_str(&b.pk, "cmd", "show servers");
	lb_ctl_pack_str(&b.pk, "args");
	msgpack_pack_array(&b.pk, 1);
	msgpack_pack_int(&b.pk, -3);
	ck_assert_int_eq(decode(&b, &req, err, sizeof(err)), LB_CTL_ST_BAD_REQUEST);
	ck_assert_ptr_nonnull(strstr(err, "argument 1"));
	lb_ctl_request_free(&req);
	msgpack_sbuffer_destroy(&b.sb);

	/* missing version; an unknown key is ignored */
	pb_init(&b);
	msgpack_pack_map(&b.pk, 2);
	lb_ctl_pack_kv_str(&b.pk, "future", "x");
	lb_ctl_pack_kv_str(&b.pk, "cmd", "show info");
	ck_assert_int_eq(decode(&b, &req, err, sizeof(err)), LB_CTL_ST_BAD_REQUEST);
	ck_assert_ptr_nonnull(strstr(err, "'v'"));
	lb_ctl_request_free(&req);
	msgpack_sbuffer_destroy(&b.sb);

	/* a NUL inside the command */
	pb_init(&b);
	msgpack_pack_map(&b.pk, 2);
	lb_ctl_pack_kv_u64(&b.pk, "v", 1);
	lb_ctl_pack_str(&b.pk, "cmd");
	msgpack_pack_str_with_body(&b.pk, "show\0info", 9);
	ck_assert_int_eq(decode(&b, &req, err, sizeof(err)), LB_CTL_ST_BAD_REQUEST);
	lb_ctl_request_free(&req);
	msgpack_sbuffer_destroy(&b.sb);

	/* invalid UTF-8, and an escape sequence, in an argument */
	{
		static const char *const bad[] = { "b/\xc0\xaf", "b/\xed\xa0\x80", "b/\x1b[31m",
						   "b/\xf4\x90\x80\x80", "b/\xe2\x82" };
		for (size_t i = 0; i < LB_ARRAY_SIZE(bad); i++) {
			pb_init(&b);
			msgpack_pack_map(&b.pk, 3);
			lb_ctl_pack_kv_u64(&b.pk, "v", 1);
			lb_ctl_pack_kv_str(&b.pk, "cmd", "drain");
			lb_ctl_pack_str(&b.pk, "args");
			msgpack_pack_array(&b.pk, 1);
			lb_ctl_pack_str(&b.pk, bad[i]);
			ck_assert_msg(decode(&b, &req, err, sizeof(err)) == LB_CTL_ST_BAD_REQUEST,
				      "case %zu", i);
			lb_ctl_request_free(&req);
			msgpack_sbuffer_destroy(&b.sb);
		}
		pb_init(&b);
		msgpack_pack_map(&b.pk, 3);
		lb_ctl_pack_kv_u64(&b.pk, "v", 1);
		lb_ctl_pack_kv_str(&b.pk, "cmd", "show servers");
		lb_ctl_pack_str(&b.pk, "args");
		msgpack_pack_array(&b.pk, 1);
		lb_ctl_pack_str(&b.pk, "caf\xc3\xa9-\xe2\x82\xac-\xf0\x9f\x98\x80");
		ck_assert_int_eq(decode(&b, &req, err, sizeof(err)), LB_CTL_ST_OK);
		lb_ctl_request_free(&req);
		msgpack_sbuffer_destroy(&b.sb);
	}

	/* duplicate key */
	pb_init(&b);
	msgpack_pack_map(&b.pk, 3);
	lb_ctl_pack_kv_u64(&b.pk, "v", 1);
	lb_ctl_pack_kv_str(&b.pk, "cmd", "show info");
	lb_ctl_pack_kv_str(&b.pk, "cmd", "clear counters");
	ck_assert_int_eq(decode(&b, &req, err, sizeof(err)), LB_CTL_ST_BAD_REQUEST);
	lb_ctl_request_free(&req);
	msgpack_sbuffer_destroy(&b.sb);

	/* a request nested too deep for the request limits */
	pb_init(&b);
	msgpack_pack_map(&b.pk, 3);
	lb_ctl_pack_kv_u64(&b.pk, "v", 1);
	lb_ctl_pack_kv_str(&b.pk, "cmd", "show info");
	lb_ctl_pack_str(&b.pk, "x");
	for (int i = 0; i < 8; i++)
		msgpack_pack_array(&b.pk, 1);
	msgpack_pack_nil(&b.pk);
	ck_assert_int_eq(decode(&b, &req, err, sizeof(err)), LB_CTL_ST_BAD_FRAME);
	lb_ctl_request_free(&req);
	msgpack_sbuffer_destroy(&b.sb);

	/* a version this side does not speak decodes fine: the server judges it */
	pb_init(&b);
	msgpack_pack_map(&b.pk, 2);
	lb_ctl_pack_kv_u64(&b.pk, "v", 99);
	lb_ctl_pack_kv_str(&b.pk, "cmd", "show info");
	ck_assert_int_eq(decode(&b, &req, err, sizeof(err)), LB_CTL_ST_OK);
	ck_assert_uint_eq(req.v, 99);
	ck_assert_int_eq(req.argc, 0);
	lb_ctl_request_free(&req);
	msgpack_sbuffer_destroy(&b.sb);
}
END_TEST

START_TEST(test_table_specs_parse)
{
	/* every spec token of every row is one the checker knows, and names are unique */
	for (size_t i = 0; i < LB_CTL_CMD__COUNT; i++) {
		const struct lb_ctl_cmd *c = &lb_ctl_cmds[i];
		struct lb_ctl_arg a;
		int n = 0, k;

		ck_assert_int_eq(c->id, (int)i);
		ck_assert_ptr_eq(lb_ctl_cmd_find(c->name), c);
		for (const char *p = c->args; *p; p++)
			if (*p != ' ' && (p == c->args || p[-1] == ' '))
				n++;
		for (k = 0; k < n; k++)
			ck_assert_msg(lb_ctl_cmd_arg(c, k, &a) == 0, "%s: token %d", c->name, k);
		ck_assert_int_eq(lb_ctl_cmd_arg(c, k, &a), -1);
		ck_assert(c->help && c->help[0]);
	}
}
END_TEST

START_TEST(test_unknown_and_match)
{
	char *w1[] = { "show", "servers", "web" };
	char *w2[] = { "show", "nothing" };
	char *w3[] = { "drain", "web/s1" };
	int n;

	ck_assert_ptr_eq(lb_ctl_cmd_match(3, w1, &n), &lb_ctl_cmds[LB_CTL_CMD_SHOW_SERVERS]);
	ck_assert_int_eq(n, 2);
	ck_assert_ptr_null(lb_ctl_cmd_match(2, w2, &n));
	ck_assert_ptr_eq(lb_ctl_cmd_match(2, w3, &n), &lb_ctl_cmds[LB_CTL_CMD_DRAIN]);
	ck_assert_int_eq(n, 1);
	ck_assert_ptr_null(lb_ctl_cmd_find("show server state"));
	ck_assert_ptr_eq(lb_ctl_cmd_suggest("show server"), &lb_ctl_cmds[LB_CTL_CMD_SHOW_SERVERS]);
	ck_assert_ptr_null(lb_ctl_cmd_suggest("frobnicate everything"));
}
END_TEST

START_TEST(test_levels)
{
	const struct lb_ctl_cmd *show = lb_ctl_cmd_find("show servers");
	const struct lb_ctl_cmd *state = lb_ctl_cmd_find("server state");
	const struct lb_ctl_cmd *maxconn = lb_ctl_cmd_find("server maxconn");

	ck_assert(lb_ctl_cmd_allowed(show, LB_CTL_LEVEL_USER));
	ck_assert(!lb_ctl_cmd_allowed(state, LB_CTL_LEVEL_USER));
	ck_assert(lb_ctl_cmd_allowed(state, LB_CTL_LEVEL_OPERATOR));
	ck_assert(!lb_ctl_cmd_allowed(maxconn, LB_CTL_LEVEL_OPERATOR));
	ck_assert(lb_ctl_cmd_allowed(maxconn, LB_CTL_LEVEL_ADMIN));
	ck_assert_int_eq(lb_ctl_level_parse("operator"), LB_CTL_LEVEL_OPERATOR);
	ck_assert_int_eq(lb_ctl_level_parse("root"), -1);
	ck_assert_str_eq(lb_ctl_level_name(LB_CTL_LEVEL_ADMIN), "admin");
}
END_TEST

static int
check(const char *name, int argc, char **argv, unsigned *flags, char *err, size_t errlen)
{
	return lb_ctl_cmd_check_args(lb_ctl_cmd_find(name), argc, argv, flags, err, errlen);
}

START_TEST(test_args)
{
	char err[256];
	unsigned fl;
	char *ok1[] = { "web/s1", "drain" };
	char *bad1[] = { "web/s1", "sleep" };
	char *bad2[] = { "web" , "drain" };
	char *miss[] = { "web/s1" };
	char *w50[] = { "web/s1", "50%" };
	char *w300[] = { "web/s1", "300" };
	char *w101[] = { "web/s1", "101%" };
	char *neg[] = { "web/s1", "-1" };
	char *csv[] = { "--csv" };
	char *bogus[] = { "--bogus" };
	char *extra[] = { "web", "more" };
	char *helpw[] = { "show", "servers" };

	ck_assert_int_eq(check("server state", 2, ok1, &fl, err, sizeof(err)), 0);
	ck_assert_int_eq(check("server state", 2, bad1, &fl, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "usage: server state <be/srv> ready|drain|maint"));
	ck_assert_int_eq(check("server state", 2, bad2, &fl, err, sizeof(err)), -1);
	ck_assert_int_eq(check("server state", 1, miss, &fl, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "missing argument ready|drain|maint"));
	ck_assert_int_eq(check("server weight", 2, w50, &fl, err, sizeof(err)), 0);
	ck_assert_int_eq(check("server weight", 2, w300, &fl, err, sizeof(err)), -1);
	ck_assert_int_eq(check("server weight", 2, w101, &fl, err, sizeof(err)), -1);
	ck_assert_int_eq(check("server maxconn", 2, neg, &fl, err, sizeof(err)), -1);
	ck_assert_int_eq(check("show stats", 0, NULL, &fl, err, sizeof(err)), 0);
	ck_assert_uint_eq(fl, 0);
	ck_assert_int_eq(check("show stats", 1, csv, &fl, err, sizeof(err)), 0);
	ck_assert_uint_eq(fl, 1);
	ck_assert_int_eq(check("show stats", 1, bogus, &fl, err, sizeof(err)), -1);
	ck_assert_int_eq(check("show servers", 0, NULL, &fl, err, sizeof(err)), 0);
	ck_assert_int_eq(check("show servers", 2, extra, &fl, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "too many"));
	ck_assert_int_eq(check("help", 2, helpw, &fl, err, sizeof(err)), 0);
}
END_TEST

START_TEST(test_weight_parse)
{
	int v;
	bool pct;

	ck_assert_int_eq(lb_ctl_parse_weight("256", &v, &pct), 0);
	ck_assert_int_eq(v, 256);
	ck_assert(!pct);
	ck_assert_int_eq(lb_ctl_parse_weight("0%", &v, &pct), 0);
	ck_assert(pct);
	ck_assert_int_eq(lb_ctl_parse_weight("%", &v, &pct), -1);
	ck_assert_int_eq(lb_ctl_parse_weight("+5", &v, &pct), -1);
	ck_assert_int_eq(lb_ctl_parse_weight(" 5", &v, &pct), -1);
}
END_TEST

/* Completion collects into a string "a b c ". */
struct comp_out {
	char buf[512];
};

static void
comp_add(void *ctx, const char *w)
{
	struct comp_out *o = ctx;

	strncat(o->buf, w, sizeof(o->buf) - strlen(o->buf) - 2);
	strcat(o->buf, " ");
}

static void
comp_live(struct lb_ctl_completion *comp, enum lb_ctl_arg_type type)
{
	if (type == LB_CTL_ARG_SERVER) {
		lb_ctl_completion_offer(comp, "web/s1");
		lb_ctl_completion_offer(comp, "web/s2");
	} else {
		lb_ctl_completion_offer(comp, "web");
	}
}

static const char *
complete(int n, char **words, const char *partial, struct comp_out *o)
{
	struct lb_ctl_completion c = { .partial = partial, .add = comp_add, .live = comp_live,
				       .ctx = o };

	o->buf[0] = '\0';
	lb_ctl_complete(&c, n, words);
	return o->buf;
}

START_TEST(test_completion)
{
	struct comp_out o;
	char *show[] = { "show" };
	char *server[] = { "server" };
	char *state[] = { "server", "state" };
	char *state2[] = { "server", "state", "web/s1" };
	char *stats[] = { "show", "stats" };
	char *help[] = { "help" };

	ck_assert_str_eq(complete(0, NULL, "sh", &o), "show shutdown ");
	/* the table's order; rows added later by other areas come after these */
	ck_assert_msg(!strncmp(complete(1, show, "", &o),
			       "info stats servers backends sessions errors config proc ", 56) &&
		      strstr(complete(1, show, "", &o), " acl map "),
		      "show completions: %s", complete(1, show, "", &o));
	ck_assert_str_eq(complete(1, show, "s", &o), "stats servers sessions ssl ");
	ck_assert_str_eq(complete(1, server, "", &o), "state weight maxconn health ");
	ck_assert_str_eq(complete(2, state, "", &o), "web/s1 web/s2 ");
	ck_assert_str_eq(complete(2, state, "web/s2", &o), "web/s2 ");
	ck_assert_str_eq(complete(3, state2, "d", &o), "drain ");
	ck_assert_str_eq(complete(2, stats, "--", &o), "--csv ");
	ck_assert_str_eq(complete(1, help, "cl", &o), "clear ");
}
END_TEST

/* The arguments of the session, wait and subscribe commands. */
START_TEST(test_new_args)
{
	char err[256];
	unsigned fl;
	uint64_t id;
	long long ms;
	char *id_ok[] = { "18446744073709551615" };
	char *id_big[] = { "18446744073709551616" };
	char *id_zero[] = { "0" };
	char *id_neg[] = { "-3" };
	char *w_ok[] = { "webs/w1", "empty" };
	char *w_tmo[] = { "webs/w1", "removable", "60s" };
	char *w_badc[] = { "webs/w1", "gone" };
	char *w_badt[] = { "webs/w1", "empty", "soon" };
	char *w_long[] = { "webs/w1", "empty", "25h" };
	char *sub[] = { "1s" };
	char *sub_csv[] = { "500ms", "--csv" };
	char *err_dir[] = { "response" };
	char *err_bad[] = { "both" };
	char *sess_n[] = { "10" };
	char *srv[] = { "webs/w1" };
	char *be[] = { "webs" };
	struct comp_out o;
	char *wait1[] = { "wait", "webs/w1" };
	char *shut[] = { "shutdown" };

	ck_assert_int_eq(lb_ctl_parse_id("18446744073709551615", &id), 0);
	ck_assert(id == UINT64_MAX);
	ck_assert_int_eq(lb_ctl_parse_id("18446744073709551616", &id), -1);
	ck_assert_int_eq(lb_ctl_parse_id("0", &id), -1);
	ck_assert_int_eq(lb_ctl_parse_id("", &id), -1);
	ck_assert_int_eq(lb_ctl_parse_id("12a", &id), -1);
	ck_assert_int_eq(lb_ctl_parse_time("60s", &ms), 0);
	ck_assert_int_eq(ms, 60000);
	ck_assert_int_eq(lb_ctl_parse_time("250", &ms), 0);
	ck_assert_int_eq(ms, 250);
	ck_assert_int_eq(lb_ctl_parse_time("2m", &ms), 0);
	ck_assert_int_eq(ms, 120000);
	ck_assert_int_eq(lb_ctl_parse_time("24h", &ms), 0);
	ck_assert_int_eq(lb_ctl_parse_time("25h", &ms), -1);
	ck_assert_int_eq(lb_ctl_parse_time("1x", &ms), -1);
	ck_assert_int_eq(lb_ctl_parse_time("-1s", &ms), -1);

	ck_assert_int_eq(check("shutdown session", 1, id_ok, &fl, err, sizeof(err)), 0);
	ck_assert_int_eq(check("shutdown session", 1, id_big, &fl, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "is not a session id"));
	ck_assert_int_eq(check("shutdown session", 1, id_zero, &fl, err, sizeof(err)), -1);
	ck_assert_int_eq(check("shutdown session", 1, id_neg, &fl, err, sizeof(err)), -1);
	ck_assert_int_eq(check("shutdown session", 0, NULL, &fl, err, sizeof(err)), -1);
	ck_assert_int_eq(check("shutdown sessions", 1, srv, &fl, err, sizeof(err)), 0);
	ck_assert_int_eq(check("shutdown sessions", 1, be, &fl, err, sizeof(err)), -1);
	ck_assert_int_eq(check("wait", 2, w_ok, &fl, err, sizeof(err)), 0);
	ck_assert_int_eq(check("wait", 3, w_tmo, &fl, err, sizeof(err)), 0);
	ck_assert_int_eq(check("wait", 2, w_badc, &fl, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "is not one of empty|removable"));
	ck_assert_int_eq(check("wait", 3, w_badt, &fl, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "is not a delay"));
	ck_assert_int_eq(check("wait", 3, w_long, &fl, err, sizeof(err)), -1);
	ck_assert_int_eq(check("subscribe stats", 1, sub, &fl, err, sizeof(err)), 0);
	ck_assert_uint_eq(fl, 0);
	ck_assert_int_eq(check("subscribe stats", 2, sub_csv, &fl, err, sizeof(err)), 0);
	ck_assert(lb_ctl_cmd_flag(lb_ctl_cmd_find("subscribe stats"), fl, "--csv"));
	ck_assert_int_eq(check("subscribe stats", 0, NULL, &fl, err, sizeof(err)), -1);
	ck_assert_int_eq(check("show errors", 1, err_dir, &fl, err, sizeof(err)), 0);
	ck_assert_int_eq(check("show errors", 1, err_bad, &fl, err, sizeof(err)), -1);
	ck_assert_int_eq(check("show sessions", 1, sess_n, &fl, err, sizeof(err)), 0);
	ck_assert_int_eq(check("show config", 1, sess_n, &fl, err, sizeof(err)), -1);

	/* levels: reading sessions is for everyone, closing them and the captures are not */
	ck_assert(lb_ctl_cmd_allowed(lb_ctl_cmd_find("show sessions"), LB_CTL_LEVEL_USER));
	ck_assert(lb_ctl_cmd_allowed(lb_ctl_cmd_find("wait"), LB_CTL_LEVEL_USER));
	ck_assert(!lb_ctl_cmd_allowed(lb_ctl_cmd_find("shutdown session"),
				      LB_CTL_LEVEL_OPERATOR));
	ck_assert(!lb_ctl_cmd_allowed(lb_ctl_cmd_find("show errors"), LB_CTL_LEVEL_OPERATOR));
	ck_assert(!lb_ctl_cmd_allowed(lb_ctl_cmd_find("show config"), LB_CTL_LEVEL_OPERATOR));

	ck_assert_str_eq(complete(2, wait1, "", &o), "empty removable ");
	ck_assert_str_eq(complete(1, shut, "", &o), "session sessions ");
}
END_TEST

static Suite *
ctl_suite(void)
{
	Suite *s = suite_create("ctl");
	TCase *tc = tcase_create("codec");

	tcase_add_test(tc, test_request_round_trip);
	tcase_add_test(tc, test_reply_round_trip);
	tcase_add_test(tc, test_frames_truncated_and_oversize);
	tcase_add_test(tc, test_encode_refuses_oversize);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_wrong_types);
	suite_add_tcase(s, tc);
	tc = tcase_create("commands");
	tcase_add_test(tc, test_table_specs_parse);
	tcase_add_test(tc, test_unknown_and_match);
	tcase_add_test(tc, test_levels);
	tcase_add_test(tc, test_args);
	tcase_add_test(tc, test_weight_parse);
	tcase_add_test(tc, test_completion);
	tcase_add_test(tc, test_new_args);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(ctl_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
