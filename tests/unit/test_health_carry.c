/* tests/unit/test_health_carry.c: a checked server's health across a reload
 * (lbd/health_carry.c through lbd/mworker.c's state lines), on runtimes built from config
 * text: DOWN stays DOWN with its progress and last result, a change of rise keeps the verdict,
 * NOLB and an agent's down are kept, a moved server starts afresh, garbage is dropped; the
 * same through HAProxy's server state file (lbd/server_state.c). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "diag.h"
#include "health.h"
#include "mworker.h"
#include "runtime.h"
#include "server_state.h"
#include "util.h"

static struct lb_cfg *
cfg_from(const char *text)
{
	struct lb_cfg *cfg = lb_xcalloc(1, sizeof(*cfg));
	struct lb_diag d;

	lb_diag_init(&d);
	lb_cfg_init(cfg);
	ck_assert_int_eq(lb_cfg_parse_buffer(cfg, "t.cfg", text, strlen(text), &d), 0);
	ck_assert_int_eq(lb_cfg_finalize(cfg, &d), 0);
	lb_diag_free(&d);
	return cfg;
}

static void
cfg_drop(struct lb_cfg *cfg)
{
	lb_cfg_free(cfg);
	free(cfg);
}

#define HEAD                                                                                 \
	"defaults\n mode http\n timeout connect 1s\n timeout client 1s\n timeout server 1s\n"   \
	"backend be\n option httpchk GET /health\n"

/* the new config: a's rise changed (2 -> 3), c moved to another port */
static const char cfg_old[] = HEAD
	" server a 127.0.0.1:1 check rise 2 fall 3\n"
	" server b 127.0.0.1:2 check rise 2 fall 3\n"
	" server c 127.0.0.1:3 check\n"
	" server d 127.0.0.1:4 agent-check agent-port 5\n"
	" server e 127.0.0.1:6\n";
static const char cfg_new[] = HEAD
	" server a 127.0.0.1:1 check rise 3 fall 3\n"
	" server b 127.0.0.1:2 check rise 2 fall 3\n"
	" server c 127.0.0.1:33 check\n"
	" server d 127.0.0.1:4 agent-check agent-port 5\n"
	" server e 127.0.0.1:6\n";

static void
set_down(struct lbd_server *srv, struct lbd_health_probe *p, int health)
{
	uint64_t now = lb_now_ms();

	p->health = p->shown_health = health;
	p->up = false;
	srv->health_up = 0;
	srv->hc->lastchg_ms = srv->hc->down_since_ms = now - 5000;
	srv->hc->chkdown = 2;
	srv->hc->downtime_ms = 7000;
}

START_TEST(test_health_carried)
{
	struct lb_cfg *a = cfg_from(cfg_old), *b = cfg_from(cfg_new);
	struct lbd_runtime old, new;
	struct lbd_health_view v;
	struct lbd_server *s;
	char *err = NULL, *state, text[64];

	ck_assert_int_eq(lbd_runtime_build(&old, a, &err), 0);
	/* a: DOWN, one good check of its rise 2 done ("down 1/2"), last check a 503 */
	s = lbd_runtime_find_server(&old, "be/a");
	set_down(s, &s->hc->chk, 1);
	s->hc->chk.last = (struct lb_check_result){ .status = LB_CHK_L7STS, .code = 503,
						    .duration_ms = 12 };
	snprintf(s->hc->chk.last.reason, sizeof(s->hc->chk.last.reason), "HTTP status 503 %s",
		 "Service Unavailable");
	s->hc->chk.has_last = true;
	/* b: UP, one failure of its fall 3 ("up 2/3"), NOLB (disable-on-404) */
	s = lbd_runtime_find_server(&old, "be/b");
	s->hc->chk.health = s->hc->chk.shown_health = 3;
	s->hc->nolb = 1;
	/* c: DOWN, but it moves */
	s = lbd_runtime_find_server(&old, "be/c");
	set_down(s, &s->hc->chk, 0);
	/* d: its agent said down */
	s = lbd_runtime_find_server(&old, "be/d");
	set_down(s, &s->hc->agent, 0);
	state = lbd_mworker_dump_state(&old);
	ck_assert_ptr_nonnull(strstr(state, "h be a 127.0.0.1:1 "));
	ck_assert_ptr_null(strstr(state, "h be e "));	/* no check: nothing to carry */

	ck_assert_int_eq(lbd_runtime_build(&new, b, &err), 0);
	lbd_mworker_apply_state(&new, state);

	s = lbd_runtime_find_server(&new, "be/a");
	ck_assert_int_eq(s->health_up, 0);
	ck_assert_int_eq(s->lb.eweight, 0);
	ck_assert_int_eq(s->hc->chk.health, 1);	/* one good check of 3 now */
	lbd_health_view(&new, s, &v);
	lbd_health_state_text(s, &v, text, sizeof(text));
	ck_assert_str_eq(text, "down 1/3");
	lbd_health_check_text(&v, text, sizeof(text));
	ck_assert_str_eq(text, "L7STS 503 12ms");
	ck_assert_str_eq(v.last_chk, "HTTP status 503 Service Unavailable");
	ck_assert_uint_eq(v.chkdown, 2);
	ck_assert_uint_ge(v.lastchg_s, 5);
	ck_assert_uint_ge(v.downtime_s, 7 + 5);

	s = lbd_runtime_find_server(&new, "be/b");
	ck_assert_int_eq(s->health_up, 1);
	ck_assert(lbd_health_nolb(s));
	ck_assert_int_eq(s->lb.eweight, 0);	/* NOLB: no new sessions */
	lbd_health_view(&new, s, &v);
	lbd_health_state_text(s, &v, text, sizeof(text));
	ck_assert_str_eq(text, "up 2/3");

	s = lbd_runtime_find_server(&new, "be/c");	/* another address: afresh */
	ck_assert_int_eq(s->health_up, 1);
	ck_assert(!s->hc->chk.has_last);
	ck_assert_uint_eq(s->hc->chkdown, 0);
	ck_assert_int_gt(s->lb.eweight, 0);

	s = lbd_runtime_find_server(&new, "be/d");
	ck_assert_int_eq(s->health_up, 0);
	ck_assert_int_eq(s->hc->agent.health, 0);

	/* malformed health lines change nothing */
	s = lbd_runtime_find_server(&new, "be/b");
	lbd_mworker_apply_state(&new, "h be b 127.0.0.1:2 2 3 0\nh be b\n"
				      "h be b 127.0.0.1:2 2 3 0 - 1 0 0 0 0 -1 0 -1 BOGUS,1,1,- -\n"
				      "h nope x 127.0.0.1:2 2 3 0 - 1 0 0 0 0 -1 0 -1 - -\n");
	ck_assert_int_eq(s->health_up, 1);
	ck_assert_int_eq(s->hc->chk.health, 3);

	free(state);
	lbd_runtime_free(&old);
	lbd_runtime_free(&new);
	cfg_drop(a);
	cfg_drop(b);
}
END_TEST

/* The server state file: written by lbd_server_state_dump, loaded at start */
START_TEST(test_state_file)
{
	char path[] = "/tmp/lb-state-XXXXXX", cfgtext[2048], *text, *err = NULL;
	struct lb_cfg *a, *b;
	struct lbd_runtime old, new;
	struct lbd_server *s;
	int fd = mkstemp(path);
	FILE *f;

	ck_assert_int_ge(fd, 0);
	close(fd);
	snprintf(cfgtext, sizeof(cfgtext), "global\n server-state-file %s\n%s"
		 " load-server-state-from-file global\n"
		 " server a 127.0.0.1:1 check rise 2 fall 3\n"
		 " server b 127.0.0.1:2 check rise 2 fall 3\n"
		 " server c 127.0.0.1:3 weight 10\n"
		 " server d 127.0.0.1:4 check agent-check agent-port 5\n", path, HEAD);
	a = cfg_from(cfgtext);
	b = cfg_from(cfgtext);
	ck_assert_int_eq(lbd_runtime_build(&old, a, &err), 0);
	s = lbd_runtime_find_server(&old, "be/a");
	set_down(s, &s->hc->chk, 1);
	s = lbd_runtime_find_server(&old, "be/b");
	s->hc->nolb = 1;
	s = lbd_runtime_find_server(&old, "be/c");
	s->admin = LBD_SRV_DRAIN;
	s->uweight = 4;
	s = lbd_runtime_find_server(&old, "be/d");	/* its check is fine, its agent not */
	set_down(s, &s->hc->agent, 0);
	text = lbd_server_state_dump(&old, NULL);
	ck_assert_ptr_nonnull(strstr(text, "\n1 be 1 a 127.0.0.1 0 0 1 1 5 1 0 1 6 0 0 0 - 1 - 0 0 "
					   "- - 0\n"));
	ck_assert_ptr_nonnull(strstr(text, "\n1 be 3 c 127.0.0.1 2 8 4 10 "));
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);

	ck_assert_int_eq(lbd_runtime_build(&new, b, &err), 0);
	ck_assert_int_eq(lbd_server_state_load(&new), 4);
	s = lbd_runtime_find_server(&new, "be/a");
	ck_assert_int_eq(s->health_up, 0);
	ck_assert_int_eq(s->hc->chk.health, 1);
	s = lbd_runtime_find_server(&new, "be/b");
	ck_assert_int_eq(s->health_up, 1);
	ck_assert(lbd_health_nolb(s));
	s = lbd_runtime_find_server(&new, "be/c");
	ck_assert_int_eq(s->admin, LBD_SRV_DRAIN);
	ck_assert_int_eq(s->uweight, 4);
	s = lbd_runtime_find_server(&new, "be/d");
	ck_assert_int_eq(s->health_up, 0);
	ck_assert(s->hc->chk.up);
	ck_assert(!s->hc->agent.up);

	unlink(path);
	free(text);
	lbd_runtime_free(&old);
	lbd_runtime_free(&new);
	cfg_drop(a);
	cfg_drop(b);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("health_carry");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_health_carried);
	tcase_add_test(tc, test_state_file);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
