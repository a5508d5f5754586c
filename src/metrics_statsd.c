/*
 * metrics_statsd.c: send the registry to statsd with pauditd's names.
 *
 * DESIGN
 *
 * pauditd (alexcesaro/statsd) sent one line per increment, each kept
 * with probability `sample_rate` and tagged "|@rate", so that the
 * receiver, which adds value/rate, estimates the true count. We
 * aggregate instead: once a second, per metric with a statsd name,
 *
 *  - counters: with T the total so far and S the sum of the values sent
 *    so far, send V = floor(T * rate) - S as "NAME:V|c|@rate" (nothing
 *    when V is 0). The receiver's total S/rate then trails T by less
 *    than 1/rate events at every moment and never drifts, and no random
 *    numbers are involved. The final flush (at stop) sends the remainder
 *    T - S/rate unsampled ("NAME:R|c"), so the receiver ends on T exactly
 *    whenever 1/rate is an integer (0.5, 0.25, 0.1), and within 0.5
 *    otherwise. A rate of 1 sends exact deltas without a suffix;
 *  - timings: of the C observations since the last flush, the last
 *    k = min(C, METRIC_RECENT, max(1, round(C * rate))) are sent in ms as
 *    "NAME:0.042|ms|@(k/C)", so that the receiver's count stays C;
 *  - gauges: "NAME:V|g" every flush (a negative value is sent as "0|g"
 *    then "-N|g", since a signed value means a relative change).
 *
 * Lines are packed into datagrams of at most STATSD_MTU bytes and sent
 * on a connected non-blocking UDP socket: a full socket buffer or an
 * absent receiver loses the datagram (counted), never blocks. Runs on
 * the main thread only.
 *
 * An absent receiver is only learnt late: the kernel accepts the
 * datagram, the peer's ICMP "port unreachable" comes back, and the
 * *next* send fails with ECONNREFUSED. That error is the loss of an
 * earlier datagram, so it counts one error and the current datagram is
 * sent again. The socket holds one pending error at a time, so refusals
 * that arrive together count once, and the last datagram's refusal is
 * never seen: send_errors is a lower bound of what statsd lost.
 *
 * A loss is logged, with the address and the errno, at the first one and
 * then at most once a minute (with the number not logged); a flush
 * without a loss after that logs once that sending works again. A whole
 * flush, not a datagram: with nobody listening, every datagram goes out
 * and the next send learns of its refusal.
 */
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "metrics.h"

#define STATSD_MTU	1432
#define STATSD_WARN_MS	60000	/* at most one warning a minute */

struct metrics_statsd {
	int		 fd;
	char		*prefix;	/* "pauditd.host." */
	double		 rate;		/* 0 < rate <= 1 */
	char		 rate_txt[32];	/* "|@0.5", or "" at rate 1 */
	struct buf	 dgram;
	bool		 final;
	struct metric	*sent;
	struct metric	*lost;
	char		 addr[NI_MAXHOST + NI_MAXSERV + 4];	/* "[::1]:8125" */
	struct log_ratelimit rl;
	bool		 failing;	/* a loss logged, no flush clean since */
	bool		 flush_lost;	/* a loss in the current flush */
	uint64_t	 lost_before;	/* send_errors when failing began */
};

static void
statsd_lost(struct metrics_statsd *sd, int err)
{
	metric_inc(sd->lost);
	sd->flush_lost = true;
	if (!sd->failing) {
		sd->failing = true;
		sd->lost_before = metric_count(sd->lost) - 1;
	}
	log_warn_ratelimited(&sd->rl, "statsd %s: datagram lost: %s (counted in "
	    "pauditd_statsd_send_errors_total)", sd->addr, strerror(err));
}

/* After a flush: the first one without a loss ends the failure, once. */
static void
statsd_check_recovered(struct metrics_statsd *sd)
{
	bool lost = sd->flush_lost;

	sd->flush_lost = false;
	if (lost || !sd->failing)
		return;
	log_info("statsd %s: sending works again (%llu datagrams lost)",
	    sd->addr, (unsigned long long)(metric_count(sd->lost) - sd->lost_before));
	sd->failing = false;
	/* The next failure is news again: logged at once. */
	sd->rl = (struct log_ratelimit){ .burst = 1, .window_ms = STATSD_WARN_MS };
}

static void
statsd_send(struct metrics_statsd *sd)
{
	ssize_t n;
	int tries, err = 0;

	if (sd->dgram.len == 0)
		return;
	for (tries = 0; ; tries++) {
		n = send(sd->fd, sd->dgram.p, sd->dgram.len,
		    MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n >= 0)
			break;
		/* Before the log line of statsd_lost, which may change errno. */
		err = errno;
		if (err != ECONNREFUSED || tries == 1)
			break;
		/* An earlier datagram was refused (see DESIGN); not this one. */
		statsd_lost(sd, ECONNREFUSED);
	}
	if (n < 0)
		statsd_lost(sd, err);
	else
		metric_inc(sd->sent);
	buf_reset(&sd->dgram);
}

/*
 * Append one "PREFIX NAME:rest" line, sending the datagram first if full.
 * The line is built in the datagram itself, at any length: a line buffer
 * of 512 bytes silently dropped the lines of a long host name and a long
 * rule key (the prefix is up to 264 bytes, a topic's name up to 288, the
 * rest some 60), after the counter had taken them as sent. Names being
 * bounded, a line never comes near STATSD_MTU on its own.
 */
static void
statsd_line(struct metrics_statsd *sd, const char *name, const char *fmt, ...)
    PA_PRINTF(3, 4);

static void
statsd_line(struct metrics_statsd *sd, const char *name, const char *fmt, ...)
{
	size_t plen = strlen(sd->prefix), nlen = strlen(name), len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;		/* not with these formats */
	len = plen + nlen + 1 + (size_t)n;
	if (sd->dgram.len > 0 && sd->dgram.len + 1 + len > STATSD_MTU)
		statsd_send(sd);
	if (sd->dgram.len > 0)
		buf_putc(&sd->dgram, '\n');
	buf_append(&sd->dgram, sd->prefix, plen);
	buf_append(&sd->dgram, name, nlen);
	buf_putc(&sd->dgram, ':');
	va_start(ap, fmt);
	vsnprintf(buf_reserve(&sd->dgram, (size_t)n + 1), (size_t)n + 1, fmt, ap);
	va_end(ap);
	sd->dgram.len += (size_t)n;
}

/*
 * sd_sent is the sum of the sampled values sent, sd_seen the events told
 * unsampled by final flushes: the receiver knows sd_sent / rate + sd_seen.
 */
static void
flush_counter(struct metrics_statsd *sd, struct metric *m)
{
	uint64_t total = metric_count(m), owed, target;
	long long rest;

	if (total < m->sd_seen)
		return;
	owed = total - m->sd_seen;
	if (sd->rate >= 1.0) {
		if (owed > m->sd_sent)
			statsd_line(sd, m->statsd, "%llu|c",
			    (unsigned long long)(owed - m->sd_sent));
		m->sd_sent = owed;
		return;
	}
	target = (uint64_t)floor((double)owed * sd->rate + 1e-9);
	if (target > m->sd_sent) {
		statsd_line(sd, m->statsd, "%llu|c%s",
		    (unsigned long long)(target - m->sd_sent), sd->rate_txt);
		m->sd_sent = target;
	}
	if (!sd->final)
		return;
	rest = llround((double)owed - (double)m->sd_sent / sd->rate);
	if (rest > 0) {
		statsd_line(sd, m->statsd, "%lld|c", rest);
		m->sd_seen += (uint64_t)rest;
	}
}

static void
flush_timing(struct metrics_statsd *sd, struct metric *m)
{
	uint64_t count = metric_count(m), c, k, want, pos, ns, j;
	char rate[32] = "";

	if (count <= m->sd_seen)
		return;
	c = count - m->sd_seen;
	m->sd_seen = count;
	want = (uint64_t)llround((double)c * sd->rate);
	k = want < 1 ? 1 : want;
	if (k > METRIC_RECENT)
		k = METRIC_RECENT;
	if (k > c)
		k = c;
	if (k < c)
		snprintf(rate, sizeof(rate), "|@%.6g", (double)k / (double)c);
	pos = atomic_load_explicit(&m->recent_pos, memory_order_relaxed);
	for (j = 0; j < k && j < pos; j++) {
		ns = atomic_load_explicit(&m->recent[(pos - 1 - j) % METRIC_RECENT],
		    memory_order_relaxed);
		/* Below a microsecond, to the nanosecond rather than 0.000. */
		statsd_line(sd, m->statsd, ns < 1000 ? "%.6f|ms%s" : "%.3f|ms%s",
		    (double)ns / 1e6, rate);
	}
}

static void
flush_gauge(struct metrics_statsd *sd, struct metric *m)
{
	int64_t v = metric_gauge_value(m);

	if (v < 0) {
		statsd_line(sd, m->statsd, "0|g");
		statsd_line(sd, m->statsd, "%lld|g", (long long)v);
	} else {
		statsd_line(sd, m->statsd, "%lld|g", (long long)v);
	}
}

static void
flush_one(struct metric *m, void *arg)
{
	struct metrics_statsd *sd = arg;

	if (m->statsd == NULL)
		return;
	switch (m->kind) {
	case METRIC_COUNTER:
		flush_counter(sd, m);
		break;
	case METRIC_TIMING:
		flush_timing(sd, m);
		break;
	case METRIC_GAUGE:
		flush_gauge(sd, m);
		break;
	}
}

void
metrics_statsd_flush(struct metrics_statsd *sd, bool final)
{
	if (sd == NULL)
		return;
	sd->final = final;
	metrics_foreach(flush_one, sd);
	statsd_send(sd);
	statsd_check_recovered(sd);
}

/* "127.0.0.1:8125", "[::1]:8125": the address connected to, for the log. */
static void
statsd_addr_text(const struct addrinfo *ai, char *s, size_t len)
{
	char host[NI_MAXHOST], port[NI_MAXSERV];

	if (getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof(host), port,
	    sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		snprintf(s, len, "?");
	else if (ai->ai_family == AF_INET6)
		snprintf(s, len, "[%s]:%s", host, port);
	else
		snprintf(s, len, "%s:%s", host, port);
}

/* A new exporter owes the receiver everything counted so far. */
static void
reset_one(struct metric *m, void *arg)
{
	(void)arg;
	m->sd_seen = 0;
	m->sd_sent = 0;
}

int
metrics_statsd_open(const struct addrinfo *ai, const char *prefix, double rate,
    struct metrics_statsd **ret)
{
	struct metrics_statsd *sd;
	int r = -EHOSTUNREACH, fd = -1;

	for (; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
		if (fd < 0) {
			r = -errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		r = -errno;
		close(fd);
		fd = -1;
	}
	if (fd < 0)
		return r;
	if ((sd = calloc(1, sizeof(*sd))) == NULL || (sd->prefix = strdup(prefix)) == NULL)
		fatal("statsd");
	sd->fd = fd;
	sd->rate = rate;
	statsd_addr_text(ai, sd->addr, sizeof(sd->addr));
	sd->rl = (struct log_ratelimit){ .burst = 1, .window_ms = STATSD_WARN_MS };
	if (rate < 1.0)
		snprintf(sd->rate_txt, sizeof(sd->rate_txt), "|@%g", rate);
	buf_init(&sd->dgram);
	metrics_foreach(reset_one, NULL);
	sd->sent = metrics_counter("pauditd_statsd_datagrams_total",
	    "Datagrams sent to statsd.", NULL, NULL, NULL);
	sd->lost = metrics_counter("pauditd_statsd_send_errors_total",
	    "Datagrams to statsd lost: not sent, or refused by the receiver "
	    "(a lower bound).", NULL, NULL, NULL);
	*ret = sd;
	return 0;
}

void
metrics_statsd_clean(char *s)
{
	for (; *s != '\0'; s++)
		if (*s == ':' || *s == '|' || *s == '@' || *s == '#' ||
		    *s == ' ' || (unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '_';
}

struct metrics_statsd *
metrics_statsd_close(struct metrics_statsd *sd)
{
	if (sd == NULL)
		return NULL;
	if (sd->fd >= 0)
		close(sd->fd);
	buf_fini(&sd->dgram);
	free(sd->prefix);
	free(sd);
	return NULL;
}
