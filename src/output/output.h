/*
 * output.h: the output core and the plugin interface.
 *
 * DESIGN: policy lives in the core (output.c), mechanism in the plugins.
 * The core owns, for every enabled output: the instance, its bounded
 * queue, its worker thread(s), batching, retries with capped exponential
 * backoff and full jitter up to `attempts`, the circuit breaker, the drop
 * policy and the per-output metrics. A plugin only connects, writes,
 * classifies the result of each message, and closes.
 *
 * Threads: init/fini run on the main thread; worker_init, write, reopen
 * and worker_fini run on the output's worker thread(s). A plugin that asks
 * for several workers gets one wctx per worker and must keep shared state
 * in ctx thread-safe.
 */
#ifndef PAUDITD_OUTPUT_H
#define PAUDITD_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../config/cfgmap.h"
#include "../encode.h"

struct msg;
struct output;
struct outputs;

enum out_result {
	OUT_OK,		/* delivered */
	OUT_RETRY,	/* transient failure: the core retries later */
	OUT_DROP,	/* permanent failure (rejected): counted, not retried */
	/*
	 * Not sent, by the output's own policy and not for a failure (the
	 * notification-service transformer's events without a rule key):
	 * counted as skipped, neither delivered nor dropped.
	 */
	OUT_SKIP,
	/*
	 * The destination is gone for good (stdout's reader closed the
	 * pipe): nothing more can reach it. This event and every later one
	 * are counted as dropped without a try, and the output stops.
	 */
	OUT_GONE,
	OUT_RESULT_MAX
};

struct out_item {
	struct msg	*m;		/* borrowed; the core unrefs */
	enum out_result	 res;		/* set by write */
	unsigned	 attempts;	/* tries so far, before this one */
};

struct output_ops {
	const char		*name;		/* output.<name> in the config */
	const struct cfg_field	*fields;	/* plugin keys, bound into conf */
	size_t			 conf_size;
	size_t			 default_queue;	/* buffer_size when not set */
	size_t			 max_batch;	/* messages per write (0: 256) */
	/*
	 * Cross-key validation (users, groups, files...), also of the
	 * sections outside output.<name> that the plugin reads from `root`.
	 * 0 or -EINVAL.
	 */
	int		(*check)(const void *conf, const struct ynode *node,
			    const struct config *root, struct cfg_ctx *c);
	/* Set up; may call output_set_workers. 0 or -errno, logged by it. */
	int		(*init)(struct output *o, const void *conf, void **ret_ctx);
	int		(*worker_init)(void *ctx, void **ret_wctx);
	/*
	 * Write n messages; set items[i].res for each. A plugin that sends
	 * one message at a time gives write_one instead and the core loops.
	 */
	void		(*write)(void *wctx, struct out_item *items, size_t n);
	enum out_result	(*write_one)(void *wctx, const struct msg *m);
	/* SIGHUP/SIGUSR1: reopen files, reload certificates. */
	void		(*reopen)(void *wctx);
	void		(*worker_fini)(void *wctx);
	void		(*fini)(void *ctx);	/* must accept half-built ctx */
};

/* The registry (registry.c), NULL-terminated. */
extern const struct output_ops *const output_registry[];
const struct output_ops *output_lookup(const char *name);

/*
 * Build the set of enabled outputs from conf->output: bind the common
 * keys (enabled, attempts, format, buffer_size) and each plugin's table,
 * run every check. Returns 0 or -EINVAL (errors reported through c).
 */
int outputs_configure(const struct config *conf, struct cfg_ctx *c,
    struct outputs **ret);
/* Init plugins and start the workers. 0 or -errno. */
int outputs_start(struct outputs *os);
/* Which encodings the enabled outputs want (bitmask of 1u << fmt). */
unsigned outputs_formats(const struct outputs *os);
size_t outputs_count(const struct outputs *os);
/*
 * Hand an encoded event to every output that wants format `fmt`. Takes
 * the caller's reference of `m` (and one more per further output).
 * Messages are staged and pushed in batches (one lock and one wake-up per
 * batch); outputs_flush pushes what is staged, and must be called at the
 * end of every source batch and on every tick. Never blocks, unless
 * outputs_wait_when_full asked: a full queue drops the newest events and
 * counts them.
 */
void outputs_publish(struct outputs *os, enum event_format fmt, struct msg *m);
void outputs_flush(struct outputs *os);
/*
 * Push the stages that hold a worthwhile batch (OUT_STAGE_WAKE messages)
 * or have waited OUT_STAGE_LINGER_MS: called at the end of every source
 * batch, it keeps a trickle of events from waking a worker (a futex wake,
 * an inter-processor interrupt in a VM) for every few events.
 */
void outputs_flush_lazy(struct outputs *os, uint64_t now_ms);
/*
 * A replay: a push to a full queue waits for the output to make room,
 * asking keep_waiting(arg) every 100 ms whether to go on (false: drop and
 * count, as without). The kernel source never waits: the kernel would
 * block the audited processes.
 */
void outputs_wait_when_full(struct outputs *os, bool (*keep_waiting)(void *arg),
    void *arg);
/*
 * Whether every event pushed has been delivered or dropped: the queues
 * empty and no worker busy with a batch. Call outputs_flush first. Waits
 * up to timeout_ms (0: not at all) for the first output still at work,
 * woken the moment its worker finishes.
 */
bool outputs_idle(const struct outputs *os, int timeout_ms);
/* Events waiting in the queues of every output, for a log line. */
size_t outputs_queued(const struct outputs *os);
/*
 * Whether every output is gone (OUT_GONE): nothing the daemon reads can
 * be delivered any more. False without outputs.
 */
bool outputs_all_gone(const struct outputs *os);
/* Ask every worker to reopen (SIGHUP/SIGUSR1). Async-safe w.r.t. workers. */
void outputs_reopen(struct outputs *os);
/*
 * Close the queues, let the workers drain within timeout_ms (then drop
 * and count what is left), join them. Only once: later calls return.
 */
void outputs_drain(struct outputs *os, int timeout_ms);
/*
 * Ask fn, every 100 ms of a drain, whether to stop waiting for the
 * workers: true brings the deadline to now (what is left is dropped and
 * counted). The main thread's, for a second SIGTERM or SIGINT.
 */
void outputs_hurry_when(struct outputs *os, bool (*fn)(void *arg), void *arg);
/* outputs_drain, then free. Returns NULL. */
struct outputs *outputs_stop(struct outputs *os, int timeout_ms);

/*
 * For plugins, on a worker: true once the core has interrupted this
 * worker's blocking call at the shutdown deadline (it then returns EINTR):
 * give up and return, rather than call again on EINTR.
 */
bool output_interrupted(void);
/* Install the interrupt's handler (outputs_start does; tests). */
void output_interrupt_init(void);

/* For plugins, during init. */
void output_set_workers(struct output *o, unsigned n);
/*
 * Enable the core circuit breaker (pauditd semantics) for this output:
 * while it is open, events wait in the queue and one probe a second is
 * sent, so that an outage costs an event per `attempts` probes rather
 * than every event's attempts. OUT_NET_BREAKER_RATIO is the syslog and
 * GELF outputs' (the HTTP output's is breaker_failure_ratio).
 */
#define OUT_NET_BREAKER_RATIO	0.05
void output_set_breaker(struct output *o, double failure_ratio);
const char *output_name(const struct output *o);
/* The whole configuration, for plugins that read other sections (init). */
const struct config *output_config(const struct output *o);
/*
 * pauditd_output_dropped_unacked_total of o: a plugin that knows its
 * transport lost what it had counted as delivered (out_net.h's journal)
 * counts it there.
 */
struct metric *output_unacked_metric(const struct output *o);
/* Events every output dropped, for whatever reason, so far. */
uint64_t outputs_dropped(const struct outputs *os);
/* Look an output up by name (tests and the metrics dump). */
struct output *outputs_find(struct outputs *os, const char *name);

#endif
