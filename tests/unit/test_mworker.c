/* tests/unit/test_mworker.c: master-worker building blocks on real runtimes: the master's
 * socket pool across reloads (lbd/listener.c) and the run-time state a reload carries
 * (lbd/mworker.c: which setting wins, counters added by name) */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cfg.h"
#include "diag.h"
#include "listener.h"
#include "mworker.h"
#include "runtime.h"
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

/* A port the kernel considers free now. */
static int
free_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

static char cfg_a[1024], cfg_b[1024];

/* cfg_b is cfg_a with server a's weight changed in the config and a second bind line */
static void
make_cfgs(void)
{
	static const char head[] =
		"global\n nbthread 2\ndefaults\n mode http\n timeout connect 1s\n"
		" timeout client 1s\n timeout server 1s\nfrontend fe\n";
	int p1 = free_port(), p2 = free_port();

	snprintf(cfg_a, sizeof(cfg_a), "%s bind 127.0.0.1:%d\n default_backend be\n"
		 "backend be\n server a 127.0.0.1:1 weight 10\n server b 127.0.0.1:2\n", head, p1);
	snprintf(cfg_b, sizeof(cfg_b), "%s bind 127.0.0.1:%d\n bind 127.0.0.1:%d\n"
		 " default_backend be\nbackend be\n server a 127.0.0.1:1 weight 20\n"
		 " server b 127.0.0.1:2\n", head, p1, p2);
}

static bool
fd_open(int fd)
{
	int type;
	socklen_t len = sizeof(type);

	return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0;
}

START_TEST(test_pool_keeps_unchanged_binds)
{
	struct lb_cfg *a, *b;
	struct lbd_sockpool pool = { 0 };
	char *err = NULL;
	int fd0, fd1, fresh0;

	make_cfgs();
	a = cfg_from(cfg_a);
	b = cfg_from(cfg_b);
	ck_assert_int_eq(lbd_sockpool_prepare(&pool, a, 2, &err), 0);
	lbd_sockpool_commit(&pool, 2);
	ck_assert_uint_eq(pool.n, 1);
	ck_assert_int_eq(pool.ents[0].nfds, 2);	/* one SO_REUSEPORT socket per thread */
	fd0 = pool.ents[0].fds[0];
	fd1 = pool.ents[0].fds[1];

	/* a reload adding a bind line: the old one keeps its sockets, the new one is fresh */
	ck_assert_int_eq(lbd_sockpool_prepare(&pool, b, 2, &err), 0);
	ck_assert_uint_eq(pool.n, 2);
	ck_assert_int_eq(pool.ents[0].fds[0], fd0);
	ck_assert_int_eq(pool.ents[0].fds[1], fd1);
	ck_assert(pool.ents[1].fresh);
	fresh0 = pool.ents[1].fds[0];
	ck_assert_int_eq(lbd_sockpool_count(&pool), 4);

	/* abandoned: the fresh sockets close, the kept ones stay */
	lbd_sockpool_rollback(&pool);
	ck_assert_uint_eq(pool.n, 1);
	ck_assert(!fd_open(fresh0));
	ck_assert(fd_open(fd0) && fd_open(fd1));

	/* a reload to one thread: the surplus socket closes at commit */
	ck_assert_int_eq(lbd_sockpool_prepare(&pool, a, 1, &err), 0);
	lbd_sockpool_commit(&pool, 1);
	ck_assert_int_eq(pool.ents[0].nfds, 1);
	ck_assert_int_eq(pool.ents[0].fds[0], fd0);
	ck_assert(!fd_open(fd1));
	lbd_sockpool_free(&pool);
	ck_assert(!fd_open(fd0));
	cfg_drop(a);
	cfg_drop(b);
}
END_TEST

START_TEST(test_state_rules_and_counters)
{
	struct lb_cfg *a, *b;
	struct lbd_runtime old, new;
	char *err = NULL, *state;
	struct lbd_server *oa, *ob, *na, *nb;

	make_cfgs();
	a = cfg_from(cfg_a);
	b = cfg_from(cfg_b);
	ck_assert_int_eq(lbd_runtime_build(&old, a, &err), 0);
	oa = lbd_runtime_find_server(&old, "be/a");
	ob = lbd_runtime_find_server(&old, "be/b");
	oa->admin = LBD_SRV_DRAIN;
	oa->uweight = 3;	/* its config line changes in b: the config wins */
	ob->uweight = 7;	/* unchanged line: the run-time value wins */
	ob->lb.maxconn = 33;
	old.fe[0].ctr[0].req_tot = 5;
	old.fe[0].ctr[1].req_tot = 6;
	ob->ctr[1].sess_tot = 4;
	state = lbd_mworker_dump_state(&old);

	ck_assert_int_eq(lbd_runtime_build(&new, b, &err), 0);
	new.fe[0].ctr[0].req_tot = 1;
	ck_assert_int_eq(lbd_mworker_apply_state(&new, state), 2);
	na = lbd_runtime_find_server(&new, "be/a");
	nb = lbd_runtime_find_server(&new, "be/b");
	ck_assert_int_eq(na->admin, LBD_SRV_DRAIN);
	ck_assert_int_eq(na->uweight, 20);
	ck_assert_int_eq(nb->admin, LBD_SRV_READY);
	ck_assert_int_eq(nb->uweight, 7);
	ck_assert_int_eq(nb->lb.maxconn, 33);
	ck_assert_int_eq(na->lb.eweight, 0);	/* drained: no new sessions */
	ck_assert_uint_eq(new.fe[0].ctr[0].req_tot, 1 + 5 + 6);
	ck_assert_uint_eq(nb->ctr[0].sess_tot, 4);

	/* garbage and unknown names are skipped */
	ck_assert_int_eq(lbd_mworker_apply_state(&new, "s nope x 1 0 1 1 0 0\nzzz\nf fe 3 0:1\n"
						       "c be a 99999 0:1\n"), 0);
	ck_assert_uint_eq(new.fe[0].ctr[0].req_tot, 12);
	free(state);
	lbd_runtime_free(&old);
	lbd_runtime_free(&new);
	cfg_drop(a);
	cfg_drop(b);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("mworker");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_pool_keeps_unchanged_binds);
	tcase_add_test(tc, test_state_rules_and_counters);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
