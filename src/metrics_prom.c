/*
 * metrics_prom.c: the registry in Prometheus text format 0.0.4, served
 * at /metrics by libmicrohttpd from a thread of ours.
 *
 * DESIGN
 *
 * Rendering snapshots the registry's pointers, and the gauges' values,
 * under its lock (computed gauges call their read function there, on the
 * HTTP thread), then writes each metric family once (HELP and TYPE lines,
 * then every label variant), in registration order of the families.
 * Counters and gauges are single samples; timings become histograms in
 * seconds whose buckets are
 * cumulative and whose _count is the sum of the buckets read, so that a
 * scrape racing an observation is still self-consistent.
 *
 * The listener socket is bound here, before libmicrohttpd takes it, so
 * that "address in use" is reported at start-up with the real errno.
 * Only GET and HEAD of /metrics answer 200; other paths are 404, other
 * methods on /metrics 405 with the Allow header RFC 9110 requires. A
 * request body is read and ignored.
 *
 * Slow clients must not starve the scrapes: Prometheus gives up after
 * its scrape timeout (10 s by default). libmicrohttpd's own timeout only
 * measures idleness, so a client that sends a byte a second, or a few
 * dozen that connect and say nothing, held every slot of a small
 * connection limit. Hence a limit of PROM_MAX_CONN in all, at most
 * PROM_MAX_CONN_PER_IP from one address (the Prometheus server is one
 * address, and rarely has more than one scrape in flight), and a
 * deadline of PROM_REQUEST_MS to send a whole request, counted from the
 * accept or, on a kept-alive connection, from the end of the previous
 * answer. A connection past its deadline is shut down, which ends
 * libmicrohttpd's next read of it.
 *
 * libmicrohttpd's internal thread has no hook to enforce that deadline,
 * so it runs without one (MHD_USE_EPOLL, the "external" mode) and our
 * thread polls its epoll fd and an eventfd that stop() writes to, calls
 * MHD_run and then expires the late connections. Every libmicrohttpd
 * callback runs on that thread: the connection list needs no lock, and
 * an fd in it is open until the callback for its close.
 */
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "buf.h"
#include "log.h"
#include "metrics.h"

#define PROM_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"
#define PROM_MAX_CONN		128
#define PROM_MAX_CONN_PER_IP	8
#define PROM_CONN_TIMEOUT_S	10	/* idle, while the answer is sent */
#define PROM_REQUEST_MS		5000	/* to send a whole request */

/* One connection, from libmicrohttpd's accept to its close. */
struct prom_conn {
	struct prom_conn	*prev, *next;
	int			 fd;
	uint64_t		 deadline_ms;	/* 0: none (being answered) */
};

struct metrics_prom {
	struct MHD_Daemon	*mhd;
	int			 port;
	int			 epfd;		/* libmicrohttpd's */
	int			 wakefd;	/* stop() writes to it */
	pthread_t		 thread;
	struct prom_conn	*conns;
};

struct snapshot {
	struct metric		**m;
	int64_t			*gauge;		/* gauges, read under the lock */
	size_t			 n, cap;
};

/*
 * libmicrohttpd is opened when the listener starts, not linked: it and
 * GnuTLS's dependencies are 12 shared libraries whose loading cost ~2 ms
 * of CPU at every start, also without prometheus_listen. The soname is
 * the ABI linked against; the library is never closed.
 */
#define PROM_LIBMHD		"libmicrohttpd.so.12"

static struct {
	__typeof__(MHD_create_response_from_buffer)	*create_response_from_buffer;
	__typeof__(MHD_add_response_header)		*add_response_header;
	__typeof__(MHD_queue_response)			*queue_response;
	__typeof__(MHD_destroy_response)		*destroy_response;
	__typeof__(MHD_get_connection_info)		*get_connection_info;
	__typeof__(MHD_get_daemon_info)			*get_daemon_info;
	__typeof__(MHD_get_timeout)			*get_timeout;
	__typeof__(MHD_run)				*run;
	__typeof__(MHD_start_daemon)			*start_daemon;
	__typeof__(MHD_stop_daemon)			*stop_daemon;
} mhd;

/* The listener starts on the main thread, so a plain test is enough. */
static int
prom_load_mhd(void)
{
	void *h;

	if (mhd.start_daemon != NULL)
		return 0;
	if ((h = dlopen(PROM_LIBMHD, RTLD_NOW | RTLD_LOCAL)) == NULL)
		goto fail;
#define PROM_SYM(f) \
	if ((mhd.f = (__typeof__(mhd.f))dlsym(h, "MHD_" #f)) == NULL) \
		goto fail
	PROM_SYM(create_response_from_buffer);
	PROM_SYM(add_response_header);
	PROM_SYM(queue_response);
	PROM_SYM(destroy_response);
	PROM_SYM(get_connection_info);
	PROM_SYM(get_daemon_info);
	PROM_SYM(get_timeout);
	PROM_SYM(run);
	PROM_SYM(stop_daemon);
	PROM_SYM(start_daemon);		/* last: it marks the table complete */
#undef PROM_SYM
	return 0;
fail:
	log_warnx("prometheus: %s", dlerror());
	mhd.start_daemon = NULL;
	return -ENOENT;
}

static void
buf_printf(struct buf *b, const char *fmt, ...) PA_PRINTF(2, 3);

static void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	buf_reserve(b, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* HELP text escapes \ and newline; label values also escape ". */
static void
put_escaped(struct buf *b, const char *s, bool label)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			buf_puts_lit(b, "\\\\");
		else if (*s == '\n')
			buf_puts_lit(b, "\\n");
		else if (*s == '"' && label)
			buf_puts_lit(b, "\\\"");
		else
			buf_putc(b, *s);
	}
}

/* `{key="value"` + extra (e.g. `le="0.5"`) + `}`, or nothing at all. */
static void
put_labels(struct buf *b, const struct metric *m, const char *le)
{
	bool lbl = m->label_key != NULL && m->label_value != NULL;

	if (!lbl && le == NULL)
		return;
	buf_putc(b, '{');
	if (lbl) {
		buf_append(b, m->label_key, strlen(m->label_key));
		buf_puts_lit(b, "=\"");
		put_escaped(b, m->label_value, true);
		buf_putc(b, '"');
	}
	if (le != NULL) {
		if (lbl)
			buf_putc(b, ',');
		buf_printf(b, "le=\"%s\"", le);
	}
	buf_putc(b, '}');
}

static void
put_histogram(struct buf *b, const struct metric *m)
{
	uint64_t cum = 0, sum_ns;
	char le[32];
	size_t i;

	for (i = 0; i < METRIC_TIMING_BUCKETS; i++) {
		cum += atomic_load_explicit(&m->bucket[i], memory_order_relaxed);
		if (metric_timing_bounds_ns[i] == UINT64_MAX)
			snprintf(le, sizeof(le), "+Inf");
		else
			snprintf(le, sizeof(le), "%g",
			    (double)metric_timing_bounds_ns[i] / 1e9);
		buf_printf(b, "%s_bucket", m->name);
		put_labels(b, m, le);
		buf_printf(b, " %" PRIu64 "\n", cum);
	}
	if (metric_timing_bounds_ns[METRIC_TIMING_BUCKETS - 1] != UINT64_MAX) {
		buf_printf(b, "%s_bucket", m->name);
		put_labels(b, m, "+Inf");
		buf_printf(b, " %" PRIu64 "\n", cum);
	}
	sum_ns = atomic_load_explicit(&m->sum_ns, memory_order_relaxed);
	buf_printf(b, "%s_sum", m->name);
	put_labels(b, m, NULL);
	buf_printf(b, " %.9f\n", (double)sum_ns / 1e9);
	buf_printf(b, "%s_count", m->name);
	put_labels(b, m, NULL);
	buf_printf(b, " %" PRIu64 "\n", cum);
}

static void
put_sample(struct buf *b, const struct metric *m, int64_t gauge)
{
	switch (m->kind) {
	case METRIC_COUNTER:
		buf_append(b, m->name, strlen(m->name));
		put_labels(b, m, NULL);
		buf_printf(b, " %" PRIu64 "\n", metric_count(m));
		break;
	case METRIC_GAUGE:
		buf_append(b, m->name, strlen(m->name));
		put_labels(b, m, NULL);
		buf_printf(b, " %" PRId64 "\n", gauge);
		break;
	case METRIC_TIMING:
		put_histogram(b, m);
		break;
	}
}

static const char *
type_name(enum metric_kind k)
{
	switch (k) {
	case METRIC_COUNTER:
		return "counter";
	case METRIC_GAUGE:
		return "gauge";
	case METRIC_TIMING:
		return "histogram";
	}
	return "untyped";
}

static void
snap_one(struct metric *m, void *arg)
{
	struct snapshot *s = arg;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct metric **n = realloc(s->m, cap * sizeof(*n));
		int64_t *g = realloc(s->gauge, cap * sizeof(*g));

		if (n == NULL || g == NULL)
			fatal("metrics snapshot");
		s->m = n;
		s->gauge = g;
		s->cap = cap;
	}
	/*
	 * A computed gauge is read here, under the registry lock, because its
	 * owner detaches read() under that lock before freeing its argument.
	 */
	s->gauge[s->n] = m->kind == METRIC_GAUGE ? metric_gauge_value(m) : 0;
	s->m[s->n++] = m;
}

void
metrics_prom_render(struct buf *b)
{
	struct snapshot s = { 0 };
	size_t i, j;

	/* Metrics are never freed while the daemon runs: pointers stay valid. */
	metrics_foreach(snap_one, &s);
	for (i = 0; i < s.n; i++) {
		for (j = 0; j < i; j++)
			if (strcmp(s.m[j]->name, s.m[i]->name) == 0)
				break;
		if (j < i)
			continue;	/* family already written */
		if (s.m[i]->help != NULL) {
			buf_printf(b, "# HELP %s ", s.m[i]->name);
			put_escaped(b, s.m[i]->help, false);
			buf_putc(b, '\n');
		}
		buf_printf(b, "# TYPE %s %s\n", s.m[i]->name,
		    type_name(s.m[i]->kind));
		for (j = i; j < s.n; j++)
			if (strcmp(s.m[j]->name, s.m[i]->name) == 0)
				put_sample(b, s.m[j], s.gauge[j]);
	}
	free(s.m);
	free(s.gauge);
}

static struct prom_conn *
prom_conn_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;

	ci = mhd.get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci != NULL ? ci->socket_context : NULL;
}

/*
 * `allow`: the Allow header's value, or NULL for none. The request is
 * read: its deadline no longer applies; the idle timeout watches the
 * sending of the answer.
 */
static enum MHD_Result
respond(struct MHD_Connection *conn, unsigned status, char *body, size_t len,
    const char *ctype, const char *allow)
{
	struct prom_conn *pc = prom_conn_of(conn);
	struct MHD_Response *resp;
	enum MHD_Result r;

	if (pc != NULL)
		pc->deadline_ms = 0;
	resp = mhd.create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(body);
		return MHD_NO;
	}
	mhd.add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	if (allow != NULL)
		mhd.add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
	r = mhd.queue_response(conn, status, resp);
	mhd.destroy_response(resp);
	return r;
}

static enum MHD_Result
respond_text(struct MHD_Connection *conn, unsigned status, const char *text,
    const char *allow)
{
	char *body = strdup(text);

	if (body == NULL)
		return MHD_NO;
	return respond(conn, status, body, strlen(body),
	    "text/plain; charset=utf-8", allow);
}

static enum MHD_Result
prom_handler(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	static int first;
	struct buf b;
	size_t len;
	char *body;

	(void)cls;
	(void)version;
	(void)upload;
	/* The first call only announces the request (headers read). */
	if (*con_cls == NULL) {
		*con_cls = &first;
		return MHD_YES;
	}
	/*
	 * A body (a POST, or a GET that has one) comes in pieces; answering
	 * before it is all read is refused by libmicrohttpd, which then
	 * closes the connection without a reply. Read and ignore it, and
	 * answer on the last call.
	 */
	if (*upload_size != 0) {
		*upload_size = 0;
		return MHD_YES;
	}
	if (strcmp(url, "/metrics") != 0)
		return respond_text(conn, MHD_HTTP_NOT_FOUND,
		    "404 page not found\n", NULL);
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return respond_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "405 method not allowed\n", "GET, HEAD");
	buf_init(&b);
	metrics_prom_render(&b);
	body = buf_steal(&b, &len);
	return respond(conn, MHD_HTTP_OK, body, len, PROM_CONTENT_TYPE, NULL);
}

/* Accepted: the request is due within PROM_REQUEST_MS. Closed: forget it. */
static void
prom_notify_conn(void *cls, struct MHD_Connection *conn, void **ctx,
    enum MHD_ConnectionNotificationCode toe)
{
	struct metrics_prom *p = cls;
	const union MHD_ConnectionInfo *ci;
	struct prom_conn *pc = *ctx;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = mhd.get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		if (ci == NULL || (pc = calloc(1, sizeof(*pc))) == NULL)
			return;		/* no deadline for this one */
		pc->fd = ci->connect_fd;
		pc->deadline_ms = now_mono_ms() + PROM_REQUEST_MS;
		if ((pc->next = p->conns) != NULL)
			pc->next->prev = pc;
		p->conns = pc;
		*ctx = pc;
		return;
	}
	if (pc == NULL)
		return;
	if (pc->next != NULL)
		pc->next->prev = pc->prev;
	if (pc->prev != NULL)
		pc->prev->next = pc->next;
	else
		p->conns = pc->next;
	free(pc);
	*ctx = NULL;
}

/* Answered: a kept-alive connection has as long for its next request. */
static void
prom_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct prom_conn *pc = prom_conn_of(conn);

	(void)cls;
	(void)con_cls;
	(void)toe;
	if (pc != NULL)
		pc->deadline_ms = now_mono_ms() + PROM_REQUEST_MS;
}

/* How long the thread may sleep: to libmicrohttpd's or our next deadline. */
static int
prom_wait_ms(const struct metrics_prom *p)
{
	MHD_UNSIGNED_LONG_LONG t;
	const struct prom_conn *pc;
	uint64_t now = now_mono_ms(), next = UINT64_MAX;
	int ms = -1;

	if (mhd.get_timeout(p->mhd, &t) == MHD_YES)
		ms = t > INT_MAX ? INT_MAX : (int)t;
	for (pc = p->conns; pc != NULL; pc = pc->next)
		if (pc->deadline_ms != 0 && pc->deadline_ms < next)
			next = pc->deadline_ms;
	if (next == UINT64_MAX)
		return ms;
	next = next <= now ? 0 : next - now;
	if (ms < 0 || next < (uint64_t)ms)
		ms = next > INT_MAX ? INT_MAX : (int)next;
	return ms;
}

/*
 * Shut down the connections whose request is late. The fd stays
 * libmicrohttpd's: its next read sees the end and closes the connection.
 */
static void
prom_expire(struct metrics_prom *p)
{
	struct prom_conn *pc;
	uint64_t now = now_mono_ms();

	for (pc = p->conns; pc != NULL; pc = pc->next) {
		if (pc->deadline_ms == 0 || pc->deadline_ms > now)
			continue;
		log_debug("prometheus: no request in %d ms: closing fd %d",
		    PROM_REQUEST_MS, pc->fd);
		shutdown(pc->fd, SHUT_RDWR);
		pc->deadline_ms = 0;
	}
}

static void *
prom_thread(void *arg)
{
	struct metrics_prom *p = arg;
	struct pollfd pfd[2] = {
		{ .fd = p->epfd, .events = POLLIN },
		{ .fd = p->wakefd, .events = POLLIN },
	};

	for (;;) {
		/* An error (EINTR, ENOMEM) is a wait cut short: run anyway. */
		if (poll(pfd, nitems(pfd), prom_wait_ms(p)) > 0 &&
		    pfd[1].revents != 0)
			break;
		mhd.run(p->mhd);
		prom_expire(p);
	}
	return NULL;
}

/* Bind and listen on the first address that takes it; the fd or -errno. */
static int
prom_listen(const struct addrinfo *ai, int *ret_port)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd = -1, one = 1, r;

	r = -EADDRNOTAVAIL;
	for (; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			r = -errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, 64) == 0)
			break;
		r = -errno;
		close(fd);
		fd = -1;
	}
	if (fd < 0)
		return r;
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		*ret_port = ntohs(ss.ss_family == AF_INET6 ?
		    ((struct sockaddr_in6 *)&ss)->sin6_port :
		    ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

int
metrics_prom_start(const struct addrinfo *ai, struct metrics_prom **ret)
{
	const union MHD_DaemonInfo *di;
	struct metrics_prom *p;
	int fd, r, bound = 0;

	if ((r = prom_load_mhd()) < 0)
		return r;
	if ((fd = prom_listen(ai, &bound)) < 0)
		return fd;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		fatal("prometheus");
	p->port = bound;
	p->wakefd = -1;
	p->mhd = mhd.start_daemon(MHD_USE_EPOLL, 0, NULL, NULL, prom_handler, NULL,
	    MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)PROM_MAX_CONN,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)PROM_MAX_CONN_PER_IP,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)PROM_CONN_TIMEOUT_S,
	    MHD_OPTION_NOTIFY_CONNECTION, prom_notify_conn, p,
	    MHD_OPTION_NOTIFY_COMPLETED, prom_completed, NULL,
	    MHD_OPTION_END);
	if (p->mhd == NULL) {
		close(fd);
		free(p);
		return -EIO;
	}
	r = -EIO;
	if ((di = mhd.get_daemon_info(p->mhd, MHD_DAEMON_INFO_EPOLL_FD)) == NULL)
		goto fail;
	p->epfd = di->epoll_fd;
	if ((p->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		r = -errno;
		goto fail;
	}
	if ((r = pthread_create(&p->thread, NULL, prom_thread, p)) != 0) {
		r = -r;
		goto fail;
	}
	*ret = p;
	return 0;
fail:
	if (p->wakefd >= 0)
		close(p->wakefd);
	mhd.stop_daemon(p->mhd);	/* closes the listener */
	free(p);
	return r;
}

int
metrics_prom_port(const struct metrics_prom *p)
{
	return p->port;
}

struct metrics_prom *
metrics_prom_stop(struct metrics_prom *p)
{
	if (p == NULL)
		return NULL;
	if (write(p->wakefd, &(uint64_t){ 1 }, sizeof(uint64_t)) < 0)
		log_warn("prometheus: stop");	/* cannot happen: never full */
	pthread_join(p->thread, NULL);
	mhd.stop_daemon(p->mhd);	/* closes the connections and the listener */
	close(p->wakefd);
	free(p);
	return NULL;
}
