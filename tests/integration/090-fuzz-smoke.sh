#!/bin/bash
# tests/integration/090-fuzz-smoke.sh: bounded fuzzing of the HTTP/1 and config parsers
#
# 1. The smoke binaries built by `make check` (targets + tests/fuzz/driver.c) run seeded
#    random mutations of tests/fuzz/corpus/* for a few seconds each.
# 2. When clang can build -fsanitize=fuzzer binaries, the same targets are built here as
#    libFuzzer binaries (with ASan and UBSan) in a temporary directory and run for
#    LB_FUZZ_SECONDS (15) each; new corpus entries stay in the temporary directory.
# Output is TAP. Replay a smoke failure with the seed it prints:
#    tests/fuzz/fuzz_http1_smoke -s SEED -n N -w crash.bin -x tests/fuzz/http1.dict \
#        tests/fuzz/corpus/http1
# Environment: top_srcdir, top_builddir (set by make check), LB_FUZZ_SEED (20240611),
# LB_FUZZ_SMOKE_SECONDS (5 per target), LB_FUZZ_SECONDS (15), CLANG (clang),
# LB_FUZZ_NO_LIBFUZZER=1 skips part 2.

# The whole script runs under timeout(1), so it can never hang a test run.
if [ -z "${LB_IN_TIMEOUT:-}" ]; then
	export LB_IN_TIMEOUT=1
	exec timeout -k 5 "${LB_TEST_TIMEOUT:-300}" bash "$0" "$@"
fi
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${LB_FUZZ_SEED:=20240611}"
: "${LB_FUZZ_SMOKE_SECONDS:=5}"
: "${LB_FUZZ_SECONDS:=15}"
: "${CLANG:=clang}"
FZ=$top_srcdir/tests/fuzz

T=$(mktemp -d "${TMPDIR:-/tmp}/lbfuzz.XXXXXX") || { echo "Bail out! mktemp failed"; exit 1; }
KEEP=0
cleanup() { [ "$KEEP" = 1 ] || rm -rf "$T"; }
trap cleanup EXIT

N=0
FAILED=0
pass() { N=$((N + 1)); echo "ok $N - $1"; }
fail() { N=$((N + 1)); FAILED=$((FAILED + 1)); KEEP=1; echo "not ok $N - $1"; }
skip() { N=$((N + 1)); echo "ok $N - $1 # SKIP $2"; }
diag_tail() { tail -n "${2:-20}" "$1" | cut -c1-300 | sed 's/^/#   /'; }

# ---- 1. smoke runs ----
for target in http1 cfg; do
	bin=$top_builddir/tests/fuzz/fuzz_${target}_smoke
	desc="fuzz smoke $target (seed $LB_FUZZ_SEED, ${LB_FUZZ_SMOKE_SECONDS}s)"
	if [ ! -x "$bin" ]; then
		fail "$desc"
		echo "# $bin not built (make check builds it)"
		continue
	fi
	if "$bin" -s "$LB_FUZZ_SEED" -n 1000000000 -t "$LB_FUZZ_SMOKE_SECONDS" \
		-x "$FZ/$target.dict" "$FZ/corpus/$target" >"$T/smoke-$target.log" 2>&1; then
		pass "$desc"
		sed -n '$s/^/# /p' "$T/smoke-$target.log"
	else
		fail "$desc"
		diag_tail "$T/smoke-$target.log"
	fi
done

# ---- 2. libFuzzer ----
# build_libfuzzer TARGET OUT EXTRA_SOURCES...: builds the target with clang's libFuzzer.
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
CFLAGS_FZ="-std=c11 -D_GNU_SOURCE -g -O1 -I$top_srcdir/common -I$top_srcdir/lbd -I$FZ"
CFLAGS_FZ="$CFLAGS_FZ -I$top_builddir"
# what libcommon links with (configure.ac); a package missing here only fails the link
PKG_MODS="libevent msgpack gnutls libpcre2-8"
PKG_CFLAGS=$(pkg-config --cflags $PKG_MODS 2>/dev/null || true)
PKG_LIBS=$(pkg-config --libs $PKG_MODS 2>/dev/null || true)

build_http1()
{
	# shellcheck disable=SC2086
	"$CLANG" $CFLAGS_FZ $SAN -fsanitize=fuzzer "$FZ/fuzz_http1.c" "$top_srcdir/lbd/http1.c" \
		-o "$T/lf_http1" >"$T/build-http1.log" 2>&1
}

# the config parser is most of libcommon: compile the files common/Makemodule.am lists,
# instrumented, into an archive, and let the linker take what fuzz_cfg.c needs
build_cfg()
{
	local srcs f o objs=""
	srcs=$(grep -o 'common/[A-Za-z0-9_]*\.c' "$top_srcdir/common/Makemodule.am" | sort -u)
	mkdir -p "$T/obj"
	for f in $srcs; do
		o=$T/obj/$(basename "$f" .c).o
		# shellcheck disable=SC2086
		"$CLANG" $CFLAGS_FZ $PKG_CFLAGS $SAN -fsanitize=fuzzer-no-link -c \
			"$top_srcdir/$f" -o "$o" >>"$T/build-cfg.log" 2>&1 || return 1
		objs="$objs $o"
	done
	# shellcheck disable=SC2086
	ar rcs "$T/libcommon_fuzz.a" $objs >>"$T/build-cfg.log" 2>&1 &&
	"$CLANG" $CFLAGS_FZ $SAN -fsanitize=fuzzer "$FZ/fuzz_cfg.c" "$T/libcommon_fuzz.a" \
		$PKG_LIBS -lm -pthread -Wl,--wrap=getaddrinfo -o "$T/lf_cfg" \
		>>"$T/build-cfg.log" 2>&1
}

have_libfuzzer()
{
	printf '%s\n' 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n);' \
		'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)' \
		'{ (void)d; (void)n; return 0; }' >"$T/probe.c"
	command -v "$CLANG" >/dev/null 2>&1 &&
		"$CLANG" -fsanitize=fuzzer "$T/probe.c" -o "$T/probe" >/dev/null 2>&1
}

if [ "${LB_FUZZ_NO_LIBFUZZER:-0}" = 1 ]; then
	why="LB_FUZZ_NO_LIBFUZZER=1"
elif ! have_libfuzzer; then
	why="$CLANG -fsanitize=fuzzer not available"
else
	why=""
fi
for target in http1 cfg; do
	if [ -n "$why" ]; then
		skip "libFuzzer build of $target" "$why"
		skip "libFuzzer run of $target" "$why"
		continue
	fi
	if "build_$target"; then
		pass "libFuzzer build of $target"
	else
		fail "libFuzzer build of $target"
		diag_tail "$T/build-$target.log"
		skip "libFuzzer run of $target" "build failed"
		continue
	fi
	mkdir -p "$T/corpus-$target"
	if "$T/lf_$target" -max_total_time="$LB_FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
		-dict="$FZ/$target.dict" -artifact_prefix="$T/" -print_final_stats=1 \
		"$T/corpus-$target" "$FZ/corpus/$target" >"$T/run-$target.log" 2>&1; then
		pass "libFuzzer run of $target (${LB_FUZZ_SECONDS}s)"
		grep -E '^stat::number_of_executed_units' "$T/run-$target.log" | sed 's/^/# /'
	else
		fail "libFuzzer run of $target (${LB_FUZZ_SECONDS}s)"
		diag_tail "$T/run-$target.log" 30
		echo "# crash inputs kept in $T"
	fi
done

echo "1..$N"
[ "$FAILED" -eq 0 ]
