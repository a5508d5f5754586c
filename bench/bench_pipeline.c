/*
 * bench_pipeline.c: the whole pipeline in-process, through the public
 * APIs only: config → outputs (one `null` output, its worker thread and
 * queue) → pipeline (parse, serial tracking, reassembly, encoding,
 * publishing) fed with the corpus's lines from memory, as src_replay
 * feeds it (a batch end every 1 MiB of input). No file I/O is timed.
 *
 * Each timed run builds the outputs and the pipeline, feeds every line,
 * flushes, and stops the outputs (their queues drained, the worker
 * joined); CPU time counts every thread. Reference first: the pipeline
 * must hand every event of the corpus to the output, which must write
 * each of them, with no malformed record and no missed serial.
 */
#include "../src/config/config.h"
#include "../src/log.h"
#include "../src/metrics.h"
#include "../src/output/output.h"
#include "../src/pipeline.h"
#include "../src/source/source.h"
#include "bench.h"

#define BENCH_YAML \
	"events:\n  min: 1100\n  max: 1399\n" \
	"message_tracking:\n  enabled: true\n" \
	"output:\n  null:\n    enabled: true\n"
#define BATCH_BYTES	(1u << 20)	/* src_replay's read size */
#define DRAIN_MS	60000

struct ctx {
	const struct bench_corpus	*c;
	struct config			*conf;
	uint64_t			 events, received, written, dropped;
	uint64_t			 malformed, missed;
};

static uint64_t
counter(const char *name, const char *label)
{
	struct metric *m = metrics_find(name, label);

	return m != NULL ? metric_count(m) : 0;
}

static void
add_malformed(struct metric *m, void *arg)
{
	struct ctx *x = arg;

	if (strcmp(m->name, "pauditd_records_malformed_total") == 0)
		x->malformed += metric_count(m);
}

static void
run(void *arg)
{
	struct ctx *x = arg;
	struct cfg_ctx cc;
	struct outputs *outs = NULL;
	struct pipeline *p;
	struct source_sink sink;
	struct source_line lines[64];
	size_t i, n = 0, batch = 0;

	cfg_ctx_init(&cc, "<bench>");
	cc.quiet = true;
	BENCH_CHECK(outputs_configure(x->conf, &cc, &outs) == 0, "outputs: %s", cc.last);
	BENCH_CHECK(outputs_start(outs) == 0, "outputs_start");
	p = pipeline_new(x->conf, outs, NULL, true);
	BENCH_CHECK(p != NULL, "pipeline_new");
	pipeline_sink(p, &sink);
	for (i = 0; i < x->c->nlines; i++) {
		/* In batches of lines, as linesplit hands them. */
		lines[n].p = bench_line(x->c, i, &lines[n].len);
		batch += lines[n++].len + 1;
		if (n == nitems(lines) || batch >= BATCH_BYTES) {
			sink.lines(sink.arg, lines, n);
			n = 0;
		}
		if (batch >= BATCH_BYTES) {
			sink.batch_end(sink.arg);
			batch = 0;
		}
	}
	if (n > 0)
		sink.lines(sink.arg, lines, n);
	sink.batch_end(sink.arg);
	pipeline_flush(p);
	outs = outputs_stop(outs, DRAIN_MS);
	x->events = counter("pauditd_events_total", NULL);
	x->received = counter("pauditd_output_received_total", "null");
	x->written = counter("pauditd_output_events_total", "null");
	x->dropped = counter("pauditd_output_dropped_queue_full_total", "null");
	x->missed = counter("pauditd_serials_missed_total", NULL);
	x->malformed = 0;
	metrics_foreach(add_malformed, x);
	pipeline_free(p);
	metrics_reset();
}

static void
check(struct ctx *x)
{
	uint64_t events = bench_meta(x->c, "events");

	run(x);
	BENCH_CHECK(x->malformed == 0 && x->missed == 0,
	    "%llu malformed records, %llu missed serials",
	    (unsigned long long)x->malformed, (unsigned long long)x->missed);
	BENCH_CHECK(x->events == events, "%llu events published, the generator wrote %llu",
	    (unsigned long long)x->events, (unsigned long long)events);
	BENCH_CHECK(x->received == events && x->written + x->dropped == events,
	    "the output received %llu events, wrote %llu, dropped %llu (queue full)",
	    (unsigned long long)x->received, (unsigned long long)x->written,
	    (unsigned long long)x->dropped);
	printf("bench_pipeline: %llu events in, %llu written by the null output"
	    " (%llu dropped, queue full): reference OK\n", (unsigned long long)events,
	    (unsigned long long)x->written, (unsigned long long)x->dropped);
}

int
main(int argc, char **argv)
{
	struct bench_corpus c;
	struct ctx x = { .c = &c };
	struct cfg_ctx cc;

	log_init(false, LOG_LVL_WARN);
	bench_corpus_load(&c, bench_corpus_path(argc, argv));
	cfg_ctx_init(&cc, "<bench>");
	cc.quiet = true;
	x.conf = config_load_string("<bench>", BENCH_YAML, &cc);
	BENCH_CHECK(x.conf != NULL && cc.errors == 0, "bench config: %s", cc.last);
	check(&x);
	bench_run("pipeline.null", "record", c.nlines, run, &x);
	if (x.dropped > 0)
		printf("bench_pipeline: note: the null output's queue dropped %llu events"
		    " in the last run\n", (unsigned long long)x.dropped);
	config_free(x.conf);
	bench_corpus_free(&c);
	return 0;
}
