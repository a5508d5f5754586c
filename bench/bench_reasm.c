/*
 * bench_reasm.c: the reassembler on the corpus's records, parsed
 * beforehand so that only grouping is timed (with event_add's escaping
 * and uid notes, which the reassembler runs on every record).
 *
 * The reassembler is set up as a replay sets it up (the daemon's
 * defaults for the bounds and timeout, the records' own time as the
 * clock, PROCTITLE ends an event), with events.min..max widened to
 * 1100..1399 so that the user-space records are kept too. Reference
 * first: every serial must come out as one event holding all its
 * records, nothing late, evicted or over a bound, and the events that
 * no PROCTITLE closes must end by the timeout or at the final flush.
 */
#include "../src/config/config.h"
#include "../src/event.h"
#include "../src/pipeline.h"
#include "../src/reasm.h"
#include "../src/record.h"
#include "bench.h"

#define BENCH_YAML	"events:\n  min: 1100\n  max: 1399\n"

struct ctx {
	struct reasm_conf	 rc;
	struct record		*recs;
	size_t			 nrecs;
	uint64_t		 events, records, bytes, keyed;
	struct reasm_stats	 last;
};

static void
on_event(struct event *ev, void *arg)
{
	struct ctx *x = arg;
	uint32_t i;

	x->events++;
	x->records += ev->nrec;
	for (i = 0; i < ev->nrec; i++)
		x->bytes += ev->recs[i].len;
	x->keyed += ev->info.key_len > 0;
}

static void
run(void *arg)
{
	struct ctx *x = arg;
	struct reasm *r = reasm_new(&x->rc, on_event, x);
	uint64_t now = 0;
	size_t i;

	BENCH_CHECK(r != NULL, "reasm_new");
	x->events = x->records = x->bytes = x->keyed = 0;
	for (i = 0; i < x->nrecs; i++) {
		if (x->recs[i].time_ms > now)
			now = x->recs[i].time_ms;
		reasm_add(r, &x->recs[i], NULL, now);
	}
	reasm_flush(r);
	x->last = *reasm_stats(r);
	reasm_free(r);
}

static void
setup(struct ctx *x, const struct bench_corpus *c)
{
	struct cfg_ctx cc;
	struct config *conf;
	const char *p;
	size_t i, len;

	cfg_ctx_init(&cc, "<bench>");
	cc.quiet = true;
	conf = config_load_string("<bench>", BENCH_YAML, &cc);
	BENCH_CHECK(conf != NULL && cc.errors == 0, "bench config: %s", cc.last);
	pipeline_reasm_conf(conf, true, false, &x->rc);
	config_free(conf);
	x->recs = malloc(c->nlines * sizeof(*x->recs));
	BENCH_CHECK(x->recs != NULL, "out of memory");
	for (i = 0; i < c->nlines; i++) {
		p = bench_line(c, i, &len);
		BENCH_CHECK(record_parse_line(p, len, &x->recs[i]) == 0,
		    "line %zu does not parse", i + 1);
	}
	x->nrecs = c->nlines;
}

static void
check(struct ctx *x, const struct bench_corpus *c)
{
	uint64_t events = bench_meta(c, "events");
	uint64_t timeouts = bench_meta(c, "timeout_events");
	const struct reasm_stats *st = &x->last;
	uint64_t last = 0, tail = 0;
	size_t i;

	run(x);
	BENCH_CHECK(x->events == events, "%llu events, the generator wrote %llu",
	    (unsigned long long)x->events, (unsigned long long)events);
	BENCH_CHECK(x->records == x->nrecs, "%llu records in events, %zu in the corpus",
	    (unsigned long long)x->records, x->nrecs);
	BENCH_CHECK(st->events == events && st->empty_events == 0 &&
	    st->late_records == 0 && st->overflow_records == 0 && st->evicted == 0 &&
	    st->out_of_range_records == 0, "reassembly stats: events %llu empty %llu"
	    " late %llu overflow %llu evicted %llu out-of-range %llu",
	    (unsigned long long)st->events, (unsigned long long)st->empty_events,
	    (unsigned long long)st->late_records, (unsigned long long)st->overflow_records,
	    (unsigned long long)st->evicted, (unsigned long long)st->out_of_range_records);
	/*
	 * Those still in flight at EOF are flushed rather than timed out:
	 * the SECCOMP records within a timeout (plus a second) of the end.
	 */
	for (i = 0; i < x->nrecs; i++)
		if (x->recs[i].time_ms > last)
			last = x->recs[i].time_ms;
	for (i = 0; i < x->nrecs; i++)
		tail += x->recs[i].type == 1326 &&
		    x->recs[i].time_ms + x->rc.timeout_ms + 1000 > last;
	BENCH_CHECK(st->timed_out <= timeouts && st->timed_out + tail >= timeouts,
	    "%llu events timed out, %llu have no PROCTITLE",
	    (unsigned long long)st->timed_out, (unsigned long long)timeouts);
	printf("bench_reasm: %llu events, %llu records, %llu bytes, %llu with a rule key:"
	    " reference OK\n", (unsigned long long)x->events,
	    (unsigned long long)x->records, (unsigned long long)x->bytes,
	    (unsigned long long)x->keyed);
}

int
main(int argc, char **argv)
{
	struct bench_corpus c;
	struct ctx x = { 0 };
	uint64_t events;

	bench_corpus_load(&c, bench_corpus_path(argc, argv));
	setup(&x, &c);
	check(&x, &c);
	events = x.events;
	bench_run("reasm.add", "record", x.nrecs, run, &x);
	BENCH_CHECK(x.events == events, "the timed runs emitted %llu events",
	    (unsigned long long)x.events);
	free(x.recs);
	bench_corpus_free(&c);
	return 0;
}
