/*
 * test_metrics.c: the registry (metrics.h), the Prometheus text format
 * and endpoint (metrics_prom.c), the statsd lines and their sampling
 * (metrics_statsd.c) and the `metrics:` section (metrics_export.c).
 * Sockets are loopback only, with receive timeouts.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "capture.h"
#include "harness.h"
#include "../../src/buf.h"
#include "../../src/config/cfgmap.h"
#include "../../src/config/config.h"
#include "../../src/config/yaml.h"
#include "../../src/log.h"
#include "../../src/metrics.h"
#include "../../src/metrics_export.h"

/* A UDP socket on 127.0.0.1 with a short receive timeout; port in *port. */
static int
udp_sink(char *port, size_t plen)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int fd;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) < 0) {
		close(fd);
		return -1;
	}
	snprintf(port, plen, "%u", ntohs(sa.sin_port));
	return fd;
}

static void
set_timeout(int fd, long ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

/*
 * Every datagram until a pause, joined by '\n'; count in *ndgram. When
 * datagrams are expected the first one may take its time (a loaded host
 * can defer loopback delivery); the rest of a flush follows it closely.
 */
static void
udp_drain_x(int fd, struct buf *b, int *ndgram, size_t *maxlen, bool expect)
{
	char d[65536];
	ssize_t n;

	buf_reset(b);
	*ndgram = 0;
	*maxlen = 0;
	set_timeout(fd, expect ? 3000 : 20);
	while ((n = recv(fd, d, sizeof(d), 0)) > 0) {
		set_timeout(fd, 10);
		if (b->len > 0)
			buf_putc(b, '\n');
		buf_append(b, d, (size_t)n);
		(*ndgram)++;
		if ((size_t)n > *maxlen)
			*maxlen = (size_t)n;
	}
	buf_putc(b, '\0');
	b->len--;
}

#define udp_drain(fd, b, nd, maxlen)	udp_drain_x(fd, b, nd, maxlen, true)
#define udp_none(fd, b, nd, maxlen)	udp_drain_x(fd, b, nd, maxlen, false)

/* Number of lines of `text` equal to `line`. */
static int
count_lines(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p = text;
	int c = 0;

	while ((p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			c++;
		p += n;
	}
	return c;
}

TEST(registry_dedups_by_name_and_label)
{
	struct metric *a, *b, *c;

	metrics_reset();
	a = metrics_counter("pauditd_x_total", "x", "x", "output", "http");
	b = metrics_counter("pauditd_x_total", "x", "x", "output", "http");
	c = metrics_counter("pauditd_x_total", "x", "x", "output", "file");
	ASSERT(a == b);
	ASSERT(a != c);
	metric_add(a, 5);
	metric_inc(c);
	ASSERT_EQ(metric_count(metrics_find("pauditd_x_total", "http")), 5);
	ASSERT_EQ(metric_count(metrics_find("pauditd_x_total", "file")), 1);
	metric_set_statsd(c, "file.x");
	ASSERT_STREQ(c->statsd, "file.x");
	metrics_reset();
}

TEST(label_values_are_utf8)
{
	struct metric *a, *b;

	metrics_reset();
	/* A rule key of a replayed log may hold any byte. */
	a = metrics_counter("pauditd_y_total", "y", NULL, "topic", "bad\xff\xfe" "caf\xc3\xa9");
	ASSERT_STREQ(a->label_value, "bad\xef\xbf\xbd\xef\xbf\xbd" "caf\xc3\xa9");
	b = metrics_counter("pauditd_y_total", "y", NULL, "topic", "bad\xff\xfe" "caf\xc3\xa9");
	ASSERT(a == b);
	b = metrics_counter("pauditd_y_total", "y", NULL, "topic", "caf\xc3\xa9");
	ASSERT_STREQ(b->label_value, "caf\xc3\xa9");
	metrics_reset();
}

static int64_t
read_seven(void *arg)
{
	return *(int64_t *)arg;
}

TEST(prometheus_text_format)
{
	static int64_t seven = -7;
	struct metric *t;
	struct buf b;

	metrics_reset();
	metric_add(metrics_counter("pauditd_out_total", "events\nwritten \\ ok",
	    NULL, "output", "http"), 3);
	metrics_gauge_fn("pauditd_depth", "queue depth", NULL, NULL, read_seven,
	    &seven);
	metric_add(metrics_counter("pauditd_out_total", NULL, NULL, "output",
	    "a\"b\\c\nd"), 1);
	t = metrics_timing("pauditd_lat_seconds", "latency", NULL, "output", "http");
	metric_observe_ns(t, 500);		/* <= 1us */
	metric_observe_ns(t, 2000000);		/* <= 5ms */
	metric_observe_ns(t, 5000000000ull);	/* +Inf */
	buf_init(&b);
	metrics_prom_render(&b);
	buf_putc(&b, '\0');
	ASSERT_STREQ(b.p,
	    "# HELP pauditd_out_total events\\nwritten \\\\ ok\n"
	    "# TYPE pauditd_out_total counter\n"
	    "pauditd_out_total{output=\"http\"} 3\n"
	    "pauditd_out_total{output=\"a\\\"b\\\\c\\nd\"} 1\n"
	    "# HELP pauditd_depth queue depth\n"
	    "# TYPE pauditd_depth gauge\n"
	    "pauditd_depth -7\n"
	    "# HELP pauditd_lat_seconds latency\n"
	    "# TYPE pauditd_lat_seconds histogram\n"
	    "pauditd_lat_seconds_bucket{output=\"http\",le=\"1e-06\"} 1\n"
	    "pauditd_lat_seconds_bucket{output=\"http\",le=\"1e-05\"} 1\n"
	    "pauditd_lat_seconds_bucket{output=\"http\",le=\"0.0001\"} 1\n"
	    "pauditd_lat_seconds_bucket{output=\"http\",le=\"0.0005\"} 1\n"
	    "pauditd_lat_seconds_bucket{output=\"http\",le=\"0.001\"} 1\n"
	    "pauditd_lat_seconds_bucket{output=\"http\",le=\"0.005\"} 2\n"
	    "pauditd_lat_seconds_bucket{output=\"http\",le=\"0.01\"} 2\n"
	    "pauditd_lat_seconds_bucket{output=\"http\",le=\"0.05\"} 2\n"
	    "pauditd_lat_seconds_bucket{output=\"http\",le=\"0.1\"} 2\n"
	    "pauditd_lat_seconds_bucket{output=\"http\",le=\"0.5\"} 2\n"
	    "pauditd_lat_seconds_bucket{output=\"http\",le=\"1\"} 2\n"
	    "pauditd_lat_seconds_bucket{output=\"http\",le=\"+Inf\"} 3\n"
	    "pauditd_lat_seconds_sum{output=\"http\"} 5.002000500\n"
	    "pauditd_lat_seconds_count{output=\"http\"} 3\n");
	buf_fini(&b);
	metrics_reset();
}

/* 127.0.0.1:port as metrics_export.c resolves it for statsd or Prometheus. */
static struct addrinfo *
resolve(const char *port, int socktype)
{
	struct addrinfo hints = { .ai_socktype = socktype,
	    .ai_flags = socktype == SOCK_STREAM ? AI_PASSIVE : 0 }, *res = NULL;

	if (getaddrinfo("127.0.0.1", port, &hints, &res) != 0)
		return NULL;
	return res;
}

static int
statsd_open_port(const char *port, double rate, struct metrics_statsd **sd)
{
	struct addrinfo *ai = resolve(port, SOCK_DGRAM);
	int r;

	if (ai == NULL)
		return -EADDRNOTAVAIL;
	r = metrics_statsd_open(ai, "pauditd.h.", rate, sd);
	freeaddrinfo(ai);
	return r;
}

static int
prom_start_port(const char *port, struct metrics_prom **p)
{
	struct addrinfo *ai = resolve(port, SOCK_STREAM);
	int r;

	if (ai == NULL)
		return -EADDRNOTAVAIL;
	r = metrics_prom_start(ai, p);
	freeaddrinfo(ai);
	return r;
}

/*
 * The longest line the names allow: a 255-byte host name in the prefix
 * and a 255-byte rule key in a notification topic's name. It is sent
 * whole, not dropped (a 512-byte line buffer did).
 */
TEST(statsd_sends_the_longest_names)
{
	char prefix[300], sname[300], line[700], port[16];
	struct metrics_statsd *sd = NULL;
	struct addrinfo *ai;
	size_t maxlen;
	struct buf b;
	int fd, nd;

	metrics_reset();
	buf_init(&b);
	snprintf(prefix, sizeof(prefix), "pauditd.%0255d.", 7);
	snprintf(sname, sizeof(sname), "notif-service-transformer.topic.%0255d", 9);
	metric_add(metrics_counter("pauditd_http_notification_topic_total", "t",
	    sname, "topic", "k"), 3);
	ASSERT((fd = udp_sink(port, sizeof(port))) >= 0);
	ASSERT((ai = resolve(port, SOCK_DGRAM)) != NULL);
	ASSERT_EQ(metrics_statsd_open(ai, prefix, 1, &sd), 0);
	freeaddrinfo(ai);
	metrics_statsd_flush(sd, false);
	udp_drain(fd, &b, &nd, &maxlen);
	snprintf(line, sizeof(line), "%s%s:3|c", prefix, sname);
	ASSERT(strlen(line) > 512);
	ASSERT_EQ(count_lines(b.p, line), 1);
	ASSERT_EQ(metric_count(metrics_find("pauditd_statsd_send_errors_total",
	    NULL)), 0);
	sd = metrics_statsd_close(sd);
	close(fd);
	buf_fini(&b);
	metrics_reset();
}

/* Open statsd to a fresh sink; returns the sink fd. */
static int
statsd_fixture(double rate, struct metrics_statsd **sd)
{
	char port[16];
	int fd = udp_sink(port, sizeof(port));

	if (fd < 0 || statsd_open_port(port, rate, sd) != 0)
		return -1;
	return fd;
}

TEST(statsd_counters_aggregate_with_sample_rate)
{
	struct metrics_statsd *sd = NULL;
	struct metric *m;
	struct buf b;
	size_t maxlen;
	int fd, nd;

	metrics_reset();
	buf_init(&b);
	m = metrics_counter("pauditd_records_total", "r", "messages.total", NULL, NULL);
	metrics_counter("pauditd_prom_only_total", "p", NULL, NULL, NULL);
	ASSERT((fd = statsd_fixture(0.5, &sd)) >= 0);
	metric_add(m, 7);
	metrics_statsd_flush(sd, false);
	udp_drain(fd, &b, &nd, &maxlen);
	/* floor(7 * 0.5) = 3 sampled: the receiver counts 3 / 0.5 = 6. */
	ASSERT_STREQ(b.p, "pauditd.h.messages.total:3|c|@0.5");
	metrics_statsd_flush(sd, false);
	udp_none(fd, &b, &nd, &maxlen);
	ASSERT_EQ(nd, 0);	/* nothing changed, nothing sent */
	metric_add(m, 4);
	metrics_statsd_flush(sd, false);
	udp_drain(fd, &b, &nd, &maxlen);
	ASSERT_STREQ(b.p, "pauditd.h.messages.total:2|c|@0.5");	/* 10 of 11 */
	metrics_statsd_flush(sd, true);
	udp_drain(fd, &b, &nd, &maxlen);
	ASSERT_STREQ(b.p, "pauditd.h.messages.total:1|c");	/* exact: 11 */
	metrics_statsd_flush(sd, true);
	udp_none(fd, &b, &nd, &maxlen);
	ASSERT_EQ(nd, 0);
	metric_add(m, 2);
	metrics_statsd_flush(sd, false);
	udp_drain(fd, &b, &nd, &maxlen);
	ASSERT_STREQ(b.p, "pauditd.h.messages.total:1|c|@0.5");	/* 13 */
	sd = metrics_statsd_close(sd);
	close(fd);
	buf_fini(&b);
	metrics_reset();
}

/* Sum what a statsd receiver would count from `text` for `name`. */
static double
receiver_total(const char *text, const char *name)
{
	size_t n = strlen(name);
	const char *p = text;
	double total = 0, v, rate;
	const char *at;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, name, n) == 0 && p[n] == ':') {
			v = strtod(p + n + 1, NULL);
			at = strchr(p, '@');
			rate = 1;
			if (at != NULL && (strchr(p, '\n') == NULL || at < strchr(p, '\n')))
				rate = strtod(at + 1, NULL);
			total += v / rate;
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return total;
}

TEST(statsd_totals_stay_right_at_any_rate)
{
	static const double rates[] = { 1, 0.5, 0.25, 0.1, 0.3 };
	struct metrics_statsd *sd = NULL;
	struct buf b, all;
	struct metric *m;
	size_t i, k, maxlen;
	uint64_t prev;
	int fd, nd;

	buf_init(&b);
	buf_init(&all);
	for (i = 0; i < nitems(rates); i++) {
		metrics_reset();
		m = metrics_counter("c_total", "c", "c", NULL, NULL);
		ASSERT((fd = statsd_fixture(rates[i], &sd)) >= 0);
		buf_reset(&all);
		for (k = 1; k <= 20; k++) {
			prev = metric_count(m);
			metric_add(m, k * 3 + 1);
			metrics_statsd_flush(sd, k == 20);
			/* Sent when the sampled part grew, and at the end. */
			udp_drain_x(fd, &b, &nd, &maxlen, k == 20 ||
			    floor((double)metric_count(m) * rates[i] + 1e-9) >
			    floor((double)prev * rates[i] + 1e-9));
			buf_append(&all, b.p, b.len);
			buf_putc(&all, '\n');
			buf_putc(&all, '\0');
			all.len--;
			/* Trails the truth by less than 1/rate, never drifts. */
			if (k < 20)
				ASSERT(metric_count(m) - receiver_total(all.p, "pauditd.h.c") <
				    1 / rates[i] + 1e-6);
		}
		ASSERT(fabs(receiver_total(all.p, "pauditd.h.c") -
		    (double)metric_count(m)) < 0.5 + 1e-6);
		if (rates[i] < 1)
			ASSERT(strstr(all.p, "|c|@") != NULL);
		else
			ASSERT(strchr(all.p, '@') == NULL);
		sd = metrics_statsd_close(sd);
		close(fd);
	}
	buf_fini(&b);
	buf_fini(&all);
	metrics_reset();
}

TEST(statsd_gauges_and_timings)
{
	static int64_t depth = 12;
	struct metrics_statsd *sd = NULL;
	struct metric *g, *t;
	struct buf b;
	size_t maxlen;
	int fd, nd, i;

	metrics_reset();
	buf_init(&b);
	g = metrics_gauge("pauditd_backlog", "b", "kernel.backlog", NULL, NULL);
	metric_set_statsd(metrics_gauge_fn("pauditd_queue_depth", "q", "output",
	    "http", read_seven, &depth), "output.http.queue_depth");
	t = metrics_timing("pauditd_latency_seconds", "l", "latency", NULL, NULL);
	ASSERT((fd = statsd_fixture(0.5, &sd)) >= 0);
	metric_set(g, -3);
	for (i = 1; i <= 10; i++)
		metric_observe_ns(t, (uint64_t)i * 1000000);
	metrics_statsd_flush(sd, false);
	udp_drain(fd, &b, &nd, &maxlen);
	ASSERT_EQ(count_lines(b.p, "pauditd.h.kernel.backlog:0|g"), 1);
	ASSERT_EQ(count_lines(b.p, "pauditd.h.kernel.backlog:-3|g"), 1);
	ASSERT(strstr(b.p, "kernel.backlog:0|g\npauditd.h.kernel.backlog:-3|g") != NULL);
	ASSERT_EQ(count_lines(b.p, "pauditd.h.output.http.queue_depth:12|g"), 1);
	/* 10 observations at 0.5: the last 5, tagged @0.5 (5 / 10). */
	ASSERT_EQ(count_lines(b.p, "pauditd.h.latency:10.000|ms|@0.5"), 1);
	ASSERT_EQ(count_lines(b.p, "pauditd.h.latency:6.000|ms|@0.5"), 1);
	ASSERT_EQ(count_lines(b.p, "pauditd.h.latency:5.000|ms|@0.5"), 0);
	/* Many observations: bounded to METRIC_RECENT lines per flush. */
	for (i = 0; i < 1000; i++)
		metric_observe_ns(t, 250000);
	metrics_statsd_flush(sd, false);
	udp_drain(fd, &b, &nd, &maxlen);
	ASSERT_EQ(count_lines(b.p, "pauditd.h.latency:0.250|ms|@0.032"), METRIC_RECENT);
	/* Below a microsecond: not 0.000. */
	metric_observe_ns(t, 290);
	metrics_statsd_flush(sd, false);
	udp_drain(fd, &b, &nd, &maxlen);
	ASSERT_EQ(count_lines(b.p, "pauditd.h.latency:0.000290|ms"), 1);
	sd = metrics_statsd_close(sd);
	close(fd);
	buf_fini(&b);
	metrics_reset();
}

TEST(statsd_packs_lines_within_mtu)
{
	struct metrics_statsd *sd = NULL;
	char name[64], sname[96], line[128];
	struct buf b;
	size_t maxlen;
	int fd, nd, i;

	metrics_reset();
	buf_init(&b);
	for (i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "pauditd_c%d_total", i);
		snprintf(sname, sizeof(sname), "http_code.some.long.name.%d", i);
		metric_add(metrics_counter(name, "c", sname, NULL, NULL), 10);
	}
	ASSERT((fd = statsd_fixture(1, &sd)) >= 0);
	metrics_statsd_flush(sd, false);
	udp_drain(fd, &b, &nd, &maxlen);
	ASSERT(nd > 1);
	ASSERT(maxlen <= 1432);
	ASSERT(nd < 200 / 10);		/* many lines per datagram */
	for (i = 0; i < 200; i++) {
		snprintf(line, sizeof(line),
		    "pauditd.h.http_code.some.long.name.%d:10|c", i);
		ASSERT_EQ(count_lines(b.p, line), 1);
	}
	sd = metrics_statsd_close(sd);
	close(fd);
	buf_fini(&b);
	metrics_reset();
}

/* configure + start + stop with `yaml` as the metrics: section. */
static int
export_run(const char *yaml, unsigned *errors, char *last, size_t lastlen)
{
	struct metrics_export *me = NULL;
	struct config conf = { 0 };
	struct cfg_ctx c;
	struct ydoc *doc;
	char err[256];
	int r;

	log_init(false, LOG_LVL_WARN);
	cfg_ctx_init(&c, "t.yaml");
	c.quiet = true;
	if ((doc = ydoc_load_string("t.yaml", yaml, strlen(yaml), err,
	    sizeof(err))) == NULL)
		return -1;
	conf.metrics = doc->root;
	r = metrics_export_configure(&conf, &c, &me);
	*errors = c.errors;
	snprintf(last, lastlen, "%s", c.last);
	if (r == 0) {
		if ((r = metrics_export_start(me)) == 0)
			metrics_export_tick(me);
		me = metrics_export_stop(me);
	}
	ydoc_free(doc);
	return r;
}

TEST(export_config_errors_name_the_key)
{
	char last[512];
	unsigned errors;

	ASSERT_EQ(export_run("enabled: false\n", &errors, last, sizeof(last)), 0);
	ASSERT_EQ(export_run("sample_rate: \"0.25\"\n", &errors, last, sizeof(last)), 0);
	ASSERT_EQ(export_run("sample_rate: 0\n", &errors, last, sizeof(last)), -EINVAL);
	ASSERT(strstr(last, "metrics.sample_rate") != NULL);
	ASSERT_EQ(export_run("sample_rate: 1.5\n", &errors, last, sizeof(last)), -EINVAL);
	ASSERT(strstr(last, "metrics.sample_rate") != NULL);
	ASSERT_EQ(export_run("sample_rate: half\n", &errors, last, sizeof(last)), -EINVAL);
	ASSERT_EQ(export_run("enabled: true\naddress: statsd.local\n", &errors,
	    last, sizeof(last)), -EINVAL);
	ASSERT(strstr(last, "t.yaml:2: metrics.address") != NULL);
	ASSERT_EQ(export_run("enabled: true\naddress: \"[::1:8125\"\n", &errors,
	    last, sizeof(last)), -EINVAL);
	ASSERT_EQ(export_run("prometheus:\n  listen: 127.0.0.1:99999\n", &errors,
	    last, sizeof(last)), -EINVAL);
	ASSERT(strstr(last, "t.yaml:2: metrics.prometheus.listen") != NULL);
	ASSERT_EQ(export_run("enabled: maybe\nsample_rate: 3\n", &errors, last,
	    sizeof(last)), -EINVAL);
	ASSERT_EQ(errors, 2);
	ASSERT_EQ(export_run("[1, 2]\n", &errors, last, sizeof(last)), -EINVAL);
}

TEST(export_sends_final_counts_with_host_prefix)
{
	struct metrics_export *me = NULL;
	struct config conf = { 0 };
	char port[16], yaml[256], err[256];
	struct cfg_ctx c;
	struct ydoc *doc;
	struct buf b;
	size_t maxlen;
	int fd, nd;

	log_init(false, LOG_LVL_WARN);
	metrics_reset();
	buf_init(&b);
	ASSERT((fd = udp_sink(port, sizeof(port))) >= 0);
	snprintf(yaml, sizeof(yaml), "enabled: true\naddress: 127.0.0.1:%s\n"
	    "sample_rate: \"0.25\"\n", port);
	cfg_ctx_init(&c, "t.yaml");
	c.quiet = true;
	ASSERT((doc = ydoc_load_string("t.yaml", yaml, strlen(yaml), err,
	    sizeof(err))) != NULL);
	conf.metrics = doc->root;
	setenv("HOSTNAME", "node-7.dc1.example.com", 1);
	ASSERT_EQ(metrics_export_configure(&conf, &c, &me), 0);
	ASSERT_EQ(metrics_export_start(me), 0);
	metric_add(metrics_counter("pauditd_events_filtered_total", "f",
	    "messages.filtered", NULL, NULL), 6);
	me = metrics_export_stop(me);
	udp_drain(fd, &b, &nd, &maxlen);
	/* 6 at 0.25: 1 sampled (counts 4), then 2 unsampled. */
	ASSERT_STREQ(b.p, "pauditd.node-7.messages.filtered:1|c|@0.25\n"
	    "pauditd.node-7.messages.filtered:2|c");
	unsetenv("HOSTNAME");
	close(fd);
	ydoc_free(doc);
	buf_fini(&b);
	metrics_reset();
}

/* One HTTP/1.0 request to 127.0.0.1:port; the response in b. */
static int
http_get(int port, const char *req, struct buf *b)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct timeval tv = { .tv_sec = 3 };
	char d[4096];
	ssize_t n;
	int fd;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    write(fd, req, strlen(req)) != (ssize_t)strlen(req)) {
		close(fd);
		return -1;
	}
	buf_reset(b);
	while ((n = read(fd, d, sizeof(d))) > 0)
		buf_append(b, d, (size_t)n);
	close(fd);
	buf_putc(b, '\0');
	return 0;
}

TEST(prometheus_endpoint)
{
	struct metrics_prom *p = NULL;
	struct buf b;

	metrics_reset();
	buf_init(&b);
	metric_add(metrics_counter("pauditd_events_total", "events", NULL, NULL,
	    NULL), 42);
	ASSERT_EQ(prom_start_port("0", &p), 0);
	ASSERT(metrics_prom_port(p) > 0);
	ASSERT_EQ(http_get(metrics_prom_port(p), "GET /metrics HTTP/1.0\r\n\r\n", &b), 0);
	ASSERT(strncmp(b.p, "HTTP/1.0 200", 12) == 0 || strncmp(b.p, "HTTP/1.1 200", 12) == 0);
	ASSERT(strstr(b.p, "text/plain; version=0.0.4") != NULL);
	ASSERT(strstr(b.p, "\r\n\r\n# HELP pauditd_events_total events\n"
	    "# TYPE pauditd_events_total counter\npauditd_events_total 42\n") != NULL);
	ASSERT_EQ(http_get(metrics_prom_port(p), "GET / HTTP/1.0\r\n\r\n", &b), 0);
	ASSERT(strstr(b.p, " 404 ") != NULL);
	ASSERT_EQ(http_get(metrics_prom_port(p), "POST /metrics HTTP/1.0\r\n"
	    "Content-Length: 0\r\n\r\n", &b), 0);
	ASSERT(strstr(b.p, " 405 ") != NULL);
	/* RFC 9110 15.5.6: a 405 says which methods are allowed. */
	ASSERT(strstr(b.p, "\r\nAllow: GET, HEAD\r\n") != NULL);
	ASSERT_EQ(http_get(metrics_prom_port(p), "DELETE /metrics HTTP/1.0\r\n\r\n",
	    &b), 0);
	ASSERT(strstr(b.p, " 405 ") != NULL);
	ASSERT(strstr(b.p, "\r\nAllow: GET, HEAD\r\n") != NULL);
	ASSERT_EQ(http_get(metrics_prom_port(p), "GET / HTTP/1.0\r\n\r\n", &b), 0);
	ASSERT(strstr(b.p, "\r\nAllow:") == NULL);
	/* A body is read and ignored: the answer is the same. */
	ASSERT_EQ(http_get(metrics_prom_port(p), "POST /metrics HTTP/1.0\r\n"
	    "Content-Length: 3\r\n\r\nabc", &b), 0);
	ASSERT(strstr(b.p, " 405 ") != NULL);
	ASSERT(strstr(b.p, "\r\nAllow: GET, HEAD\r\n") != NULL);
	ASSERT_EQ(http_get(metrics_prom_port(p), "GET /metrics HTTP/1.0\r\n"
	    "Content-Length: 3\r\n\r\nabc", &b), 0);
	ASSERT(strstr(b.p, " 200 ") != NULL);
	ASSERT(strstr(b.p, "pauditd_events_total 42\n") != NULL);
	ASSERT_EQ(http_get(metrics_prom_port(p), "PUT / HTTP/1.1\r\nHost: x\r\n"
	    "Connection: close\r\nContent-Length: 5\r\n\r\nhello", &b), 0);
	ASSERT(strstr(b.p, " 404 ") != NULL);
	/* The port is taken: a second listener fails with the real errno. */
	{
		struct metrics_prom *q = NULL;
		char port[16];

		snprintf(port, sizeof(port), "%d", metrics_prom_port(p));
		ASSERT_EQ(prom_start_port(port, &q), -EADDRINUSE);
	}
	p = metrics_prom_stop(p);
	buf_fini(&b);
	metrics_reset();
}

/*
 * A statsd exporter to a UDP port where nothing listens (its number into
 * port), and a counter to send; NULL on an error.
 */
static struct metric *
statsd_to_closed_port(struct metrics_statsd **sd, char *port, size_t len)
{
	int fd;

	metrics_reset();
	if ((fd = udp_sink(port, len)) < 0)
		return NULL;
	close(fd);	/* the port is now closed */
	if (statsd_open_port(port, 1, sd) != 0)
		return NULL;
	return metrics_counter("pauditd_c_total", "c", "c", NULL, NULL);
}

/*
 * Nothing listens: each send after the first learns (ECONNREFUSED) that
 * the one before was refused. Each such loss counts; the datagram that
 * learnt it still goes out.
 */
TEST(statsd_counts_refused_datagrams)
{
	struct metrics_statsd *sd = NULL;
	struct metric *m, *lost, *sent;
	char port[16], log[4096];
	int cap, saved, i;

	ASSERT((m = statsd_to_closed_port(&sd, port, sizeof(port))) != NULL);
	lost = metrics_find("pauditd_statsd_send_errors_total", NULL);
	sent = metrics_find("pauditd_statsd_datagrams_total", NULL);
	ASSERT(lost != NULL && sent != NULL);
	ASSERT((cap = capture_begin(&saved)) >= 0);	/* the loss is logged */
	for (i = 0; i < 5; i++) {
		metric_inc(m);
		metrics_statsd_flush(sd, false);
		usleep(20000);	/* the ICMP error comes back */
	}
	capture_end(cap, saved, log, sizeof(log));
	ASSERT_EQ(metric_count(sent), 5);
	/* The last one's refusal is not known yet: a lower bound. */
	ASSERT_EQ(metric_count(lost), 4);
	sd = metrics_statsd_close(sd);
	metrics_reset();
}

/*
 * Losses are logged with the address and errno, the first at once and
 * then at most once a minute; the first flush without one says that
 * sending works again, once.
 */
TEST(statsd_logs_losses_and_recovery)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct metrics_statsd *sd = NULL;
	char port[16], want[128], log[4096];
	struct metric *m;
	int fd, cap, saved, i;

	ASSERT((m = statsd_to_closed_port(&sd, port, sizeof(port))) != NULL);
	log_init(false, LOG_LVL_INFO);
	ASSERT((cap = capture_begin(&saved)) >= 0);
	for (i = 0; i < 5; i++) {
		metric_inc(m);
		metrics_statsd_flush(sd, false);
		usleep(20000);	/* the ICMP error comes back */
	}
	/* The receiver is back: one flush learns of the last refusal. */
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)atoi(port));
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		fd = -1;
	}
	for (i = 0; i < 3; i++) {
		metric_inc(m);
		metrics_statsd_flush(sd, false);
		usleep(20000);
	}
	capture_end(cap, saved, log, sizeof(log));
	sd = metrics_statsd_close(sd);
	metrics_reset();
	ASSERT(fd >= 0);
	close(fd);
	snprintf(want, sizeof(want), "statsd 127.0.0.1:%s: datagram lost: ", port);
	ASSERT_EQ(capture_lines_with(log, want), 1);
	ASSERT(strstr(log, "datagram lost: Connection refused (counted in "
	    "pauditd_statsd_send_errors_total)") != NULL);
	snprintf(want, sizeof(want), "statsd 127.0.0.1:%s: sending works again "
	    "(5 datagrams lost)", port);
	ASSERT(strstr(log, want) != NULL);
	ASSERT_EQ(capture_lines_with(log, "sending works again"), 1);
}

TEST(statsd_clean_names)
{
	char s[] = "x:y|z@a#b c\td\ne\x7f.f-g_h";

	metrics_statsd_clean(s);
	ASSERT_STREQ(s, "x_y_z_a_b_c_d_e_.f-g_h");
}

/* Run export_run with stderr in a file; what it logged in `log`. */
static int
export_run_log(const char *yaml, char *log, size_t loglen)
{
	char last[512];
	unsigned errors;
	int fd, saved, r;

	if ((fd = capture_begin(&saved)) < 0)
		return -999;
	r = export_run(yaml, &errors, last, sizeof(last));
	capture_end(fd, saved, log, loglen);
	return r;
}

/* A name that does not resolve says so, with the address, not an errno. */
TEST(export_unresolved_name_says_so)
{
	char log[2048];

	ASSERT(export_run_log("prometheus:\n  listen: nonexistent.invalid:9926\n",
	    log, sizeof(log)) < 0);
	ASSERT(strstr(log, "metrics.prometheus.listen: cannot listen on "
	    "nonexistent.invalid:9926: ")
	    != NULL);
	ASSERT(strstr(log, "Cannot assign requested address") == NULL);
	/* statsd: disabled with the same reason, the start goes on. */
	ASSERT_EQ(export_run_log("enabled: true\naddress: nonexistent.invalid:8125\n",
	    log, sizeof(log)), 0);
	ASSERT(strstr(log, "statsd nonexistent.invalid:8125: metrics disabled: ")
	    != NULL);
	ASSERT(strstr(log, "No route to host") == NULL);
}

TEST_MAIN(T(registry_dedups_by_name_and_label), T(label_values_are_utf8), T(prometheus_text_format),
    T(statsd_counters_aggregate_with_sample_rate),
    T(statsd_totals_stay_right_at_any_rate), T(statsd_gauges_and_timings),
    T(statsd_packs_lines_within_mtu), T(statsd_sends_the_longest_names),
    T(export_config_errors_name_the_key),
    T(export_sends_final_counts_with_host_prefix), T(prometheus_endpoint),
    T(statsd_counts_refused_datagrams), T(statsd_logs_losses_and_recovery),
    T(statsd_clean_names),
    T(export_unresolved_name_says_so))
