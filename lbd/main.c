/* lbd/main.c: the daemon's entry point: options, config, sockets, privileges, signals
 *
 * Order matters: the config is loaded and validated completely before anything is bound, so
 * a bad config never half-starts; sockets are bound before privileges are dropped; the
 * process daemonizes before threads exist. Afterwards the main thread only waits for
 * signals: SIGTERM/SIGINT stop at once, SIGUSR1 stops softly (listeners closed, in-flight
 * exchanges finish, idle connections close), bounded by hard-stop-after.
 *
 * With master-worker (-W, -Ws, "master-worker" in global) this process becomes the master
 * (lbd/master.c): it keeps the sockets and forks workers that run serve() below, on
 * sockets they inherit instead of binding.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "config.h"
#include "cfg.h"
#include "ctl.h"
#include "diag.h"
#include "listener.h"
#include "log.h"
#include "master.h"
#include "mworker.h"
#include "runtime.h"
#include "server_state.h"
#include "stats.h"
#include "thread.h"
#include "util.h"

/* The options: one table gives getopt its string and --help its text. */
struct lbd_opt {
	char letter;
	const char *arg;	/* NULL: a flag */
	const char *help;
};

static const struct lbd_opt lbd_opts[] = {
	{ 'f', "FILE", "load a configuration file (repeatable; files are read in order)" },
	{ 'c', NULL, "check the configuration and exit (0 valid, 1 invalid)" },
	{ 'd', NULL, "debug: stay in the foreground and log to stderr (the default)" },
	{ 'D', NULL, "daemon: detach from the terminal (same as 'daemon' in global)" },
	{ 'p', "FILE", "write the pid to FILE (overrides 'pidfile')" },
	{ 'q', NULL, "quiet: no start-up messages" },
	{ 'V', NULL, "verbose: print the configuration summary at start" },
	{ 'W', NULL, "master-worker mode (-Ws: also tell systemd, Type=notify)" },
	{ 'v', NULL, "print the version and exit" },
	{ 'h', NULL, "print this help and exit" },
};

struct lbd_args {
	const char **files;
	int nfiles;
	bool check;
	bool daemon;
	bool quiet;
	bool verbose;
	bool master;		/* -W */
	bool systemd;		/* -Ws */
	const char *pidfile;
};

static void
usage(FILE *out)
{
	fprintf(out, "usage: lbd -f FILE [-f FILE]... [-c] [-d] [-D] [-p PIDFILE] [-q] [-V] "
		     "[-W | -Ws]\n\n");
	for (size_t i = 0; i < LB_ARRAY_SIZE(lbd_opts); i++) {
		char left[32];
		snprintf(left, sizeof(left), "-%c%s%s", lbd_opts[i].letter,
			 lbd_opts[i].arg ? " " : "", lbd_opts[i].arg ? lbd_opts[i].arg : "");
		fprintf(out, "  %-12s %s\n", left, lbd_opts[i].help);
	}
	fprintf(out, "\nSignals: SIGTERM/SIGINT stop, SIGUSR1 soft stop (finish in-flight "
		     "requests, then exit);\nto the master (-W): SIGUSR2 or SIGHUP reload.\n"
		     "See lbd(8) and lb.cfg(5).\n");
}

static int
parse_args(int argc, char **argv, struct lbd_args *a)
{
	char optstr[64];
	size_t k = 0;
	int c;

	for (size_t i = 0; i < LB_ARRAY_SIZE(lbd_opts) && k + 2 < sizeof(optstr); i++) {
		optstr[k++] = lbd_opts[i].letter;
		if (lbd_opts[i].arg)
			optstr[k++] = ':';
	}
	optstr[k] = '\0';
	/* -Ws is one option (HAProxy's spelling), not -W -s */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-Ws") == 0) {
			a->master = a->systemd = true;
			argv[i] = (char *)"-W";
		}
	}
	a->files = lb_xcalloc((size_t)argc + 1, sizeof(*a->files));
	while ((c = getopt(argc, argv, optstr)) != -1) {
		switch (c) {
		case 'f': a->files[a->nfiles++] = optarg; break;
		case 'c': a->check = true; break;
		case 'd': break;
		case 'D': a->daemon = true; break;
		case 'p': a->pidfile = optarg; break;
		case 'q': a->quiet = true; break;
		case 'V': a->verbose = true; break;
		case 'W': a->master = true; break;
		case 'v':
			printf("lbd %s\n", PACKAGE_VERSION);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "lbd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return -1;
	}
	if (!a->nfiles) {
		fprintf(stderr, "lbd: no configuration file given (-f FILE)\n");
		usage(stderr);
		return -1;
	}
	return 0;
}

/* Loads every file into cfg; the diagnostics go to stderr, and into *text (malloc'd) when
 * text is not NULL (a reload asked for with lbctl returns them). */
static int
load_config(struct lb_cfg *cfg, const struct lbd_args *a, char **text)
{
	struct lb_diag d;
	int rc = 0;

	lb_diag_init(&d);
	lb_cfg_init(cfg);
	for (int i = 0; i < a->nfiles; i++)
		if (lb_cfg_parse_file(cfg, a->files[i], &d) < 0)
			rc = -1;
	if (rc == 0 && lb_cfg_finalize(cfg, &d) < 0)
		rc = -1;
	lb_diag_print(&d, stderr);
	if (text) {
		size_t len = 0;
		FILE *f = open_memstream(text, &len);
		if (f) {
			lb_diag_print(&d, f);
			fclose(f);
		} else {
			*text = NULL;
		}
	}
	lb_diag_free(&d);
	return rc;
}

static int
daemonize(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	lb_log_sys_set_stderr(false);
	return 0;
}

static int
write_pidfile(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f, "%d\n", (int)getpid());
	return fclose(f);
}

/* chroot, then group, then user: after this the process cannot take them back. */
static int
drop_privileges(const struct lb_cfg_global *g)
{
	struct passwd *pw = NULL;
	struct group *gr = NULL;

	if (g->user && !(pw = getpwnam(g->user))) {
		lb_log_sys(LB_LOG_ALERT, "user '%s' does not exist", g->user);
		return -1;
	}
	if (g->group && !(gr = getgrnam(g->group))) {
		lb_log_sys(LB_LOG_ALERT, "group '%s' does not exist", g->group);
		return -1;
	}
	if (g->chroot) {
		if (chroot(g->chroot) < 0 || chdir("/") < 0) {
			lb_log_sys(LB_LOG_ALERT, "chroot '%s': %s", g->chroot, strerror(errno));
			return -1;
		}
	}
	if (gr || pw) {
		gid_t gid = gr ? gr->gr_gid : pw->pw_gid;
		if (setgroups(0, NULL) < 0 && errno != EPERM) {
			lb_log_sys(LB_LOG_ALERT, "setgroups: %s", strerror(errno));
			return -1;
		}
		if (pw && initgroups(pw->pw_name, gid) < 0 && errno != EPERM) {
			lb_log_sys(LB_LOG_ALERT, "initgroups: %s", strerror(errno));
			return -1;
		}
		if (setgid(gid) < 0) {
			lb_log_sys(LB_LOG_ALERT, "setgid(%d): %s", (int)gid, strerror(errno));
			return -1;
		}
	}
	if (pw && setuid(pw->pw_uid) < 0) {
		lb_log_sys(LB_LOG_ALERT, "setuid(%s): %s", g->user, strerror(errno));
		return -1;
	}
	return 0;
}

/* -V: what the daemon is about to serve, as built from the config. */
static void
print_summary(const struct lbd_runtime *rt)
{
	char a[160];

	printf("lbd %s: %d thread(s), maxconn %d, bufsize %u\n", PACKAGE_VERSION, rt->nbthread,
	       rt->maxconn, rt->bufsize);
	for (unsigned f = 0; f < rt->nfe; f++) {
		const struct lbd_frontend *fe = &rt->fe[f];
		printf("frontend %s (mode %s) -> %s\n", fe->name,
		       fe->mode == LB_MODE_HTTP ? "http" : "tcp",
		       fe->default_be ? fe->default_be->name : "(no backend)");
		for (unsigned l = 0; l < fe->nlisteners; l++) {
			lb_addr_format((const struct sockaddr *)&fe->listeners[l].cfg->addr.ss, a,
				       sizeof(a));
			printf("  bind %s\n", a);
		}
	}
	for (unsigned b = 0; b < rt->nbe; b++) {
		const struct lbd_backend *be = &rt->be[b];
		printf("backend %s (mode %s, balance %s)\n", be->name,
		       be->mode == LB_MODE_HTTP ? "http" : "tcp", be->algo->name);
		for (unsigned i = 0; i < be->nsrv; i++) {
			const struct lbd_server *srv = be->srv[i];
			lb_addr_format((const struct sockaddr *)&srv->addr, a, sizeof(a));
			printf("  server %s %s weight %d%s%s\n", srv->name, a, srv->uweight,
			       srv->lb.backup ? " backup" : "",
			       srv->admin == LBD_SRV_MAINT ? " disabled" : "");
		}
	}
	fflush(stdout);
}

/* The main thread's loop: signals, the soft-stop watch, and the control socket(s). Worker
 * threads block every signal; libevent delivers them here. */
struct main_loop {
	struct event_base *base;
	struct lbd_runtime *rt;
	struct event *sig_term, *sig_int, *sig_usr1, *sig_hup, *watch;
	uint64_t soft_since;
};

static void
soft_watch_cb(evutil_socket_t fd, short what, void *arg)
{
	struct main_loop *ml = arg;
	struct lbd_runtime *rt = ml->rt;
	long long hard_after = rt->cfg->global.hard_stop_after;

	(void)fd;
	(void)what;
	if (__atomic_load_n(&rt->cur_conn, __ATOMIC_RELAXED) == 0) {
		event_base_loopbreak(ml->base);
		return;
	}
	if (hard_after != LB_TIME_UNSET && hard_after >= 0 &&
	    lb_now_ms() - ml->soft_since >= (uint64_t)hard_after) {
		lb_log_sys(LB_LOG_WARNING, "hard-stop-after reached: closing %d connection(s)",
			   __atomic_load_n(&rt->cur_conn, __ATOMIC_RELAXED));
		lbd_threads_stop(rt, false);
		event_base_loopbreak(ml->base);
	}
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct main_loop *ml = arg;
	struct lbd_runtime *rt = ml->rt;
	struct timeval tv = { 0, 50 * 1000 };

	(void)what;
	switch (sig) {
	case SIGTERM:
	case SIGINT:
		lb_log_sys(LB_LOG_NOTICE, "received %s, stopping now",
			   sig == SIGTERM ? "SIGTERM" : "SIGINT");
		lbd_threads_stop(rt, false);
		event_base_loopbreak(ml->base);
		return;
	case SIGUSR1:
		if (ml->soft_since)
			return;
		lb_log_sys(LB_LOG_NOTICE,
			   "received SIGUSR1, soft stop: listeners closed, finishing %d "
			   "connection(s)",
			   __atomic_load_n(&rt->cur_conn, __ATOMIC_RELAXED));
		ml->soft_since = lb_now_ms();
		rt->stopping = 1;
		if (lbd_mworker_active())
			lbd_ctl_pause_accept();	/* the new worker answers lbctl now */
		lbd_threads_stop(rt, true);
		ml->watch = event_new(ml->base, -1, EV_PERSIST, soft_watch_cb, ml);
		if (ml->watch)
			event_add(ml->watch, &tv);
		return;
	case SIGHUP:
		lb_log_sys(LB_LOG_NOTICE, "received SIGHUP: reloads arrive with the master process "
					  "(lbd(8)); nothing done");
		return;
	default:
		return;
	}
}

/* Runs until the process must exit; returns the exit status. */
static int
main_loop_run(struct lbd_runtime *rt)
{
	struct main_loop ml = { 0 };
	struct event_config *ecfg = event_config_new();
	char *err = NULL;
	int status = 0;

	ml.rt = rt;
	if (ecfg)
		event_config_set_flag(ecfg, EVENT_BASE_FLAG_NOLOCK);
	ml.base = ecfg ? event_base_new_with_config(ecfg) : NULL;
	if (ecfg)
		event_config_free(ecfg);
	if (!ml.base) {
		lb_log_sys(LB_LOG_ALERT, "cannot create the main event loop");
		lbd_threads_stop(rt, false);
		return 1;
	}
	ml.sig_term = evsignal_new(ml.base, SIGTERM, signal_cb, &ml);
	ml.sig_int = evsignal_new(ml.base, SIGINT, signal_cb, &ml);
	ml.sig_usr1 = evsignal_new(ml.base, SIGUSR1, signal_cb, &ml);
	ml.sig_hup = evsignal_new(ml.base, SIGHUP, signal_cb, &ml);
	evsignal_add(ml.sig_term, NULL);
	evsignal_add(ml.sig_int, NULL);
	evsignal_add(ml.sig_usr1, NULL);
	evsignal_add(ml.sig_hup, NULL);
	if (lbd_ctl_start(ml.base, rt, &err) < 0) {
		lb_log_sys(LB_LOG_ALERT, "control socket: %s", err);
		free(err);
		lbd_threads_stop(rt, false);
		status = 1;
	} else {
		/* servers an old worker had added at run time: before "ready", so that the new
		 * worker serves them from its first connection */
		lbd_mworker_apply_dynamic(rt);
		if (lbd_mworker_attach(ml.base, rt) < 0) {
			lb_log_sys(LB_LOG_ALERT, "cannot talk to the master process: %s",
				   strerror(errno));
			lbd_threads_stop(rt, false);
			status = 1;
		} else {
			event_base_dispatch(ml.base);
		}
	}
	lbd_mworker_detach();
	lbd_ctl_stop();
	event_free(ml.sig_term);
	event_free(ml.sig_int);
	event_free(ml.sig_usr1);
	event_free(ml.sig_hup);
	if (ml.watch)
		event_free(ml.watch);
	event_base_free(ml.base);
	return status;
}

/* Serves cfg until the daemon stops; returns the exit status. A single-process daemon binds
 * its sockets here; a worker of master-worker mode (pool != NULL) takes them from the
 * master and applies the run-time state an old worker handed over (state, or NULL). */
static int
serve(struct lb_cfg *cfg, const struct lbd_args *args, struct lbd_sockpool *pool,
      const char *state)
{
	struct lbd_runtime rt;
	const char *pidfile = NULL;
	bool worker = pool != NULL;
	char *err = NULL;
	int status;

	if (lbd_runtime_build(&rt, cfg, &err) < 0) {
		lb_log_sys(LB_LOG_ALERT, "%s", err ? err : "start-up failed");
		free(err);
		lbd_runtime_free(&rt);	/* what was built before the failure */
		return 1;
	}
	if ((worker ? lbd_listeners_adopt(&rt, pool, &err) : lbd_listeners_bind(&rt, &err)) < 0 ||
	    lbd_ctl_bind(&rt, &err) < 0) {
		lb_log_sys(LB_LOG_ALERT, "%s", err ? err : "start-up failed");
		free(err);
		goto fail;
	}
	if (worker)
		lbd_ctl_disown();	/* the socket files are the master's */
	if (args->verbose && !worker)
		print_summary(&rt);
	if (rt.global_logger)
		lb_log_sys_set_logger(rt.global_logger);
	if (!worker && (args->daemon || cfg->global.daemon)) {
		if (daemonize() < 0) {
			lb_log_sys(LB_LOG_ALERT, "cannot daemonize: %s", strerror(errno));
			goto fail;
		}
		rt.pid = (int)getpid();
	}
	if (!worker)
		pidfile = args->pidfile ? args->pidfile : cfg->global.pidfile;
	if (pidfile && write_pidfile(pidfile) < 0) {
		lb_log_sys(LB_LOG_ALERT, "cannot write pidfile '%s': %s", pidfile, strerror(errno));
		pidfile = NULL;
		goto fail;
	}
	if (drop_privileges(&cfg->global) < 0)
		goto fail;
	if (lbd_threads_init(&rt, &err) < 0) {
		lb_log_sys(LB_LOG_ALERT, "%s", err);
		free(err);
		goto fail;
	}
	if (state) {
		int n = lbd_mworker_apply_state(&rt, state);
		if (n && !args->quiet)
			lb_log_sys(LB_LOG_NOTICE, "run-time state of %d server(s) carried over", n);
	} else {
		lbd_server_state_load(&rt);	/* load-server-state-from-file */
	}
	/* workers block every signal (thread_main); this thread takes them through libevent */
	if (lbd_threads_start(&rt) < 0)
		return 1;
	if (!args->quiet)
		lb_log_sys(LB_LOG_NOTICE, "lbd %s started: %u frontend(s), %u backend(s), %d "
					  "thread(s), maxconn %d",
			   PACKAGE_VERSION, rt.nfe, rt.nbe, rt.nbthread, rt.maxconn);
	status = main_loop_run(&rt);
	lbd_threads_join(&rt);
	if (pidfile)
		unlink(pidfile);
	lb_log_sys_set_logger(NULL);
	lbd_stats_release();
	lbd_runtime_free(&rt);
	return status;
fail:
	/* start-up failed once the runtime was built (a worker: the master logs it) */
	if (pidfile)
		unlink(pidfile);
	lbd_ctl_stop();
	lb_log_sys_set_logger(NULL);
	lbd_runtime_free(&rt);
	return 1;
}

static int
master_load(struct lb_cfg *cfg, char **diag_text, void *arg)
{
	return load_config(cfg, arg, diag_text);
}

static int
master_worker(struct lb_cfg *cfg, struct lbd_sockpool *pool, const char *state, void *arg)
{
	return serve(cfg, arg, pool, state);
}

/* The master of master-worker mode: detaches (daemon, not under systemd), writes its pid,
 * then supervises (lbd/master.c). */
static int
run_master(struct lb_cfg *cfg, struct lbd_args *args, char **argv, const char *inherit)
{
	const struct lbd_master_opts mo = {
		.systemd = args->systemd,
		.load = master_load,
		.worker = master_worker,
		.arg = args,
		.argv = argv,
		.inherit = inherit,
	};
	const char *pidfile = args->pidfile ? args->pidfile : cfg ? cfg->global.pidfile : NULL;
	int status;

	/* after a binary upgrade (inherit) the process is already set up: same pid */
	if (!inherit && !args->systemd && (args->daemon || cfg->global.daemon) &&
	    daemonize() < 0) {
		lb_log_sys(LB_LOG_ALERT, "cannot daemonize: %s", strerror(errno));
		return 1;
	}
	if (!inherit && pidfile && write_pidfile(pidfile) < 0) {
		lb_log_sys(LB_LOG_ALERT, "cannot write pidfile '%s': %s", pidfile, strerror(errno));
		return 1;
	}
	status = lbd_master_run(&mo, cfg);
	if (pidfile)
		unlink(pidfile);
	return status;
}

/* The arguments as given: a binary upgrade execs them again (getopt permutes argv). */
static char **argv0;

int
main(int argc, char **argv)
{
	struct lbd_args args = { 0 };
	struct lb_cfg *cfg;
	char *inherit = NULL;
	int status;

	argv0 = lb_xcalloc((size_t)argc + 1, sizeof(*argv0));
	memcpy(argv0, argv, (size_t)argc * sizeof(*argv0));
	if (getenv(LBD_MASTER_INHERIT_ENV)) {
		inherit = lb_xstrdup(getenv(LBD_MASTER_INHERIT_ENV));
		unsetenv(LBD_MASTER_INHERIT_ENV);
	}
	lb_log_sys_set_stderr(true);
	if (parse_args(argc, argv, &args) < 0)
		return 2;
	if (inherit) {
		/* the new executable of a binary upgrade: the master loads the files itself, as
		 * a reload, so that a config it refuses leaves the old worker serving */
		signal(SIGPIPE, SIG_IGN);
		status = run_master(NULL, &args, argv0, inherit);
		free(inherit);
		lb_free(&argv0);
		free(args.files);
		return status;
	}
	cfg = lb_xcalloc(1, sizeof(*cfg));
	if (load_config(cfg, &args, NULL) < 0) {
		fprintf(stderr, "lbd: fatal errors found in configuration.\n");
		lb_cfg_free(cfg);
		free(cfg);
		free(args.files);
		return 1;
	}
	if (args.check) {
		printf("Configuration file is valid\n");
		lb_cfg_free(cfg);
		free(cfg);
		free(args.files);
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	if (args.master || cfg->global.master_worker) {
		/* the master owns cfg from here; a worker exits without returning */
		status = run_master(cfg, &args, argv0, NULL);
		lb_free(&argv0);
		free(args.files);
		return status;
	}
	lb_free(&argv0);
	status = serve(cfg, &args, NULL, NULL);
	lb_cfg_free(cfg);
	free(cfg);
	free(args.files);
	return status;
}
