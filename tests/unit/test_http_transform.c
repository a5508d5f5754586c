/*
 * test_http_transform.c: the HTTP body transformers (noop and
 * notification-service) and the Go-compatible JSON string escaper.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "../../src/buf.h"
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
    T(hostname_short))
