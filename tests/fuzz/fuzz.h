/* tests/fuzz/fuzz.h: the libFuzzer entry point every target defines, and a checking helper
 *
 * A target is one C file defining LLVMFuzzerTestOneInput(). It builds two ways: with clang
 * -fsanitize=fuzzer as a real libFuzzer binary, and with any compiler linked to driver.c,
 * a bounded, seeded random-mutation run used as a smoke test by `make check`.
 * Targets check their own invariants and abort() on a violation, so both ways report it.
 */
#ifndef LB_FUZZ_H
#define LB_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant of the code under test; a failure prints where and aborts. */
#define FUZZ_CHECK(cond)								\
	do {										\
		if (!(cond)) {								\
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__,	\
				__LINE__, #cond);					\
			abort();							\
		}									\
	} while (0)

#endif
