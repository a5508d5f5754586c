/*
 * metrics.c: the metric registry. Registration takes a mutex and is rare;
 * updates are lock-free relaxed atomics. The registry is a growable array
 * of pointers so that metric addresses stay stable for their users.
 * Timings also keep a small ring of their last observations, which is
 * what statsd (a per-observation protocol) is sent.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "json.h"
#include "metrics.h"

const uint64_t metric_timing_bounds_ns[METRIC_TIMING_BUCKETS] = {
	1000, 10000, 100000, 500000, 1000000, 5000000, 10000000,
	50000000, 100000000, 500000000, 1000000000, UINT64_MAX,
};

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct metric **reg;
static size_t reg_len, reg_cap;

static bool
streq_null(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* The registry owns its strings but exposes them const. */
static void
free_const(const char *s)
{
	free((void *)(uintptr_t)s);
}

static char *
xstrdup_null(const char *s)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		fatal("metric name");
	return d;
}

/*
 * A label value as valid UTF-8, each byte that begins no valid sequence
 * made U+FFFD (a rule key from a replayed log may hold any byte): the
 * Prometheus text format is UTF-8, and one bad value fails the whole
 * scrape. NULL when lv needs nothing.
 */
static char *
utf8_label(const char *lv)
{
	size_t n;
	char *d;

	if (lv == NULL)
		return NULL;
	n = strlen(lv);
	if (json_utf8_valid(lv, n) == n)
		return NULL;
	if ((d = malloc(3 * n + 1)) == NULL)
		fatal("metric label");
	d[json_utf8_fix(lv, n, d, 3 * n)] = '\0';
	return d;
}

static struct metric *
metrics_get(enum metric_kind kind, const char *name, const char *help,
    const char *statsd, const char *lk, const char *lv)
{
	char *clean = utf8_label(lv);
	struct metric *m;
	size_t i;

	if (clean != NULL)
		lv = clean;
	pthread_mutex_lock(&reg_lock);
	for (i = 0; i < reg_len; i++) {
		m = reg[i];
		if (strcmp(m->name, name) == 0 && streq_null(m->label_key, lk) &&
		    streq_null(m->label_value, lv)) {
			pthread_mutex_unlock(&reg_lock);
			free(clean);
			return m;
		}
	}
	if (reg_len == reg_cap) {
		size_t cap = reg_cap ? reg_cap * 2 : 64;
		struct metric **n = realloc(reg, cap * sizeof(*n));

		if (n == NULL)
			fatal("metric registry");
		reg = n;
		reg_cap = cap;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL)
		fatal("metric");
	m->kind = kind;
	m->name = xstrdup_null(name);
	m->help = xstrdup_null(help);
	m->statsd = xstrdup_null(statsd);
	m->label_key = xstrdup_null(lk);
	m->label_value = xstrdup_null(lv);
	if (kind == METRIC_TIMING &&
	    (m->recent = calloc(METRIC_RECENT, sizeof(*m->recent))) == NULL)
		fatal("metric");
	reg[reg_len++] = m;
	pthread_mutex_unlock(&reg_lock);
	free(clean);
	return m;
}

struct metric *
metrics_counter(const char *name, const char *help, const char *statsd,
    const char *lk, const char *lv)
{
	return metrics_get(METRIC_COUNTER, name, help, statsd, lk, lv);
}

struct metric *
metrics_gauge(const char *name, const char *help, const char *statsd,
    const char *lk, const char *lv)
{
	return metrics_get(METRIC_GAUGE, name, help, statsd, lk, lv);
}

struct metric *
metrics_timing(const char *name, const char *help, const char *statsd,
    const char *lk, const char *lv)
{
	return metrics_get(METRIC_TIMING, name, help, statsd, lk, lv);
}

struct metric *
metrics_gauge_fn(const char *name, const char *help, const char *lk,
    const char *lv, int64_t (*read)(void *), void *arg)
{
	struct metric *m = metrics_get(METRIC_GAUGE, name, help, NULL, lk, lv);

	pthread_mutex_lock(&reg_lock);
	m->read = read;
	m->read_arg = arg;
	pthread_mutex_unlock(&reg_lock);
	return m;
}

void
metric_set_statsd(struct metric *m, const char *statsd)
{
	char *d = xstrdup_null(statsd);

	pthread_mutex_lock(&reg_lock);
	free_const(m->statsd);
	m->statsd = d;
	pthread_mutex_unlock(&reg_lock);
}

void
metric_observe_ns(struct metric *m, uint64_t ns)
{
	uint64_t pos;
	size_t i;

	for (i = 0; i < METRIC_TIMING_BUCKETS - 1; i++)
		if (ns <= metric_timing_bounds_ns[i])
			break;
	atomic_fetch_add_explicit(&m->bucket[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->sum_ns, ns, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->value, 1, memory_order_relaxed);
	if (m->recent != NULL) {
		pos = atomic_fetch_add_explicit(&m->recent_pos, 1,
		    memory_order_relaxed);
		atomic_store_explicit(&m->recent[pos % METRIC_RECENT], ns,
		    memory_order_relaxed);
	}
}

uint64_t
metric_count(const struct metric *m)
{
	return atomic_load_explicit(&m->value, memory_order_relaxed);
}

int64_t
metric_gauge_value(const struct metric *m)
{
	if (m->read != NULL)
		return m->read(m->read_arg);
	return atomic_load_explicit(&m->gauge, memory_order_relaxed);
}

void
metrics_foreach(void (*fn)(struct metric *, void *), void *arg)
{
	size_t i;

	pthread_mutex_lock(&reg_lock);
	for (i = 0; i < reg_len; i++)
		fn(reg[i], arg);
	pthread_mutex_unlock(&reg_lock);
}

struct metric *
metrics_find(const char *name, const char *lv)
{
	struct metric *m = NULL;
	size_t i;

	pthread_mutex_lock(&reg_lock);
	for (i = 0; i < reg_len; i++) {
		if (strcmp(reg[i]->name, name) == 0 &&
		    (lv == NULL || streq_null(reg[i]->label_value, lv))) {
			m = reg[i];
			break;
		}
	}
	pthread_mutex_unlock(&reg_lock);
	return m;
}

void
metrics_reset(void)
{
	size_t i;

	pthread_mutex_lock(&reg_lock);
	for (i = 0; i < reg_len; i++) {
		struct metric *m = reg[i];

		free_const(m->name);
		free_const(m->help);
		free_const(m->statsd);
		free_const(m->label_key);
		free_const(m->label_value);
		free(m->recent);
		free(m);
	}
	free(reg);
	reg = NULL;
	reg_len = reg_cap = 0;
	pthread_mutex_unlock(&reg_lock);
}
