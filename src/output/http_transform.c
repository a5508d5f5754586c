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
 * Its settings sections are bound here too (http_transform_section_bind),
 * for the output's check, --check-config and the output's start alike, so
 * that a section --check-config accepts is one the output starts with.
 */
#include <errno.h>
#include <stdbool.h>
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

#define NOTIF_VERSION	"1.0.0"

/* One attribute; val == NULL stands for the request's trace id. */
struct notif_attr {
	char		*key;
	char		*val;
};

struct notif_state {
	size_t			 n;
	struct notif_attr	*attrs;		/* sorted by key */
	struct metric		*no_topic;
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

static void
notif_count_topic(const char *topic)
{
	char statsd[300];

	snprintf(statsd, sizeof(statsd), "notif-service-transformer.topic.%s",
	    topic);
	metric_inc(metrics_counter("pauditd_http_notification_topic_total",
	    "Events sent by the notification-service transformer, by topic",
	    statsd, "topic", topic));
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
	notif_count_topic(m->key);
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

static const struct http_transform_ops notif_ops = {
	.name = "notification-service",
	.setup = notif_setup,
	.transform = notif_transform,
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
