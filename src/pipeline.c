/*
 * pipeline.c: the stages between a source and the outputs, in order.
 *
 * DESIGN
 *   record_parse*  → node (a replayed log's node= prefix, nodes.h) →
 *   tracker (serial gaps, the node's, before any type filtering, as
 *   pauditd does) → reasm (events) → filter → encode once per format the
 *   outputs want → outputs_publish (one refcounted message per format).
 * Everything runs on the main thread; the only hand-off is the outputs'
 * queues. Loss at every stage is counted in the metric registry:
 * malformed records, late records, records over a bound, events filtered,
 * serials missed. Costs are kept off the hot path: the clock is read once
 * per batch, timings are sampled.
 */
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "encode.h"
#include "event.h"
#include "filter.h"
#include "json.h"
#include "log.h"
#include "metrics.h"
#include "msg.h"
#include "nodes.h"
#include "output/output.h"
#include "pipeline.h"
#include "rclock.h"
#include "reasm.h"
#include "record.h"
#include "source/source.h"
#include "tracker.h"
#include "uidmap.h"

#define SAMPLE_EVERY	64	/* one timing per this many records/events */
/*
 * A serial still missing this long after a later one came is counted
 * missed, however few serials followed it (the window alone could wait
 * for hours on a quiet host): kernel records are out of order by far
 * less. Live only; a replay settles its gaps at its end.
 */
#define SETTLE_MS	10000

/* The serial tracking of one node (or of the records without one). */
struct ntrack {
	struct pipeline		*p;
	const struct node	*node;		/* NULL: no node */
	struct tracker		 t;
};

struct pipeline {
	struct reasm		*reasm;
	struct ntrack		 track;		/* records without a node */
	struct node_slots	 node_track;	/* ntrack by node id, made on demand */
	struct nodes		*nodes;		/* made at the first node= */
	bool			 tracking;
	uint64_t		 settle_ms;	/* next time-based settle */
	uint64_t		 window;	/* max_out_of_order */
	bool			 log_out_of_order;
	struct uidmap		*ids;
	struct encoder		*enc;
	struct outputs		*outs;
	unsigned		 formats;
	const struct filter	*filter;
	bool			 replay_time;
	struct rclock		 clock;		/* replay_time's */
	uint64_t		 now_ms;
	bool			 need_time;
	uint64_t		 lines;
	uint64_t		 sample;
	uint64_t		 reported_drops;
	uint64_t		 reported_uid_skips;
	uint64_t		 batch_ns;	/* clock at the last batch end or tick */
	uint64_t		 n_records;	/* not yet added to m_records */
	uint64_t		 n_events;	/* not yet added to m_events */
	struct metric		*m_records, *m_malformed[RECORD_ERR_MAX];
	struct metric		*m_events, *m_filtered, *m_missed, *m_late_serials;
	struct metric		*m_late_records, *m_overflow, *m_evicted;
	struct metric		*m_timed_out, *m_empty, *m_latency, *m_filter_latency;
	struct metric		*m_uid_skipped;
	struct log_ratelimit	 rl_malformed, rl_missed, rl_late, rl_reasm, rl_uids;
};

/* "node NAME: " before a tracker's messages about a named node's serials. */
#define NODE_FMT	"%s%s%s"
#define NODE_ARGS(nt)	(nt)->node ? "node " : "", \
			(nt)->node ? (nt)->node->name : "", (nt)->node ? ": " : ""

static void
on_missed(void *arg, uint64_t first, uint64_t n, uint64_t current)
{
	struct ntrack *nt = arg;
	struct pipeline *p = nt->p;

	metric_add(p->m_missed, n);
	if (n == 1)
		log_warn_ratelimited(&p->rl_missed,
		    NODE_FMT "Likely missed sequence %llu, current %llu, worst message delay %llu",
		    NODE_ARGS(nt), (unsigned long long)first,
		    (unsigned long long)current,
		    (unsigned long long)nt->t.worst_lag);
	else
		log_warn_ratelimited(&p->rl_missed,
		    NODE_FMT "Likely missed sequences %llu-%llu (%llu), current %llu, worst message delay %llu",
		    NODE_ARGS(nt), (unsigned long long)first,
		    (unsigned long long)(first + n - 1),
		    (unsigned long long)n, (unsigned long long)current,
		    (unsigned long long)nt->t.worst_lag);
}

static void
on_late(void *arg, uint64_t serial, uint64_t lag, uint64_t worst)
{
	struct ntrack *nt = arg;
	struct pipeline *p = nt->p;

	metric_inc(p->m_late_serials);
	if (p->log_out_of_order)
		log_warn_ratelimited(&p->rl_late,
		    NODE_FMT "Got sequence %llu after %llu messages. Worst lag so far %llu messages",
		    NODE_ARGS(nt), (unsigned long long)serial,
		    (unsigned long long)lag, (unsigned long long)worst);
}

static void
on_reset(void *arg, uint64_t last, uint64_t serial)
{
	struct ntrack *nt = arg;

	log_info(NODE_FMT "serials restarted at %llu after %llu (a reboot, or another log); tracking again",
	    NODE_ARGS(nt), (unsigned long long)serial,
	    (unsigned long long)last);
}

static void
on_unconfirmed(void *arg, uint64_t last, uint64_t serial)
{
	static struct log_ratelimit rl;	/* thousands of hosts: a few lines */
	struct ntrack *nt = arg;

	log_warn_ratelimited(&rl, NODE_FMT "serial %llu, far ahead of the last "
	    "one %llu, was not confirmed by another before the end of the "
	    "input: the %llu serials between are not counted missed (one "
	    "corrupt line, or a real gap: it cannot be known)",
	    NODE_ARGS(nt), (unsigned long long)serial, (unsigned long long)last,
	    (unsigned long long)(serial - last - 1));
}

static void
ntrack_free(void *arg)
{
	struct ntrack *nt = arg;

	tracker_fini(&nt->t);
	free(nt);
}

static int
ntrack_init(struct ntrack *nt, struct pipeline *p, const struct node *node,
    uint64_t window)
{
	struct tracker_cb cb = {
		.missed = on_missed, .late = on_late, .reset = on_reset,
		.unconfirmed = on_unconfirmed, .arg = nt,
	};

	nt->p = p;
	nt->node = node;
	return tracker_init(&nt->t, window, &cb);
}

/*
 * The event's line as a message. The last format of an event whose
 * messages are in the message pool's tail is finished around them where
 * they are (no copy); otherwise the line is copied into one exact
 * allocation. The in-place one goes last: it writes over the messages'
 * lead, which the others skip anyway.
 */
static void
publish(struct pipeline *p, struct event *ev, enum event_format fmt,
    bool last)
{
	size_t n, room = last ? event_tail_room(ev) : 0;
	struct msg *m;
	char *line;

	if (room > ev->info.key_len + 1 &&
	    (line = encode_in_place(p->enc, ev, fmt,
	    room - ev->info.key_len - 1, &n)) != NULL) {
		m = msg_tail_commit(line, n, ev->info.key, ev->info.key_len,
		    ev->serial);
		event_tail_taken(ev);
	} else {
		n = encode_size(p->enc, ev, fmt);
		m = msg_alloc(n, ev->info.key, ev->info.key_len, ev->serial);
		encode_write(p->enc, ev, fmt, m->line);
	}
	m->t_in_ns = p->batch_ns;
	outputs_publish(p->outs, fmt, m);	/* takes our reference */
}

static void
on_event(struct event *ev, void *arg)
{
	struct pipeline *p = arg;
	unsigned f;

	if (p->filter != NULL) {
		bool timed = (++p->sample % SAMPLE_EVERY) == 0;
		uint64_t t0 = timed ? now_mono_ns() : 0;
		bool drop = filter_drop(p->filter, ev);

		if (timed)
			metric_observe_ns(p->m_filter_latency, now_mono_ns() - t0);
		if (drop) {
			metric_inc(p->m_filtered);
			return;
		}
	}
	p->n_events++;
	for (f = 0; f < FMT_MAX; f++)
		if (p->formats & (1u << f))
			publish(p, ev, (enum event_format)f,
			    (p->formats >> (f + 1)) == 0);
}

static void
register_metrics(struct pipeline *p)
{
	int i;

	p->m_records = metrics_counter("pauditd_records_total",
	    "audit records received from the source", "messages.total", NULL, NULL);
	for (i = 0; i < RECORD_ERR_MAX; i++)
		p->m_malformed[i] = metrics_counter("pauditd_records_malformed_total",
		    "records skipped because they could not be parsed",
		    NULL, "reason", record_error_names[i]);
	p->m_events = metrics_counter("pauditd_events_total",
	    "events handed to the outputs", "events.total", NULL, NULL);
	p->m_filtered = metrics_counter("pauditd_events_filtered_total",
	    "events dropped by a filter", "messages.filtered", NULL, NULL);
	p->m_missed = metrics_counter("pauditd_serials_missed_total",
	    "serials that never arrived (message tracking)", "messages.missed", NULL, NULL);
	p->m_late_serials = metrics_counter("pauditd_serials_late_total",
	    "serials that arrived out of order, within max_out_of_order", NULL, NULL, NULL);
	p->m_late_records = metrics_counter("pauditd_records_dropped_total",
	    "records dropped by reassembly", "messages.reassembly_dropped",
	    "reason", "late");
	/* statsd has no labels: both reasons add to one counter there. */
	p->m_overflow = metrics_counter("pauditd_records_dropped_total",
	    "records dropped by reassembly", "messages.reassembly_dropped",
	    "reason", "max_records");
	p->m_evicted = metrics_counter("pauditd_events_evicted_total",
	    "events completed early because of the in-flight bounds", NULL, NULL, NULL);
	p->m_timed_out = metrics_counter("pauditd_events_timed_out_total",
	    "events completed by events.timeout (no EOE)", NULL, NULL, NULL);
	p->m_empty = metrics_counter("pauditd_events_empty_total",
	    "events whose records were all outside events.min..events.max", NULL, NULL, NULL);
	p->m_uid_skipped = metrics_counter("pauditd_uid_lookups_skipped_total",
	    "uids shown as UNKNOWN_USER without a lookup: more new uids than "
	    "the lookup budget", NULL, NULL, NULL);
	p->m_latency = metrics_timing("pauditd_record_latency_seconds",
	    "time to process one record (sampled)", "latency", NULL, NULL);
	p->m_filter_latency = metrics_timing("pauditd_filter_latency_seconds",
	    "time to run the filters on one event (sampled)",
	    "marshaller.filter_latency", NULL, NULL);
}

void
pipeline_reasm_conf(const struct config *conf, bool replay_time,
    bool filters, struct reasm_conf *ret)
{
	*ret = (struct reasm_conf){
		.timeout_ms = conf->events_timeout_ms,
		.max_in_flight = (size_t)conf->events_max_in_flight,
		.max_in_flight_bytes = (size_t)conf->events_max_in_flight_bytes,
		.max_records = (uint32_t)conf->events_max_records,
		.type_min = (uint32_t)conf->events_min,
		.type_max = (uint32_t)conf->events_max,
		/* auditd's logs carry no EOE: PROCTITLE comes last. */
		.proctitle_ends = replay_time,
		/* Only the filters read records' texts (sources pad them). */
		.drop_text = !filters,
	};
}

_Static_assert(SOURCE_PAD >= JSON_PAD,
    "records are escaped straight from the sources' buffers");

struct pipeline *
pipeline_new(const struct config *conf, struct outputs *outs,
    const struct filter *filter, bool replay_time)
{
	struct reasm_conf rc;
	struct pipeline *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	pipeline_reasm_conf(conf, replay_time, filter != NULL, &rc);
	p->outs = outs;
	p->formats = outs ? outputs_formats(outs) : 0;
	p->filter = filter;
	p->replay_time = replay_time;
	/* A jump that would time out every event in flight wants confirming. */
	rclock_init(&p->clock, (uint64_t)conf->events_timeout_ms);
	p->need_time = true;
	p->batch_ns = now_mono_ns();
	p->tracking = conf->mt_enabled;
	p->window = (uint64_t)conf->mt_max_out_of_order;
	p->log_out_of_order = conf->mt_log_out_of_order;
	register_metrics(p);
	p->reasm = reasm_new(&rc, on_event, p);
	p->ids = uidmap_new(conf->uid_caching, !replay_time,
	    conf->password_file_path);
	p->enc = p->ids != NULL ? encoder_new(p->ids) : NULL;
	if (p->reasm == NULL || p->ids == NULL || p->enc == NULL ||
	    ntrack_init(&p->track, p, NULL, p->window) < 0)
		return pipeline_free(p);
	return p;
}

struct pipeline *
pipeline_free(struct pipeline *p)
{
	if (p == NULL)
		return NULL;
	reasm_free(p->reasm);
	tracker_fini(&p->track.t);
	node_slots_free(&p->node_track, ntrack_free);
	nodes_free(p->nodes);
	encoder_free(p->enc);
	uidmap_free(p->ids);
	free(p);
	return NULL;
}

/*
 * Count the gaps that will not fill: with `all`, every one (the end of
 * the input, where a far jump still unconfirmed is told, not counted);
 * else those already open at the previous call.
 */
static void
settle(struct pipeline *p, bool all)
{
	struct ntrack *nt;
	size_t i;

	for (i = 0; i <= p->node_track.cap; i++) {
		nt = i == 0 ? &p->track : p->node_track.v[i - 1];
		if (nt == NULL)
			continue;
		if (all)
			tracker_end(&nt->t);
		else
			tracker_settle(&nt->t, nt->t.mark);
		nt->t.mark = nt->t.last;
	}
}

/* The tracking of a named node's serials, made at its first record. */
static __attribute__((noinline)) struct tracker *
node_tracker(struct pipeline *p, const struct node *nd)
{
	struct ntrack *nt = node_slots_get(&p->node_track, nd->id);
	void **slot;

	if (nt != NULL)
		return &nt->t;
	if ((slot = node_slots_at(&p->node_track, nd->id)) == NULL ||
	    (nt = calloc(1, sizeof(*nt))) == NULL)
		return NULL;
	if (ntrack_init(nt, p, nd, p->window) < 0) {
		free(nt);
		return NULL;
	}
	*slot = nt;
	return &nt->t;
}

/* A record of node nd (NULL: none). */
static void
add_record(struct pipeline *p, const struct record *rec,
    const struct node *nd)
{
	struct tracker *t;
	uint64_t since;

	/*
	 * A named node's serials are tracked apart from the others'; auditd's
	 * own records' are not the kernel's (a DAEMON_START at 922 before the
	 * kernel's 84229434 made 84 million missed serials).
	 */
	if (p->tracking && !record_type_is_auditd(rec->type)) {
		t = nd == NULL ? &p->track.t : node_tracker(p, nd);
		if (__builtin_expect(t != NULL, 1))
			tracker_see(t, rec->serial);
	}
	if (p->replay_time) {
		if (rclock_see(&p->clock, rec->time_ms, rec->serial, &since))
			reasm_retime(p->reasm, since, p->clock.now_ms);
		p->now_ms = p->clock.now_ms;
	} else if (p->need_time) {
		p->now_ms = now_mono_ms();
		p->need_time = false;
	}
	reasm_add(p->reasm, rec, nd, p->now_ms);
}

/* The node of a record with a node= prefix; NULL if refused (nodes.h). */
static __attribute__((noinline)) const struct node *
record_node(struct pipeline *p, const struct record *rec)
{
	if (p->nodes == NULL && (p->nodes = nodes_new()) == NULL)
		return NULL;
	return nodes_get(p->nodes, rec->node, rec->node_len);
}

#define EXCERPT_MAX	80	/* of a line quoted in the log */

/*
 * The start of a line that is not a record, for the log: control bytes
 * (an escape sequence, a CR, a NUL) as \xNN, so that a bad line cannot
 * rewrite the terminal or the journal it is read in.
 */
static const char *
excerpt(const char *s, size_t len, char out[4 * EXCERPT_MAX + 1])
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;
	unsigned char c;

	for (i = 0; i < len && i < EXCERPT_MAX; i++) {
		c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f) {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
	return out;
}

static void
malformed(struct pipeline *p, int e, const char *s, size_t len)
{
	char ex[4 * EXCERPT_MAX + 1];
	int i = -e - 1;

	if (i < 0 || i >= RECORD_ERR_MAX)
		i = RECORD_ERR_HEADER;
	metric_inc(p->m_malformed[i]);
	if (i == RECORD_ERR_NODE)
		log_warn_ratelimited(&p->rl_malformed,
		    "input line %llu: a node name of more than %d bytes, or a node beyond the first %d, skipping: %s",
		    (unsigned long long)p->lines, NODE_NAME_MAX, NODES_MAX,
		    excerpt(s, len, ex));
	else if (p->replay_time)
		log_warn_ratelimited(&p->rl_malformed,
		    "input line %llu: not an audit record (bad %s), skipping: %s",
		    (unsigned long long)p->lines, record_error_names[i],
		    excerpt(s, len, ex));
	else
		log_warn_ratelimited(&p->rl_malformed,
		    "record with a bad %s, skipping: %s", record_error_names[i],
		    excerpt(s, len, ex));
}

static void
sink_payload(void *arg, uint32_t type, const char *s, size_t len)
{
	struct pipeline *p = arg;
	bool timed = (++p->sample % SAMPLE_EVERY) == 0;
	uint64_t t0 = timed ? now_mono_ns() : 0;
	struct record rec;
	int e;

	p->n_records++;
	if ((e = record_parse(type, s, len, &rec)) < 0) {
		malformed(p, e, s, len);
		return;
	}
	add_record(p, &rec, NULL);
	if (timed)
		metric_observe_ns(p->m_latency, now_mono_ns() - t0);
}

/*
 * A non-empty line, parsed and added; false if it is malformed. Inlined
 * into sink_lines' loop, whose registers are saved once per batch.
 */
static inline __attribute__((always_inline)) bool
line_record(struct pipeline *p, const char *s, size_t len)
{
	const struct node *nd = NULL;
	struct record rec;
	int e;

	p->n_records++;
	if ((e = record_parse_line_cut(s, len, &rec)) < 0) {
		malformed(p, e, s, len);
		return false;
	}
	/* "node= " (an empty name) is no node. */
	if (__builtin_expect(rec.node_len != 0, 0) &&
	    (nd = record_node(p, &rec)) == NULL) {
		malformed(p, -(RECORD_ERR_NODE + 1), s, len);
		return false;
	}
	add_record(p, &rec, nd);
	return true;
}

/* One line in SAMPLE_EVERY: a record's time is measured. */
static __attribute__((noinline)) void
line_timed(struct pipeline *p, const char *s, size_t len)
{
	uint64_t t0 = now_mono_ns();

	p->lines++;
	if (len != 0 && line_record(p, s, len))
		metric_observe_ns(p->m_latency, now_mono_ns() - t0);
}

static void
sink_lines(void *arg, const struct source_line *l, size_t n)
{
	struct pipeline *p = arg;
	const struct source_line *end = l + n;

	for (; l < end; l++) {
		if (__builtin_expect(++p->sample % SAMPLE_EVERY == 0, 0)) {
			line_timed(p, l->p, l->len);
			continue;
		}
		p->lines++;
		if (l->len != 0)
			line_record(p, l->p, l->len);
	}
}

static void
sink_overlong(void *arg, const char *s, size_t len)
{
	struct pipeline *p = arg;
	char ex[4 * EXCERPT_MAX + 1];

	p->lines++;
	p->n_records++;
	metric_inc(p->m_malformed[RECORD_ERR_LENGTH]);
	log_warn_ratelimited(&p->rl_malformed,
	    "input line %llu: longer than %u MiB, not an audit record, skipping: %s",
	    (unsigned long long)p->lines, SOURCE_LINE_MAX >> 20,
	    excerpt(s, len, ex));
}

/*
 * The per-record and per-event counts are kept in plain fields and added
 * to the shared metrics once per batch: an atomic add per record costs
 * more than the rest of the bookkeeping together.
 */
static void
sync_counts(struct pipeline *p)
{
	if (p->n_records > 0)
		metric_add(p->m_records, p->n_records);
	if (p->n_events > 0)
		metric_add(p->m_events, p->n_events);
	p->n_records = p->n_events = 0;
}

/* Counted, and said: names missing from uid_map are worth a look. */
static void
sync_uid_skips(struct pipeline *p)
{
	uint64_t n = uidmap_over_budget(p->ids);

	if (n == p->reported_uid_skips)
		return;
	metric_add(p->m_uid_skipped, n - p->reported_uid_skips);
	p->reported_uid_skips = n;
	log_warn_ratelimited(&p->rl_uids, "uid_map: %llu uids shown as "
	    "UNKNOWN_USER without a lookup so far: more than %d new uids a "
	    "second (pauditd_uid_lookups_skipped_total)", (unsigned long long)n,
	    UIDMAP_LOOKUPS_PER_S);
}

static void
sync_stats(struct pipeline *p)
{
	const struct reasm_stats *st = reasm_stats(p->reasm);

	sync_counts(p);
	atomic_store_explicit(&p->m_late_records->value, st->late_records, memory_order_relaxed);
	atomic_store_explicit(&p->m_overflow->value, st->overflow_records, memory_order_relaxed);
	atomic_store_explicit(&p->m_evicted->value, st->evicted, memory_order_relaxed);
	atomic_store_explicit(&p->m_timed_out->value, st->timed_out, memory_order_relaxed);
	atomic_store_explicit(&p->m_empty->value, st->empty_events, memory_order_relaxed);
	if (st->late_records + st->overflow_records > p->reported_drops) {
		p->reported_drops = st->late_records + st->overflow_records;
		log_warn_ratelimited(&p->rl_reasm,
		    "reassembly dropped %llu late records and %llu records over events.max_records so far",
		    (unsigned long long)st->late_records,
		    (unsigned long long)st->overflow_records);
	}
	sync_uid_skips(p);
}

static void
sink_batch_end(void *arg)
{
	struct pipeline *p = arg;

	p->need_time = true;
	p->batch_ns = now_mono_ns();
	sync_counts(p);
	if (p->outs != NULL)
		outputs_flush_lazy(p->outs, p->batch_ns / 1000000);
}

void
pipeline_sink(struct pipeline *p, struct source_sink *ret)
{
	ret->payload = sink_payload;
	ret->lines = sink_lines;
	ret->overlong = sink_overlong;
	ret->batch_end = sink_batch_end;
	ret->arg = p;
}

void
pipeline_tick(struct pipeline *p)
{
	uint64_t now = now_mono_ms();

	p->batch_ns = now_mono_ns();
	if (!p->replay_time) {
		p->now_ms = now;
		reasm_expire(p->reasm, now);
		if (p->tracking && now >= p->settle_ms) {
			settle(p, false);
			p->settle_ms = now + SETTLE_MS;
		}
	}
	uidmap_tick(p->ids, now);
	msg_pool_trim();
	sync_stats(p);
	if (p->outs != NULL)
		outputs_flush(p->outs);
}

void
pipeline_expire_all(struct pipeline *p)
{
	if (reasm_in_flight(p->reasm) == 0)
		return;
	reasm_expire(p->reasm, UINT64_MAX);
	sync_stats(p);
	if (p->outs != NULL)
		outputs_flush(p->outs);
}

void
pipeline_flush(struct pipeline *p)
{
	reasm_flush(p->reasm);
	/* No more records: what is missing now never came. */
	if (p->tracking)
		settle(p, true);
	sync_stats(p);
	if (p->outs != NULL)
		outputs_flush(p->outs);
}
