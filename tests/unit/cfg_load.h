/* tests/unit/cfg_load.h: loading a configuration from a string in the Check unit tests, with
 * the diagnostics as text (test_cfg, test_check) */
#ifndef LB_TEST_CFG_LOAD_H
#define LB_TEST_CFG_LOAD_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "diag.h"

/* Everything the collector holds, in the GNU form (caller frees). */
static inline char *
diag_text(const struct lb_diag *d)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	lb_diag_print(d, f);
	fclose(f);
	return buf;
}

/* Parses (and finalizes when parsing went well) text as "t.cfg". Returns the status. */
static inline int
load(struct lb_cfg *cfg, struct lb_diag *d, const char *text)
{
	lb_diag_init(d);
	lb_cfg_init(cfg);
	if (lb_cfg_parse_buffer(cfg, "t.cfg", text, strlen(text), d) < 0)
		return -1;
	return lb_cfg_finalize(cfg, d);
}

/* Loads text, expects failure and `expect` among the messages. */
static inline void
expect_error(const char *text, const char *expect)
{
	struct lb_cfg cfg;
	struct lb_diag d;
	int rc = load(&cfg, &d, text);
	char *out = diag_text(&d);

	ck_assert_msg(rc < 0, "expected an error for:\n%s\ngot:\n%s", text, out);
	ck_assert_msg(strstr(out, expect), "expected '%s' in:\n%s", expect, out);
	free(out);
	lb_cfg_free(&cfg);
	lb_diag_free(&d);
}

/* Loads text into cfg (the caller frees it), expects success without errors and `expect`
 * (NULL: nothing in particular) among the messages. */
static inline void
expect_ok(struct lb_cfg *cfg, const char *text, const char *expect)
{
	struct lb_diag d;
	int rc = load(cfg, &d, text);
	char *out = diag_text(&d);

	ck_assert_msg(rc == 0 && d.nerrors == 0, "expected success for:\n%s\ngot:\n%s", text,
		      out);
	if (expect)
		ck_assert_msg(strstr(out, expect), "expected '%s' in:\n%s", expect, out);
	free(out);
	lb_diag_free(&d);
}

#endif
