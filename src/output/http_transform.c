/*
 * http_transform.c: the HTTP output's body transformers and their registry.
 *
 * DESIGN: a transformer is a const ops table (http_transform.h). The HTTP
 * worker calls transform() once per event with the request's trace id;
 * the result is either the event line itself (noop, no copy) or a body
 * built in the worker's scratch buffer. State is built once from the
 * config and only read afterwards, so workers share it without locks.
 *
 * notification-service reproduces pauditd's DTO byte for byte:
 *   {"topic":K,"attributes":{sorted keys},"data":EVENT,"version":"1.0.0"}
 * with K the event's rule key. attributes holds hostname, trace_id and the
 * configured extra attributes (which may override both), sorted by key as
 * Go's encoding/json sorts map keys. Events without a usable key are
 * counted under notif-service-transformer.topic.no-topic and not sent:
 * the service has no topic to publish them on. That is a policy, not a
 * refusal, so the output reports them done (not rejected).
 *
 * Sent events are counted per topic. Topics come from the rules, which
 * a host may hold by the thousand, so the counters are bounded: the first
 * HTTP_NOTIF_TOPICS_MAX distinct topics get their own, later ones all count
 * under NOTIF_TOPIC_OTHER (logged once). A topic's counter is found in a
 * hash map of the transformer's own, not by a scan of the registry: it
 * is looked up once per event, on every worker at once. Readers take no
 * lock: an entry is complete before its slot is published (release) and
 * stays until notif_free; only an insertion takes the map's mutex. The
 * Prometheus label is the key itself (escaped there); the statsd name
 * has the bytes a statsd line cannot carry replaced by '_'.
 *
 * Its settings sections are bound here too (http_transform_section_bind),
 * for the output's check, --check-config and the output's start alike, so
 * that a section --check-config accepts is one the output starts with.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../buf.h"
#include "../config/config.h"
#include "../json.h"
#include "../log.h"
#include "../metrics.h"
#include "../msg.h"
#include "http_transform.h"

#define NOTIF_VERSION		"1.0.0"
#define NOTIF_TOPIC_SLOTS	(2 * HTTP_NOTIF_TOPICS_MAX)	/* half full at most */
#define NOTIF_TOPIC_OTHER	"_other"	/* the topics beyond */
#define NOTIF_TOPIC_STATSD	"notif-service-transformer.topic."

_Static_assert((NOTIF_TOPIC_SLOTS & (NOTIF_TOPIC_SLOTS - 1)) == 0,
    "topic slots are indexed by a mask");

/* One attribute; val == NULL stands for the request's trace id. */
struct notif_attr {
	char		*key;
	char		*val;
};

/* A topic and its counter, owned by the map (the counter by the registry). */
struct notif_topic {
	uint64_t	 hash;
	struct metric	*metric;
	char		 key[];
};

/* Topic -> counter; see DESIGN for who may touch what. */
struct notif_topics {
	pthread_mutex_t			 lock;		/* insertions */
	_Atomic size_t			 n;		/* written under lock */
	struct metric			*other;
	atomic_bool			 other_logged;
	_Atomic(struct notif_topic *)	 slot[NOTIF_TOPIC_SLOTS];
};

struct notif_state {
	size_t			 n;
	struct notif_attr	*attrs;		/* sorted by key */
	struct metric		*no_topic;
	/* Through a pointer: workers insert while the state is const to them. */
	struct notif_topics	*topics;
};

void
http_transform_hostname(char *out, size_t len)
{
	const char *env = getenv("HOSTNAME");
	char host[256];
	char *dot;

	if (env != NULL && *env != '\0')
		snprintf(host, sizeof(host), "%s", env);
	else if (gethostname(host, sizeof(host)) < 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	if ((dot = strchr(host, '.')) != NULL)
		*dot = '\0';
	snprintf(out, len, "%s", host);
}

/* The transformer's settings sections: cfg_bind warns about other keys. */
static const struct cfg_field section_fields[] = {
	{ .key = "extra_attributes", .type = CFG_STRMAP,
	    .offset = offsetof(struct http_transform_section, extra),
	    .set_offset = CFG_NOSET, .desc = "added to the DTO's attributes" },
	{ .key = NULL }
};

int
http_transform_section_bind(struct cfg_ctx *c, const struct ynode *node,
    const char *path, struct http_transform_section *ret)
{
	return cfg_bind(c, section_fields, node, path, ret);
}

void
http_transform_section_free(struct http_transform_section *s)
{
	cfg_free(section_fields, s);
}

int
http_transform_bind_shared(struct cfg_ctx *c, const struct config *conf,
    struct http_transform_section ret[2])
{
	int r = 0;

	r |= http_transform_section_bind(c, conf->notif_top,
	    "notification-service-transformer", &ret[0]);
	r |= http_transform_section_bind(c,
	    ynode_get(conf->output, "notification_service_transformer"),
	    "output.notification_service_transformer", &ret[1]);
	return r < 0 ? -EINVAL : 0;
}

int
http_transform_check_shared(struct cfg_ctx *c, const struct config *conf)
{
	struct http_transform_section s[2] = { 0 };
	int r;

	r = http_transform_bind_shared(c, conf, s);
	http_transform_section_free(&s[0]);
	http_transform_section_free(&s[1]);
	return r;
}

/* noop: the event line as pauditd sends it, trailing newline included. */

static int
noop_setup(const struct http_transform_args *args, void **ret_state)
{
	*ret_state = NULL;
	return 0;
}

static int
noop_transform(const void *state, const char *trace_id, const struct msg *m,
    struct buf *scratch, const char **ret_body, size_t *ret_len)
{
	*ret_body = m->line;
	*ret_len = m->len;
	return 0;
}

static void
noop_free(void *state)
{
}

static const struct http_transform_ops noop_ops = {
	.name = "noop",
	.setup = noop_setup,
	.transform = noop_transform,
	.free = noop_free,
};

/* notification-service */

static struct metric *
topic_counter(const char *topic)
{
	char statsd[sizeof(NOTIF_TOPIC_STATSD) + 256];

	snprintf(statsd, sizeof(statsd), NOTIF_TOPIC_STATSD "%s", topic);
	metrics_statsd_clean(statsd + strlen(NOTIF_TOPIC_STATSD));
	return metrics_counter("pauditd_http_notification_topic_total",
	    "Events sent by the notification-service transformer, by topic",
	    statsd, "topic", topic);
}

static struct notif_topics *
topics_new(void)
{
	struct notif_topics *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	pthread_mutex_init(&t->lock, NULL);
	t->other = topic_counter(NOTIF_TOPIC_OTHER);
	return t;
}

static void
topics_free(struct notif_topics *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < NOTIF_TOPIC_SLOTS; i++)
		free(atomic_load_explicit(&t->slot[i], memory_order_relaxed));
	pthread_mutex_destroy(&t->lock);
	free(t);
}

/*
 * The counter of `key`, or NULL and in *ret_slot the free slot where it
 * would go. The map is never more than half full, so probes end.
 */
static struct metric *
topics_find(struct notif_topics *t, const char *key, uint64_t h,
    size_t *ret_slot)
{
	struct notif_topic *e;
	size_t i;

	for (i = (size_t)h & (NOTIF_TOPIC_SLOTS - 1);
	    (e = atomic_load_explicit(&t->slot[i], memory_order_acquire)) != NULL;
	    i = (i + 1) & (NOTIF_TOPIC_SLOTS - 1))
		if (e->hash == h && strcmp(e->key, key) == 0)
			return e->metric;
	*ret_slot = i;
	return NULL;
}

static bool
topics_full(struct notif_topics *t)
{
	return atomic_load_explicit(&t->n, memory_order_relaxed) ==
	    HTTP_NOTIF_TOPICS_MAX;
}

/* The shared counter of the topics beyond the bound. */
static struct metric *
topics_other(struct notif_topics *t, const char *key)
{
	if (!atomic_exchange(&t->other_logged, true))
		log_warnx("notification-service: more than %d distinct topics: "
		    "events of topic \"%s\" and of later new ones are counted "
		    "under topic \"" NOTIF_TOPIC_OTHER "\" (statsd "
		    NOTIF_TOPIC_STATSD NOTIF_TOPIC_OTHER "), and still sent; "
		    "logged once", HTTP_NOTIF_TOPICS_MAX, key);
	return t->other;
}

/* The counter of a topic not found by topics_find. */
static struct metric *
topics_add(struct notif_topics *t, const char *key, uint64_t h)
{
	struct notif_topic *e;
	struct metric *m;
	size_t i, len;

	/* Full is for good: the topics beyond take no lock. */
	if (topics_full(t))
		return topics_other(t, key);
	pthread_mutex_lock(&t->lock);
	/* Another worker may have added it, or filled the map, meanwhile. */
	if ((m = topics_find(t, key, h, &i)) != NULL)
		goto done;
	if (topics_full(t)) {
		m = topics_other(t, key);
		goto done;
	}
	len = strlen(key);
	if ((e = malloc(sizeof(*e) + len + 1)) == NULL) {
		m = t->other;	/* the event still goes */
		goto done;
	}
	e->hash = h;
	memcpy(e->key, key, len + 1);
	e->metric = m = topic_counter(key);
	atomic_store_explicit(&t->slot[i], e, memory_order_release);
	atomic_fetch_add_explicit(&t->n, 1, memory_order_relaxed);
done:
	pthread_mutex_unlock(&t->lock);
	return m;
}

static void
topics_count(struct notif_topics *t, const char *key)
{
	uint64_t h = str_hash(key, strlen(key));
	struct metric *m;
	size_t i;

	if ((m = topics_find(t, key, h, &i)) == NULL)
		m = topics_add(t, key, h);
	metric_inc(m);
}

static void
notif_free(void *state)
{
	struct notif_state *st = state;
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < st->n; i++) {
		free(st->attrs[i].key);
		free(st->attrs[i].val);
	}
	free(st->attrs);
	topics_free(st->topics);
	free(st);
}

/* Set key to val (NULL: the trace id), replacing an earlier value. */
static int
notif_set(struct notif_state *st, const char *key, const char *val)
{
	struct notif_attr *a = NULL;
	char *v = NULL;
	size_t i;

	if (val != NULL && (v = strdup(val)) == NULL)
		return -ENOMEM;
	for (i = 0; i < st->n; i++)
		if (strcmp(st->attrs[i].key, key) == 0)
			a = &st->attrs[i];
	if (a == NULL) {
		a = realloc(st->attrs, (st->n + 1) * sizeof(*a));
		if (a == NULL)
			goto fail;
		st->attrs = a;
		a = &st->attrs[st->n];
		if ((a->key = strdup(key)) == NULL)
			goto fail;
		a->val = NULL;
		st->n++;
	}
	free(a->val);
	a->val = v;
	return 0;
fail:
	free(v);
	return -ENOMEM;
}

static int
attr_cmp(const void *a, const void *b)
{
	const struct notif_attr *x = a, *y = b;

	return strcmp(x->key, y->key);
}

static int
notif_setup(const struct http_transform_args *args, void **ret_state)
{
	struct notif_state *st;
	char host[256];
	size_t i, j;
	int r;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return -ENOMEM;
	if (args->hostname != NULL)
		snprintf(host, sizeof(host), "%s", args->hostname);
	else
		http_transform_hostname(host, sizeof(host));
	if ((r = notif_set(st, "hostname", host)) < 0 ||
	    (r = notif_set(st, "trace_id", NULL)) < 0)
		goto fail;
	for (i = 0; i < HTTP_TRANSFORM_EXTRA_MAX; i++) {
		const struct cfg_strmap *m = args->extra[i];

		for (j = 0; m != NULL && j < m->n; j++)
			if ((r = notif_set(st, m->keys[j], m->vals[j])) < 0)
				goto fail;
	}
	qsort(st->attrs, st->n, sizeof(*st->attrs), attr_cmp);
	if ((st->topics = topics_new()) == NULL) {
		r = -ENOMEM;
		goto fail;
	}
	st->no_topic = metrics_counter("pauditd_http_notification_no_topic_total",
	    "Events not sent by the notification-service transformer: no rule key",
	    "notif-service-transformer.topic.no-topic", NULL, NULL);
	*ret_state = st;
	return 0;
fail:
	notif_free(st);
	return r;
}

static bool
notif_topic_usable(const char *key)
{
	return *key != '\0' && strcmp(key, "(null)") != 0;
}

static int
notif_transform(const void *state, const char *trace_id, const struct msg *m,
    struct buf *scratch, const char **ret_body, size_t *ret_len)
{
	const struct notif_state *st = state;
	size_t i, dlen = m->len;

	if (!notif_topic_usable(m->key)) {
		metric_inc(st->no_topic);
		return -ENOMSG;
	}
	if (dlen > 0 && m->line[dlen - 1] == '\n')
		dlen--;
	if (dlen < 2 || m->line[0] != '{' || m->line[dlen - 1] != '}')
		return -EINVAL;
	buf_puts_lit(scratch, "{\"topic\":");
	json_str(scratch, m->key, strlen(m->key));
	buf_puts_lit(scratch, ",\"attributes\":{");
	for (i = 0; i < st->n; i++) {
		const char *v = st->attrs[i].val ? st->attrs[i].val : trace_id;

		if (i > 0)
			buf_putc(scratch, ',');
		json_str(scratch, st->attrs[i].key,
		    strlen(st->attrs[i].key));
		buf_putc(scratch, ':');
		json_str(scratch, v, strlen(v));
	}
	buf_puts_lit(scratch, "},\"data\":");
	buf_append(scratch, m->line, dlen);
	buf_puts_lit(scratch, ",\"version\":\"" NOTIF_VERSION "\"}");
	*ret_body = scratch->p;
	*ret_len = scratch->len;
	return 0;
}

/* Events sent, by topic: once per event delivered, not per attempt. */
static void
notif_sent(const void *state, const struct msg *m)
{
	const struct notif_state *st = state;

	topics_count(st->topics, m->key);
}

static const struct http_transform_ops notif_ops = {
	.name = "notification-service",
	.setup = notif_setup,
	.transform = notif_transform,
	.sent = notif_sent,
	.free = notif_free,
	.skip_reason = "events without a rule key have no topic and are not "
	    "sent (counted in pauditd_http_notification_no_topic_total)",
};

const struct http_transform_ops *const http_transform_registry[] = {
	&noop_ops,
	&notif_ops,
	NULL,
};

const struct http_transform_ops *
http_transform_lookup(const char *name)
{
	size_t i;

	for (i = 0; http_transform_registry[i] != NULL; i++)
		if (strcmp(http_transform_registry[i]->name, name) == 0)
			return http_transform_registry[i];
	return NULL;
}
