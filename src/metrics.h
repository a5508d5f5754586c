/*
 * metrics.h: the registry of counters, gauges and timings that every
 * module reports into, and that the exporters (statsd, Prometheus) read.
 *
 * Register at start-up (or lazily for dynamic names such as HTTP status
 * codes: registration is thread-safe and returns the existing metric for
 * the same name and label). Updates are relaxed atomics, safe from any
 * thread. Metrics live until metrics_reset(); callers keep the pointers.
 *
 * Naming: `name` is the Prometheus name (pauditd_events_total); `statsd`
 * is pauditd's statsd name after the "pauditd.<host>." prefix
 * (messages.total), or NULL when the metric is not sent to statsd.
 * A metric has at most one label (label_key/label_value), e.g.
 * output="http" or reason="enobufs".
 */
#ifndef PAUDITD_METRICS_H
#define PAUDITD_METRICS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

enum metric_kind { METRIC_COUNTER, METRIC_GAUGE, METRIC_TIMING };

#define METRIC_TIMING_BUCKETS	12	/* upper bounds in metrics.c */

struct metric {
	enum metric_kind	 kind;
	const char		*name;
	const char		*help;
	const char		*statsd;
	const char		*label_key;
	const char		*label_value;
	_Atomic uint64_t	 value;		/* counter total, or timing count */
	_Atomic int64_t		 gauge;
	_Atomic uint64_t	 sum_ns;	/* timing: sum of observations */
	_Atomic uint64_t	 bucket[METRIC_TIMING_BUCKETS];
	int64_t			(*read)(void *arg);	/* computed gauge */
	void			*read_arg;
};

/* Returns the metric, creating it once; never NULL (OOM is fatal). */
struct metric *metrics_counter(const char *name, const char *help,
    const char *statsd, const char *label_key, const char *label_value);
struct metric *metrics_gauge(const char *name, const char *help,
    const char *statsd, const char *label_key, const char *label_value);
struct metric *metrics_timing(const char *name, const char *help,
    const char *statsd, const char *label_key, const char *label_value);
/* A gauge computed when read (queue depths, kernel backlog...). */
struct metric *metrics_gauge_fn(const char *name, const char *help,
    const char *label_key, const char *label_value,
    int64_t (*read)(void *arg), void *arg);

static inline void
metric_add(struct metric *m, uint64_t n)
{
	atomic_fetch_add_explicit(&m->value, n, memory_order_relaxed);
}

static inline void
metric_inc(struct metric *m)
{
	metric_add(m, 1);
}

static inline void
metric_set(struct metric *m, int64_t v)
{
	atomic_store_explicit(&m->gauge, v, memory_order_relaxed);
}

void metric_observe_ns(struct metric *m, uint64_t ns);
/* Bucket upper bounds in nanoseconds, METRIC_TIMING_BUCKETS entries. */
extern const uint64_t metric_timing_bounds_ns[METRIC_TIMING_BUCKETS];

uint64_t metric_count(const struct metric *m);
int64_t metric_gauge_value(const struct metric *m);

/* Call fn for every metric in registration order (holds the registry lock). */
void metrics_foreach(void (*fn)(struct metric *m, void *arg), void *arg);
/* Look a metric up by Prometheus name and label value (NULL: any). */
struct metric *metrics_find(const char *name, const char *label_value);
/* Forget every metric (tests). */
void metrics_reset(void);

#endif
