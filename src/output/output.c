/*
 * output.c: the output core.
 *
 * DESIGN
 * Every enabled output is an instance with its own bounded queue and
 * worker thread(s). The pipeline (main thread) publishes a refcounted
 * message into each queue and never waits: a full queue drops the newest
 * message and counts it. A worker pops a batch and hands it to the
 * plugin's write(), which classifies every message:
 *   OK     delivered: counted, released;
 *   DROP   rejected for good: counted, released;
 *   RETRY  kept, and tried again after a capped exponential backoff with
 *          full jitter, until `attempts` tries; then counted as failed.
 * With the circuit breaker on (HTTP), RETRY results feed a window of
 * recent outcomes; when the failure ratio trips it, the worker stops
 * sending (messages wait in the queue) until a cool-down has passed, then
 * sends one probe. Shutdown closes the queues and lets the workers drain
 * until a deadline, after which what is left is counted as dropped.
 * Nothing is ever lost without a counter. This file is the main thread's
 * half (configuration, staging and pushing, start, drain, stop);
 * worker.c is the workers' (delivery, retries, breaker, drops).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../config/config.h"
#include "../log.h"
#include "../metrics.h"
#include "../msg.h"
#include "../queue.h"
#include "breaker.h"
#include "output.h"
#include "output_int.h"

static const struct cfg_field common_fields[] = {
	{ .key = "enabled", .type = CFG_BOOL, .def = "false",
	  .offset = offsetof(struct output_common, enabled),
	  .set_offset = CFG_NOSET, .desc = "send events to this output" },
	{ .key = "attempts", .type = CFG_INT, .def = "3", .min = 1, .max = 1000000,
	  .offset = offsetof(struct output_common, attempts),
	  .set_offset = CFG_NOSET, .desc = "tries per event before it is dropped and counted" },
	{ .key = "format", .type = CFG_STR, .def = "pauditd",
	  .offset = offsetof(struct output_common, format),
	  .set_offset = CFG_NOSET, .desc = "pauditd or go-audit (no rule_key)" },
	{ .key = "buffer_size", .type = CFG_INT, .min = 1, .max = 100000000,
	  .offset = offsetof(struct output_common, buffer_size),
	  .set_offset = offsetof(struct output_common, buffer_size_set),
	  .desc = "events queued for this output; beyond it the newest is dropped and counted" },
	{ 0 }
};

struct outputs {
	struct output	**v;
	size_t		  n;
	unsigned	  formats;
	bool		(*wait_full)(void *arg);	/* outputs_wait_when_full */
	void		 *wait_arg;
	bool		(*hurry)(void *arg);		/* outputs_hurry_when */
	void		 *hurry_arg;
	bool		  drained;			/* outputs_drain ran */
};

/* How long a push waits for room before it asks wait_full again. */
#define OUT_FULL_WAIT_MS	100

const struct output_ops *
output_lookup(const char *name)
{
	size_t i;

	for (i = 0; output_registry[i] != NULL; i++)
		if (strcasecmp(output_registry[i]->name, name) == 0)
			return output_registry[i];
	return NULL;
}

const char *
output_name(const struct output *o)
{
	return o->name;
}

struct metric *
output_unacked_metric(const struct output *o)
{
	return o->m_unacked;
}

uint64_t
outputs_dropped(const struct outputs *os)
{
	const struct output *o;
	uint64_t n = 0;
	size_t i;

	for (i = 0; os != NULL && i < os->n; i++) {
		if ((o = os->v[i])->m_failed == NULL)
			continue;	/* never started */
		n += metric_count(o->m_queue_full) + metric_count(o->m_failed) +
		    metric_count(o->m_rejected) + metric_count(o->m_shutdown) +
		    metric_count(o->m_gone) + metric_count(o->m_unacked);
	}
	return n;
}

const struct config *
output_config(const struct output *o)
{
	return o->root;
}

void
output_set_workers(struct output *o, unsigned n)
{
	o->nworkers = n ? n : 1;
}

static struct metric *
out_counter(struct output *o, const char *prom, const char *statsd_suffix,
    const char *help)
{
	char name[96], sd[96];

	snprintf(name, sizeof(name), "pauditd_output_%s_total", prom);
	snprintf(sd, sizeof(sd), "%s_writer.%s", o->name, statsd_suffix);
	return metrics_counter(name, help, sd, "output", o->name);
}

static int64_t
read_depth(void *arg)
{
	struct output *o = arg;

	return o->q ? (int64_t)queue_depth(o->q) : 0;
}

static void
register_metrics(struct output *o)
{
	char sd[96];

	o->m_received = out_counter(o, "received", "total_messages",
	    "events handed to the output");
	o->m_written = out_counter(o, "events", "written",
	    "events the output delivered");
	o->m_bytes = out_counter(o, "bytes", "bytes", "bytes the output delivered");
	o->m_retries = out_counter(o, "retries", "retries",
	    "deliveries tried again after a transient failure");
	o->m_queue_full = out_counter(o, "dropped_queue_full", "dropped_messages",
	    "events dropped because the output's queue was full");
	o->m_failed = out_counter(o, "dropped_failed", "failed",
	    "events dropped after every attempt failed");
	o->m_rejected = out_counter(o, "dropped_rejected", "rejected",
	    "events the destination rejected for good");
	o->m_shutdown = out_counter(o, "dropped_shutdown", "dropped_at_shutdown",
	    "events still queued when the shutdown deadline passed");
	o->m_gone = out_counter(o, "dropped_gone", "gone",
	    "events dropped because the destination is gone for good");
	o->m_skipped = out_counter(o, "skipped", "skipped",
	    "events the output does not send by its own policy (not a failure)");
	o->m_unacked = out_counter(o, "dropped_unacked", "unacked",
	    "events delivered to a connection that was lost, or closed at exit, "
	    "before its peer acknowledged them, and not sent again");
	o->m_breaker_open = metrics_gauge("pauditd_output_breaker_open",
	    "1 while the output's circuit breaker is open", NULL, "output", o->name);
	o->m_depth = metrics_gauge_fn("pauditd_output_queue_depth",
	    "events waiting in the output's queue", "output", o->name,
	    read_depth, o);
	snprintf(sd, sizeof(sd), "%s_writer.queue_depth", o->name);
	metric_set_statsd(o->m_depth, sd);
}

/* ---- configuration ---- */

static struct output *
output_free(struct output *o)
{
	if (o == NULL)
		return NULL;
	if (o->ctx != NULL && o->ops->fini != NULL)
		o->ops->fini(o->ctx);
	queue_free(o->q);
	if (o->conf != NULL) {
		if (o->ops->fields != NULL)
			cfg_free(o->ops->fields, o->conf);
		free(o->conf);
	}
	cfg_free(common_fields, &o->com);
	breaker_free(o->breaker);
	free(o->workers);
	free(o);
	return NULL;
}

static void
warn_unknown(const struct output *o, const struct ypair *p, struct cfg_ctx *c)
{
	const struct cfg_field *f;
	size_t i;

	if (p->val == NULL || p->val->kind != YNODE_MAP)
		return;
	for (i = 0; i < p->val->n; i++) {
		const char *k = p->val->pairs[i].key;
		bool known = false;

		for (f = common_fields; f->key != NULL && !known; f++)
			known = strcasecmp(f->key, k) == 0;
		for (f = o->ops->fields; f != NULL && f->key != NULL && !known; f++)
			known = strcasecmp(f->key, k) == 0;
		if (!known)
			cfg_warn(c, p->val->pairs[i].line, NULL,
			    "output.%s.%s: unknown key, ignoring", o->name, k);
	}
}

/*
 * Common and plugin keys share output.<name>: each table is bound without
 * unknown-key warnings, which warn_unknown issues once for the union.
 */
static int
bind_part(struct cfg_ctx *c, const struct cfg_field *tbl,
    const struct ynode *node, const char *prefix, void *dst)
{
	bool saved = c->ignore_unknown;
	int r;

	c->ignore_unknown = true;
	r = cfg_bind(c, tbl, node, prefix, dst);
	c->ignore_unknown = saved;
	return r;
}

static int
configure_one(const struct output_ops *ops, const struct ypair *p,
    const struct config *root, struct cfg_ctx *c, struct outputs *os)
{
	char prefix[64];
	struct output *o;
	int fmt;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		fatal("output");
	o->ops = ops;
	o->node = p->val;
	snprintf(o->name, sizeof(o->name), "%s", ops->name);
	snprintf(prefix, sizeof(prefix), "output.%s", ops->name);
	if (ops->conf_size > 0 && (o->conf = calloc(1, ops->conf_size)) == NULL)
		fatal("output config");
	bind_part(c, common_fields, p->val, prefix, &o->com);
	/* A disabled output's typos too: "enable: true" leaves it off. */
	warn_unknown(o, p, c);
	if (!o->com.enabled) {
		output_free(o);
		return 0;
	}
	if (ops->fields != NULL)
		bind_part(c, ops->fields, p->val, prefix, o->conf);
	fmt = encode_format_from_name(o->com.format);
	if (fmt < 0) {
		const struct ypair *fp = ynode_pair(p->val, "format");

		cfg_error(c, fp ? fp->line : p->line, NULL,
		    "output.%s.format: must be pauditd or go-audit, not \"%s\"",
		    o->name, o->com.format);
		fmt = FMT_PAUDITD;
	}
	o->fmt = (enum event_format)fmt;
	if (ops->check != NULL)
		ops->check(o->conf, p->val, root, c);
	os->v[os->n++] = o;
	os->formats |= 1u << o->fmt;
	return 0;
}

int
outputs_configure(const struct config *conf, struct cfg_ctx *c,
    struct outputs **ret)
{
	const struct ynode *out = conf->output;
	unsigned before = c->errors;
	struct outputs *os;
	size_t i;

	if ((os = calloc(1, sizeof(*os))) == NULL)
		fatal("outputs");
	if (out != NULL && out->kind != YNODE_MAP && out->kind != YNODE_NULL)
		cfg_error(c, out->line, "output", "must be a mapping of outputs");
	if ((os->v = calloc((out && out->kind == YNODE_MAP ? out->n : 0) + 1,
	    sizeof(*os->v))) == NULL)
		fatal("outputs");
	for (i = 0; out != NULL && out->kind == YNODE_MAP && i < out->n; i++) {
		const struct ypair *p = &out->pairs[i];
		const struct output_ops *ops = output_lookup(p->key);

		if (ops == NULL) {
			/* pauditd's README puts the transformer's attributes here. */
			if (strcasecmp(p->key, "notification_service_transformer") != 0)
				cfg_warn(c, p->line, NULL,
				    "output.%s: unknown output, ignoring", p->key);
			continue;
		}
		if (p->val != NULL && p->val->kind != YNODE_MAP &&
		    p->val->kind != YNODE_NULL) {
			cfg_error(c, p->line, NULL, "output.%s: must be a mapping",
			    p->key);
			continue;
		}
		configure_one(ops, p, conf, c, os);
	}
	for (i = 0; i < os->n; i++)
		os->v[i]->root = conf;
	if (os->n == 0 && c->errors == before)
		cfg_error(c, out ? out->line : 0, "output",
		    "no output is enabled (set output.<name>.enabled: true)");
	*ret = os;
	return c->errors > before ? -EINVAL : 0;
}

/* ---- running ---- */

int
outputs_start(struct outputs *os)
{
	size_t i, j;
	int r;

	output_interrupt_init();
	for (i = 0; i < os->n; i++) {
		struct output *o = os->v[i];
		size_t qsize;

		o->nworkers = 1;
		register_metrics(o);
		if ((r = o->ops->init(o, o->conf, &o->ctx)) < 0) {
			log_warnx("[output %s] cannot start: %s", o->name, strerror(-r));
			return r;
		}
		qsize = o->com.buffer_size_set ? (size_t)o->com.buffer_size :
		    (o->ops->default_queue ? o->ops->default_queue : 16384);
		if ((o->q = queue_new(qsize)) == NULL)
			fatal("output queue");
		/* A queue too small to wake at OUT_WAKE_AT wakes half full. */
		o->wake_at = qsize / 2 < OUT_WAKE_AT ? qsize / 2 : OUT_WAKE_AT;
		if (o->wake_at == 0)
			o->wake_at = 1;
		if ((o->workers = calloc(o->nworkers, sizeof(*o->workers))) == NULL)
			fatal("output workers");
		for (j = 0; j < o->nworkers; j++) {
			o->workers[j].o = o;
			if ((r = pthread_create(&o->workers[j].thread, NULL,
			    output_worker_main, &o->workers[j])) != 0)
				fatal("[output %s] thread: %s", o->name, strerror(r));
			o->workers[j].started = true;
		}
		log_debug("[output %s] started: %u worker(s), queue of %zu, %lld attempts, format %s",
		    o->name, o->nworkers, qsize, o->com.attempts,
		    encode_format_name(o->fmt));
	}
	return 0;
}

unsigned
outputs_formats(const struct outputs *os)
{
	return os->formats;
}

size_t
outputs_count(const struct outputs *os)
{
	return os->n;
}

struct output *
outputs_find(struct outputs *os, const char *name)
{
	size_t i;

	for (i = 0; i < os->n; i++)
		if (strcmp(os->v[i]->name, name) == 0)
			return os->v[i];
	return NULL;
}

/*
 * Hand the staged messages to the queue, waking a waiting worker if
 * `wake` or if the queue then holds wake_at messages; otherwise the
 * worker is left to sleep (o->unwoken) until outputs_flush_lazy's
 * linger or a later push wakes it.
 */
static void
flush_one(const struct outputs *os, struct output *o, bool wake)
{
	size_t pushed, i;
	bool woke;

	if (o->nstage == 0) {
		if (wake && o->unwoken) {
			queue_wake(o->q);
			o->unwoken = false;
		}
		return;
	}
	metric_add(o->m_received, o->nstage);
	if (atomic_load_explicit(&o->gone, memory_order_relaxed)) {
		output_drop_gone(o, o->stage, o->nstage);
		o->nstage = 0;
		o->stage_since_ms = 0;
		return;
	}
	pushed = queue_push_batch_lazy(o->q, o->stage, o->nstage,
	    wake ? 1 : o->wake_at, &woke);
	if (woke) {
		o->unwoken = false;
	} else if (!o->unwoken) {
		/* The oldest of them was staged then (0: not known yet). */
		o->unwoken = true;
		o->unwoken_since_ms = o->stage_since_ms;
	}
	if (pushed < o->nstage && os->wait_full != NULL) {
		/*
		 * A replay outruns most outputs: the wait is how it goes, not
		 * a fault to warn of at every turn. Said once.
		 */
		if (!o->said_wait) {
			o->said_wait = true;
			log_info("[output %s] queue full (%zu events): the replay "
			    "waits for it", o->name, queue_capacity(o->q));
		}
		/* A full queue wakes the workers (queue_push_batch_wait). */
		while (pushed < o->nstage && !atomic_load(&o->gone) &&
		    os->wait_full(os->wait_arg))
			pushed += queue_push_batch_wait(o->q, o->stage + pushed,
			    o->nstage - pushed, OUT_FULL_WAIT_MS);
		o->unwoken = false;
	}
	if (pushed < o->nstage && atomic_load(&o->gone)) {
		output_drop_gone(o, o->stage + pushed, o->nstage - pushed);
	} else if (pushed < o->nstage && os->wait_full != NULL) {
		/*
		 * Only a stop ends a replay's wait: these are shutdown drops,
		 * said on their own (not under the wait's rate limit).
		 */
		metric_add(o->m_shutdown, o->nstage - pushed);
		log_warn_ratelimited(&o->rl_stopping,
		    "[output %s] stopping: %zu events the full queue could not take are dropped",
		    o->name, o->nstage - pushed);
		for (i = pushed; i < o->nstage; i++)
			msg_unref(o->stage[i]);
	} else if (pushed < o->nstage) {
		metric_add(o->m_queue_full, o->nstage - pushed);
		log_warn_ratelimited(&o->rl_full,
		    "[output %s] queue full (%zu events), dropping %zu events from %llu on",
		    o->name, queue_capacity(o->q), o->nstage - pushed,
		    (unsigned long long)o->stage[pushed]->serial);
		for (i = pushed; i < o->nstage; i++)
			msg_unref(o->stage[i]);
	}
	o->nstage = 0;
	o->stage_since_ms = 0;
}

void
outputs_publish(struct outputs *os, enum event_format fmt, struct msg *m)
{
	struct output *o;
	bool mine = true;	/* the caller's reference is still ours to give */
	size_t i;

	for (i = 0; i < os->n; i++) {
		o = os->v[i];
		if (o->fmt != fmt)
			continue;
		o->stage[o->nstage++] = mine ? m : msg_ref(m);
		mine = false;
		if (o->nstage == OUT_STAGE)
			flush_one(os, o, false);
	}
	if (mine)
		msg_unref(m);
}

void
outputs_flush(struct outputs *os)
{
	size_t i;

	for (i = 0; i < os->n; i++)
		flush_one(os, os->v[i], true);
}

void
outputs_flush_lazy(struct outputs *os, uint64_t now_ms)
{
	size_t i;

	for (i = 0; i < os->n; i++) {
		struct output *o = os->v[i];

		if (o->nstage > 0) {
			if (o->stage_since_ms == 0)
				o->stage_since_ms = now_ms;
			/* A stage that lingered wakes the worker for itself. */
			if (now_ms - o->stage_since_ms >= OUT_LINGER_MS)
				flush_one(os, o, true);
			else if (o->nstage >= OUT_STAGE_PUSH)
				flush_one(os, o, false);
		}
		if (!o->unwoken)
			continue;
		if (o->unwoken_since_ms == 0)
			o->unwoken_since_ms = now_ms;
		else if (now_ms - o->unwoken_since_ms >= OUT_LINGER_MS)
			flush_one(os, o, true);
	}
}

void
outputs_wait_when_full(struct outputs *os, bool (*keep_waiting)(void *arg),
    void *arg)
{
	os->wait_full = keep_waiting;
	os->wait_arg = arg;
}

bool
outputs_idle(const struct outputs *os, int timeout_ms)
{
	size_t i;

	if (os == NULL)
		return true;
	for (i = 0; i < os->n; i++)
		if (os->v[i]->q != NULL &&
		    !queue_wait_empty(os->v[i]->q, timeout_ms))
			return false;
	return true;
}

size_t
outputs_queued(const struct outputs *os)
{
	size_t i, n = 0;

	for (i = 0; os != NULL && i < os->n; i++)
		if (os->v[i]->q != NULL)
			n += queue_depth(os->v[i]->q);
	return n;
}

bool
outputs_all_gone(const struct outputs *os)
{
	size_t i;

	if (os == NULL || os->n == 0)
		return false;
	for (i = 0; i < os->n; i++)
		if (!atomic_load(&os->v[i]->gone))
			return false;
	return true;
}

void
outputs_reopen(struct outputs *os)
{
	size_t i;

	for (i = 0; i < os->n; i++)
		atomic_fetch_add(&os->v[i]->reopen_gen, 1);
}

void
outputs_hurry_when(struct outputs *os, bool (*fn)(void *arg), void *arg)
{
	os->hurry = fn;
	os->hurry_arg = arg;
}

/*
 * Join o's j-th worker; past the deadline, it and every later one of o
 * (the earlier ones are joined) are interrupted, again every 100 ms, until
 * it has dropped what is left and returned: all at once, so that an
 * output of many workers stops in one slice, not in one per worker. The
 * hurry callback, asked every 100 ms, may bring the deadline (*dl_ms, of
 * every output) to now.
 */
static void
join_worker(struct outputs *os, struct output *o, size_t j, uint64_t *dl_ms)
{
	struct timespec ts;
	size_t k;

	for (;;) {
		/* Monotonic: a step of the wall clock must not stretch the wait. */
		mono_deadline(&ts, 100);
		if (pthread_clockjoin_np(o->workers[j].thread, NULL,
		    CLOCK_MONOTONIC, &ts) != ETIMEDOUT)
			return;
		if (now_mono_ms() < *dl_ms && os->hurry != NULL &&
		    os->hurry(os->hurry_arg)) {
			*dl_ms = now_mono_ms();
			for (k = 0; k < os->n; k++)
				atomic_store(&os->v[k]->deadline_ms, *dl_ms);
		}
		if (now_mono_ms() < *dl_ms)
			continue;
		output_interrupt_arm();
		for (k = j; k < o->nworkers; k++)
			if (o->workers[k].started)
				pthread_kill(o->workers[k].thread, PA_SIG_INTERRUPT);
	}
}

void
outputs_drain(struct outputs *os, int timeout_ms)
{
	uint64_t dl = now_mono_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
	size_t i, j;

	if (os == NULL || os->drained)
		return;
	os->drained = true;
	for (i = 0; i < os->n; i++) {
		if (os->v[i]->q != NULL) {
			flush_one(os, os->v[i], true);
			queue_close(os->v[i]->q);
		}
	}
	for (i = 0; i < os->n; i++) {
		struct output *o = os->v[i];

		/* Workers drain until the deadline, then drop and count. */
		atomic_store(&o->deadline_ms, dl);
		for (j = 0; o->workers != NULL && j < o->nworkers; j++)
			if (o->workers[j].started)
				join_worker(os, o, j, &dl);
		if (atomic_load(&o->shutdown_dropped) > 0)
			log_warnx("[output %s] shutdown deadline passed: %llu events dropped",
			    o->name, (unsigned long long)atomic_load(&o->shutdown_dropped));
		if (o->q != NULL && queue_depth(o->q) > 0) {
			metric_add(o->m_shutdown, queue_depth(o->q));
			log_warnx("[output %s] %zu events left in the queue at exit",
			    o->name, queue_depth(o->q));
		}
		/* The depth gauge outlives the queue: freeze it at its last value. */
		if (o->m_depth != NULL) {
			metric_set(o->m_depth, o->q ? (int64_t)queue_depth(o->q) : 0);
			metrics_gauge_fn(o->m_depth->name, o->m_depth->help, "output",
			    o->name, NULL, NULL);
		}
	}
}

struct outputs *
outputs_stop(struct outputs *os, int timeout_ms)
{
	size_t i;

	if (os == NULL)
		return NULL;
	outputs_drain(os, timeout_ms);
	for (i = 0; i < os->n; i++) {
		struct output *o = os->v[i];

		output_free(o);
	}
	free(os->v);
	free(os);
	return NULL;
}
