/*
 * out_syslog.c: the syslog output (output.syslog), writing what Go's
 * log/syslog writes for go-audit and pauditd.
 *
 * DESIGN: one worker, one socket. The line format follows Go exactly:
 *   local (network ""):  <PRI>Mmm dd hh:mm:ss TAG[PID]: MSG
 *   any named network:   <PRI>YYYY-MM-DDThh:mm:ss+hh:mm HOST TAG[PID]: MSG
 * MSG is the event's JSON line, which already ends in '\n': that is the
 * framing on stream sockets and the datagram's last byte otherwise.
 * Network "" looks for the local syslog socket as Go does (/dev/log,
 * /var/run/syslog, /var/run/log; unixgram, then unix); an explicit
 * address with network "" names that local socket instead.
 *
 * Errors: like Go's writeAndRetry, a failed write reconnects and tries
 * once more before reporting RETRY to the core. A stream peer that went
 * away is noticed before writing; what a lost stream connection had not
 * delivered (out_net.h's journal) is sent again on the next one, first,
 * logged and counted (pauditd_output_resent_total). An event too large
 * for a datagram is dropped, logged and counted
 * (pauditd_output_oversize_total), never silently cut.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../buf.h"
#include "../log.h"
#include "../metrics.h"
#include "../msg.h"
#include "out_net.h"
#include "output.h"

#define SYSLOG_TIMEOUT_MS	5000
#define SYSLOG_PRI_MAX		191	/* LOG_LOCAL7 | LOG_DEBUG */
#define UDP_PAYLOAD_MAX		65507

struct syslog_conf {
	char		*network;
	char		*address;
	long long	 priority;
	char		*tag;
};

struct syslog_ctx {
	const struct syslog_conf *conf;
	const char		*name;
	bool			 local;		/* network "": Go's local format */
	char			 host[256];
	const char		*tag;		/* empty: argv[0], as Go does */
	long			 pid;
	struct metric		*oversize, *resent, *unsent;
};

struct syslog_wctx {
	struct syslog_ctx	*ctx;
	int			 fd;
	const char		*network;	/* of the open socket */
	bool			 stream;
	struct buf		 line;
	struct out_net_journal	 j;		/* stream networks */
};

static struct log_ratelimit syslog_rl_send, syslog_rl_size;

static const char *const local_paths[] = {
	"/dev/log", "/var/run/syslog", "/var/run/log",
};
static const char *const local_networks[] = { "unixgram", "unix" };

static const struct cfg_field syslog_fields[] = {
	{ .key = "network", .type = CFG_STR,
	    .offset = offsetof(struct syslog_conf, network), .def = "",
	    .set_offset = CFG_NOSET,
	    .desc = "unixgram, unix, udp or tcp; empty: the local syslog socket" },
	{ .key = "address", .type = CFG_STR,
	    .offset = offsetof(struct syslog_conf, address), .def = "",
	    .set_offset = CFG_NOSET, .desc = "socket path or host:port" },
	{ .key = "priority", .type = CFG_INT,
	    .offset = offsetof(struct syslog_conf, priority), .def = "132",
	    .min = 0, .max = SYSLOG_PRI_MAX, .set_offset = CFG_NOSET,
	    .desc = "facility | severity (132: local0.warning)" },
	{ .key = "tag", .type = CFG_STR,
	    .offset = offsetof(struct syslog_conf, tag), .def = "pauditd",
	    .set_offset = CFG_NOSET, .desc = "syslog tag, followed by [pid]" },
	{ .key = NULL }
};

static int
syslog_check(const void *vconf, const struct ynode *node,
    const struct config *root, struct cfg_ctx *c)
{
	const struct syslog_conf *conf = vconf;
	const struct ypair *np = ynode_pair(node, "network");
	const struct ypair *ap = ynode_pair(node, "address");
	char host[256], port[32];

	if (*conf->network == '\0')
		return 0;
	if (!out_net_known(conf->network)) {
		cfg_error(c, np ? np->line : 0, "output.syslog.network",
		    "unknown network \"%s\" (unixgram, unix, udp or tcp)",
		    conf->network);
		return -EINVAL;
	}
	if (*conf->address == '\0') {
		cfg_error(c, np ? np->line : 0, "output.syslog.address",
		    "is required when network is \"%s\"", conf->network);
		return -EINVAL;
	}
	if (strncmp(conf->network, "unix", 4) != 0 && out_net_split(conf->address,
	    host, sizeof(host), port, sizeof(port)) < 0) {
		cfg_error(c, ap ? ap->line : 0, "output.syslog.address",
		    "must be host:port for %s, not \"%s\"", conf->network,
		    conf->address);
		return -EINVAL;
	}
	return 0;
}

static int
syslog_init(struct output *o, const void *vconf, void **ret_ctx)
{
	struct syslog_ctx *ctx;

	if ((ctx = calloc(1, sizeof(*ctx))) == NULL)
		return -ENOMEM;
	ctx->conf = vconf;
	ctx->name = output_name(o);
	ctx->local = *ctx->conf->network == '\0';
	ctx->tag = *ctx->conf->tag != '\0' ? ctx->conf->tag :
	    program_invocation_name;
	ctx->pid = (long)getpid();
	if (gethostname(ctx->host, sizeof(ctx->host)) < 0)
		snprintf(ctx->host, sizeof(ctx->host), "localhost");
	ctx->host[sizeof(ctx->host) - 1] = '\0';
	ctx->oversize = metrics_counter("pauditd_output_oversize_total",
	    "Events too large for the output's transport, dropped", NULL,
	    "output", ctx->name);
	ctx->resent = out_net_resent_metric(ctx->name);
	ctx->unsent = output_unacked_metric(o);
	/* A server restarting must not spend every event's attempts. */
	output_set_breaker(o, OUT_NET_BREAKER_RATIO);
	tzset();
	*ret_ctx = ctx;
	return 0;
}

static int
syslog_worker_init(void *vctx, void **ret_wctx)
{
	struct syslog_wctx *w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return -ENOMEM;
	w->ctx = vctx;
	w->fd = -1;
	buf_init(&w->line);
	out_net_journal_init(&w->j);
	*ret_wctx = w;
	return 0;
}

static void
syslog_close(struct syslog_wctx *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}

static const char *
syslog_where(const struct syslog_wctx *w)
{
	return *w->ctx->conf->address ? w->ctx->conf->address : "/dev/log";
}

/*
 * The open connection failed with err: what a stream had not delivered
 * waits in the journal for the next one.
 */
static void
syslog_lost(struct syslog_wctx *w, int err)
{
	size_t n = w->stream ? out_net_journal_lost(&w->j, w->fd) : 0;

	if (err == -ECONNRESET)
		log_warn_ratelimited(&syslog_rl_send, "[output %s] connection to %s "
		    "reset: %zu events it had not acknowledged are sent again; "
		    "events the server acknowledged but had not read are lost "
		    "(no acknowledgement of their own over this transport; the "
		    "http output confirms each event)", w->ctx->name,
		    syslog_where(w), n);
	else if (n > 0)
		log_warn_ratelimited(&syslog_rl_send, "[output %s] connection to %s "
		    "lost (%s): %zu events it had not acknowledged are sent "
		    "again", w->ctx->name, syslog_where(w), strerror(-err), n);
	else
		log_warn_ratelimited(&syslog_rl_send, "[output %s] send to %s %s: %s",
		    w->ctx->name, w->network, syslog_where(w), strerror(-err));
	syslog_close(w);
}

/* Go's unixSyslog(): unixgram on each path, then unix on each path. */
static int
syslog_dial_local(struct syslog_wctx *w)
{
	const char *addr = w->ctx->conf->address;
	size_t i, j, npaths = *addr ? 1 : nitems(local_paths);
	int fd = -ENOENT;

	for (j = 0; j < nitems(local_networks); j++) {
		for (i = 0; i < npaths; i++) {
			fd = out_net_dial(local_networks[j], *addr ? addr :
			    local_paths[i], SYSLOG_TIMEOUT_MS);
			if (fd >= 0) {
				w->network = local_networks[j];
				return fd;
			}
		}
	}
	return fd;
}

static int
syslog_connect(struct syslog_wctx *w)
{
	const struct syslog_conf *conf = w->ctx->conf;
	size_t n;
	int fd, r;

	if (w->fd >= 0 && w->stream && (r = out_net_peer_gone(w->fd)) < 0)
		syslog_lost(w, r);
	if (w->fd >= 0)
		return 0;
	if (w->ctx->local)
		fd = syslog_dial_local(w);
	else {
		fd = out_net_dial(conf->network, conf->address, SYSLOG_TIMEOUT_MS);
		w->network = conf->network;
	}
	if (fd < 0) {
		log_warn_ratelimited(&syslog_rl_send, "[output %s] connect to %s %s: %s, retrying",
		    w->ctx->name, w->ctx->local ? "local syslog" : conf->network,
		    *conf->address ? conf->address : "/dev/log", strerror(-fd));
		return fd;
	}
	w->fd = fd;
	w->stream = out_net_is_stream(w->network);
	/* What the last connection lost goes first, in its order. */
	if (w->stream && out_net_journal_pending(&w->j) > 0) {
		r = out_net_journal_resend(&w->j, w->fd, &n);
		metric_add(w->ctx->resent, n);
		if (r < 0) {
			syslog_lost(w, r);
			return r;
		}
	}
	return 0;
}

/* Format one line as Go's log/syslog Writer does. */
static void
syslog_format(struct syslog_wctx *w, const struct msg *m)
{
	const struct syslog_ctx *ctx = w->ctx;
	char ts[64], num[32];
	struct tm tm;
	time_t now = time(NULL);
	int n;

	localtime_r(&now, &tm);
	buf_reset(&w->line);
	n = snprintf(num, sizeof(num), "<%lld>", ctx->conf->priority);
	buf_append(&w->line, num, (size_t)n);
	if (ctx->local) {
		strftime(ts, sizeof(ts), "%b %e %H:%M:%S", &tm);
		buf_append(&w->line, ts, strlen(ts));
	} else {
		size_t l = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
		long off = tm.tm_gmtoff / 60;

		if (off == 0)
			snprintf(ts + l, sizeof(ts) - l, "Z");
		else
			snprintf(ts + l, sizeof(ts) - l, "%c%02ld:%02ld",
			    off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
		buf_append(&w->line, ts, strlen(ts));
		buf_putc(&w->line, ' ');
		buf_append(&w->line, ctx->host, strlen(ctx->host));
	}
	buf_putc(&w->line, ' ');
	buf_append(&w->line, ctx->tag, strlen(ctx->tag));
	n = snprintf(num, sizeof(num), "[%ld]: ", ctx->pid);
	buf_append(&w->line, num, (size_t)n);
	buf_append(&w->line, m->line, m->len);
	if (m->len == 0 || m->line[m->len - 1] != '\n')
		buf_putc(&w->line, '\n');
}

static enum out_result
syslog_oversize(struct syslog_wctx *w)
{
	metric_inc(w->ctx->oversize);
	log_warn_ratelimited(&syslog_rl_size, "[output %s] event of %zu bytes is "
	    "too large for a %s datagram to %s, dropping (use a stream network "
	    "such as tcp or unix for large events)", w->ctx->name, w->line.len,
	    w->network, syslog_where(w));
	return OUT_DROP;
}

static enum out_result
syslog_write_one(void *vw, const struct msg *m)
{
	struct syslog_wctx *w = vw;
	int tries, r = 0;

	syslog_format(w, m);
	for (tries = 0; tries < 2; tries++) {
		if (syslog_connect(w) < 0)
			return OUT_RETRY;	/* logged by syslog_connect */
		if (!w->stream && strncmp(w->network, "udp", 3) == 0 &&
		    w->line.len > UDP_PAYLOAD_MAX)
			return syslog_oversize(w);
		if ((r = out_net_send(w->fd, w->line.p, w->line.len)) == 0) {
			if (w->stream)
				out_net_journal_add(&w->j, w->fd, w->line.p,
				    w->line.len);
			return OUT_OK;
		}
		if (r == -EMSGSIZE)
			return syslog_oversize(w);
		/*
		 * A datagram socket's ECONNREFUSED: an earlier datagram was
		 * refused by the host (nothing listening), learnt at this send;
		 * it was counted written. Counted lost now, as statsd's are.
		 */
		if (!w->stream && r == -ECONNREFUSED)
			out_net_refused(w->ctx->name, w->ctx->unsent);
		/* Logged, and what a stream had not delivered kept. */
		syslog_lost(w, r);
	}
	return OUT_RETRY;
}

static void
syslog_lost_cb(void *vw, int err)
{
	syslog_lost(vw, err);
}

static int
syslog_reconnect(void *vw)
{
	return syslog_connect(vw);
}

static const struct out_net_finish syslog_finish = {
	syslog_lost_cb, syslog_reconnect,
};

static void
syslog_reopen(void *vw)
{
	struct syslog_wctx *w = vw;

	/* What the server never got goes to the next connection. */
	if (w->fd >= 0)
		out_net_journal_close(&w->j, w->fd, w->ctx->name);
	syslog_close(w);
}

static void
syslog_worker_fini(void *vw)
{
	struct syslog_wctx *w = vw;

	if (w == NULL)
		return;
	out_net_journal_finish(&w->j, &w->fd, &syslog_finish, w, w->ctx->name,
	    w->ctx->unsent);
	syslog_close(w);
	buf_fini(&w->line);
	free(w);
}

static void
syslog_fini(void *ctx)
{
	free(ctx);
}

const struct output_ops out_syslog_ops = {
	.name = "syslog",
	.fields = syslog_fields,
	.conf_size = sizeof(struct syslog_conf),
	.default_queue = 1000,
	.check = syslog_check,
	.init = syslog_init,
	.worker_init = syslog_worker_init,
	.write_one = syslog_write_one,
	.reopen = syslog_reopen,
	.worker_fini = syslog_worker_fini,
	.fini = syslog_fini,
};
