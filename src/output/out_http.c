/*
 * out_http.c: pauditd's HTTP writer (output.http): every event is POSTed
 * to `url` as application/json, after a body transformer (noop or
 * notification-service, see http_transform.h).
 *
 * DESIGN
 * worker_count workers, each with its own libcurl easy handle, so that
 * worker_count requests are in flight and every worker keeps its own
 * keep-alive connection. A connection idle for idle_conn_timeout is
 * closed before the next request (http_maybe_expire), which opens a fresh
 * one; 0 keeps it until the server closes it. A worker sends
 * one event per request and classifies the outcome for the core:
 *   2xx                            OK
 *   events the transformer skips
 *   by policy (no topic)           SKIP: nothing failed, nothing is to be
 *                                  retried (pauditd_output_skipped_total)
 *   307, 308                       followed, as Go's net/http does: the
 *                                  POST and its body go to the Location,
 *                                  up to HTTP_MAX_REDIRECTS hops, and the
 *                                  last answer classifies the event
 *   transport error, timeout,
 *   408, 429, 5xx                  RETRY (the core backs off, retries up
 *                                  to `attempts`, and feeds its circuit
 *                                  breaker, set to breaker_failure_ratio)
 *   other 3xx and 4xx, 1xx, events
 *   the transformer cannot build   DROP (counted by the core as rejected)
 * 301, 302 and 303 are not followed: a client follows them with a GET,
 * which would lose the event. Response bodies are read and discarded, so
 * connections stay reusable.
 *
 * Shutdown: the core interrupts a worker still busy at its drain deadline
 * (output_interrupted); the progress callback then aborts the request in
 * flight, which would otherwise hold the exit for up to `timeout` per
 * worker and attempt.
 *
 * Mutual TLS: the client certificate and key are stat()ed at most once a
 * second before a request; when either file changed (or on SIGHUP), the
 * worker replaces its easy handle, so the next request opens a fresh
 * connection with the new pair. The server certificate is always
 * verified, against ssl.ca_cert when TLS is enabled.
 *
 * Metrics (pauditd's statsd names): http_code.<status>,
 * http_writer.request_error.count, http_writer.latency (publish to
 * response, queue wait included). The core counts
 * http_writer.total_messages and http_writer.dropped_messages.
 */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "../buf.h"
#include "../config/config.h"
#include "../log.h"
#include "../metrics.h"
#include "../msg.h"
#include "http_transform.h"
#include "out_http.h"
#include "output.h"

#define HTTP_UUID_LEN		36
#define HTTP_CERT_CHECK_MS	1000
#define HTTP_STATUS_MAX		600
/* Redirects followed per event; Go's client stops after 10. */
#define HTTP_MAX_REDIRECTS	5
#define HTTP_URL_LOG_MAX	1024	/* a URL in a log line */


struct http_ctx {
	const struct http_conf		*conf;
	const char			*name;
	const struct http_transform_ops	*tops;
	void				*tstate;
	/* The transformer's sections: top level, output, output.http. */
	struct http_transform_section	 sect[HTTP_TRANSFORM_EXTRA_MAX];
	struct metric			*request_error;
	struct metric			*latency;
	bool				 curl_inited;
	atomic_bool			 skip_logged;	/* http_skipped */
	uint64_t			 trace_key[2];	/* random, for http_trace */
};

struct http_wctx {
	struct http_ctx		*ctx;
	CURL			*curl;
	struct curl_slist	*headers;
	char			*trace_value;	/* the UUID inside the header */
	struct buf		 scratch;
	struct timespec		 cert_mtime, key_mtime;
	uint64_t		 cert_checked_ms;
	uint64_t		 done_ms;	/* the last request's end; 0: none */
	struct metric		*codes[HTTP_STATUS_MAX];
	char			 errbuf[CURL_ERROR_SIZE];
	char			 url_log[2][HTTP_URL_LOG_MAX];	/* redacted */
};

/*
 * libcurl is opened when the first http output starts, not linked: with
 * its TLS, LDAP, Kerberos and IDN dependencies it is 33 of pauditd's 45
 * shared libraries, and mapping and relocating them cost ~8 ms of CPU at
 * every start, also when no http output is configured. The soname is
 * libcurl's ABI (the version linked against), so the header's prototypes
 * hold; the library is never closed (TLS libraries do not unload well).
 */
#define HTTP_LIBCURL		"libcurl.so.4"

static struct {
	__typeof__(curl_global_init)	*global_init;
	__typeof__(curl_global_cleanup)	*global_cleanup;
	__typeof__(curl_easy_init)	*easy_init;
	__typeof__(curl_easy_setopt)	*easy_setopt;
	__typeof__(curl_easy_cleanup)	*easy_cleanup;
	__typeof__(curl_easy_perform)	*easy_perform;
	__typeof__(curl_easy_getinfo)	*easy_getinfo;
	__typeof__(curl_easy_strerror)	*easy_strerror;
	__typeof__(curl_slist_append)	*slist_append;
	__typeof__(curl_slist_free_all)	*slist_free_all;
} lc;

/* Outputs start on the main thread, so a plain test of lc is enough. */
static int
http_load_libcurl(void)
{
	void *h;

	if (lc.global_init != NULL)
		return 0;
	if ((h = dlopen(HTTP_LIBCURL, RTLD_NOW | RTLD_LOCAL)) == NULL)
		goto fail;
#define HTTP_SYM(f) \
	if ((lc.f = (__typeof__(lc.f))dlsym(h, "curl_" #f)) == NULL) \
		goto fail
	HTTP_SYM(global_cleanup);
	HTTP_SYM(easy_init);
	HTTP_SYM(easy_setopt);
	HTTP_SYM(easy_cleanup);
	HTTP_SYM(easy_perform);
	HTTP_SYM(easy_getinfo);
	HTTP_SYM(easy_strerror);
	HTTP_SYM(slist_append);
	HTTP_SYM(slist_free_all);
	HTTP_SYM(global_init);		/* last: it marks the table complete */
#undef HTTP_SYM
	return 0;
fail:
	log_warnx("http: %s", dlerror());
	lc.global_init = NULL;
	return -ENOENT;
}

static struct log_ratelimit http_rl_err, http_rl_status, http_rl_drop,
    http_rl_redirect;

/*
 * The transformer's sections, again: the configuration pass reported
 * their errors and warnings already, so quietly. 0 or -EINVAL.
 */
static int
http_bind_sections(struct http_ctx *ctx, const struct config *root)
{
	struct cfg_ctx c;
	int r = 0;

	cfg_ctx_init(&c, root != NULL ? root->file : NULL);
	c.quiet = true;
	c.ignore_unknown = true;
	if (root != NULL)
		r |= http_transform_bind_shared(&c, root, ctx->sect);
	r |= http_transform_section_bind(&c, ctx->conf->notif,
	    "output.http.notification_service_transformer", &ctx->sect[2]);
	return r < 0 ? -EINVAL : 0;
}

/*
 * url for a log line, its password masked as Go's url.Redacted masks it
 * ("user:xxxxx@host"): a URL with credentials is not to be written to
 * the journal. Cut to n bytes.
 */
static const char *
http_redact(const char *url, char *out, size_t n)
{
	const char *auth, *end, *at = NULL, *colon = NULL, *p;

	snprintf(out, n, "%s", url);
	if ((auth = strstr(url, "://")) == NULL)
		return out;
	auth += 3;
	end = auth + strcspn(auth, "/?#");
	for (p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	if (at == NULL)
		return out;
	for (p = auth; p < at; p++)
		if (*p == ':') {
			colon = p;
			break;
		}
	if (colon != NULL)
		snprintf(out, n, "%.*sxxxxx%s", (int)(colon + 1 - url), url, at);
	return out;
}

static void
http_log_config(const struct http_ctx *ctx)
{
	const struct http_conf *conf = ctx->conf;
	char url[HTTP_URL_LOG_MAX];

	log_info("[output %s] url %s, %lld workers, transformer %s, trace header %s, "
	    "timeout %llums, idle_conn_timeout %llums, breaker_failure_ratio %g, "
	    "ssl %s (cert %s, key %s, ca %s)", ctx->name,
	    http_redact(conf->url, url, sizeof(url)),
	    conf->worker_count, conf->transformer,
	    conf->trace_header_name ? conf->trace_header_name : "(none)",
	    (unsigned long long)conf->timeout_ms,
	    (unsigned long long)conf->idle_conn_timeout_ms,
	    conf->breaker_failure_ratio, conf->ssl_enabled ? "on" : "off",
	    conf->client_cert ? conf->client_cert : "-",
	    conf->client_key ? conf->client_key : "-",
	    conf->ca_cert ? conf->ca_cert : "-");
}

static void
http_fini(void *vctx)
{
	struct http_ctx *ctx = vctx;
	size_t i;

	if (ctx == NULL)
		return;
	if (ctx->tops != NULL)
		ctx->tops->free(ctx->tstate);
	for (i = 0; i < nitems(ctx->sect); i++)
		http_transform_section_free(&ctx->sect[i]);
	if (ctx->curl_inited)
		lc.global_cleanup();
	free(ctx);
}

static int
http_init(struct output *o, const void *vconf, void **ret_ctx)
{
	const struct config *root = output_config(o);
	struct http_transform_args args = { 0 };
	struct http_ctx *ctx;
	size_t i;
	int r;

	if ((ctx = calloc(1, sizeof(*ctx))) == NULL)
		return -ENOMEM;
	ctx->conf = vconf;
	ctx->name = output_name(o);
	if (getrandom(ctx->trace_key, sizeof(ctx->trace_key), 0) !=
	    (ssize_t)sizeof(ctx->trace_key)) {
		ctx->trace_key[0] = now_mono_ns() ^ ((uint64_t)getpid() << 32);
		ctx->trace_key[1] = ~ctx->trace_key[0] * 0x9e3779b97f4a7c15ull;
	}
	if ((r = http_load_libcurl()) < 0)
		goto fail;
	if (lc.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		r = -ENOMEM;
		goto fail;
	}
	ctx->curl_inited = true;
	if ((r = http_bind_sections(ctx, root)) < 0)
		goto fail;
	for (i = 0; i < nitems(ctx->sect); i++)
		args.extra[i] = &ctx->sect[i].extra;
	if ((ctx->tops = http_transform_lookup(ctx->conf->transformer)) == NULL) {
		r = -EINVAL;
		goto fail;
	}
	if ((r = ctx->tops->setup(&args, &ctx->tstate)) < 0) {
		ctx->tops = NULL;
		goto fail;
	}
	ctx->request_error = metrics_counter("pauditd_http_request_errors_total",
	    "HTTP requests that failed without a response (transport, timeout, TLS)",
	    "http_writer.request_error.count", "output", ctx->name);
	ctx->latency = metrics_timing("pauditd_http_latency_seconds",
	    "Time from an event's publication to its HTTP response",
	    "http_writer.latency", "output", ctx->name);
	output_set_workers(o, (unsigned)ctx->conf->worker_count);
	output_set_breaker(o, ctx->conf->breaker_failure_ratio);
	if (ctx->conf->debug)
		http_log_config(ctx);
	*ret_ctx = ctx;
	return 0;
fail:
	http_fini(ctx);
	return r;
}

static size_t
http_discard(char *p, size_t size, size_t nmemb, void *arg)
{
	return size * nmemb;
}

/*
 * libcurl calls this about once a second while a request waits, and at
 * once when the core's interrupt breaks its poll: past the shutdown
 * deadline, give up on the request (non-zero: CURLE_ABORTED_BY_CALLBACK).
 */
static int
http_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	return output_interrupted() ? 1 : 0;
}

static void
http_mtime(const char *path, struct timespec *ret)
{
	struct stat st;

	if (path != NULL && stat(path, &st) == 0)
		*ret = st.st_mtim;
	else
		ret->tv_sec = ret->tv_nsec = 0;
}

/* Set every option of a fresh easy handle; 0 or -ENOMEM. */
static int
http_setup_handle(struct http_wctx *w)
{
	const struct http_conf *conf = w->ctx->conf;
	CURL *c;
	int r = 0;

	if ((c = lc.easy_init()) == NULL)
		return -ENOMEM;
	r |= lc.easy_setopt(c, CURLOPT_URL, conf->url);
	r |= lc.easy_setopt(c, CURLOPT_POST, 1L);
	r |= lc.easy_setopt(c, CURLOPT_HTTPHEADER, w->headers);
	r |= lc.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	r |= lc.easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)conf->timeout_ms);
	r |= lc.easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)conf->timeout_ms);
	/*
	 * idle_conn_timeout is ours (http_maybe_expire): libcurl's own limit
	 * counts whole seconds and closes only past the next one (a 1s limit
	 * reused a connection idle for 1.9 s), takes 0 as "idle for a second"
	 * rather than "no limit", and defaults to 118 s. Never let it act.
	 */
	r |= lc.easy_setopt(c, CURLOPT_MAXAGE_CONN, LONG_MAX);
	r |= lc.easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	r |= lc.easy_setopt(c, CURLOPT_WRITEFUNCTION, http_discard);
	r |= lc.easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	r |= lc.easy_setopt(c, CURLOPT_XFERINFOFUNCTION, http_progress);
	r |= lc.easy_setopt(c, CURLOPT_ERRORBUFFER, w->errbuf);
	r |= lc.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	r |= lc.easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	r |= lc.easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (conf->ssl_enabled) {
		r |= lc.easy_setopt(c, CURLOPT_SSLCERT, conf->client_cert);
		r |= lc.easy_setopt(c, CURLOPT_SSLKEY, conf->client_key);
		r |= lc.easy_setopt(c, CURLOPT_CAINFO, conf->ca_cert);
		http_mtime(conf->client_cert, &w->cert_mtime);
		http_mtime(conf->client_key, &w->key_mtime);
	}
	if (r != CURLE_OK) {
		lc.easy_cleanup(c);
		return -EINVAL;
	}
	if (w->curl != NULL)
		lc.easy_cleanup(w->curl);
	w->curl = c;
	return 0;
}

static void
http_worker_fini(void *vw)
{
	struct http_wctx *w = vw;

	if (w == NULL)
		return;
	if (w->curl != NULL)
		lc.easy_cleanup(w->curl);
	lc.slist_free_all(w->headers);
	buf_fini(&w->scratch);
	free(w);
}

/*
 * Headers: Content-Type, no "Expect: 100-continue" round trip, and the
 * trace header, whose UUID is rewritten in place for every request.
 */
static int
http_make_headers(struct http_wctx *w)
{
	const char *name = w->ctx->conf->trace_header_name;
	struct curl_slist *l, *last;
	char th[512];

	if ((l = lc.slist_append(NULL, "Content-Type: application/json")) == NULL)
		return -ENOMEM;
	w->headers = l;
	if ((l = lc.slist_append(l, "Expect:")) == NULL)
		return -ENOMEM;
	if (name == NULL || *name == '\0')
		return 0;
	snprintf(th, sizeof(th), "%s: %0*d", name, HTTP_UUID_LEN, 0);
	if ((l = lc.slist_append(l, th)) == NULL)
		return -ENOMEM;
	for (last = l; last->next != NULL; last = last->next)
		;
	w->trace_value = last->data + strlen(last->data) - HTTP_UUID_LEN;
	return 0;
}

static int
http_worker_init(void *vctx, void **ret_wctx)
{
	struct http_wctx *w;
	int r;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return -ENOMEM;
	w->ctx = vctx;
	buf_init(&w->scratch);
	if ((r = http_make_headers(w)) < 0 || (r = http_setup_handle(w)) < 0) {
		http_worker_fini(w);
		return r;
	}
	*ret_wctx = w;
	return 0;
}

/* One 64-bit lane of the trace id: the line's words mixed under `key`. */
static uint64_t
http_trace_lane(uint64_t key, const char *p, size_t len)
{
	uint64_t h = key ^ (len * 0x9e3779b97f4a7c15ull), w;
	size_t i;

	for (i = 0; i < len; i += 8) {
		w = 0;
		memcpy(&w, p + i, len - i < 8 ? len - i : 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

/*
 * The event's trace id, in the form of a random (version 4) UUID, 36
 * characters plus NUL: the same at every attempt to send the event, so
 * that a receiver can tell a retry from a new event (Go made one per
 * event and never retried). A keyed hash of the line, whose key is drawn
 * at start: unpredictable, and two events never share a line.
 */
static void
http_trace(const struct http_ctx *ctx, const struct msg *m,
    char out[HTTP_UUID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	uint64_t a = http_trace_lane(ctx->trace_key[0], m->line, m->len);
	uint64_t c = http_trace_lane(ctx->trace_key[1], m->line, m->len);
	uint8_t b[16];
	size_t i, o = 0;

	memcpy(b, &a, 8);
	memcpy(b + 8, &c, 8);
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	for (i = 0; i < sizeof(b); i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[b[i] >> 4];
		out[o++] = hex[b[i] & 15];
	}
	out[o] = '\0';
}

static bool
http_changed(const char *path, const struct timespec *seen)
{
	struct timespec now;

	http_mtime(path, &now);
	return now.tv_sec != seen->tv_sec || now.tv_nsec != seen->tv_nsec;
}

/*
 * idle_conn_timeout, to the millisecond, as Go's IdleConnTimeout: the
 * connection has been idle since the worker's last request ended, and
 * one idle for that long is closed with its easy handle; the request then
 * opens a fresh one. 0: never closed by us (the server may still).
 */
static void
http_maybe_expire(struct http_wctx *w)
{
	uint64_t idle = w->ctx->conf->idle_conn_timeout_ms;
	int r;

	if (idle == 0 || w->done_ms == 0 || now_mono_ms() - w->done_ms < idle)
		return;
	w->done_ms = 0;
	if ((r = http_setup_handle(w)) < 0)
		log_warnx("[output %s] closing an idle connection: %s, "
		    "reusing it", w->ctx->name, strerror(-r));
}

/* Mutual TLS: a new easy handle (and so connection) after a rotation. */
static void
http_maybe_reload(struct http_wctx *w)
{
	const struct http_conf *conf = w->ctx->conf;
	uint64_t now = now_mono_ms();
	int r;

	if (!conf->ssl_enabled || now - w->cert_checked_ms < HTTP_CERT_CHECK_MS)
		return;
	w->cert_checked_ms = now;
	if (!http_changed(conf->client_cert, &w->cert_mtime) &&
	    !http_changed(conf->client_key, &w->key_mtime))
		return;
	if ((r = http_setup_handle(w)) < 0)
		log_warnx("[output %s] reloading the client certificate: %s, "
		    "keeping the old one", w->ctx->name, strerror(-r));
	else
		log_info("[output %s] client certificate %s changed, reloaded",
		    w->ctx->name, conf->client_cert);
}

static struct metric *
http_code_metric(struct http_wctx *w, long code)
{
	char statsd[32], label[16];

	if (code < 0 || code >= HTTP_STATUS_MAX)
		code = 0;
	if (w->codes[code] == NULL) {
		snprintf(statsd, sizeof(statsd), "http_code.%ld", code);
		snprintf(label, sizeof(label), "%ld", code);
		w->codes[code] = metrics_counter("pauditd_http_responses_total",
		    "HTTP responses by status code", statsd, "code", label);
	}
	return w->codes[code];
}

/* The URL the last request went to (the configured one, or a redirect's). */
static const char *
http_last_url(struct http_wctx *w)
{
	char *url = NULL;

	lc.easy_getinfo(w->curl, CURLINFO_EFFECTIVE_URL, &url);
	return http_redact(url != NULL ? url : w->ctx->conf->url, w->url_log[0],
	    sizeof(w->url_log[0]));
}

/* The Location of a 3xx answer, absolute; NULL if there is none. */
static const char *
http_location(struct http_wctx *w)
{
	char *loc = NULL;

	lc.easy_getinfo(w->curl, CURLINFO_REDIRECT_URL, &loc);
	return loc;
}

static enum out_result
http_classify(struct http_wctx *w, long code)
{
	const char *loc;

	if (code >= 200 && code < 300)
		return OUT_OK;
	if (code == 408 || code == 429 || code >= 500) {
		log_warn_ratelimited(&http_rl_status, "[output %s] %s answered %ld, "
		    "retrying", w->ctx->name, http_last_url(w), code);
		return OUT_RETRY;
	}
	if (code >= 300 && code < 400) {
		loc = http_location(w);
		log_warn_ratelimited(&http_rl_status, "[output %s] %s answered %ld "
		    "(Location: %s), not followed: a client follows a %ld with a "
		    "GET, which would lose the event, dropping", w->ctx->name,
		    http_last_url(w), code, loc != NULL ? http_redact(loc,
		    w->url_log[1], sizeof(w->url_log[1])) : "none", code);
		return OUT_DROP;
	}
	log_warn_ratelimited(&http_rl_status, "[output %s] %s answered %ld, "
	    "dropping", w->ctx->name, http_last_url(w), code);
	return OUT_DROP;
}

/*
 * One request to the handle's URL. OUT_OK with *ret_code set when an
 * answer came, whatever its status; OUT_RETRY when none did.
 */
static enum out_result
http_perform(struct http_wctx *w, long *ret_code)
{
	CURLcode cc;
	long code = 0;

	/* Interrupted before a redirect's hop: the event is the core's now. */
	if (output_interrupted())
		return OUT_RETRY;
	w->errbuf[0] = '\0';
	cc = lc.easy_perform(w->curl);
	w->done_ms = now_mono_ms();
	if (cc != CURLE_OK && lc.easy_getinfo(w->curl, CURLINFO_RESPONSE_CODE,
	    &code) == CURLE_OK && code >= 100 && code < 600) {
		/*
		 * The status line came, then the body was cut short (a
		 * Content-Length not met, a broken chunk, a stall): the status
		 * is the server's verdict, as for Go's client, which never read
		 * the body. Sending a delivered event again would duplicate it.
		 */
		log_warn_ratelimited(&http_rl_err, "[output %s] POST %s: answered "
		    "%ld, then %s; taking the answer", w->ctx->name,
		    http_last_url(w), code,
		    w->errbuf[0] ? w->errbuf : lc.easy_strerror(cc));
		cc = CURLE_OK;
	}
	if (cc != CURLE_OK) {
		metric_inc(w->ctx->request_error);
		/* The core counts and logs what the deadline drops. */
		if (cc == CURLE_ABORTED_BY_CALLBACK && output_interrupted())
			return OUT_RETRY;
		log_warn_ratelimited(&http_rl_err, "[output %s] POST %s: %s, retrying",
		    w->ctx->name, http_last_url(w),
		    w->errbuf[0] ? w->errbuf : lc.easy_strerror(cc));
		return OUT_RETRY;
	}
	lc.easy_getinfo(w->curl, CURLINFO_RESPONSE_CODE, &code);
	metric_inc(http_code_metric(w, code));
	*ret_code = code;
	return OUT_OK;
}

/*
 * A 307 or 308: POST the body again to the Location, as Go's net/http
 * does (both keep the method and body). A Location that is missing or not
 * http(s), or one hop too many, drops the event (a 3xx, rejected). 0 when
 * the handle now points at the Location; else -errno, with *ret the
 * event's result.
 */
static int
http_redirect(struct http_wctx *w, long code, unsigned hops,
    enum out_result *ret)
{
	const char *loc = http_location(w), *log_loc;
	char *cur = NULL;

	log_loc = loc != NULL ? http_redact(loc, w->url_log[1],
	    sizeof(w->url_log[1])) : "none";

	if (loc == NULL || (strncasecmp(loc, "http://", 7) != 0 &&
	    strncasecmp(loc, "https://", 8) != 0)) {
		log_warn_ratelimited(&http_rl_redirect, "[output %s] %s answered "
		    "%ld (Location: %s) that cannot be followed, dropping",
		    w->ctx->name, http_last_url(w), code, log_loc);
		*ret = OUT_DROP;
		return -EINVAL;
	}
	/*
	 * From https to http the event (and any Authorization header) would
	 * cross the network in clear: the collector asked for TLS.
	 */
	lc.easy_getinfo(w->curl, CURLINFO_EFFECTIVE_URL, &cur);
	if (cur != NULL && strncasecmp(cur, "https://", 8) == 0 &&
	    strncasecmp(loc, "http://", 7) == 0) {
		log_warn_ratelimited(&http_rl_redirect, "[output %s] %s answered "
		    "%ld (Location: %s): not followed from https to http, which "
		    "would send the event in clear, dropping", w->ctx->name,
		    http_last_url(w), code, log_loc);
		*ret = OUT_DROP;
		return -EPERM;
	}
	if (hops >= HTTP_MAX_REDIRECTS) {
		log_warn_ratelimited(&http_rl_redirect, "[output %s] %s answered "
		    "%ld (Location: %s) after %u redirects, dropping",
		    w->ctx->name, http_last_url(w), code, log_loc, hops);
		*ret = OUT_DROP;
		return -ELOOP;
	}
	log_debug("[output %s] %s answered %ld, posting to %s", w->ctx->name,
	    http_last_url(w), code, log_loc);
	/* libcurl copies the string, which the next request frees. */
	if (lc.easy_setopt(w->curl, CURLOPT_URL, loc) != CURLE_OK) {
		*ret = OUT_RETRY;
		return -ENOMEM;
	}
	return 0;
}

static enum out_result
http_post(struct http_wctx *w, const struct msg *m, const char *body,
    size_t len)
{
	enum out_result res;
	unsigned hops;
	long code = 0;

	lc.easy_setopt(w->curl, CURLOPT_POSTFIELDS, body);
	lc.easy_setopt(w->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	for (hops = 0;; hops++) {
		if ((res = http_perform(w, &code)) != OUT_OK)
			break;
		if (code != 307 && code != 308) {
			res = http_classify(w, code);
			break;
		}
		if (http_redirect(w, code, hops, &res) < 0)
			break;
	}
	/* A redirect is followed for this event only, as Go does. */
	if (hops > 0)
		lc.easy_setopt(w->curl, CURLOPT_URL, w->ctx->conf->url);
	if (code != 0 && m->t_in_ns != 0)
		metric_observe_ns(w->ctx->latency, now_mono_ns() - m->t_in_ns);
	return res;
}

/*
 * An event the transformer does not send by design (notification-service:
 * no rule key, so no topic). Nothing was refused and nothing failed: the
 * core counts it as skipped, the transformer under its own metric. Said
 * once, not per event: it is the configuration's doing.
 */
static enum out_result
http_skipped(struct http_wctx *w, const struct msg *m)
{
	const struct http_transform_ops *tops = w->ctx->tops;

	if (!atomic_exchange(&w->ctx->skip_logged, true))
		log_warnx("[output %s] event %llu not sent: with the %s "
		    "transformer, %s; logged once, ignoring", w->ctx->name,
		    (unsigned long long)m->serial, tops->name,
		    tops->skip_reason ? tops->skip_reason : "some events are not sent");
	return OUT_SKIP;
}

static enum out_result
http_write_one(void *vw, const struct msg *m)
{
	struct http_wctx *w = vw;
	const struct http_ctx *ctx = w->ctx;
	char trace[HTTP_UUID_LEN + 1];
	enum out_result res;
	const char *body;
	size_t len;
	int r;

	http_trace(ctx, m, trace);
	buf_reset(&w->scratch);
	r = ctx->tops->transform(ctx->tstate, trace, m, &w->scratch, &body, &len);
	if (r == -ENOMSG)
		return http_skipped(w, m);
	if (r < 0) {
		log_warn_ratelimited(&http_rl_drop, "[output %s] event %llu: "
		    "message transformation failed: %s, dropping", ctx->name,
		    (unsigned long long)m->serial, strerror(-r));
		return OUT_DROP;
	}
	if (ctx->conf->debug)
		log_info("[output %s] trace %s: original body %.*s, transformed "
		    "body %.*s", ctx->name, trace, (int)(m->len ? m->len - 1 : 0),
		    m->line, (int)len, body);
	if (w->trace_value != NULL)
		memcpy(w->trace_value, trace, HTTP_UUID_LEN);
	http_maybe_expire(w);
	http_maybe_reload(w);
	res = http_post(w, m, body, len);
	if (res == OUT_OK && ctx->tops->sent != NULL)
		ctx->tops->sent(ctx->tstate, m);
	return res;
}

static void
http_reopen(void *vw)
{
	struct http_wctx *w = vw;
	int r;

	if ((r = http_setup_handle(w)) < 0)
		log_warnx("[output %s] reopen: %s", w->ctx->name, strerror(-r));
}

const struct output_ops out_http_ops = {
	.name = "http",
	.fields = http_fields,
	.conf_size = sizeof(struct http_conf),
	.default_queue = 100,
	.max_batch = 1,
	.check = http_check,
	.init = http_init,
	.worker_init = http_worker_init,
	.write_one = http_write_one,
	.reopen = http_reopen,
	.worker_fini = http_worker_fini,
	.fini = http_fini,
};
