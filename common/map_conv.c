/* common/map_conv.c: the map converters - map(<file>[,<default>]) and
 * map_<match>[_<output>](<file>[,<default>]) - over the shared pattern files of map.h
 *
 * The converter's name says how the sample is matched against the keys (str, beg, sub, dir,
 * dom, end, reg, ip, int; plain "map" is map_str) and what type the value is given as (str
 * when not said, int, ip). The file is loaded when the configuration is, once per path;
 * every lookup reads the file's live version, so map edits on the control socket apply to
 * the next request. No key matched: the default if there is one, else no sample.
 */
#include "acl_priv.h"

#include <string.h>

#include "map.h"
#include "util.h"

int
lb_acl_map_arg(struct lb_acl_arg *a, const char *conv, char *err, size_t errlen)
{
	char match[16] = "str";
	const char *out = "str";
	int kind;

	if (strncmp(conv, "map_", 4) == 0) {
		const char *m = conv + 4, *us = strchr(m, '_');
		size_t ml = us ? (size_t)(us - m) : strlen(m);
		if (ml >= sizeof(match)) {
			snprintf(err, errlen, "unknown map converter '%s'", conv);
			return -1;
		}
		memcpy(match, m, ml);
		match[ml] = '\0';
		if (us)
			out = us + 1;
	}
	kind = lb_pat_kind_find(match);
	if (kind < 0) {
		snprintf(err, errlen, "unknown map converter '%s'", conv);
		return -1;
	}
	a->pat_kind = kind;
	a->pat_out = !strcmp(out, "int") ? LB_SMP_INT : !strcmp(out, "ip") ? LB_SMP_IP : LB_SMP_STR;
	a->pf = lb_pat_file_get(a->s, true, (enum lb_pat_kind)kind, false, err, errlen);
	return a->pf ? 0 : -1;
}

/* Gives the value text v as the converter's output type. */
static bool
map_output(struct lb_acl_run *run, const struct lb_acl_arg *a, const char *v, size_t len,
	   struct lb_smp *smp)
{
	smp->type = LB_SMP_STR;
	smp->s = v;
	smp->len = len;
	return lb_smp_cast(run, smp, a->pat_out);
}

bool
lb_acl_conv_map(struct lb_acl_run *run, const struct lb_acl_arg *args, struct lb_smp *smp)
{
	const struct lb_acl_arg *a = &args[0];
	struct lb_pat_key key = { .s = smp->s, .len = smp->len, .ip = smp->ip, .i = smp->i };
	const char *v;
	size_t len;
	void *md = a->pat_kind == LB_PAT_REG ? lb_acl_run_md(run) : NULL;

	if (lb_pat_lookup(a->pf, (enum lb_pat_kind)a->pat_kind, false, &key, md, &v, &len))
		return map_output(run, a, v, len, smp);
	if (args[1].kind)
		return map_output(run, a, args[1].s, args[1].len, smp);
	return false;
}
