/* tests/fuzz/fuzz_cfg.c: fuzz target for the config parser (parse, then merge and validate) */
/*
 * The input is a whole config file. It goes through exactly what lbd and lbcheck do:
 * lb_cfg_parse_buffer(), then lb_cfg_finalize() when parsing succeeded, then the
 * diagnostics are rendered both ways. Besides memory errors (sanitizers), the checks are the
 * API's contracts: -1 exactly when an error was reported, counters that match the entries,
 * positions inside the input, and everything freed (LeakSanitizer).
 *
 * A fuzzed config names random hosts, and a DNS query can stall for seconds: the target is
 * linked with -Wl,--wrap=getaddrinfo, and the wrapper below lets only numeric addresses
 * resolve (every name fails fast as "cannot resolve", which still exercises that path).
 */
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>

#include "cfg.h"
#include "diag.h"
#include "fuzz.h"

int __real_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
			struct addrinfo **res);
int __wrap_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
			struct addrinfo **res);

int
__wrap_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
		   struct addrinfo **res)
{
	struct addrinfo h = { 0 };

	if (hints)
		h = *hints;
	h.ai_flags |= AI_NUMERICHOST;
	return __real_getaddrinfo(node, service, &h, res);
}

static void
check_diag(const struct lb_diag *d, int rc, size_t nlines)
{
	size_t errors = 0, warnings = 0;

	FUZZ_CHECK(rc == 0 || rc == -1);
	FUZZ_CHECK((rc == -1) == (d->nerrors > 0));
	FUZZ_CHECK(d->n <= d->cap);
	for (size_t i = 0; i < d->n; i++) {
		const struct lb_diag_entry *e = &d->v[i];
		FUZZ_CHECK(e->msg != NULL);
		FUZZ_CHECK(e->line >= 0 && (size_t)e->line <= nlines + 1);
		FUZZ_CHECK(e->col >= 0);
		if (e->sev == LB_DIAG_ERROR)
			errors++;
		else if (e->sev == LB_DIAG_WARNING)
			warnings++;
	}
	/* past LB_DIAG_MAX_ENTRIES the counters go on without entries */
	if (d->n < LB_DIAG_MAX_ENTRIES)
		FUZZ_CHECK(errors == d->nerrors && warnings == d->nwarnings);
	else
		FUZZ_CHECK(errors <= d->nerrors && warnings <= d->nwarnings);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	struct lb_cfg cfg;
	struct lb_diag d;
	size_t nlines = 0;
	int rc;

	if (!sink)
		sink = fopen("/dev/null", "w");
	FUZZ_CHECK(sink != NULL);
	for (size_t i = 0; i < size; i++)
		nlines += data[i] == '\n';

	lb_diag_init(&d);
	lb_cfg_init(&cfg);
	rc = lb_cfg_parse_buffer(&cfg, "fuzz.cfg", (const char *)data, size, &d);
	check_diag(&d, rc, nlines);
	if (rc == 0) {
		rc = lb_cfg_finalize(&cfg, &d);
		check_diag(&d, rc, nlines);
	}
	lb_diag_print(&d, sink);
	lb_diag_print_json(&d, sink);
	lb_cfg_free(&cfg);
	lb_diag_free(&d);
	return 0;
}
