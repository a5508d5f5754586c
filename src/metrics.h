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
 *
 * Exporters read the registry from their own threads: a computed gauge's
 * read() must be thread-safe and must not register metrics.
 */
#ifndef PAUDITD_METRICS_H
#define PAUDITD_METRICS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

enum metric_kind { METRIC_COUNTER, METRIC_GAUGE, METRIC_TIMING };

#define METRIC_TIMING_BUCKETS	12	/* upper bounds in metrics.c */
#define METRIC_RECENT		32	/* timing: last observations kept for statsd */

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
	_Atomic uint64_t	*recent;	/* timing: ring of METRIC_RECENT ns */
	_Atomic uint64_t	 recent_pos;
	/* statsd flusher state (its thread only): counts already accounted. */
	uint64_t		 sd_seen;
	uint64_t		 sd_sent;
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

/* Give a metric (e.g. a computed gauge) a statsd name; NULL: none. */
void metric_set_statsd(struct metric *m, const char *statsd);

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

/*
 * Exporter back ends, driven by metrics_export.c (see metrics_export.h),
 * which resolves their addresses (and reports a name that does not
 * resolve in getaddrinfo's words).
 *
 * statsd (metrics_statsd.c): pauditd's wire format to a UDP address,
 * "pauditd.<host>.NAME:V|c|@RATE" and the like, several lines per
 * datagram. open connects to the first address of `ai` that takes it
 * and returns 0 or -errno; flush never blocks; a `final` flush also
 * sends what sampling held back so totals end exact.
 */
struct addrinfo;
struct buf;
struct metrics_statsd;
int metrics_statsd_open(const struct addrinfo *ai, const char *prefix,
    double rate, struct metrics_statsd **ret);
void metrics_statsd_flush(struct metrics_statsd *sd, bool final);
struct metrics_statsd *metrics_statsd_close(struct metrics_statsd *sd);
/*
 * Make `s` fit in a statsd name, in place: the bytes the line format
 * gives a meaning (':' '|' '@' '#'), blanks and control bytes become
 * '_'. Dots stay: they are the receiver's hierarchy.
 */
void metrics_statsd_clean(char *s);

/*
 * Prometheus (metrics_prom.c): render appends the text format 0.0.4 of
 * the whole registry to `b`. start serves it at /metrics from its own
 * thread (libmicrohttpd) on the first address of `ai` (resolved with
 * AI_PASSIVE: no host is every address; port 0 is any, see
 * metrics_prom_port) that it can bind. 0 or -errno.
 */
void metrics_prom_render(struct buf *b);
struct metrics_prom;
int metrics_prom_start(const struct addrinfo *ai, struct metrics_prom **ret);
int metrics_prom_port(const struct metrics_prom *p);
struct metrics_prom *metrics_prom_stop(struct metrics_prom *p);

#endif
