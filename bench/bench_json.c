/*
 * bench_json.c: the JSON encoder: json_str on every record's data, and
 * encode_event (pauditd's whole line, uid_map lookups included) on the
 * corpus's events.
 *
 * Reference first: a hand-written string and a hand-written event must
 * give, byte for byte, the lines written out below (Go's escaping of
 * '"', '\', '<', '>', '&', control bytes, U+2028, invalid UTF-8; uid_map
 * sorted; rule_key unquoted). Then every encoded corpus event must be one
 * well-formed line with one message per record.
 */
#include "../src/buf.h"
#include "../src/encode.h"
#include "../src/event.h"
#include "../src/json.h"
#include "../src/reasm.h"
#include "../src/record.h"
#include "../src/uidmap.h"
#include "bench.h"

#define EVENTS_MAX	50000	/* events kept in memory for encode_event */

struct ctx {
	struct record	*recs;
	size_t		 nrecs;
	struct event	**evs;
	size_t		 nevs;
	uint64_t	 ev_records;
	struct uidmap	*ids;
	struct encoder	*enc;
	struct buf	 out;
	uint64_t	 sink;
};

static const char known_str[] = "a\"b\\c\n\x01<&>\xe2\x80\xa8\xff caf\xc3\xa9";
static const char known_str_json[] =
    "\"a\\\"b\\\\c\\n\\u0001\\u003c\\u0026\\u003e\\u2028\\ufffd caf\xc3\xa9\"";

static const struct {
	uint32_t	 type;
	const char	*data;
} known_recs[] = {
	{ 1300, "arch=c000003e syscall=59 success=yes exit=0 items=1 ppid=1 pid=42"
	    " auid=1000 uid=0 euid=0 comm=\"ls\" key=\"a<b>&c\"" },
	{ 1309, "argc=2 a0=\"caf\xc3\xa9\" a1=\"uid=7\xff\"" },
	{ 1327, "proctitle=6C73" },
};
static const char known_line[] =
    "{\"sequence\":77,\"timestamp\":\"1700000000.123\",\"messages\":["
    "{\"type\":1300,\"data\":\"arch=c000003e syscall=59 success=yes exit=0 items=1"
    " ppid=1 pid=42 auid=1000 uid=0 euid=0 comm=\\\"ls\\\""
    " key=\\\"a\\u003cb\\u003e\\u0026c\\\"\"},"
    "{\"type\":1309,\"data\":\"argc=2 a0=\\\"caf\xc3\xa9\\\" a1=\\\"uid=7\\ufffd\\\"\"},"
    "{\"type\":1327,\"data\":\"proctitle=6C73\"}],"
    "\"uid_map\":{\"0\":\"UNKNOWN_USER\",\"1000\":\"UNKNOWN_USER\"},"
    "\"rule_key\":\"a\\u003cb\\u003e\\u0026c\"}\n";

/* A copy of an event that outlives the reassembler's recycling. */
static struct event *
copy_event(const struct event *src)
{
	struct event *ev = event_new();
	struct record r = {
		.serial = src->serial, .time_ms = src->time_ms,
		.ts = src->ts, .ts_len = src->ts_len,
	};
	uint32_t i;

	event_begin(ev, &r);
	for (i = 0; i < src->nrec; i++)
		event_add(ev, src->recs[i].type, event_rec_data(src, i), src->recs[i].len);
	return ev;
}

static void
check_known(void)
{
	struct record r = { .serial = 77, .ts = "1700000000.123", .ts_len = 14 };
	struct event *ev = event_new();
	struct buf b;
	size_t i, gl = sizeof(known_line) - 3 -
	    strlen(",\"rule_key\":\"a\\u003cb\\u003e\\u0026c\"");

	struct encoder *enc = encoder_new(NULL);

	BENCH_CHECK(enc != NULL, "encoder_new");
	buf_init(&b);
	json_str(&b, known_str, sizeof(known_str) - 1);
	BENCH_CHECK(b.len == sizeof(known_str_json) - 1 &&
	    memcmp(b.p, known_str_json, b.len) == 0,
	    "json_str: got %.*s", (int)b.len, b.p);
	event_begin(ev, &r);
	for (i = 0; i < sizeof(known_recs) / sizeof(known_recs[0]); i++)
		event_add(ev, known_recs[i].type, known_recs[i].data, strlen(known_recs[i].data));
	buf_reset(&b);
	encode_event(enc, ev, FMT_PAUDITD, &b);
	BENCH_CHECK(b.len == sizeof(known_line) - 1 && memcmp(b.p, known_line, b.len) == 0,
	    "encode_event:\n got  %.*s want %s", (int)b.len, b.p, known_line);
	/* go-audit's line is the same without rule_key. */
	buf_reset(&b);
	encode_event(enc, ev, FMT_GOAUDIT, &b);
	BENCH_CHECK(b.len == gl + 2 && memcmp(b.p, known_line, gl) == 0 &&
	    memcmp(b.p + gl, "}\n", 2) == 0, "encode_event go-audit: got %.*s",
	    (int)b.len, b.p);
	buf_fini(&b);
	encoder_free(enc);
	event_free(ev);
}

static void
collect(struct event *ev, void *arg)
{
	struct ctx *x = arg;

	if (x->nevs == EVENTS_MAX)
		return;
	x->evs[x->nevs++] = copy_event(ev);
	x->ev_records += ev->nrec;
}

static void
setup(struct ctx *x, const struct bench_corpus *c)
{
	struct reasm_conf rc = {
		.timeout_ms = 2000, .max_in_flight = 16384,
		.max_in_flight_bytes = 64u << 20, .max_records = 8192,
		.type_min = 1100, .type_max = 1399, .proctitle_ends = true,
	};
	struct reasm *r;
	uint64_t now = 0;
	const char *p;
	size_t i, len;

	x->recs = malloc(c->nlines * sizeof(*x->recs));
	x->evs = malloc(EVENTS_MAX * sizeof(*x->evs));
	BENCH_CHECK(x->recs != NULL && x->evs != NULL, "out of memory");
	for (i = 0; i < c->nlines; i++) {
		p = bench_line(c, i, &len);
		BENCH_CHECK(record_parse_line(p, len, &x->recs[i]) == 0,
		    "line %zu does not parse", i + 1);
	}
	x->nrecs = c->nlines;
	r = reasm_new(&rc, collect, x);
	BENCH_CHECK(r != NULL, "reasm_new");
	for (i = 0; i < x->nrecs; i++) {
		now = x->recs[i].time_ms > now ? x->recs[i].time_ms : now;
		reasm_add(r, &x->recs[i], NULL, now);
	}
	reasm_flush(r);
	reasm_free(r);
	x->ids = uidmap_new(true, false, NULL);
	BENCH_CHECK(x->ids != NULL, "uidmap_new");
	x->enc = encoder_new(x->ids);
	BENCH_CHECK(x->enc != NULL, "encoder_new");
	buf_init(&x->out);
}

/* Every corpus event encodes to one line with one message per record. */
static void
check_corpus(struct ctx *x, const struct bench_corpus *c)
{
	uint64_t want = bench_meta(c, "events"), bytes = 0;
	const char *p, *end;
	size_t i, n;

	BENCH_CHECK(x->nevs == (want < EVENTS_MAX ? want : EVENTS_MAX),
	    "%zu events collected out of %llu", x->nevs, (unsigned long long)want);
	for (i = 0; i < x->nevs; i++) {
		buf_reset(&x->out);
		encode_event(x->enc, x->evs[i], FMT_PAUDITD, &x->out);
		p = x->out.p;
		end = p + x->out.len;
		BENCH_CHECK(x->out.len > 16 && memcmp(p, "{\"sequence\":", 12) == 0 &&
		    memcmp(end - 2, "}\n", 2) == 0 && memchr(p, '\n', x->out.len - 1) == NULL,
		    "event %zu: not one JSON line: %.*s", i, (int)x->out.len, p);
		for (n = 0; (p = memmem(p, (size_t)(end - p), "{\"type\":", 8)) != NULL; p += 8)
			n++;
		BENCH_CHECK(n == x->evs[i]->nrec, "event %zu: %zu messages for %u records",
		    i, n, x->evs[i]->nrec);
		bytes += x->out.len;
	}
	printf("bench_json: %zu events, %llu records, %llu bytes of JSON: reference OK\n",
	    x->nevs, (unsigned long long)x->ev_records, (unsigned long long)bytes);
}

static void
run_str(void *arg)
{
	struct ctx *x = arg;
	size_t i;

	for (i = 0; i < x->nrecs; i++) {
		buf_reset(&x->out);
		json_str(&x->out, x->recs[i].data, x->recs[i].data_len);
		x->sink += x->out.len;
	}
}

static void
run_encode(void *arg)
{
	struct ctx *x = arg;
	size_t i;

	for (i = 0; i < x->nevs; i++) {
		buf_reset(&x->out);
		encode_event(x->enc, x->evs[i], FMT_PAUDITD, &x->out);
		x->sink += x->out.len;
	}
}

int
main(int argc, char **argv)
{
	struct bench_corpus c;
	struct ctx x = { 0 };
	size_t i;

	check_known();
	bench_corpus_load(&c, bench_corpus_path(argc, argv));
	setup(&x, &c);
	check_corpus(&x, &c);
	bench_run("json.str", "record", x.nrecs, run_str, &x);
	bench_run("json.encode_event", "record", x.ev_records, run_encode, &x);
	bench_run("json.encode_event", "event", x.nevs, run_encode, &x);
	for (i = 0; i < x.nevs; i++)
		event_free(x.evs[i]);
	free(x.evs);
	free(x.recs);
	encoder_free(x.enc);
	uidmap_free(x.ids);
	buf_fini(&x.out);
	bench_corpus_free(&c);
	return 0;
}
