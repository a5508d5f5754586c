/*
 * out_gelf.c: the gelf output (go-audit's output.gelf): GELF 1.1 to
 * Graylog over UDP (compressed, chunked) or TCP (NUL-terminated frames).
 *
 * DESIGN: one worker, one socket, opened lazily and reopened after an
 * error. Each event becomes one GELF message whose short_message is the
 * event's JSON line, as go-audit's go-gelf writer builds it. A UDP message
 * that needs more than 128 chunks cannot be sent at all: it is dropped,
 * logged and counted (pauditd_output_oversize_total) instead of retried.
 * Transport failures are RETRY; the core backs off and retries. What a
 * lost TCP connection had not delivered (out_net.h's journal) is sent
 * again on the next one, first, logged and counted
 * (pauditd_output_resent_total).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "../buf.h"
#include "../json.h"
#include "../log.h"
#include "../metrics.h"
#include "../msg.h"
#include "out_gelf.h"
#include "out_net.h"
#include "output.h"

#define GELF_TIMEOUT_MS	5000

struct gelf_conf {
	char		*network;
	char		*address;
	long long	 level;
	long long	 type;
};

struct gelf_ctx {
	const struct gelf_conf	*conf;
	const char		*name;		/* instance, for logs */
	bool			 udp;
	char			 host[256];
	struct metric		*oversize, *resent, *unsent;
};

struct gelf_wctx {
	struct gelf_ctx		*ctx;
	int			 fd;
	struct buf		 json;
	struct buf		 z;
	uint8_t			 chunk[GELF_CHUNK_SIZE];
	struct out_net_journal	 j;		/* tcp */
};

static struct log_ratelimit gelf_rl_send, gelf_rl_size;

static const struct cfg_field gelf_compression_fields[] = {
	{ .key = "level", .type = CFG_INT,
	    .offset = offsetof(struct gelf_conf, level), .def = "1",
	    .min = -2, .max = 9, .set_offset = CFG_NOSET,
	    .desc = "flate level for UDP: -1 default, 0 none, 1 fastest .. 9 best, -2 Huffman only" },
	{ .key = "type", .type = CFG_INT,
	    .offset = offsetof(struct gelf_conf, type), .def = "0",
	    .min = 0, .max = 2, .set_offset = CFG_NOSET,
	    .desc = "UDP compression: 0 gzip, 1 zlib, 2 none" },
	{ .key = NULL }
};

static const struct cfg_field gelf_fields[] = {
	{ .key = "network", .type = CFG_STR,
	    .offset = offsetof(struct gelf_conf, network), .def = "udp",
	    .set_offset = CFG_NOSET, .desc = "udp or tcp" },
	{ .key = "address", .type = CFG_STR,
	    .offset = offsetof(struct gelf_conf, address),
	    .flags = CFG_F_REQUIRED, .set_offset = CFG_NOSET,
	    .desc = "Graylog input, host:port" },
	{ .key = "compression", .type = CFG_SECTION,
	    .sub = gelf_compression_fields, .set_offset = CFG_NOSET,
	    .desc = "UDP payload compression" },
	{ .key = NULL }
};

static void
trim_space(const char **p, size_t *n)
{
	while (*n > 0 && strchr(" \t\n\v\f\r", (*p)[0]) != NULL) {
		(*p)++;
		(*n)--;
	}
	while (*n > 0 && strchr(" \t\n\v\f\r", (*p)[*n - 1]) != NULL)
		(*n)--;
}

void
out_gelf_message(struct buf *out, const char *host, const char *facility,
    const char *line, size_t len, uint64_t t_ns)
{
	char ts[64];
	int n;

	trim_space(&line, &len);
	buf_puts_lit(out, "{\"version\":\"1.1\",\"host\":");
	json_str(out, host, strlen(host));
	buf_puts_lit(out, ",\"short_message\":");
	json_str(out, line, len);
	/* Seconds with the sub-second part's trailing zeros cut, as Go prints. */
	n = snprintf(ts, sizeof(ts), "%" PRIu64 ".%06" PRIu64,
	    t_ns / 1000000000, t_ns % 1000000000 / 1000);
	while (ts[n - 1] == '0')
		n--;
	if (ts[n - 1] == '.')
		n--;
	buf_puts_lit(out, ",\"timestamp\":");
	buf_append(out, ts, (size_t)n);
	buf_puts_lit(out, ",\"level\":6");
	if (facility[0] != '\0') {
		buf_puts_lit(out, ",\"facility\":");
		json_str(out, facility, strlen(facility));
	}
	buf_putc(out, '}');
}

int
out_gelf_compress(struct buf *out, const void *p, size_t n,
    enum gelf_compression type, int level)
{
	z_stream zs = { 0 };
	int strategy = Z_DEFAULT_STRATEGY, r;
	uLong bound;

	if (type == GELF_COMPRESS_NONE) {
		buf_append(out, p, n);
		return 0;
	}
	if (level == -2) {
		strategy = Z_HUFFMAN_ONLY;
		level = 1;
	}
	r = deflateInit2(&zs, level, Z_DEFLATED,
	    type == GELF_COMPRESS_GZIP ? 15 + 16 : 15, 8, strategy);
	if (r != Z_OK)
		return r == Z_MEM_ERROR ? -ENOMEM : -EINVAL;
	bound = deflateBound(&zs, (uLong)n) + 32;
	zs.next_in = (Bytef *)(uintptr_t)p;
	zs.avail_in = (uInt)n;
	zs.next_out = (Bytef *)buf_reserve(out, bound);
	zs.avail_out = (uInt)bound;
	r = deflate(&zs, Z_FINISH);
	if (r == Z_STREAM_END)
		out->len += zs.total_out;
	deflateEnd(&zs);
	return r == Z_STREAM_END ? 0 : -EINVAL;
}

size_t
out_gelf_chunks(size_t n)
{
	if (n <= GELF_CHUNK_SIZE)
		return 1;
	return (n + GELF_CHUNK_DATA - 1) / GELF_CHUNK_DATA;
}

size_t
out_gelf_chunk(uint8_t *dst, const uint8_t id[8], const void *p, size_t n,
    size_t seq, size_t count)
{
	size_t off = seq * GELF_CHUNK_DATA;
	size_t len = n - off < GELF_CHUNK_DATA ? n - off : GELF_CHUNK_DATA;

	dst[0] = 0x1e;
	dst[1] = 0x0f;
	memcpy(dst + 2, id, 8);
	dst[10] = (uint8_t)seq;
	dst[11] = (uint8_t)count;
	memcpy(dst + GELF_CHUNK_HEADER, (const uint8_t *)p + off, len);
	return GELF_CHUNK_HEADER + len;
}

static int
gelf_check(const void *vconf, const struct ynode *node,
    const struct config *root, struct cfg_ctx *c)
{
	const struct gelf_conf *conf = vconf;
	const struct ypair *np = ynode_pair(node, "network");
	const struct ypair *ap = ynode_pair(node, "address");
	char host[256], port[32];
	int r = 0;

	if (strcmp(conf->network, "udp") != 0 && strcmp(conf->network, "tcp") != 0) {
		cfg_error(c, np ? np->line : 0, "output.gelf.network",
		    "unsupported network by GELF library: \"%s\" (udp or tcp)",
		    conf->network);
		r = -EINVAL;
	}
	if (conf->address != NULL && out_net_split(conf->address, host,
	    sizeof(host), port, sizeof(port)) < 0) {
		cfg_error(c, ap ? ap->line : 0, "output.gelf.address",
		    "must be host:port, not \"%s\"", conf->address);
		r = -EINVAL;
	}
	return r;
}

static int
gelf_init(struct output *o, const void *vconf, void **ret_ctx)
{
	struct gelf_ctx *ctx;

	if ((ctx = calloc(1, sizeof(*ctx))) == NULL)
		return -ENOMEM;
	ctx->conf = vconf;
	ctx->name = output_name(o);
	ctx->udp = strcmp(ctx->conf->network, "udp") == 0;
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
	*ret_ctx = ctx;
	return 0;
}

static int
gelf_worker_init(void *vctx, void **ret_wctx)
{
	struct gelf_wctx *w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return -ENOMEM;
	w->ctx = vctx;
	w->fd = -1;
	buf_init(&w->json);
	buf_init(&w->z);
	out_net_journal_init(&w->j);
	*ret_wctx = w;
	return 0;
}

static void
gelf_close(struct gelf_wctx *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}

/*
 * The open connection failed with err: what TCP had not delivered waits
 * in the journal for the next one.
 */
static void
gelf_lost(struct gelf_wctx *w, int err)
{
	size_t n = w->ctx->udp ? 0 : out_net_journal_lost(&w->j, w->fd);

	if (err == -ECONNRESET)
		log_warn_ratelimited(&gelf_rl_send, "[output %s] connection to %s "
		    "reset: %zu events it had not acknowledged are sent again; "
		    "events the server acknowledged but had not read are lost "
		    "(no acknowledgement of their own over this transport; the "
		    "http output confirms each event)", w->ctx->name,
		    w->ctx->conf->address, n);
	else if (n > 0)
		log_warn_ratelimited(&gelf_rl_send, "[output %s] connection to %s "
		    "lost (%s): %zu events it had not acknowledged are sent "
		    "again", w->ctx->name, w->ctx->conf->address, strerror(-err), n);
	else
		log_warn_ratelimited(&gelf_rl_send, "[output %s] send to %s: %s, retrying",
		    w->ctx->name, w->ctx->conf->address, strerror(-err));
	gelf_close(w);
}

static int
gelf_connect(struct gelf_wctx *w)
{
	const struct gelf_conf *conf = w->ctx->conf;
	size_t n;
	int fd, r;

	if (w->fd >= 0 && !w->ctx->udp && (r = out_net_peer_gone(w->fd)) < 0)
		gelf_lost(w, r);
	if (w->fd >= 0)
		return 0;
	fd = out_net_dial(conf->network, conf->address, GELF_TIMEOUT_MS);
	if (fd < 0) {
		log_warn_ratelimited(&gelf_rl_send, "[output %s] connect to %s %s: %s, retrying",
		    w->ctx->name, conf->network, conf->address, strerror(-fd));
		return fd;
	}
	w->fd = fd;
	/* What the last connection lost goes first, in its order. */
	if (!w->ctx->udp && out_net_journal_pending(&w->j) > 0) {
		r = out_net_journal_resend(&w->j, w->fd, &n);
		metric_add(w->ctx->resent, n);
		if (r < 0) {
			gelf_lost(w, r);
			return r;
		}
	}
	return 0;
}

/* Send w->z (the compressed message) as one datagram or as chunks. */
static enum out_result
gelf_send_udp(struct gelf_wctx *w)
{
	size_t count = out_gelf_chunks(w->z.len), i, len;
	uint8_t id[8];
	int r;

	if (count > GELF_MAX_CHUNKS) {
		metric_inc(w->ctx->oversize);
		log_warn_ratelimited(&gelf_rl_size, "[output %s] event of %zu bytes "
		    "(%zu compressed) needs %zu GELF chunks, more than %d, dropping",
		    w->ctx->name, w->json.len, w->z.len, count, GELF_MAX_CHUNKS);
		return OUT_DROP;
	}
	if (count == 1) {
		r = out_net_send(w->fd, w->z.p, w->z.len);
		goto done;
	}
	if (getrandom(id, sizeof(id), 0) != sizeof(id)) {
		r = -errno;
		goto done;
	}
	for (i = 0, r = 0; i < count && r == 0; i++) {
		len = out_gelf_chunk(w->chunk, id, w->z.p, w->z.len, i, count);
		r = out_net_send(w->fd, w->chunk, len);
	}
done:
	if (r == 0)
		return OUT_OK;
	/*
	 * ECONNREFUSED: an earlier datagram was refused by the host (nothing
	 * listening), learnt at this send; it was counted written. Counted
	 * lost now, as statsd's are; this one is tried again.
	 */
	if (r == -ECONNREFUSED)
		out_net_refused(w->ctx->name, w->ctx->unsent);
	gelf_lost(w, r);
	return OUT_RETRY;
}

static enum out_result
gelf_write_one(void *vw, const struct msg *m)
{
	struct gelf_wctx *w = vw;
	const struct gelf_conf *conf = w->ctx->conf;
	struct timespec ts;
	int r;

	clock_gettime(CLOCK_REALTIME, &ts);
	buf_reset(&w->json);
	buf_reset(&w->z);
	out_gelf_message(&w->json, w->ctx->host, program_invocation_short_name,
	    m->line, m->len, (uint64_t)ts.tv_sec * 1000000000 +
	    (uint64_t)ts.tv_nsec);
	if (gelf_connect(w) < 0)
		return OUT_RETRY;
	if (w->ctx->udp) {
		r = out_gelf_compress(&w->z, w->json.p, w->json.len,
		    (enum gelf_compression)conf->type, (int)conf->level);
		if (r < 0) {
			log_warn_ratelimited(&gelf_rl_size, "[output %s] compress: %s, "
			    "dropping", w->ctx->name, strerror(-r));
			return OUT_DROP;
		}
		return gelf_send_udp(w);
	}
	buf_putc(&w->json, '\0');
	if ((r = out_net_send(w->fd, w->json.p, w->json.len)) == 0) {
		out_net_journal_add(&w->j, w->fd, w->json.p, w->json.len);
		return OUT_OK;
	}
	gelf_lost(w, r);
	return OUT_RETRY;
}

static void
gelf_lost_cb(void *vw, int err)
{
	gelf_lost(vw, err);
}

static int
gelf_reconnect(void *vw)
{
	return gelf_connect(vw);
}

static const struct out_net_finish gelf_finish = {
	gelf_lost_cb, gelf_reconnect,
};

static void
gelf_reopen(void *vw)
{
	struct gelf_wctx *w = vw;

	/* What the server never got goes to the next connection. */
	if (w->fd >= 0)
		out_net_journal_close(&w->j, w->fd, w->ctx->name);
	gelf_close(w);
}

static void
gelf_worker_fini(void *vw)
{
	struct gelf_wctx *w = vw;

	if (w == NULL)
		return;
	out_net_journal_finish(&w->j, &w->fd, &gelf_finish, w, w->ctx->name,
	    w->ctx->unsent);
	gelf_close(w);
	buf_fini(&w->json);
	buf_fini(&w->z);
	free(w);
}

static void
gelf_fini(void *ctx)
{
	free(ctx);
}

const struct output_ops out_gelf_ops = {
	.name = "gelf",
	.fields = gelf_fields,
	.conf_size = sizeof(struct gelf_conf),
	.default_queue = 1000,
	.check = gelf_check,
	.init = gelf_init,
	.worker_init = gelf_worker_init,
	.write_one = gelf_write_one,
	.reopen = gelf_reopen,
	.worker_fini = gelf_worker_fini,
	.fini = gelf_fini,
};
