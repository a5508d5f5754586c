/*
 * bench_record.c: the record parser on every line of the corpus.
 *
 * Reference first: one hand-written line (node= prefix, ENRICHED suffix)
 * must parse into known fields, and the corpus must parse without an
 * error into as many records, distinct serials and records of each type
 * as gencorpus says it wrote. Then record_parse_line is timed over every
 * line (ns per record), and record_parse, the netlink payload form, over
 * the same records from "audit(" on.
 */
#include <stdbool.h>

#include "../src/record.h"
#include "bench.h"

struct ctx {
	const struct bench_corpus	*c;
	size_t				*payload_off;	/* "audit(" within each line */
	uint32_t			*types;
	uint64_t			 sink;
};

static void
check_known_line(void)
{
	static const char line[] = "node=web01 type=SYSCALL msg=audit(1459376866.885:24211): "
	    "arch=c000003e syscall=59 key=\"exec\"\x1d" "ARCH=x86_64 SYSCALL=execve";
	struct record r;

	BENCH_CHECK(record_parse_line(line, sizeof(line) - 1, &r) == 0,
	    "known line does not parse");
	BENCH_CHECK(r.type == 1300 && r.serial == 24211 && r.time_ms == 1459376866885ull,
	    "known line: type %u serial %llu time %llu", r.type,
	    (unsigned long long)r.serial, (unsigned long long)r.time_ms);
	BENCH_CHECK(r.ts_len == 14 && memcmp(r.ts, "1459376866.885", 14) == 0,
	    "known line: timestamp %.*s", (int)r.ts_len, r.ts);
	BENCH_CHECK(r.node_len == 5 && memcmp(r.node, "web01", 5) == 0,
	    "known line: node");
	BENCH_CHECK(r.data_len == 35 &&
	    memcmp(r.data, "arch=c000003e syscall=59 key=\"exec\"", 35) == 0,
	    "known line: data \"%.*s\"", (int)r.data_len, r.data);
}

/* Parse the corpus once and compare with the generator's own counts. */
static void
check_corpus(struct ctx *x)
{
	static const char *const names[] = {
		"SYSCALL", "EXECVE", "CWD", "PATH", "PROCTITLE", "SOCKADDR",
		"CONFIG_CHANGE", "SECCOMP", "USER_LOGIN", "USER_CMD",
	};
	const struct bench_corpus *c = x->c;
	uint64_t events = bench_meta(c, "events"), distinct = 0, lo = UINT64_MAX;
	uint64_t hi = 0, count;
	unsigned char *seen;
	struct record r;
	const char *p, *a;
	size_t i, n, len;

	BENCH_CHECK(c->nlines == bench_meta(c, "records"),
	    "%zu lines, the generator wrote %llu records", c->nlines,
	    (unsigned long long)bench_meta(c, "records"));
	x->payload_off = malloc(c->nlines * sizeof(*x->payload_off));
	x->types = malloc(c->nlines * sizeof(*x->types));
	BENCH_CHECK(x->payload_off != NULL && x->types != NULL, "out of memory");
	for (i = 0; i < c->nlines; i++) {
		p = bench_line(c, i, &len);
		BENCH_CHECK(record_parse_line(p, len, &r) == 0, "line %zu does not parse", i + 1);
		a = memmem(p, len, "audit(", 6);
		BENCH_CHECK(a != NULL, "line %zu has no audit(", i + 1);
		x->payload_off[i] = (size_t)(a - p);
		x->types[i] = r.type;
		lo = r.serial < lo ? r.serial : lo;
		hi = r.serial > hi ? r.serial : hi;
	}
	BENCH_CHECK(hi - lo + 1 == events, "serials %llu..%llu for %llu events",
	    (unsigned long long)lo, (unsigned long long)hi, (unsigned long long)events);
	seen = calloc(events, 1);
	BENCH_CHECK(seen != NULL, "out of memory");
	for (i = 0; i < c->nlines; i++) {
		p = bench_line(c, i, &len);
		record_parse_line(p, len, &r);
		distinct += !seen[r.serial - lo];
		seen[r.serial - lo] = 1;
	}
	free(seen);
	BENCH_CHECK(distinct == events, "%llu distinct serials, %llu events",
	    (unsigned long long)distinct, (unsigned long long)events);
	for (n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
		char key[64];
		int t = record_type_from_name(names[n], strlen(names[n]));

		snprintf(key, sizeof(key), "type.%s", names[n]);
		for (count = 0, i = 0; i < c->nlines; i++)
			count += x->types[i] == (uint32_t)t;
		BENCH_CHECK(count == bench_meta(c, key), "%llu %s records, the generator wrote %llu",
		    (unsigned long long)count, names[n], (unsigned long long)bench_meta(c, key));
	}
}

static void
run_lines(void *arg)
{
	struct ctx *x = arg;
	struct record r;
	const char *p;
	size_t i, len;

	for (i = 0; i < x->c->nlines; i++) {
		p = bench_line(x->c, i, &len);
		if (record_parse_line(p, len, &r) == 0)
			x->sink += r.serial + r.data_len;
	}
}

static void
run_payloads(void *arg)
{
	struct ctx *x = arg;
	struct record r;
	const char *p;
	size_t i, len;

	for (i = 0; i < x->c->nlines; i++) {
		p = bench_line(x->c, i, &len);
		if (record_parse(x->types[i], p + x->payload_off[i],
		    len - x->payload_off[i], &r) == 0)
			x->sink += r.serial + r.data_len;
	}
}

int
main(int argc, char **argv)
{
	struct bench_corpus c;
	struct ctx x = { .c = &c };

	bench_corpus_load(&c, bench_corpus_path(argc, argv));
	check_known_line();
	check_corpus(&x);
	printf("bench_record: %zu records, %zu bytes: reference OK\n", c.nlines, c.len);
	bench_run("record.parse_line", "record", c.nlines, run_lines, &x);
	bench_run("record.parse_payload", "record", c.nlines, run_payloads, &x);
	if (x.sink == 0)
		printf("(nothing parsed)\n");
	free(x.payload_off);
	free(x.types);
	bench_corpus_free(&c);
	return 0;
}
