/*
 * worker.c: an output's worker threads (output.c's DESIGN): pop a batch,
 * hand it to the plugin, settle each message's result, retry with capped
 * exponential backoff and full jitter up to `attempts`, feed the circuit
 * breaker, and drop and count what cannot be delivered: at the shutdown
 * deadline, for a destination gone for good, or when the attempts are
 * spent. The core's interrupt, which unblocks a worker stuck in a write
 * past the deadline, lives here too.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "../log.h"
#include "../metrics.h"
#include "../msg.h"
#include "../queue.h"
#include "breaker.h"
#include "output.h"
#include "output_int.h"

/* ---- circuit breaker (breaker.c) ---- */

void
output_set_breaker(struct output *o, double failure_ratio)
{
	o->breaker = breaker_new(failure_ratio);
}

static void
breaker_report(struct output *o, uint64_t nok, uint64_t nfail, bool probe)
{
	uint64_t fail = 0, total = 0;

	switch (breaker_observe(o->breaker, now_mono_ms(), nok, nfail, probe,
	    &fail, &total)) {
	case BREAKER_OPENED:
		log_warnx("[output %s] circuit breaker open: %llu of the last %llu deliveries failed; events wait in the queue",
		    o->name, (unsigned long long)fail, (unsigned long long)total);
		break;
	case BREAKER_CLOSED:
		log_info("[output %s] circuit breaker closed: the probe succeeded", o->name);
		break;
	default:
		break;
	}
	metric_set(o->m_breaker_open, breaker_is_open(o->breaker) ? 1 : 0);
}

/* ---- worker ---- */

/*
 * A worker blocked in a write past the shutdown deadline (stdout's reader
 * stopped reading, a FIFO nobody empties) would hold the join forever:
 * the core interrupts it with this signal, whose handler only marks the
 * thread, so that the write returns EINTR and the worker sees the
 * deadline. Sent to a worker thread only; never blocked there.
 */
static _Thread_local volatile sig_atomic_t interrupted;
/*
 * Set by the core when the deadline has passed, before its first
 * interrupt: a stray signal of that number (kill -s RTMIN+1) before then
 * only breaks a wait, which the worker takes up again, and never stops
 * its deliveries.
 */
static atomic_bool armed;

static void
on_interrupt(int sig)
{
	(void)sig;
	if (atomic_load(&armed))
		interrupted = 1;
}

void
output_interrupt_arm(void)
{
	atomic_store(&armed, true);
}

bool
output_interrupted(void)
{
	return interrupted != 0;
}

void
output_interrupt_init(void)
{
	static bool done;
	struct sigaction sa;

	if (done)
		return;
	done = true;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_interrupt;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: the blocked call must return. */
	sigaction(PA_SIG_INTERRUPT, &sa, NULL);
}

static bool
past_deadline(struct output *o)
{
	uint64_t dl = atomic_load(&o->deadline_ms);

	return dl != 0 && now_mono_ms() >= dl;
}

/* A SIGHUP or SIGUSR1 this worker has not acted on yet. */
static bool
reopen_due(struct output *o, const struct worker *w)
{
	return atomic_load(&o->reopen_gen) != w->reopen_seen;
}

/*
 * Sleep up to ms, waking early when the shutdown deadline passes or a
 * reopen is asked for (the fix for what the retries wait on, often).
 */
static void
nap(struct output *o, const struct worker *w, uint64_t ms)
{
	while (ms > 0 && !past_deadline(o) && !reopen_due(o, w)) {
		uint64_t step = ms < 50 ? ms : 50;
		struct timespec ts = { 0, (long)step * 1000000L };

		nanosleep(&ts, NULL);
		ms -= step;
	}
}

static uint64_t
backoff_ms(unsigned attempt)
{
	uint64_t cap = OUT_BACKOFF_BASE_MS;
	uint32_t rnd = 0;

	while (attempt-- > 1 && cap < OUT_BACKOFF_CAP_MS)
		cap *= 2;
	if (cap > OUT_BACKOFF_CAP_MS)
		cap = OUT_BACKOFF_CAP_MS;
	if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t)sizeof(rnd))
		rnd = (uint32_t)now_mono_ns();
	return rnd % (cap + 1);
}

/* Items it[0..n) dropped, counted in m. */
static void
drop_items(struct metric *m, struct out_item *it, size_t n)
{
	size_t i;

	metric_add(m, n);
	for (i = 0; i < n; i++)
		msg_unref(it[i].m);
}

/* Past the shutdown deadline: counted here, logged once at the join. */
static void
drop_rest(struct output *o, struct out_item *it, size_t n)
{
	atomic_fetch_add(&o->shutdown_dropped, n);
	drop_items(o->m_shutdown, it, n);
}

/* The output is gone: n events dropped without a try. */
void
output_drop_gone(struct output *o, struct msg **mv, size_t n)
{
	size_t i;

	metric_add(o->m_gone, n);
	for (i = 0; i < n; i++)
		msg_unref(mv[i]);
}

static void
mark_gone(struct output *o)
{
	if (!atomic_exchange(&o->gone, true))
		log_warnx("[output %s] gone for good: its events are dropped from now on and counted (pauditd_output_dropped_gone_total)",
		    o->name);
}

/* Settle the results of one write; returns how many must be retried. */
static size_t
settle(struct output *o, struct out_item *it, size_t n, bool probe)
{
	size_t i, keep = 0;
	uint64_t nok = 0, nfail = 0, nwritten = 0, bytes = 0;

	for (i = 0; i < n; i++) {
		switch (it[i].res) {
		case OUT_OK:
			nok++;
			nwritten++;
			bytes += it[i].m->len;
			msg_unref(it[i].m);
			break;
		case OUT_DROP:
			nok++;		/* it answered: it is up */
			metric_inc(o->m_rejected);
			msg_unref(it[i].m);
			break;
		case OUT_SKIP:
			/* No request: says nothing of the destination. */
			metric_inc(o->m_skipped);
			msg_unref(it[i].m);
			break;
		case OUT_GONE:
			mark_gone(o);
			output_drop_gone(o, &it[i].m, 1);
			break;
		default:
			nfail++;
			if (++it[i].attempts >= (unsigned)o->com.attempts) {
				metric_inc(o->m_failed);
				log_warn_ratelimited(&o->rl_failed,
				    "[output %s] event %llu failed %u times, dropping",
				    o->name, (unsigned long long)it[i].m->serial,
				    it[i].attempts);
				msg_unref(it[i].m);
			} else {
				it[i].res = OUT_RETRY;
				it[keep++] = it[i];
			}
			break;
		}
	}
	/* One atomic add per batch, not per event. */
	if (nwritten > 0) {
		metric_add(o->m_written, nwritten);
		metric_add(o->m_bytes, bytes);
	}
	if (o->breaker != NULL)
		breaker_report(o, nok, nfail, probe);
	/* Past the deadline they are dropped at shutdown, not tried again. */
	if (keep > 0 && !past_deadline(o))
		metric_add(o->m_retries, keep);
	return keep;
}

static void
write_batch(struct output *o, struct worker *w, struct out_item *it, size_t n)
{
	size_t i;

	if (o->ops->write != NULL) {
		o->ops->write(w->wctx, it, n);
		return;
	}
	for (i = 0; i < n; i++)
		it[i].res = o->ops->write_one(w->wctx, it[i].m);
}

static void
maybe_reopen(struct output *o, struct worker *w)
{
	if (!reopen_due(o, w))
		return;
	w->reopen_seen = atomic_load(&o->reopen_gen);
	if (o->ops->reopen != NULL)
		o->ops->reopen(w->wctx);
}

static void
deliver(struct output *o, struct worker *w, struct out_item *it, size_t n)
{
	unsigned attempt = 0;
	bool probe;
	uint64_t wait;
	size_t send;

	while (n > 0) {
		if (past_deadline(o)) {
			drop_rest(o, it, n);
			return;
		}
		if (atomic_load(&o->gone)) {
			drop_items(o->m_gone, it, n);
			return;
		}
		/* Between tries too: a rotated-away full disk frees nothing. */
		maybe_reopen(o, w);
		probe = false;
		wait = o->breaker ? breaker_wait_ms(o->breaker, now_mono_ms(), &probe) : 0;
		if (wait > 0) {
			nap(o, w, wait);
			continue;
		}
		send = probe ? 1 : n;
		write_batch(o, w, it, send);
		send = settle(o, it, send, probe);
		if (send < n && probe) {
			/* Keep the unsent tail behind the retried probe. */
			memmove(&it[send], &it[1], (n - 1) * sizeof(*it));
			n = send + n - 1;
		} else {
			n = send;
		}
		if (n > 0 && !probe && !atomic_load(&o->gone))
			nap(o, w, backoff_ms(++attempt));
	}
}

void *
output_worker_main(void *arg)
{
	struct worker *w = arg;
	struct output *o = w->o;
	size_t max = o->ops->max_batch ? o->ops->max_batch : OUT_BATCH_DEFAULT;
	struct msg **mv = calloc(max, sizeof(*mv));
	struct out_item *it = calloc(max, sizeof(*it));
	size_t i, n;
	bool ready = true;
	int r;

	if (mv == NULL || it == NULL)
		fatal("output worker");
	w->wctx = o->ctx;
	w->reopen_seen = atomic_load(&o->reopen_gen);
	while (o->ops->worker_init != NULL &&
	    (r = o->ops->worker_init(o->ctx, &w->wctx)) < 0) {
		log_warnx("[output %s] worker start failed: %s, retrying",
		    o->name, strerror(-r));
		nap(o, w, 1000);
		/* What a reopen asks for, a start gives. */
		w->reopen_seen = atomic_load(&o->reopen_gen);
		/*
		 * Never started, and the deadline has passed: what is left is
		 * dropped at shutdown. w->wctx is the output's context, not a
		 * worker's: neither reopen nor write may be given it.
		 */
		if (past_deadline(o)) {
			ready = false;
			break;
		}
	}
	for (;;) {
		if (ready)
			maybe_reopen(o, w);
		n = queue_pop_batch(o->q, mv, max, 500);
		if (n == 0) {
			if (queue_closed_and_empty(o->q))
				break;
			continue;
		}
		if (atomic_load(&o->gone)) {
			output_drop_gone(o, mv, n);
			queue_batch_done(o->q);
			continue;
		}
		/*
		 * The messages were written on the main thread's CPU: ask
		 * for all their headers at once, rather than one miss at a
		 * time as the output reads them.
		 */
		for (i = 0; i < n; i++) {
			__builtin_prefetch(mv[i]);
			it[i].m = mv[i];
			it[i].res = OUT_RETRY;
			it[i].attempts = 0;
		}
		if (ready)
			deliver(o, w, it, n);
		else
			drop_rest(o, it, n);
		queue_batch_done(o->q);
	}
	if (o->ops->worker_fini != NULL && w->wctx != o->ctx)
		o->ops->worker_fini(w->wctx);
	free(mv);
	free(it);
	return NULL;
}

