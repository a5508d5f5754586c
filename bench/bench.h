/*
 * bench.h: what every bench_*.c shares: the corpus in memory, its
 * reference figures, the checks, and the timing loop.
 *
 * A benchmark loads the corpus that tools/gencorpus wrote (argv[1], or
 * build/bench/corpus.log) with the summary gencorpus wrote next to it
 * (<corpus>.meta: events, records, counts per type). It first checks that
 * the code under test gives those reference figures, and fails (exit 1)
 * when it does not; only then does it time. bench_run() runs the body
 * BENCH_WARMUP times untimed (default 1), then BENCH_ITERS times (default
 * 5) under CLOCK_MONOTONIC and CLOCK_PROCESS_CPUTIME_ID (the CPU of every
 * thread of the process), and prints one line:
 *
 *   BENCH name=record.parse_line items=1201234 unit=record iters=5
 *         cpu_ns=41.2 cpu_ns_min=40.9 wall_ns=41.3 rate=24.21M/s
 *
 * cpu_ns and wall_ns are medians per item, rate is items per wall
 * second at the median. bench/run.sh reads these lines.
 */
#ifndef PAUDITD_BENCH_H
#define PAUDITD_BENCH_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../src/source/source.h"

#define BENCH_DEFAULT_CORPUS	"build/bench/corpus.log"
#define BENCH_ITERS_MAX		100

/* The corpus: the whole file in memory, and where each line is. */
struct bench_corpus {
	const char	*path;
	char		*buf;
	size_t		 len;
	size_t		 nlines;
	size_t		*off;		/* start of each line */
	size_t		*llen;		/* length of each line, without '\n' */
};

typedef void bench_fn(void *arg);

static inline void __attribute__((noreturn, format(printf, 1, 2)))
bench_fail(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "bench: FAIL: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

#define BENCH_CHECK(cond, ...) do {					\
	if (!(cond))							\
		bench_fail(__VA_ARGS__);				\
} while (0)

static inline uint64_t
bench_clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline const char *
bench_corpus_path(int argc, char **argv)
{
	return argc > 1 ? argv[1] : BENCH_DEFAULT_CORPUS;
}

/* Read the whole corpus and index its lines. Exits on error. */
static inline void
bench_corpus_load(struct bench_corpus *c, const char *path)
{
	struct stat st;
	size_t got = 0, i, n = 0, start = 0;
	ssize_t r;
	int fd;

	memset(c, 0, sizeof(*c));
	c->path = path;
	if ((fd = open(path, O_RDONLY)) < 0 || fstat(fd, &st) < 0)
		bench_fail("%s: %s (run bench/run.sh, or tools/gencorpus -o %s -m %s.meta)",
		    path, strerror(errno), path, path);
	c->len = (size_t)st.st_size;
	/* The '\n' added below, and the sources' slack. */
	if ((c->buf = calloc(1, c->len + 1 + SOURCE_PAD)) == NULL)
		bench_fail("out of memory for %zu bytes", c->len);
	while (got < c->len) {
		r = read(fd, c->buf + got, c->len - got);
		if (r <= 0)
			bench_fail("%s: short read", path);
		got += (size_t)r;
	}
	close(fd);
	c->buf[c->len] = '\n';
	for (i = 0; i < c->len; i++)
		n += c->buf[i] == '\n';
	if (c->len > 0 && c->buf[c->len - 1] != '\n')
		n++;
	c->off = malloc(n * sizeof(*c->off) + 1);
	c->llen = malloc(n * sizeof(*c->llen) + 1);
	if (c->off == NULL || c->llen == NULL)
		bench_fail("out of memory for the line index");
	for (i = 0; i < c->len; i++) {
		if (c->buf[i] != '\n')
			continue;
		c->off[c->nlines] = start;
		c->llen[c->nlines++] = i - start;
		start = i + 1;
	}
	if (start < c->len) {
		c->off[c->nlines] = start;
		c->llen[c->nlines++] = c->len - start;
	}
}

static inline void
bench_corpus_free(struct bench_corpus *c)
{
	free(c->buf);
	free(c->off);
	free(c->llen);
	memset(c, 0, sizeof(*c));
}

static inline const char *
bench_line(const struct bench_corpus *c, size_t i, size_t *ret_len)
{
	*ret_len = c->llen[i];
	return c->buf + c->off[i];
}

/* A reference figure from <corpus>.meta ("key=value" lines). Exits if absent. */
static inline uint64_t
bench_meta(const struct bench_corpus *c, const char *key)
{
	char path[4096], line[256];
	size_t kl = strlen(key);
	FILE *f;

	snprintf(path, sizeof(path), "%s.meta", c->path);
	if ((f = fopen(path, "r")) == NULL)
		bench_fail("%s: %s (tools/gencorpus -m writes it)", path, strerror(errno));
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, key, kl) == 0 && line[kl] == '=') {
			fclose(f);
			return strtoull(line + kl + 1, NULL, 10);
		}
	}
	fclose(f);
	bench_fail("%s: no %s=", path, key);
}

static inline int
bench_env_int(const char *name, int def, int lo, int hi)
{
	const char *v = getenv(name);
	int n;

	if (v == NULL || *v == '\0')
		return def;
	n = atoi(v);
	return n < lo ? lo : n > hi ? hi : n;
}

static inline int
bench_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Run fn(arg) BENCH_WARMUP times, then BENCH_ITERS timed times; each call
 * handles `items` items (records, events). Prints the BENCH line and
 * returns the median CPU ns per item.
 */
static inline double
bench_run(const char *name, const char *unit, uint64_t items, bench_fn *fn,
    void *arg)
{
	uint64_t cpu[BENCH_ITERS_MAX], wall[BENCH_ITERS_MAX], w0, c0;
	int warm = bench_env_int("BENCH_WARMUP", 1, 0, 100);
	int iters = bench_env_int("BENCH_ITERS", 5, 1, BENCH_ITERS_MAX), i;
	double cpu_ns, cpu_min, wall_ns, rate;

	BENCH_CHECK(items > 0, "%s: nothing to time", name);
	for (i = 0; i < warm; i++)
		fn(arg);
	for (i = 0; i < iters; i++) {
		w0 = bench_clock_ns(CLOCK_MONOTONIC);
		c0 = bench_clock_ns(CLOCK_PROCESS_CPUTIME_ID);
		fn(arg);
		cpu[i] = bench_clock_ns(CLOCK_PROCESS_CPUTIME_ID) - c0;
		wall[i] = bench_clock_ns(CLOCK_MONOTONIC) - w0;
	}
	qsort(cpu, (size_t)iters, sizeof(cpu[0]), bench_cmp_u64);
	qsort(wall, (size_t)iters, sizeof(wall[0]), bench_cmp_u64);
	cpu_ns = (double)cpu[iters / 2] / (double)items;
	cpu_min = (double)cpu[0] / (double)items;
	wall_ns = (double)wall[iters / 2] / (double)items;
	rate = wall_ns > 0 ? 1e3 / wall_ns : 0;	/* millions per second */
	printf("BENCH name=%s items=%llu unit=%s iters=%d cpu_ns=%.1f"
	    " cpu_ns_min=%.1f wall_ns=%.1f rate=%.2fM/s\n", name,
	    (unsigned long long)items, unit, iters, cpu_ns, cpu_min, wall_ns, rate);
	fflush(stdout);
	return cpu_ns;
}

#endif
