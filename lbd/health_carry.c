/* lbd/health_carry.c: a checked server's health across a reload, and in HAProxy's server
 * state file (the health columns; lbd/server_state.c has the file)
 *
 * A reload starts a new worker with fresh health state; without this, a server that was DOWN
 * would come back UP (and take traffic) until the new worker's first checks fail again. The
 * old worker writes each checked server's health as one line of words (lbd/mworker.c adds the
 * "h <backend> <server>" head and carries it through the master); the new worker applies it
 * before its threads start, so its first connection already sees the carried state.
 *
 * The words, in order (ages are milliseconds before the dump, -1 for "none"):
 *   <addr> <rise> <fall> <chk-health|-> <agent-health|-> <enabled> <nolb>
 *   <chkfail> <chkdown> <hanafail> <lastchg-age> <downtime> <down-age>
 *   <chk-last> <agent-last>
 * where a probe's health is "-" when it is not configured, and a last result is "-" or
 * "<status name>,<code>,<duration ms>,<hex reason>" (the reason may hold spaces).
 *
 * HAProxy's server-state-file rule decides what a changed config means: the state of a server
 * whose address or port changed is dropped (it is another server now). A probe that the old
 * config did not run leaves the new one at its start (UP, health = rise); rise/fall changes
 * keep the verdict (UP stays UP, DOWN stays DOWN) with the progress clamped to the new range.
 */
#include "health_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "log.h"

#define CARRY_WORDS 15
#define CARRY_ADDR_MAX 128	/* "[v6]:port", "unix@path" (sun_path is 108) */

/* The address that identifies the server: the resolved one, with its port. */
static void
server_addr(const struct lbd_server *srv, char *buf, size_t len)
{
	if (srv->addrlen)
		lb_addr_format((const struct sockaddr *)&srv->addr, buf, len);
	else
		snprintf(buf, len, "-");
}

static long long
age(uint64_t now, uint64_t t)
{
	return t && t <= now ? (long long)(now - t) : -1;
}

static int
put_last(char *buf, size_t len, const struct lb_check_result *r, bool has)
{
	int n;

	if (!has)
		return snprintf(buf, len, " -");
	n = snprintf(buf, len, " %s,%d,%u,", lb_check_status_name(r->status), r->code,
		     r->duration_ms);
	for (const char *p = r->reason; *p && n >= 0 && (size_t)n + 3 < len; p++)
		n += snprintf(buf + n, len - (size_t)n, "%02x", (unsigned char)*p);
	if (!r->reason[0] && n >= 0 && (size_t)n + 2 < len)
		n += snprintf(buf + n, len - (size_t)n, "-");
	return n;
}

int
lbd_health_carry_format(const struct lbd_server *srv, char *buf, size_t len)
{
	struct lbd_health *hc = srv->hc;
	uint64_t now = lbd_health_now();
	char addr[CARRY_ADDR_MAX];
	struct lb_check_result chk, agt;
	bool has_chk, has_agt;
	int chk_h, agt_h, n;

	if (!hc || (!hc->chk.spec && !hc->agent.spec))
		return 0;
	server_addr(srv, addr, sizeof(addr));
	pthread_mutex_lock(&hc->lock);
	chk_h = hc->chk.shown_health;
	agt_h = hc->agent.shown_health;
	chk = hc->chk.last;
	agt = hc->agent.last;
	has_chk = hc->chk.has_last;
	has_agt = hc->agent.has_last;
	pthread_mutex_unlock(&hc->lock);
	n = snprintf(buf, len, "%s %d %d ", addr, hc->rise, hc->fall);
	n += snprintf(buf + n, len - (size_t)n, hc->chk.spec ? "%d " : "- ", chk_h);
	n += snprintf(buf + n, len - (size_t)n, hc->agent.spec ? "%d " : "- ", agt_h);
	n += snprintf(buf + n, len - (size_t)n, "%d %d %llu %llu %llu %lld %llu %lld",
		      __atomic_load_n(&hc->enabled, __ATOMIC_RELAXED),
		      __atomic_load_n(&hc->nolb, __ATOMIC_RELAXED),
		      (unsigned long long)__atomic_load_n(&hc->chkfail, __ATOMIC_RELAXED),
		      (unsigned long long)__atomic_load_n(&hc->chkdown, __ATOMIC_RELAXED),
		      (unsigned long long)__atomic_load_n(&hc->hanafail, __ATOMIC_RELAXED),
		      age(now, __atomic_load_n(&hc->lastchg_ms, __ATOMIC_RELAXED)),
		      (unsigned long long)__atomic_load_n(&hc->downtime_ms, __ATOMIC_RELAXED),
		      age(now, __atomic_load_n(&hc->down_since_ms, __ATOMIC_RELAXED)));
	if (n < 0 || (size_t)n >= len)
		return 0;
	n += put_last(buf + n, len - (size_t)n, &chk, has_chk);
	if (n < 0 || (size_t)n >= len)
		return 0;
	n += put_last(buf + n, len - (size_t)n, &agt, has_agt);
	return n < 0 || (size_t)n >= len ? 0 : n;
}

/* "<status>,<code>,<duration>,<hex reason>" or "-" into r. */
static bool
parse_last(const char *w, struct lb_check_result *r, bool *has)
{
	char name[32];
	int code, used = 0, st;
	unsigned dur;
	const char *hex;
	size_t i = 0;

	*has = false;
	if (!strcmp(w, "-"))
		return true;
	if (sscanf(w, "%31[^,],%d,%u,%n", name, &code, &dur, &used) != 3 || !used)
		return false;
	st = lb_check_status_from_name(name);
	if (st < 0)
		return false;
	memset(r, 0, sizeof(*r));
	r->status = (enum lb_check_status)st;
	r->code = code;
	r->duration_ms = dur;
	hex = w + used;
	if (strcmp(hex, "-") != 0)
		for (; hex[0] && hex[1] && i + 1 < sizeof(r->reason); hex += 2) {
			int h = lb_hexval((unsigned char)hex[0]);
			int l = lb_hexval((unsigned char)hex[1]);
			if (h < 0 || l < 0)
				return false;
			r->reason[i++] = (char)(h * 16 + l);
		}
	r->reason[i] = '\0';
	*has = true;
	return true;
}

/* A probe's carried counter in the new rise/fall range, keeping its verdict. */
static void
set_probe(struct lbd_health *hc, struct lbd_health_probe *p, int health, int old_rise)
{
	int full = hc->rise + hc->fall - 1;
	bool up = health >= old_rise;

	p->up = up;
	p->health = up ? LB_MIN(LB_MAX(health - old_rise + hc->rise, hc->rise), full)
		       : LB_MIN(LB_MAX(health, 0), hc->rise - 1);
	p->shown_health = p->health;
}

int
lbd_health_carry_apply(struct lbd_server *srv, const char *text)
{
	struct lbd_health *hc = srv->hc;
	char *copy, *w[CARRY_WORDS], *save = NULL, addr[CARRY_ADDR_MAX];
	struct lb_check_result chk, agt;
	bool has_chk = false, has_agt = false;
	uint64_t now = lbd_health_now();
	int n = 0, rc = 0;

	if (!hc || (!hc->chk.spec && !hc->agent.spec))
		return 0;
	copy = lb_xstrdup(text);
	for (char *t = strtok_r(copy, " ", &save); t && n < CARRY_WORDS;
	     t = strtok_r(NULL, " ", &save))
		w[n++] = t;
	server_addr(srv, addr, sizeof(addr));
	if (n != CARRY_WORDS || !parse_last(w[13], &chk, &has_chk) ||
	    !parse_last(w[14], &agt, &has_agt)) {
		lb_log_sys(LB_LOG_WARNING, "reload: health of %s/%s not carried over: malformed "
			   "state", srv->be->name, srv->name);
		goto out;
	}
	if (strcmp(w[0], addr) != 0) {
		/* HAProxy's server-state-file rule: a new address is a new server */
		lb_log_sys(LB_LOG_NOTICE, "reload: %s/%s moved from %s to %s: its health starts "
			   "afresh", srv->be->name, srv->name, w[0], addr);
		goto out;
	}
	int old_rise = atoi(w[1]);
	if (old_rise <= 0)
		goto out;
	if (hc->chk.spec && strcmp(w[3], "-") != 0) {
		set_probe(hc, &hc->chk, atoi(w[3]), old_rise);
		hc->chk.last = chk;
		hc->chk.has_last = has_chk;
		hc->enabled = atoi(w[5]) != 0;
		hc->nolb = hc->chk.up && atoi(w[6]) != 0;
	}
	if (hc->agent.spec && strcmp(w[4], "-") != 0) {
		set_probe(hc, &hc->agent, atoi(w[4]), old_rise);
		hc->agent.last = agt;
		hc->agent.has_last = has_agt;
	}
	hc->chkfail += strtoull(w[7], NULL, 10);
	hc->chkdown += strtoull(w[8], NULL, 10);
	hc->hanafail += strtoull(w[9], NULL, 10);
	hc->downtime_ms += strtoull(w[11], NULL, 10);
	long long chg = atoll(w[10]), down = atoll(w[12]);
	if (chg >= 0 && (uint64_t)chg < now)
		hc->lastchg_ms = now - (uint64_t)chg;
	srv->health_up = hc->chk.up && hc->agent.up;
	if (!srv->health_up)
		hc->down_since_ms = down >= 0 && (uint64_t)down < now ? now - (uint64_t)down : now;
	lbd_server_update_weight(srv);
	rc = 1;
out:
	free(copy);
	return rc;
}

/* ---- HAProxy's server state file columns (lbd/server_state.c) ---- */

/* HAProxy's HCHK_STATUS_* numbers of our statuses (HAProxy's enum order) */
static const int hchk_status[LB_CHK__COUNT] = {
	[LB_CHK_UNK] = 0,	[LB_CHK_INI] = 1,	[LB_CHK_SOCKERR] = 5,
	[LB_CHK_L4OK] = 6,	[LB_CHK_L4TOUT] = 7,	[LB_CHK_L4CON] = 8,
	[LB_CHK_L6OK] = 9,	[LB_CHK_L6TOUT] = 10,	[LB_CHK_L6RSP] = 11,
	[LB_CHK_L7TOUT] = 12,	[LB_CHK_L7RSP] = 13,	[LB_CHK_L7OK] = 15,
	[LB_CHK_L7OKC] = 16,	[LB_CHK_L7STS] = 17,
};

enum { SRV_ST_STOPPED, SRV_ST_STARTING, SRV_ST_RUNNING, SRV_ST_STOPPING };
enum { CHK_RES_UNKNOWN, CHK_RES_NEUTRAL, CHK_RES_FAILED, CHK_RES_PASSED, CHK_RES_CONDPASS };
#define CHK_ST_CONFIGURED 0x02
#define CHK_ST_ENABLED 0x04
#define CHK_ST_PAUSED 0x08
#define CHK_ST_AGENT 0x10

void
lbd_health_state_get(const struct lbd_runtime *rt, const struct lbd_server *srv,
		     struct lbd_health_state *st)
{
	const struct lbd_health *hc = srv->hc;
	struct lbd_health_view v;
	bool maint = __atomic_load_n(&srv->admin, __ATOMIC_RELAXED) == LBD_SRV_MAINT;

	memset(st, 0, sizeof(*st));
	lbd_health_view(rt, srv, &v);
	st->lastchg_s = (long long)v.lastchg_s;
	st->admin_maint = maint;
	if (maint || !__atomic_load_n(&srv->health_up, __ATOMIC_RELAXED))
		st->op_state = SRV_ST_STOPPED;	/* HAProxy: maintenance stops it too */
	else if (hc && __atomic_load_n(&hc->nolb, __ATOMIC_RELAXED))
		st->op_state = SRV_ST_STOPPING;
	else if (hc && __atomic_load_n(&hc->ramp, __ATOMIC_RELAXED) < LBD_HEALTH_RAMP_FULL)
		st->op_state = SRV_ST_STARTING;
	else
		st->op_state = SRV_ST_RUNNING;
	if (v.has_check) {
		int s = v.check_status[0] ? lb_check_status_from_name(v.check_status) : LB_CHK_INI;
		bool ok = s >= 0 && lb_check_status_ok((enum lb_check_status)s);

		st->check_status = s >= 0 && s < LB_CHK__COUNT ? hchk_status[s] : 0;
		st->check_result = !v.check_status[0] ? CHK_RES_UNKNOWN
				   : !ok			? CHK_RES_FAILED
				   : s == LB_CHK_L7OKC		? CHK_RES_CONDPASS
								: CHK_RES_PASSED;
		st->check_health = v.health;
		st->check_state = CHK_ST_CONFIGURED | (v.enabled ? CHK_ST_ENABLED : 0) |
				  (maint ? CHK_ST_PAUSED : 0);
	}
	if (v.has_agent)
		st->agent_state = CHK_ST_AGENT | CHK_ST_CONFIGURED | CHK_ST_ENABLED;
}

void
lbd_health_state_set(struct lbd_server *srv, const struct lbd_health_state *st)
{
	struct lbd_health *hc = srv->hc;
	uint64_t now = lbd_health_now();
	bool stopped = st->op_state == SRV_ST_STOPPED, chk, agt, blame_agent;
	int full;

	if (!hc || (!hc->chk.spec && !hc->agent.spec))
		return;
	full = hc->rise + hc->fall - 1;
	chk = hc->chk.spec && (st->check_state & CHK_ST_CONFIGURED);
	agt = hc->agent.spec && (st->agent_state & CHK_ST_CONFIGURED);
	/* stopped outside maintenance: by its check, unless the check's counter says up and an
	 * agent runs (the agent said down); in maintenance the counter tells */
	blame_agent = stopped && !st->admin_maint && agt &&
		      (!chk || st->check_health >= hc->rise);
	if (chk) {
		int h = LB_MIN(LB_MAX(st->check_health, 0), full);

		if (stopped && !st->admin_maint && !blame_agent)
			h = LB_MIN(h, hc->rise - 1);
		else if (!stopped)
			h = LB_MAX(h, hc->rise);
		hc->chk.health = hc->chk.shown_health = h;
		hc->chk.up = h >= hc->rise;
		hc->enabled = (st->check_state & CHK_ST_ENABLED) != 0;
		hc->nolb = hc->chk.up && st->op_state == SRV_ST_STOPPING;
		for (int s = 0; s < LB_CHK__COUNT; s++)
			if (hchk_status[s] == st->check_status && s > LB_CHK_INI) {
				memset(&hc->chk.last, 0, sizeof(hc->chk.last));
				hc->chk.last.status = (enum lb_check_status)s;
				hc->chk.last.code = -1;
				hc->chk.has_last = true;
			}
	}
	if (blame_agent) {
		hc->agent.health = hc->agent.shown_health = 0;
		hc->agent.up = false;
	}
	if (st->lastchg_s >= 0 && (uint64_t)st->lastchg_s * 1000 < now)
		hc->lastchg_ms = now - (uint64_t)st->lastchg_s * 1000;
	srv->health_up = hc->chk.up && hc->agent.up;
	if (!srv->health_up)
		hc->down_since_ms = hc->lastchg_ms ? hc->lastchg_ms : now;
}
