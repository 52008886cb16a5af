/* tests/fuzz/driver.c: a main() for fuzz targets without libFuzzer: seeded random mutations */
/*
 * Runs every seed file once as is, then mutates random seeds for a bounded number of
 * iterations and seconds, calling the target's LLVMFuzzerTestOneInput() on each input. The
 * run is a pure function of the seed, the corpus and the iteration count, so a failure is
 * replayed with the same -s/-n and -w to capture the input that broke. It has no coverage
 * feedback: it is a smoke test that keeps the targets building and finds shallow bugs; real
 * fuzzing uses the same target built with clang -fsanitize=fuzzer.
 *
 * Every input is handed over in a heap block of exactly its size, so a sanitizer build
 * catches reads past the end as libFuzzer would.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"

#define LB_FUZZ_MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX_SEEDS 1024
#define MAX_TOKENS 512

struct blob {
	uint8_t *p;
	size_t len;
};

static struct blob seeds[MAX_SEEDS];
static size_t nseeds;
static struct blob tokens[MAX_TOKENS];
static size_t ntokens;
static uint64_t rng_state;

static const uint8_t interesting[] = {
	0, '\r', '\n', ' ', '\t', ':', ',', ';', '"', '\'', '\\', '=', '#', '$', '{', '}', '0',
	'9', 'a', 'f', 'F', 'x', 0x7f, 0x80, 0xff, '/', '*', '%',
};

/* xorshift64*: small, fast, reproducible on every platform */
static uint64_t
rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static size_t
rnd_below(size_t n)
{
	return n ? (size_t)(rnd() % n) : 0;
}

static void
die(const char *what, const char *arg)
{
	fprintf(stderr, "fuzz driver: %s%s%s\n", what, arg ? ": " : "", arg ? arg : "");
	exit(2);
}

static void
add_seed(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct blob *b;
	long n = -1;

	if (!f)
		die(strerror(errno), path);
	if (nseeds == MAX_SEEDS)
		die("too many seed files", path);
	b = &seeds[nseeds++];
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		die("cannot size", path);
	b->len = (size_t)n;
	b->p = malloc(b->len + 1);
	if (!b->p || fread(b->p, 1, b->len, f) != b->len)
		die("cannot read", path);
	fclose(f);
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A file, or every regular file of a directory, in name order (for reproducible runs). */
static void
add_path(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	char *names[MAX_SEEDS];
	size_t n = 0;

	if (stat(path, &st) < 0)
		die(strerror(errno), path);
	if (!S_ISDIR(st.st_mode)) {
		add_seed(path);
		return;
	}
	d = opendir(path);
	if (!d)
		die(strerror(errno), path);
	while ((de = readdir(d))) {
		char full[4096];
		if (de->d_name[0] == '.')
			continue;
		if (n == MAX_SEEDS)
			die("too many seed files", path);
		snprintf(full, sizeof(full), "%s/%s", path, de->d_name);
		if (stat(full, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		names[n] = strdup(full);
		if (!names[n])
			die("out of memory", NULL);
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_names);
	for (size_t i = 0; i < n; i++) {
		add_seed(names[i]);
		free(names[i]);
	}
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A dictionary in libFuzzer's format: one `"token"` (optionally `name="token"`) per line,
 * with \\, \" and \xNN escapes; '#' lines are comments. */
static void
load_dict(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024];

	if (!f)
		die(strerror(errno), path);
	while (fgets(line, sizeof(line), f)) {
		char *q = strchr(line, '"'), *e;
		uint8_t tok[512];
		size_t n = 0;

		if (line[strspn(line, " \t")] == '#' || !q)
			continue;
		e = strrchr(line, '"');
		if (e == q)
			die("unterminated token in dictionary", path);
		for (char *s = q + 1; s < e && n < sizeof(tok); s++) {
			if (*s == '\\' && s + 1 < e) {
				s++;
				if (*s == 'x' && s + 2 < e && hexval(s[1]) >= 0 &&
				    hexval(s[2]) >= 0) {
					tok[n++] = (uint8_t)(hexval(s[1]) * 16 + hexval(s[2]));
					s += 2;
					continue;
				}
			}
			tok[n++] = (uint8_t)*s;
		}
		if (!n)
			continue;
		if (ntokens == MAX_TOKENS)
			die("too many dictionary tokens", path);
		tokens[ntokens].p = malloc(n);
		if (!tokens[ntokens].p)
			die("out of memory", NULL);
		memcpy(tokens[ntokens].p, tok, n);
		tokens[ntokens++].len = n;
	}
	fclose(f);
}

/* Inserts n bytes at pos if they fit in max. */
static void
insert(uint8_t *buf, size_t *len, size_t max, size_t pos, const uint8_t *src, size_t n)
{
	if (*len + n > max)
		return;
	memmove(buf + pos + n, buf + pos, *len - pos);
	memcpy(buf + pos, src, n);
	*len += n;
}

static void
mutate(uint8_t *buf, size_t *len, size_t max)
{
	size_t pos = rnd_below(*len + 1), n;
	uint8_t tmp[64];

	switch (rnd_below(10)) {
	case 0:	/* flip a bit */
		if (*len)
			buf[rnd_below(*len)] ^= (uint8_t)(1u << rnd_below(8));
		break;
	case 1:	/* overwrite a byte with a syntax-significant one */
		if (*len)
			buf[rnd_below(*len)] = interesting[rnd_below(sizeof(interesting))];
		break;
	case 2:	/* overwrite a byte with anything */
		if (*len)
			buf[rnd_below(*len)] = (uint8_t)rnd();
		break;
	case 3:	/* insert a syntax-significant byte */
		tmp[0] = interesting[rnd_below(sizeof(interesting))];
		insert(buf, len, max, pos, tmp, 1);
		break;
	case 4:	/* delete a short range */
		if (pos < *len) {
			n = 1 + rnd_below(LB_FUZZ_MIN(*len - pos, 16));
			memmove(buf + pos, buf + pos + n, *len - pos - n);
			*len -= n;
		}
		break;
	case 5:	/* duplicate a range somewhere else */
		if (*len) {
			size_t from = rnd_below(*len);
			n = 1 + rnd_below(LB_FUZZ_MIN(*len - from, sizeof(tmp)));
			memcpy(tmp, buf + from, n);
			insert(buf, len, max, pos, tmp, n);
		}
		break;
	case 6:	/* insert a dictionary token */
	case 7:
		if (ntokens) {
			const struct blob *t = &tokens[rnd_below(ntokens)];
			insert(buf, len, max, pos, t->p, t->len);
		}
		break;
	case 8:	/* splice: keep a head, append the tail of another seed */
		if (nseeds) {
			const struct blob *s = &seeds[rnd_below(nseeds)];
			size_t from = rnd_below(s->len + 1);
			n = LB_FUZZ_MIN(s->len - from, max - pos);
			memcpy(buf + pos, s->p + from, n);
			*len = pos + n;
		}
		break;
	default:	/* truncate */
		*len = pos;
		break;
	}
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double slow_ms;	/* -T: report inputs slower than this; 0: off */
static unsigned long nslow;

/* Runs the target on a private copy of exactly len bytes, after saving it if asked. */
static void
run_one(const uint8_t *data, size_t len, const char *save)
{
	uint8_t *copy = malloc(len ? len : 1);
	double t0 = slow_ms > 0 ? now_s() : 0;

	if (!copy)
		die("out of memory", NULL);
	memcpy(copy, data, len);
	if (save) {
		FILE *f = fopen(save, "wb");
		if (!f || fwrite(data, 1, len, f) != len || fclose(f))
			die("cannot write", save);
	}
	LLVMFuzzerTestOneInput(copy, len);
	free(copy);
	if (slow_ms > 0 && (now_s() - t0) * 1000 > slow_ms) {
		char name[64];
		FILE *f;

		snprintf(name, sizeof(name), "slow-%lu.bin", nslow++);
		f = fopen(name, "wb");
		if (!f || fwrite(data, 1, len, f) != len || fclose(f))
			die("cannot write", name);
		printf("fuzz driver: slow input (%.1f ms, %zu bytes) saved as %s\n",
		       (now_s() - t0) * 1000, len, name);
	}
}

static void
usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [-n iterations] [-t seconds] [-s seed] [-m max_len] [-x dict]\n"
		"          [-w file] [-T ms] CORPUS_FILE_OR_DIR...\n"
		"  Runs each seed once, then mutated inputs until -n iterations (default 100000)\n"
		"  or -t seconds (default 10) run out. -w writes each input to `file` before\n"
		"  running it, to capture the one that crashes when replaying with the same\n"
		"  -s/-n. -T saves inputs that take more than `ms` as slow-N.bin in the\n"
		"  current directory.\n",
		argv0);
	exit(2);
}

int
main(int argc, char **argv)
{
	unsigned long long iters = 100000, seed = 0;
	double limit = 10, t0;
	size_t max = 16384;
	const char *save = NULL;
	uint8_t *buf;
	unsigned long long i;
	int opt;

	while ((opt = getopt(argc, argv, "n:t:s:m:x:w:T:h")) != -1) {
		switch (opt) {
		case 'n':
			iters = strtoull(optarg, NULL, 10);
			break;
		case 't':
			limit = strtod(optarg, NULL);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'm':
			max = (size_t)strtoull(optarg, NULL, 10);
			if (max < 64)
				max = 64;
			break;
		case 'x':
			load_dict(optarg);
			break;
		case 'w':
			save = optarg;
			break;
		case 'T':
			slow_ms = strtod(optarg, NULL);
			break;
		default:
			usage(argv[0]);
		}
	}
	if (optind >= argc)
		usage(argv[0]);
	for (int a = optind; a < argc; a++)
		add_path(argv[a]);
	if (!seed)
		seed = (unsigned long long)time(NULL) ^ ((unsigned long long)getpid() << 20);
	rng_state = seed ? seed : 1;
	printf("fuzz driver: %zu seeds, %zu tokens, seed %llu (replay: -s %llu)\n", nseeds,
	       ntokens, seed, seed);
	fflush(stdout);

	t0 = now_s();
	for (size_t s = 0; s < nseeds; s++)
		run_one(seeds[s].p, LB_FUZZ_MIN(seeds[s].len, max), save);
	buf = malloc(max);
	if (!buf)
		die("out of memory", NULL);
	for (i = 0; i < iters; i++) {
		size_t len = 0, nmut = 1 + rnd_below(8);

		if ((i & 255) == 0 && now_s() - t0 > limit)
			break;
		if (nseeds) {
			const struct blob *s = &seeds[rnd_below(nseeds)];
			len = LB_FUZZ_MIN(s->len, max);
			memcpy(buf, s->p, len);
		}
		for (size_t m = 0; m < nmut; m++)
			mutate(buf, &len, max);
		run_one(buf, len, save);
	}
	printf("fuzz driver: %llu mutated runs in %.1f s, no failure\n", i, now_s() - t0);
	free(buf);
	return 0;
}
