/*
 * test_http_transform.c: the HTTP body transformers (noop and
 * notification-service) and the Go-compatible JSON string escaper.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "harness.h"
#include "../../src/buf.h"
#include "../../src/config/config.h"
#include "../../src/config/yaml.h"
#include "../../src/metrics.h"
#include "../../src/msg.h"
#include "../../src/output/http_transform.h"

#define EVENT "{\"sequence\":880575,\"timestamp\":\"1524242704.387\"," \
	"\"messages\":[{\"type\":1300,\"data\":\"key=\\\"binding-file-ops\\\"\"}]," \
	"\"uid_map\":{},\"rule_key\":\"binding-file-ops\"}"
#define TRACE "cd4702b3-4763-41e8-917a-0242ac110002"

static struct msg *
mkmsg(const char *line, const char *key)
{
	char *l = strdup(line);

	return msg_new_take(l, strlen(l), key, strlen(key), 1);
}

TEST(lookup)
{
	ASSERT(http_transform_lookup("noop") != NULL);
	ASSERT(http_transform_lookup("notification-service") != NULL);
	ASSERT(http_transform_lookup("nope") == NULL);
	ASSERT_STREQ(http_transform_registry[0]->name, "noop");
}

TEST(noop_is_the_line)
{
	const struct http_transform_ops *ops = http_transform_lookup("noop");
	struct http_transform_args args = { 0 };
	struct msg *m = mkmsg(EVENT "\n", "");
	const char *body;
	size_t len;
	struct buf b;
	void *st;

	buf_init(&b);
	ASSERT_EQ(ops->setup(&args, &st), 0);
	ASSERT_EQ(ops->transform(st, TRACE, m, &b, &body, &len), 0);
	ASSERT(body == m->line);
	ASSERT_MEMEQ(body, len, EVENT "\n");
	ASSERT(ops->skip_reason == NULL);	/* never skips an event */
	ops->free(st);
	msg_unref(m);
	buf_fini(&b);
}

TEST(notification_service_dto)
{
	const struct http_transform_ops *ops =
	    http_transform_lookup("notification-service");
	struct http_transform_args args = { .hostname = "test-hostname" };
	struct msg *m = mkmsg(EVENT "\n", "binding-file-ops");
	const char *body;
	size_t len;
	struct buf b;
	void *st;

	metrics_reset();
	buf_init(&b);
	ASSERT_EQ(ops->setup(&args, &st), 0);
	ASSERT_EQ(ops->transform(st, TRACE, m, &b, &body, &len), 0);
	ASSERT_MEMEQ(body, len, "{\"topic\":\"binding-file-ops\",\"attributes\":"
	    "{\"hostname\":\"test-hostname\",\"trace_id\":\"" TRACE "\"},"
	    "\"data\":" EVENT ",\"version\":\"1.0.0\"}");
	/* Counted once delivered, not per attempt. */
	ASSERT_EQ(ops->transform(st, TRACE, m, &b, &body, &len), 0);
	ASSERT(metrics_find("pauditd_http_notification_topic_total",
	    "binding-file-ops") == NULL);
	ops->sent(st, m);
	ASSERT_EQ(metric_count(metrics_find("pauditd_http_notification_topic_total",
	    "binding-file-ops")), 1);
	ASSERT_STREQ(metrics_find("pauditd_http_notification_topic_total",
	    "binding-file-ops")->statsd,
	    "notif-service-transformer.topic.binding-file-ops");
	ops->free(st);
	msg_unref(m);
	buf_fini(&b);
}

TEST(notification_service_extra_attributes)
{
	const struct http_transform_ops *ops =
	    http_transform_lookup("notification-service");
	char *k1[] = { "zone", "hostname" }, *v1[] = { "top", "from-top" };
	char *k2[] = { "zone", "env" }, *v2[] = { "output", "dev<1>" };
	char *k3[] = { "app" }, *v3[] = { "pauditd" };
	struct cfg_strmap top = { 2, k1, v1 }, out = { 2, k2, v2 }, http = { 1, k3, v3 };
	struct http_transform_args args = { .hostname = "h",
	    .extra = { &top, &out, &http } };
	struct msg *m = mkmsg(EVENT "\n", "k");
	const char *body;
	size_t len;
	struct buf b;
	void *st;

	buf_init(&b);
	ASSERT_EQ(ops->setup(&args, &st), 0);
	ASSERT_EQ(ops->transform(st, TRACE, m, &b, &body, &len), 0);
	ASSERT_MEMEQ(body, len, "{\"topic\":\"k\",\"attributes\":"
	    "{\"app\":\"pauditd\",\"env\":\"dev\\u003c1\\u003e\","
	    "\"hostname\":\"from-top\",\"trace_id\":\"" TRACE "\","
	    "\"zone\":\"output\"},\"data\":" EVENT ",\"version\":\"1.0.0\"}");
	ops->free(st);
	msg_unref(m);
	buf_fini(&b);
}

TEST(notification_service_no_topic)
{
	const struct http_transform_ops *ops =
	    http_transform_lookup("notification-service");
	struct http_transform_args args = { .hostname = "h" };
	struct msg *m1 = mkmsg(EVENT "\n", ""), *m2 = mkmsg(EVENT "\n", "(null)");
	const char *body = NULL;
	size_t len = 0;
	struct buf b;
	void *st;

	metrics_reset();
	buf_init(&b);
	ASSERT_EQ(ops->setup(&args, &st), 0);
	ASSERT_EQ(ops->transform(st, TRACE, m1, &b, &body, &len), -ENOMSG);
	ASSERT_EQ(ops->transform(st, TRACE, m2, &b, &body, &len), -ENOMSG);
	ASSERT(body == NULL);
	ASSERT_EQ(b.len, 0);
	ASSERT_EQ(metric_count(metrics_find("pauditd_http_notification_no_topic_total",
	    NULL)), 2);
	ASSERT_STREQ(metrics_find("pauditd_http_notification_no_topic_total",
	    NULL)->statsd, "notif-service-transformer.topic.no-topic");
	/* The output logs why, once, and reports these events done. */
	ASSERT(ops->skip_reason != NULL);
	ASSERT(strstr(ops->skip_reason, "rule key") != NULL);
	ASSERT(strstr(ops->skip_reason,
	    "pauditd_http_notification_no_topic_total") != NULL);
	ops->free(st);
	msg_unref(m1);
	msg_unref(m2);
	buf_fini(&b);
}

TEST(notification_service_rejects_non_object)
{
	const struct http_transform_ops *ops =
	    http_transform_lookup("notification-service");
	struct http_transform_args args = { .hostname = "h" };
	struct msg *m = mkmsg("not json\n", "k");
	const char *body;
	size_t len;
	struct buf b;
	void *st;

	buf_init(&b);
	ASSERT_EQ(ops->setup(&args, &st), 0);
	ASSERT_EQ(ops->transform(st, TRACE, m, &b, &body, &len), -EINVAL);
	ops->free(st);
	msg_unref(m);
	buf_fini(&b);
}

/* Transform one event with rule key `key`, delivered; its result. */
static int
notif_one(const struct http_transform_ops *ops, const void *st, const char *key)
{
	struct msg *m = mkmsg(EVENT "\n", key);
	const char *body;
	size_t len;
	struct buf b;
	int r;

	buf_init(&b);
	r = ops->transform(st, TRACE, m, &b, &body, &len);
	if (r == 0)
		ops->sent(st, m);
	msg_unref(m);
	buf_fini(&b);
	return r;
}

static void
count_topic_metrics(struct metric *m, void *arg)
{
	if (strcmp(m->name, "pauditd_http_notification_topic_total") == 0)
		(*(size_t *)arg)++;
}

static size_t
topic_metrics(void)
{
	size_t n = 0;

	metrics_foreach(count_topic_metrics, &n);
	return n;
}

/*
 * A rule key is any string: the statsd name gets the bytes a statsd line
 * gives a meaning replaced, the Prometheus label keeps it, escaped.
 */
TEST(notification_service_topic_names)
{
	const struct http_transform_ops *ops =
	    http_transform_lookup("notification-service");
	struct http_transform_args args = { .hostname = "h" };
	struct metric *mt;
	struct buf b;
	void *st;

	metrics_reset();
	ASSERT_EQ(ops->setup(&args, &st), 0);
	ASSERT_EQ(notif_one(ops, st, "x:y|z"), 0);
	ASSERT_EQ(notif_one(ops, st, "a\"b @c#d\te.f"), 0);
	ASSERT_EQ(notif_one(ops, st, "x:y|z"), 0);
	ASSERT((mt = metrics_find("pauditd_http_notification_topic_total",
	    "x:y|z")) != NULL);
	ASSERT_EQ(metric_count(mt), 2);
	ASSERT_STREQ(mt->statsd, "notif-service-transformer.topic.x_y_z");
	ASSERT((mt = metrics_find("pauditd_http_notification_topic_total",
	    "a\"b @c#d\te.f")) != NULL);
	ASSERT_STREQ(mt->statsd, "notif-service-transformer.topic.a\"b__c_d_e.f");
	buf_init(&b);
	metrics_prom_render(&b);
	buf_putc(&b, '\0');
	ASSERT(strstr(b.p, "\npauditd_http_notification_topic_total{topic=\"x:y|z\"} 2\n")
	    != NULL);
	ASSERT(strstr(b.p, "\npauditd_http_notification_topic_total{topic="
	    "\"a\\\"b @c#d\te.f\"} 1\n") != NULL);
	buf_fini(&b);
	ops->free(st);
	metrics_reset();
}

/* Stderr back; the lines it got meanwhile that contain `s`. */
static int
stderr_restore(int fd, int saved, const char *s)
{
	static char log[65536];

	capture_end(fd, saved, log, sizeof(log));
	return capture_lines_with(log, s);
}

/* Past HTTP_NOTIF_TOPICS_MAX topics, new ones count under "_other". */
TEST(notification_service_topics_bounded)
{
	const struct http_transform_ops *ops =
	    http_transform_lookup("notification-service");
	struct http_transform_args args = { .hostname = "h" };
	int i, fd, saved, bad = 0, logged;
	struct metric *other;
	char key[32];
	void *st;

	metrics_reset();
	ASSERT_EQ(ops->setup(&args, &st), 0);
	ASSERT((fd = capture_begin(&saved)) >= 0);
	for (i = 0; i < HTTP_NOTIF_TOPICS_MAX + 100; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		bad += notif_one(ops, st, key) != 0;
	}
	/* Each known topic again, and one beyond: still sent. */
	for (i = 0; i < HTTP_NOTIF_TOPICS_MAX + 1; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		bad += notif_one(ops, st, key) != 0;
	}
	logged = stderr_restore(fd, saved, "more than 1024 distinct topics: "
	    "events of topic \"k1024\" and of later new ones are counted under "
	    "topic \"_other\"");
	ASSERT_EQ(bad, 0);
	ASSERT_EQ(logged, 1);
	ASSERT_EQ(topic_metrics(), HTTP_NOTIF_TOPICS_MAX + 1);
	ASSERT_EQ(metric_count(metrics_find("pauditd_http_notification_topic_total",
	    "k0")), 2);
	snprintf(key, sizeof(key), "k%d", HTTP_NOTIF_TOPICS_MAX - 1);
	ASSERT_EQ(metric_count(metrics_find("pauditd_http_notification_topic_total",
	    key)), 2);
	snprintf(key, sizeof(key), "k%d", HTTP_NOTIF_TOPICS_MAX);
	ASSERT(metrics_find("pauditd_http_notification_topic_total", key) == NULL);
	ASSERT((other = metrics_find("pauditd_http_notification_topic_total",
	    "_other")) != NULL);
	ASSERT_EQ(metric_count(other), 101);
	ASSERT_STREQ(other->statsd, "notif-service-transformer.topic._other");
	ops->free(st);
	metrics_reset();
}

struct notif_thread {
	const struct http_transform_ops	*ops;
	const void			*st;
	int				 first, failed;
};

static void *
notif_thread_run(void *arg)
{
	struct notif_thread *nt = arg;
	char key[32];
	int i;

	for (i = 0; i < 3000; i++) {
		snprintf(key, sizeof(key), "t%d", (nt->first + i) % 1500);
		if (notif_one(nt->ops, nt->st, key) != 0)
			nt->failed = 1;
	}
	return NULL;
}

/* Workers transform at once: every event counted once, the bound kept. */
TEST(notification_service_topics_concurrent)
{
	const struct http_transform_ops *ops =
	    http_transform_lookup("notification-service");
	struct http_transform_args args = { .hostname = "h" };
	struct notif_thread nt[4];
	pthread_t tid[4];
	uint64_t total = 0;
	int i, fd, saved;
	char key[32];
	void *st;

	metrics_reset();
	ASSERT_EQ(ops->setup(&args, &st), 0);
	ASSERT((fd = capture_begin(&saved)) >= 0);
	for (i = 0; i < 4; i++) {
		nt[i] = (struct notif_thread){ ops, st, i * 377, 0 };
		if (pthread_create(&tid[i], NULL, notif_thread_run, &nt[i]) != 0)
			abort();
	}
	for (i = 0; i < 4; i++)
		pthread_join(tid[i], NULL);
	ASSERT_EQ(stderr_restore(fd, saved, "more than 1024 distinct topics"), 1);
	for (i = 0; i < 4; i++)
		ASSERT_EQ(nt[i].failed, 0);
	ASSERT_EQ(topic_metrics(), HTTP_NOTIF_TOPICS_MAX + 1);
	for (i = 0; i < 1500; i++) {
		struct metric *m;

		snprintf(key, sizeof(key), "t%d", i);
		if ((m = metrics_find("pauditd_http_notification_topic_total",
		    key)) != NULL)
			total += metric_count(m);
	}
	total += metric_count(metrics_find("pauditd_http_notification_topic_total",
	    "_other"));
	ASSERT_EQ(total, 4 * 3000);
	ops->free(st);
	metrics_reset();
}

/* Bind section "s" of `yaml` quietly; c->last holds the last message. */
static int
bind_yaml(const char *yaml, struct cfg_ctx *c, struct http_transform_section *ret)
{
	char err[256];
	struct ydoc *d = ydoc_load_string("t.yaml", yaml, strlen(yaml), err,
	    sizeof(err));
	int r;

	if (d == NULL)
		return -EBADMSG;
	cfg_ctx_init(c, "t.yaml");
	c->quiet = true;
	r = http_transform_section_bind(c, ynode_get(d->root, "s"), "s", ret);
	ydoc_free(d);
	return r;
}

/* viper and cast read a YAML null as "": so do we, not "~" or "null". */
TEST(section_null_is_empty)
{
	const struct http_transform_ops *ops =
	    http_transform_lookup("notification-service");
	struct http_transform_section sect = { 0 };
	struct http_transform_args args = { .hostname = "h" };
	struct msg *m = mkmsg(EVENT "\n", "k");
	struct cfg_ctx c;
	const char *body;
	size_t len;
	struct buf b;
	void *st;

	ASSERT_EQ(bind_yaml("s:\n  extra_attributes:\n    a: ~\n    b: null\n"
	    "    c:\n    d: \"~\"\n    e: 'null'\n", &c, &sect), 0);
	ASSERT_EQ(c.errors + c.warnings, 0);
	ASSERT_EQ(sect.extra.n, 5);
	ASSERT_STREQ(cfg_strmap_get(&sect.extra, "a"), "");
	ASSERT_STREQ(cfg_strmap_get(&sect.extra, "b"), "");
	ASSERT_STREQ(cfg_strmap_get(&sect.extra, "c"), "");
	ASSERT_STREQ(cfg_strmap_get(&sect.extra, "d"), "~");
	ASSERT_STREQ(cfg_strmap_get(&sect.extra, "e"), "null");
	args.extra[2] = &sect.extra;
	buf_init(&b);
	ASSERT_EQ(ops->setup(&args, &st), 0);
	ASSERT_EQ(ops->transform(st, TRACE, m, &b, &body, &len), 0);
	ASSERT_MEMEQ(body, len, "{\"topic\":\"k\",\"attributes\":"
	    "{\"a\":\"\",\"b\":\"\",\"c\":\"\",\"d\":\"~\",\"e\":\"null\","
	    "\"hostname\":\"h\",\"trace_id\":\"" TRACE "\"},"
	    "\"data\":" EVENT ",\"version\":\"1.0.0\"}");
	ops->free(st);
	msg_unref(m);
	buf_fini(&b);
	http_transform_section_free(&sect);
}

TEST(section_errors_name_the_line)
{
	struct http_transform_section sect = { 0 };
	struct cfg_ctx c;

	ASSERT_EQ(bind_yaml("s:\n  extra_attributes: [a, b]\n", &c, &sect), -EINVAL);
	ASSERT_EQ(c.errors, 1);
	ASSERT_STREQ(c.last, "t.yaml:2: s.extra_attributes: must be a mapping of strings");
	http_transform_section_free(&sect);
	ASSERT_EQ(bind_yaml("s:\n  extra_attributes: 5\n", &c, &sect), -EINVAL);
	ASSERT_STREQ(c.last, "t.yaml:2: s.extra_attributes: must be a mapping of strings");
	http_transform_section_free(&sect);
	ASSERT_EQ(bind_yaml("s:\n  extra_attributes:\n    a: x\n    b: [1]\n",
	    &c, &sect), -EINVAL);
	ASSERT_STREQ(c.last, "t.yaml:4: s.extra_attributes: value of \"b\" must be a string");
	http_transform_section_free(&sect);
	ASSERT_EQ(bind_yaml("s: 5\n", &c, &sect), -EINVAL);
	ASSERT_EQ(c.errors, 1);
	http_transform_section_free(&sect);
	/* Absent or empty: nothing to add, nothing to say. */
	ASSERT_EQ(bind_yaml("t: 1\n", &c, &sect), 0);
	ASSERT_EQ(bind_yaml("s:\n  extra_attributes:\n", &c, &sect), 0);
	ASSERT_EQ(c.errors + c.warnings, 0);
	ASSERT_EQ(sect.extra.n, 0);
}

TEST(section_unknown_key_warned)
{
	struct http_transform_section sect = { 0 };
	struct cfg_ctx c;

	ASSERT_EQ(bind_yaml("s:\n  extra_attributs: {a: b}\n", &c, &sect), 0);
	ASSERT_EQ(c.errors, 0);
	ASSERT_EQ(c.warnings, 1);
	ASSERT_STREQ(c.last, "t.yaml:2: s.extra_attributs: unknown key, ignoring");
	ASSERT_EQ(sect.extra.n, 0);
}

/* The two sections outside output.http, as --check-config checks them. */
TEST(shared_sections_checked)
{
	static const char yaml[] =
	    "notification-service-transformer:\n"
	    "  extra_attributes: [a, b]\n"
	    "output:\n"
	    "  notification_service_transformer:\n"
	    "    extra_attributes: {z: ~}\n"
	    "    extras: 1\n"
	    "  stdout:\n"
	    "    enabled: true\n";
	struct http_transform_section sect[2] = { { { 0 } } };
	struct config *conf;
	struct cfg_ctx c;

	cfg_ctx_init(&c, "t.yaml");
	c.quiet = true;
	conf = config_load_string("t.yaml", yaml, &c);
	ASSERT(conf != NULL);
	ASSERT_EQ(c.errors, 0);
	ASSERT_EQ(http_transform_check_shared(&c, conf), -EINVAL);
	ASSERT_EQ(c.errors, 1);
	ASSERT_EQ(c.warnings, 1);
	ASSERT_STREQ(c.last, "t.yaml:6: output.notification_service_transformer.extras: "
	    "unknown key, ignoring");
	ASSERT_EQ(http_transform_bind_shared(&c, conf, sect), -EINVAL);
	ASSERT_EQ(sect[1].extra.n, 1);
	ASSERT_STREQ(cfg_strmap_get(&sect[1].extra, "z"), "");
	http_transform_section_free(&sect[0]);
	http_transform_section_free(&sect[1]);
	config_free(conf);
}

TEST(hostname_short)
{
	char h[64];

	setenv("HOSTNAME", "web-1.example.com", 1);
	http_transform_hostname(h, sizeof(h));
	ASSERT_STREQ(h, "web-1");
	setenv("HOSTNAME", "", 1);
	http_transform_hostname(h, sizeof(h));
	ASSERT(h[0] != '\0' && strchr(h, '.') == NULL);
	unsetenv("HOSTNAME");
}

TEST_MAIN(T(lookup), T(noop_is_the_line),
    T(notification_service_dto), T(notification_service_extra_attributes),
    T(notification_service_no_topic), T(notification_service_rejects_non_object),
    T(notification_service_topic_names), T(notification_service_topics_bounded),
    T(notification_service_topics_concurrent),
    T(section_null_is_empty), T(section_errors_name_the_line),
    T(section_unknown_key_warned), T(shared_sections_checked),
    T(hostname_short))
