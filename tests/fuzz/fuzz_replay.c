/*
 * fuzz_replay.c: the input as the bytes of a replayed audit log, through
 * the daemon's own pipeline as `pauditd --input` runs it (main.c, and
 * bench/bench_pipeline.c in-process): parse, node names, serial tracking,
 * reassembly by the records' own clock, filters, encoding into the
 * message pool, publishing to the outputs and their worker threads.
 *
 * Outputs: a `null` output, and a `file` output whose file is a memfd
 * (nothing on disk), so that the lines can be read back and checked.
 * Two configurations, as an input's length is even or odd, because the
 * pipeline encodes in two ways: the last format an event needs is
 * finished in place around its messages (the message pool's tail), any
 * other is copied (publish() in pipeline.c). Even: file and null both
 * pauditd, one message shared by both outputs, encoded in place, and
 * the reassembler's bounds tiny, so that inputs of a few KiB reach
 * eviction and the record bound. Odd: file pauditd, null go-audit, so
 * the file's line is the copy, and roomier bounds.
 *
 * The configuration, the filters and the outputs (their worker threads
 * and queues) are made once and kept: a thread started and joined for
 * every input cost most of an input's time. Each input gets a pipeline
 * of its own, so that it reproduces alone what it did in the run (the
 * tracker, the reassembler's memory of serials, the clock, the node
 * names and the user cache start afresh), and leaves nothing behind:
 * after pipeline_flush the harness waits until the outputs have
 * delivered every event (outputs_idle: the queues empty, no batch in a
 * worker's hands), frees the pipeline, and then, as at main's exit,
 * msg_pool_drain() must find no message still held; the pool starts
 * again empty for the next input.
 *
 * The input goes where src_replay would put it: a buffer with SOURCE_PAD
 * bytes of slack after the text and nothing more (the slack holds bytes
 * that must not show), so that reading past the slack is an
 * AddressSanitizer report. It is split by linesplit and handed to the
 * sink's `lines` in reads of READ_BYTES, the partial tail kept for the
 * next read, with a batch end after each, as replay_read does, and the
 * main loop's tick (pipeline_tick) every few reads.
 *
 * Checked too: every output received every event the pipeline published
 * and wrote every one it received (a replay waits for a full queue
 * rather than drop), nothing was dropped; the file holds one line per
 * event, each one JSON object ({"sequence":...) escaped as Go escapes
 * (json.h: valid UTF-8, no raw control byte, '<', '>', '&', U+2028 or
 * U+2029 in a string).
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "../go_ref.h"
#include "../../src/config/config.h"
#include "../../src/filter.h"
#include "../../src/log.h"
#include "../../src/metrics.h"
#include "../../src/msg.h"
#include "../../src/output/output.h"
#include "../../src/pipeline.h"
#include "../../src/source/linesplit.h"
#include "../../src/source/source.h"

/*
 * Every record type from 1000 on is kept (user-space records, 1100-1299
 * and 2100-2999, end their events at once; 4000 and above take the
 * encoder's general path); the reassembler's bounds come with the
 * outputs (fuzz_set_yaml).
 */
static const char fuzz_yaml[] =
    "message_tracking:\n"
    "  enabled: true\n"
    "  log_out_of_order: true\n"
    "  max_out_of_order: 500\n"
    "filters:\n"
    "  - syscall: 59\n"
    "    message_type: 1302\n"
    "    regex: name=\"/usr/lib/nagios/plugins/\n"
    "  - key: identity\n"
    "    action: keep\n"
    "    regex: name=\"/etc/(passwd|group|shadow)\"\n"
    "  - key: identity\n"
    "    action: drop\n"
    "    regex: name=\"/etc/[a-z]+\\.lock\"\n"
    "  - key: exec\n"
    "    regex: comm=\"(true|false)\"\n";

/* Per configuration: the null output's format, the memfd, the bounds. */
static const char fuzz_set_yaml[] =
    "output:\n"
    "  \"null\":\n"
    "    enabled: true\n"
    "    format: %s\n"
    "  file:\n"
    "    enabled: true\n"
    "    format: pauditd\n"
    "    path: /proc/self/fd/%d\n"
    "    mode: 0600\n"
    "events:\n"
    "  min: 1000\n"
    "  max: 65535\n"
    "  max_in_flight: %d\n"
    "  max_in_flight_bytes: %d\n"
    "  max_records: %d\n";

/* What one read() of the replay source gets, here. */
#define READ_BYTES	512
#define TICK_READS	4
/* How long the outputs may take to deliver an input's events. */
#define IDLE_MS		10000
#define JSON_DEPTH_MAX	32

/* Bytes in the slack that would show if a sink used them. */
static const char pad_bytes[] = "\"\\<\x01\x80\xc3uid=\xe2\x80\xa8&\n\x1d\xff";

/* A configuration: its outputs, the file output's memfd, the bounds. */
struct oset {
	const char	*null_format;
	int		 max_in_flight, max_bytes, max_records;
	struct config	*conf;
	struct outputs	*outs;
	int		 memfd;
};

static struct oset osets[2] = {
	/* Even: in place; 65536 is the least max_in_flight_bytes. */
	{ .null_format = "pauditd", .max_in_flight = 4, .max_bytes = 65536,
	  .max_records = 16, .memfd = -1 },
	/* Odd: copied. */
	{ .null_format = "go-audit", .max_in_flight = 64, .max_bytes = 262144,
	  .max_records = 256, .memfd = -1 },
};
static struct filter *filter;
static char *readback;
static size_t readback_cap;

/*
 * The counters the checks read, looked up once (metrics_find's string
 * compares would feed libFuzzer's dictionary with metric names at every
 * input): the registry is never reset here, so they stay valid.
 */
#define NDROPS	6
struct out_metrics {
	struct metric	*received, *written, *drops[NDROPS];
};
static struct metric *m_events;
static struct out_metrics m_null, m_file;

static struct metric *
metric(const char *name, const char *label)
{
	struct metric *m = metrics_find(name, label);

	FUZZ_CHECK(m != NULL, "no metric %s{%s}", name, label ? label : "");
	return m;
}

static void
out_metrics_find(const char *output, struct out_metrics *om)
{
	static const char *const drops[NDROPS] = {
		"pauditd_output_dropped_queue_full_total",
		"pauditd_output_dropped_failed_total",
		"pauditd_output_dropped_rejected_total",
		"pauditd_output_dropped_shutdown_total",
		"pauditd_output_dropped_gone_total",
		"pauditd_output_dropped_unacked_total",
	};
	size_t i;

	om->received = metric("pauditd_output_received_total", output);
	om->written = metric("pauditd_output_events_total", output);
	for (i = 0; i < NDROPS; i++)
		om->drops[i] = metric(drops[i], output);
}

/* An output's counters, before and after an input. */
struct counts {
	uint64_t	received, written, dropped;
};

/* An output wrote every event it received during the input, dropped none. */
static void
check_wrote_all(const char *name, const struct counts *k0,
    const struct counts *k1)
{
	FUZZ_CHECK(k1->written - k0->written == k1->received - k0->received &&
	    k1->dropped == k0->dropped,
	    "%s received %llu events, wrote %llu, dropped %llu", name,
	    (unsigned long long)(k1->received - k0->received),
	    (unsigned long long)(k1->written - k0->written),
	    (unsigned long long)(k1->dropped - k0->dropped));
}

static void
counts_get(const struct out_metrics *om, struct counts *k)
{
	size_t i;

	k->received = metric_count(om->received);
	k->written = metric_count(om->written);
	k->dropped = 0;
	for (i = 0; i < NDROPS; i++)
		k->dropped += metric_count(om->drops[i]);
}

/* A replay waits for a full queue (main.c's replay_keep_waiting). */
static bool
keep_waiting(void *arg)
{
	return true;
}

static void
oset_start(struct oset *s)
{
	char yaml[sizeof(fuzz_yaml) + sizeof(fuzz_set_yaml) + 64];
	struct cfg_ctx c;
	int n;

	FUZZ_CHECK((s->memfd = memfd_create("fuzz_replay", MFD_CLOEXEC)) >= 0,
	    "memfd_create: %s", strerror(errno));
	n = snprintf(yaml, sizeof(yaml), "%s", fuzz_yaml);
	snprintf(yaml + n, sizeof(yaml) - (size_t)n, fuzz_set_yaml,
	    s->null_format, s->memfd, s->max_in_flight, s->max_bytes,
	    s->max_records);
	cfg_ctx_init(&c, "<fuzz_replay>");
	c.quiet = true;
	s->conf = config_load_string("<fuzz_replay>", yaml, &c);
	FUZZ_CHECK(s->conf != NULL && c.errors == 0 && c.warnings == 0,
	    "config: %s", c.last);
	if (filter == NULL)
		FUZZ_CHECK(filter_compile(s->conf->filters, &c, &filter) == 0 &&
		    filter != NULL, "filters: %s", c.last);
	FUZZ_CHECK(outputs_configure(s->conf, &c, &s->outs) == 0, "outputs: %s", c.last);
	FUZZ_CHECK(outputs_count(s->outs) == 2, "%zu outputs", outputs_count(s->outs));
	FUZZ_CHECK(outputs_start(s->outs) == 0, "outputs_start");
	outputs_wait_when_full(s->outs, keep_waiting, NULL);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_init(false, LOG_LVL_ERR);
	fuzz_quiet_logs();
	oset_start(&osets[0]);
	oset_start(&osets[1]);
	/* A pipeline registers its counters: one made and freed finds them. */
	pipeline_free(pipeline_new(osets[0].conf, osets[0].outs, filter, true));
	m_events = metric("pauditd_events_total", NULL);
	out_metrics_find("null", &m_null);
	out_metrics_find("file", &m_file);
	return 0;
}

/*
 * replay_read's loop over the text: reads of READ_BYTES, then EOF; the
 * main loop's 100 ms tick (pipeline_tick) every TICK_READS reads.
 */
static void
feed(struct pipeline *p, const struct source_sink *sink, const char *buf,
    size_t size)
{
	size_t start = 0, end = 0, n, done, reads = 0;
	bool eof = false;

	while (!eof) {
		if (++reads % TICK_READS == 0)
			pipeline_tick(p);
		end = end + READ_BYTES < size ? end + READ_BYTES : size;
		eof = end == size;
		/* The tail is split again, from its start, after the next read. */
		done = linesplit(buf + start, end - start, eof, sink, &n);
		FUZZ_CHECK(done <= end - start, "linesplit consumed %zu of %zu",
		    done, end - start);
		FUZZ_CHECK(!eof || done == end - start,
		    "linesplit left %zu bytes at the end", end - start - done);
		start += done;
		sink->batch_end(sink->arg);
	}
}

/*
 * A strict JSON reader (RFC 8259) for one line: where the value at p
 * ends, or NULL with *why set. Strings must be as Go's encoding/json
 * writes them (json.h): valid UTF-8, '<', '>', '&', U+2028 and U+2029
 * escaped.
 */
struct jr {
	const unsigned char	*end;
	const char		*why;
};

static const unsigned char *jr_value(struct jr *j, const unsigned char *p,
    int depth);

static const unsigned char *
jr_fail(struct jr *j, const char *why)
{
	j->why = why;
	return NULL;
}


static bool
is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

static const unsigned char *
jr_string(struct jr *j, const unsigned char *p)
{
	unsigned cp;
	size_t n;

	if (p >= j->end || *p != '"')
		return jr_fail(j, "a string expected");
	for (p++; p < j->end && *p != '"'; ) {
		if (*p < 0x20)
			return jr_fail(j, "a raw control byte in a string");
		if (*p == '<' || *p == '>' || *p == '&')
			return jr_fail(j, "a raw '<', '>' or '&' in a string");
		if (*p == '\\') {
			if (p + 1 >= j->end)
				return jr_fail(j, "a string ends in '\\'");
			if (p[1] == 'u') {
				if (j->end - p < 6 || !is_hex(p[2]) || !is_hex(p[3]) ||
				    !is_hex(p[4]) || !is_hex(p[5]))
					return jr_fail(j, "a bad \\u escape");
				p += 6;
			} else if (strchr("\"\\/bfnrt", p[1]) != NULL && p[1] != '\0') {
				p += 2;
			} else {
				return jr_fail(j, "a bad escape");
			}
			continue;
		}
		if (*p < 0x80) {
			p++;
			continue;
		}
		if ((n = ref_decode(p, (size_t)(j->end - p), &cp)) == 0)
			return jr_fail(j, "invalid UTF-8 in a string");
		if (cp == 0x2028 || cp == 0x2029)
			return jr_fail(j, "a raw U+2028 or U+2029 in a string");
		p += n;
	}
	if (p >= j->end)
		return jr_fail(j, "an unterminated string");
	return p + 1;
}

static const unsigned char *
jr_digits(const unsigned char *p, const unsigned char *end)
{
	const unsigned char *q = p;

	while (q < end && *q >= '0' && *q <= '9')
		q++;
	return q;
}

static const unsigned char *
jr_number(struct jr *j, const unsigned char *p)
{
	const unsigned char *q;

	if (p < j->end && *p == '-')
		p++;
	if (p < j->end && *p == '0')
		p++;
	else if ((q = jr_digits(p, j->end)) == p)
		return jr_fail(j, "a bad number");
	else
		p = q;
	if (p < j->end && *p == '.') {
		if ((q = jr_digits(p + 1, j->end)) == p + 1)
			return jr_fail(j, "a bad fraction");
		p = q;
	}
	if (p < j->end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < j->end && (*p == '+' || *p == '-'))
			p++;
		if ((q = jr_digits(p, j->end)) == p)
			return jr_fail(j, "a bad exponent");
		p = q;
	}
	return p;
}

static const unsigned char *
jr_ws(const unsigned char *p, const unsigned char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

/* An object or an array, from its '{' or '['. */
static const unsigned char *
jr_compound(struct jr *j, const unsigned char *p, int depth)
{
	bool obj = *p == '{';
	unsigned char close = obj ? '}' : ']';

	p = jr_ws(p + 1, j->end);
	if (p < j->end && *p == close)
		return p + 1;
	for (;;) {
		if (obj) {
			if ((p = jr_string(j, p)) == NULL)
				return NULL;
			p = jr_ws(p, j->end);
			if (p >= j->end || *p != ':')
				return jr_fail(j, "':' expected");
			p++;
		}
		if ((p = jr_value(j, p, depth + 1)) == NULL)
			return NULL;
		p = jr_ws(p, j->end);
		if (p < j->end && *p == ',') {
			p = jr_ws(p + 1, j->end);
			continue;
		}
		if (p < j->end && *p == close)
			return p + 1;
		return jr_fail(j, obj ? "',' or '}' expected" : "',' or ']' expected");
	}
}

static const unsigned char *
jr_value(struct jr *j, const unsigned char *p, int depth)
{
	p = jr_ws(p, j->end);
	if (depth > JSON_DEPTH_MAX)
		return jr_fail(j, "nested too deep");
	if (p >= j->end)
		return jr_fail(j, "a value expected");
	switch (*p) {
	case '{':
	case '[':
		return jr_compound(j, p, depth);
	case '"':
		return jr_string(j, p);
	case 't':
		return j->end - p >= 4 && memcmp(p, "true", 4) == 0 ? p + 4 :
		    jr_fail(j, "a bad literal");
	case 'f':
		return j->end - p >= 5 && memcmp(p, "false", 5) == 0 ? p + 5 :
		    jr_fail(j, "a bad literal");
	case 'n':
		return j->end - p >= 4 && memcmp(p, "null", 4) == 0 ? p + 4 :
		    jr_fail(j, "a bad literal");
	default:
		return jr_number(j, p);
	}
}

/* The file output's lines since the last input: n of them, each one event. */
static void
check_file(struct oset *s, uint64_t n)
{
	const unsigned char *p, *nl, *end;
	struct jr j;
	struct stat st;
	uint64_t lines = 0;
	ssize_t got;
	size_t len;

	FUZZ_CHECK(fstat(s->memfd, &st) == 0, "fstat: %s", strerror(errno));
	len = (size_t)st.st_size;
	if (len > readback_cap) {
		free(readback);
		readback_cap = len;
		if ((readback = malloc(readback_cap)) == NULL)
			abort();
	}
	got = len > 0 ? pread(s->memfd, readback, len, 0) : 0;
	FUZZ_CHECK(got == (ssize_t)len, "pread: %zd of %zu", got, len);
	FUZZ_CHECK(ftruncate(s->memfd, 0) == 0, "ftruncate: %s", strerror(errno));
	FUZZ_CHECK(len == 0 || readback[len - 1] == '\n', "the last line has no '\\n'");
	for (p = (const unsigned char *)readback; len > 0 &&
	    p < (const unsigned char *)readback + len; p = nl + 1, lines++) {
		nl = memchr(p, '\n', (size_t)((const unsigned char *)readback + len - p));
		j.end = nl;
		j.why = NULL;
		FUZZ_CHECK(nl - p > 12 && memcmp(p, "{\"sequence\":", 12) == 0,
		    "line %llu does not start with {\"sequence\": %.*s",
		    (unsigned long long)lines + 1, (int)(nl - p < 200 ? nl - p : 200), p);
		end = jr_value(&j, p, 0);
		FUZZ_CHECK(end != NULL, "line %llu is not JSON (%s): %.*s",
		    (unsigned long long)lines + 1, j.why,
		    (int)(nl - p < 400 ? nl - p : 400), p);
		FUZZ_CHECK(end == nl, "line %llu: %td bytes after its object",
		    (unsigned long long)lines + 1, nl - end);
	}
	FUZZ_CHECK(lines == n, "the file output wrote %llu events in %llu lines",
	    (unsigned long long)n, (unsigned long long)lines);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oset *s = &osets[size & 1];
	struct counts n0, n1, f0, f1;
	struct pipeline *p;
	struct source_sink sink;
	uint64_t ev0, ev1;
	size_t nslab, i;
	char *buf;

	if ((buf = malloc(size + SOURCE_PAD)) == NULL)
		abort();
	memcpy(buf, data, size);
	for (i = 0; i < SOURCE_PAD; i++)
		buf[size + i] = pad_bytes[i % (sizeof(pad_bytes) - 1)];
	ev0 = metric_count(m_events);
	counts_get(&m_null, &n0);
	counts_get(&m_file, &f0);
	p = pipeline_new(s->conf, s->outs, filter, true);
	FUZZ_CHECK(p != NULL, "pipeline_new");
	pipeline_sink(p, &sink);
	feed(p, &sink, buf, size);
	/* The end of a replay: every event out, and delivered (main.c). */
	pipeline_flush(p);
	FUZZ_CHECK(outputs_idle(s->outs, IDLE_MS),
	    "the outputs have not delivered the events after %d ms", IDLE_MS);
	pipeline_free(p);
	nslab = msg_pool_drain();
	FUZZ_CHECK(nslab == 0, "%zu message slabs still in use", nslab);
	ev1 = metric_count(m_events);
	counts_get(&m_null, &n1);
	counts_get(&m_file, &f1);
	FUZZ_CHECK(n1.received - n0.received == ev1 - ev0 &&
	    f1.received - f0.received == ev1 - ev0,
	    "%llu events published, null received %llu, file %llu",
	    (unsigned long long)(ev1 - ev0),
	    (unsigned long long)(n1.received - n0.received),
	    (unsigned long long)(f1.received - f0.received));
	check_wrote_all("null", &n0, &n1);
	check_wrote_all("file", &f0, &f1);
	check_file(s, f1.written - f0.written);
	free(buf);
	return 0;
}
