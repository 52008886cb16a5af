/* lbtop/main.c: lbtop's entry point: options, the sampling loop, the daemon connection
 *
 * Every interval lbtop asks for "show info" and "show stats" and computes rates from the
 * difference with the previous sample, so the daemon keeps no per-viewer state. Losing the
 * daemon is shown in the status bar and the next interval reconnects; nothing is ever
 * printed over the screen while ncurses owns it.
 */
#include <errno.h>
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>

#include "config.h"
#include "histogram.h"
#include "lbtop.h"
#include "util.h"

struct lbtop_opt {
	const char *name;
	int has_arg;
	int val;
	const char *arg;
	const char *help;
};

enum { OPT_ONCE = 256, OPT_PLAIN, OPT_NO_COLOR };

static const struct lbtop_opt lbtop_opts[] = {
	{ "socket", required_argument, 's', "PATH",
	  "control socket (default: $" LB_CTL_SOCKET_ENV ", else " LB_CTL_DEFAULT_SOCKET ")" },
	{ "delay", required_argument, 'd', "SEC", "refresh interval in seconds, e.g. 0.5 "
						  "(default 1)" },
	{ "once", no_argument, OPT_ONCE, NULL, "print one frame as text and exit (two samples "
					       "one interval apart, for the rates)" },
	{ "plain", no_argument, OPT_PLAIN, NULL, "with --once: no colour (the default when "
						 "piped)" },
	{ "no-color", no_argument, OPT_NO_COLOR, NULL, "monochrome (also: NO_COLOR)" },
	{ "version", no_argument, 'V', NULL, "print the version and exit" },
	{ "help", no_argument, 'h', NULL, "print this help and exit" },
};

static void
usage(FILE *out)
{
	fprintf(out, "usage: lbtop [-s PATH] [-d SEC] [--once [--plain]] [--no-color]\n\n");
	for (size_t i = 0; i < LB_ARRAY_SIZE(lbtop_opts); i++) {
		const struct lbtop_opt *o = &lbtop_opts[i];
		char left[40];
		if (o->val < 256)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->val, o->name,
				 o->arg ? " " : "", o->arg ? o->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s", o->name);
		fprintf(out, "  %-22s %s\n", left, o->help);
	}
	fprintf(out, "\nkeys:\n");
	for (size_t i = 0; i < lbtop_nkeys; i++)
		fprintf(out, "  %-12s %s\n", lbtop_keys[i].label, lbtop_keys[i].help);
	fprintf(out, "\nSee lbtop(1).\n");
}

/* --- sampling --- */

static void
obj_str(const msgpack_object *row, const char *key, char *buf, size_t len)
{
	if (!lb_ctl_obj_str(lb_ctl_map_get(row, key), buf, len))
		snprintf(buf, len, "%s", "");
}

static int64_t
obj_int(const msgpack_object *row, const char *key)
{
	const msgpack_object *o = lb_ctl_map_get(row, key);

	if (o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
		return o->via.u64 > INT64_MAX ? INT64_MAX : (int64_t)o->via.u64;
	if (o && o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
		return o->via.i64;
	return -1;
}

static uint64_t
obj_u64(const msgpack_object *row, const char *key)
{
	int64_t v = obj_int(row, key);

	return v > 0 ? (uint64_t)v : 0;
}

/* The total-time buckets of a row's "latency" map, if it has them in our layout. */
static bool
take_latency(const msgpack_object *row, uint64_t lat[LB_HIST_NBUCKETS])
{
	const msgpack_object *b = lb_ctl_map_get(lb_ctl_map_get(lb_ctl_map_get(row, "latency"),
								"total"), "buckets");

	if (!b || b->type != MSGPACK_OBJECT_ARRAY || b->via.array.size > LB_HIST_NBUCKETS)
		return false;
	memset(lat, 0, LB_HIST_NBUCKETS * sizeof(lat[0]));	/* trailing zeros are left out */
	for (unsigned i = 0; i < b->via.array.size; i++)
		if (!lb_ctl_obj_u64(&b->via.array.ptr[i], &lat[i]))
			return false;
	return true;
}

/* p50/p99 of what finished since the previous sample (counters only grow, except after a
 * "clear counters": then the whole histogram is the interval). */
static void
recent_latency(struct lbtop_row *r, const struct lbtop_row *p)
{
	uint64_t d[LB_HIST_NBUCKETS];
	bool cleared = false;

	r->p50 = r->p99 = -1;
	if (!r->has_lat)
		return;
	for (unsigned i = 0; i < LB_HIST_NBUCKETS; i++)
		cleared |= p && p->has_lat && r->lat[i] < p->lat[i];
	for (unsigned i = 0; i < LB_HIST_NBUCKETS; i++)
		d[i] = p && p->has_lat && !cleared ? r->lat[i] - p->lat[i] : r->lat[i];
	r->p50 = lb_hist_quantile(d, 0.5);
	r->p99 = lb_hist_quantile(d, 0.99);
}

static const struct lbtop_row *
find_prev(const struct lbtop *t, const struct lbtop_row *r)
{
	for (size_t i = 0; i < t->nprev; i++)
		if (t->prev[i].type == r->type && strcmp(t->prev[i].px, r->px) == 0 &&
		    strcmp(t->prev[i].sv, r->sv) == 0)
			return &t->prev[i];
	return NULL;
}

static double
rate(uint64_t now, uint64_t before, double secs)
{
	return now >= before && secs > 0 ? (double)(now - before) / secs : 0.0;
}

static int
ensure_connected(struct lbtop *t)
{
	if (t->cli.fd >= 0)
		return 0;
	if (lb_ctl_client_connect(&t->cli, t->socket, t->conn_err, sizeof(t->conn_err)) < 0) {
		t->connected = false;
		return -1;
	}
	t->connected = true;
	return 0;
}

static void
take_info(struct lbtop *t, const msgpack_object *info)
{
	obj_str(info, "version", t->version, sizeof(t->version));
	obj_str(info, "uptime", t->uptime, sizeof(t->uptime));
	t->cur_conn = obj_int(info, "cur_conn");
}

int
lbtop_sample(struct lbtop *t)
{
	struct lb_ctl_reply rep;
	char err[256];
	struct lbtop_row *rows;
	size_t n;
	double secs;
	uint64_t now;

	if (ensure_connected(t) < 0)
		return -1;
	if (lb_ctl_client_call(&t->cli, "show info", 0, NULL, &rep, err, sizeof(err)) < 0)
		goto lost;
	if (rep.status == LB_CTL_ST_OK)
		take_info(t, &rep.data);
	lb_ctl_reply_free(&rep);
	if (lb_ctl_client_call(&t->cli, "show stats", 0, NULL, &rep, err, sizeof(err)) < 0)
		goto lost;
	if (rep.status != LB_CTL_ST_OK || rep.data.type != MSGPACK_OBJECT_ARRAY) {
		snprintf(t->conn_err, sizeof(t->conn_err), "show stats: %.200s", rep.msg);
		lb_ctl_reply_free(&rep);
		return -1;
	}
	now = lb_now_ms();
	n = rep.data.via.array.size;
	rows = calloc(n ? n : 1, sizeof(*rows));
	if (!rows) {
		lb_ctl_reply_free(&rep);
		snprintf(t->conn_err, sizeof(t->conn_err), "out of memory");
		return -1;
	}
	/* the previous sample becomes the reference for rates */
	free(t->prev);
	t->prev = t->rows;
	t->nprev = t->nrows;
	t->prev_ms = t->sample_ms;
	secs = t->prev_ms ? (double)(now - t->prev_ms) / 1000.0 : 0;
	t->total_req_rate = 0;
	for (size_t i = 0; i < n; i++) {
		const msgpack_object *o = &rep.data.via.array.ptr[i];
		struct lbtop_row *r = &rows[i];
		const struct lbtop_row *p;
		int64_t type = obj_int(o, "type");
		static const char *const hk[6] = { "hrsp_other", "hrsp_1xx", "hrsp_2xx",
						   "hrsp_3xx", "hrsp_4xx", "hrsp_5xx" };

		r->type = type == 0 ? LBTOP_FE : type == 1 ? LBTOP_BE : LBTOP_SRV;
		obj_str(o, "pxname", r->px, sizeof(r->px));
		obj_str(o, "svname", r->sv, sizeof(r->sv));
		obj_str(o, "status", r->status, sizeof(r->status));
		obj_str(o, "check_status", r->check, sizeof(r->check));
		r->has_lat = take_latency(o, r->lat);
		r->scur = obj_int(o, "scur");
		r->qcur = obj_int(o, "qcur");
		r->weight = obj_int(o, "weight");
		r->stot = obj_u64(o, "stot");
		r->bin = obj_u64(o, "bin");
		r->bout = obj_u64(o, "bout");
		for (int k = 0; k < 6; k++)
			r->hrsp[k] = obj_u64(o, hk[k]);
		/* servers have no request counter: their responses are the closest thing */
		if (lb_ctl_map_get(o, "req_tot"))
			r->req = obj_u64(o, "req_tot");
		else
			for (int k = 0; k < 6; k++)
				r->req += r->hrsp[k];
		p = find_prev(t, r);
		if (p) {
			r->req_rate = rate(r->req, p->req, secs);
			r->conn_rate = rate(r->stot, p->stot, secs);
			r->bin_rate = rate(r->bin, p->bin, secs);
			r->bout_rate = rate(r->bout, p->bout, secs);
			r->err_rate = rate(r->hrsp[5], p->hrsp[5], secs);
		}
		recent_latency(r, p);
		if (r->type == LBTOP_FE)
			t->total_req_rate += r->req_rate;
	}
	lb_ctl_reply_free(&rep);
	t->rows = rows;
	t->nrows = n;
	t->sample_ms = now;
	if (t->prev_ms) {
		if (t->nspark == LBTOP_SPARK_LEN) {
			memmove(t->spark, t->spark + 1, sizeof(t->spark) - sizeof(t->spark[0]));
			t->nspark--;
		}
		t->spark[t->nspark++] = t->total_req_rate;
	}
	lbtop_order(t);
	t->conn_err[0] = '\0';
	return 0;
lost:
	snprintf(t->conn_err, sizeof(t->conn_err), "%s", err);
	t->connected = false;
	return -1;
}

void
lbtop_command(struct lbtop *t, const char *cmd, const char *target, const char *arg)
{
	const char *argv[2] = { target, arg };
	struct lb_ctl_reply rep;
	char err[256];

	if (ensure_connected(t) < 0) {
		snprintf(t->msg, sizeof(t->msg), "%s %.140s: %.200s", cmd, target, t->conn_err);
		t->msg_error = true;
		return;
	}
	if (lb_ctl_client_call(&t->cli, cmd, arg ? 2 : 1, argv, &rep, err, sizeof(err)) < 0) {
		snprintf(t->msg, sizeof(t->msg), "%s %.140s: %.200s", cmd, target, err);
		t->msg_error = true;
		t->connected = false;
		return;
	}
	t->msg_error = rep.status != LB_CTL_ST_OK;
	if (t->msg_error)
		snprintf(t->msg, sizeof(t->msg), "%s %.140s: %.200s", cmd, target, rep.msg);
	else
		snprintf(t->msg, sizeof(t->msg), "%.400s", rep.msg);
	lb_ctl_reply_free(&rep);
}

/* --- the loop --- */

static volatile sig_atomic_t got_stop;

static void
on_stop(int sig)
{
	(void)sig;
	got_stop = 1;
}

static int
parse_delay(const char *s, int *ms)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v < 0.1 || v > 3600)
		return -1;
	*ms = (int)(v * 1000 + 0.5);
	return 0;
}

static int
run_once(struct lbtop *t)
{
	struct timespec ts = { t->interval_ms / 1000, (long)(t->interval_ms % 1000) * 1000000L };

	if (lbtop_sample(t) < 0) {
		fprintf(stderr, "lbtop: %s: %s\n", t->socket, t->conn_err);
		return 3;
	}
	nanosleep(&ts, NULL);
	if (lbtop_sample(t) < 0) {
		fprintf(stderr, "lbtop: %s: %s\n", t->socket, t->conn_err);
		return 3;
	}
	lbtop_print_plain(t, 160);
	return 0;
}

static int
run_ui(struct lbtop *t)
{
	uint64_t next = 0;
	int flags = LBTOP_REDRAW;

	if (!initscr()) {
		fprintf(stderr, "lbtop: cannot initialize the terminal\n");
		return 1;
	}
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	lbtop_colors_init(t);
	while (!got_stop) {
		uint64_t now = lb_now_ms();
		int ch;

		if (flags & LBTOP_QUIT)
			break;
		if (now >= next || (flags & LBTOP_FETCH)) {
			lbtop_sample(t);
			next = now + (uint64_t)t->interval_ms;
			flags |= LBTOP_REDRAW;
		}
		if (flags & LBTOP_REDRAW)
			lbtop_draw(t);
		flags = 0;
		now = lb_now_ms();
		timeout(next > now ? (int)LB_MIN(next - now, 1000) : 0);
		ch = getch();
		if (ch == ERR)
			continue;
		if (ch == KEY_RESIZE) {
			flags = LBTOP_REDRAW;
			continue;
		}
		flags = lbtop_handle_key(t, ch);
	}
	endwin();
	return 0;
}

int
main(int argc, char **argv)
{
	struct option longopts[LB_ARRAY_SIZE(lbtop_opts) + 1];
	struct lbtop t = { 0 };
	bool once = false, plain = false, color = true;
	const char *nc = getenv("NO_COLOR");
	int c, rc;

	setlocale(LC_ALL, "");
	for (size_t i = 0; i < LB_ARRAY_SIZE(lbtop_opts); i++)
		longopts[i] = (struct option){ lbtop_opts[i].name, lbtop_opts[i].has_arg, NULL,
					       lbtop_opts[i].val };
	memset(&longopts[LB_ARRAY_SIZE(lbtop_opts)], 0, sizeof(longopts[0]));
	t.socket = getenv(LB_CTL_SOCKET_ENV);
	if (!t.socket || !t.socket[0])
		t.socket = LB_CTL_DEFAULT_SOCKET;
	t.interval_ms = 1000;
	while ((c = getopt_long(argc, argv, "s:d:Vh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			t.socket = optarg;
			break;
		case 'd':
			if (parse_delay(optarg, &t.interval_ms) < 0) {
				fprintf(stderr, "lbtop: -d wants seconds in 0.1..3600\n");
				return 2;
			}
			break;
		case OPT_ONCE:
			once = true;
			break;
		case OPT_PLAIN:
			plain = true;
			break;
		case OPT_NO_COLOR:
			color = false;
			break;
		case 'V':
			printf("lbtop %s (control protocol %d)\n", PACKAGE_VERSION,
			       LB_CTL_PROTO_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "lbtop: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (nc && nc[0])
		color = false;
	t.color = color;
	t.unicode = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	lb_ctl_client_init(&t.cli, 3000);
	signal(SIGPIPE, SIG_IGN);
	if (once) {
		t.color = color && !plain && isatty(STDOUT_FILENO);
		rc = run_once(&t);
	} else {
		if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
			fprintf(stderr, "lbtop: needs a terminal (use --once for text output)\n");
			return 2;
		}
		signal(SIGTERM, on_stop);
		signal(SIGINT, on_stop);
		rc = run_ui(&t);
	}
	lb_ctl_client_close(&t.cli);
	free(t.rows);
	free(t.prev);
	free(t.srv_idx);
	return rc;
}
