/*
 * out_http_conf.c: the http output's configuration (output.http): its
 * keys, and the checks that --check-config and the start-up run alike:
 * the mutual TLS files, the notification-service transformer's three
 * sections, buffer_size against worker_count.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../config/config.h"
#include "http_transform.h"
#include "out_http.h"
#include "output.h"

static const struct cfg_field http_ssl_fields[] = {
	{ .key = "enabled", .type = CFG_BOOL, .def = "false",
	    .offset = offsetof(struct http_conf, ssl_enabled),
	    .set_offset = CFG_NOSET, .desc = "mutual TLS with the fields below" },
	{ .key = "client_cert", .type = CFG_STR,
	    .offset = offsetof(struct http_conf, client_cert),
	    .set_offset = CFG_NOSET, .desc = "client certificate (PEM), reloaded when it changes" },
	{ .key = "client_key", .type = CFG_STR,
	    .offset = offsetof(struct http_conf, client_key),
	    .set_offset = CFG_NOSET, .desc = "client key (PEM), reloaded when it changes" },
	{ .key = "ca_cert", .type = CFG_STR,
	    .offset = offsetof(struct http_conf, ca_cert),
	    .set_offset = CFG_NOSET, .desc = "CA bundle (PEM) the server is verified against" },
	{ .key = NULL }
};

const struct cfg_field http_fields[] = {
	{ .key = "url", .type = CFG_STR, .offset = offsetof(struct http_conf, url),
	    .flags = CFG_F_REQUIRED, .set_offset = CFG_NOSET,
	    .desc = "POST target, http:// or https://" },
	{ .key = "worker_count", .type = CFG_INT, .def = "10", .min = 1, .max = 1024,
	    .offset = offsetof(struct http_conf, worker_count),
	    .set_offset = CFG_NOSET, .desc = "requests in flight" },
	{ .key = "trace_header_name", .type = CFG_STR,
	    .offset = offsetof(struct http_conf, trace_header_name),
	    .set_offset = CFG_NOSET, .desc = "header carrying a fresh UUID per request" },
	{ .key = "response_body_transformer", .type = CFG_STR, .def = "noop",
	    .offset = offsetof(struct http_conf, transformer),
	    .set_offset = CFG_NOSET, .desc = "noop or notification-service" },
	{ .key = "debug", .type = CFG_BOOL, .def = "false",
	    .offset = offsetof(struct http_conf, debug),
	    .set_offset = CFG_NOSET, .desc = "log the configuration and every body" },
	{ .key = "breaker_failure_ratio", .type = CFG_DOUBLE, .def = "0.05",
	    .min = 0, .max = 1, .offset = offsetof(struct http_conf, breaker_failure_ratio),
	    .set_offset = CFG_NOSET, .desc = "failure ratio that opens the circuit breaker" },
	/* Go's IdleConnTimeout: any duration, 0 for no limit; a year is plenty. */
	{ .key = "idle_conn_timeout", .type = CFG_DURATION, .def = "10s",
	    .min = 0, .max = 365 * 86400000.0,
	    .offset = offsetof(struct http_conf, idle_conn_timeout_ms),
	    .set_offset = CFG_NOSET,
	    .desc = "keep-alive connections idle longer are closed; 0: no limit" },
	{ .key = "timeout", .type = CFG_DURATION, .def = "10s", .min = 1, .max = 3600000,
	    .offset = offsetof(struct http_conf, timeout_ms),
	    .set_offset = CFG_NOSET, .desc = "limit for a whole request" },
	{ .key = "ssl", .type = CFG_SECTION, .sub = http_ssl_fields,
	    .set_offset = CFG_NOSET, .desc = "mutual TLS" },
	/* Bound by http_transform_section_bind, as its two other places are. */
	{ .key = "notification_service_transformer", .type = CFG_NODE,
	    .offset = offsetof(struct http_conf, notif), .set_offset = CFG_NOSET,
	    .desc = "notification-service transformer settings" },
	{ .key = "stats", .type = CFG_NODE, .offset = offsetof(struct http_conf, stats),
	    .flags = CFG_F_IGNORED, .set_offset = CFG_NOSET, .desc = "ignored" },
	{ .key = "mute_stats", .type = CFG_NODE,
	    .offset = offsetof(struct http_conf, mute_stats),
	    .flags = CFG_F_IGNORED, .set_offset = CFG_NOSET, .desc = "ignored" },
	{ .key = NULL }
};

static int
http_check_file(struct cfg_ctx *c, const struct ynode *ssl, const char *key,
    const char *path)
{
	const struct ypair *p = ynode_pair(ssl, key);
	char where[64];

	snprintf(where, sizeof(where), "output.http.ssl.%s", key);
	if (path == NULL || *path == '\0') {
		cfg_error(c, ssl ? ssl->line : 0, where,
		    "is required when ssl.enabled is true");
		return -EINVAL;
	}
	if (access(path, R_OK) < 0) {
		cfg_error(c, p ? p->line : 0, where, "cannot read %s: %s", path,
		    strerror(errno));
		return -EINVAL;
	}
	return 0;
}

/* An HTTP header name: an RFC 9110 token, short enough for one line. */
static bool
http_header_token(const char *s)
{
	size_t n = strlen(s);

	return n <= HTTP_HEADER_NAME_MAX &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789!#$%&'*+-.^_`|~") == n;
}

int
http_check(const void *vconf, const struct ynode *node,
    const struct config *root, struct cfg_ctx *c)
{
	const struct http_conf *conf = vconf;
	const struct ynode *ssl = ynode_get(node, "ssl");
	struct http_transform_section sect = { 0 };
	const struct ypair *p;
	long long bs;
	int r = 0;

	if (conf->url != NULL && strncasecmp(conf->url, "http://", 7) != 0 &&
	    strncasecmp(conf->url, "https://", 8) != 0) {
		p = ynode_pair(node, "url");
		cfg_error(c, p ? p->line : 0, "output.http.url",
		    "must start with http:// or https://, not \"%s\"", conf->url);
		r = -EINVAL;
	} else if (conf->url != NULL &&
	    strchr("/?#", conf->url[strcspn(conf->url, ":") + 3]) != NULL) {
		p = ynode_pair(node, "url");
		cfg_error(c, p ? p->line : 0, "output.http.url",
		    "names no host: \"%s\"", conf->url);
		r = -EINVAL;
	}
	if (conf->trace_header_name != NULL && conf->trace_header_name[0] != '\0' &&
	    !http_header_token(conf->trace_header_name)) {
		p = ynode_pair(node, "trace_header_name");
		cfg_error(c, p ? p->line : 0, "output.http.trace_header_name",
		    "must be a header name (letters, digits and !#$%%&'*+-.^_`|~, "
		    "at most %d), not \"%s\"", HTTP_HEADER_NAME_MAX,
		    conf->trace_header_name);
		r = -EINVAL;
	}
	if (http_transform_lookup(conf->transformer) == NULL) {
		p = ynode_pair(node, "response_body_transformer");
		cfg_error(c, p ? p->line : 0, "output.http.response_body_transformer",
		    "unknown transformer \"%s\" (noop or notification-service)",
		    conf->transformer);
		r = -EINVAL;
	}
	if (conf->ssl_enabled) {
		r |= http_check_file(c, ssl, "client_cert", conf->client_cert);
		r |= http_check_file(c, ssl, "client_key", conf->client_key);
		r |= http_check_file(c, ssl, "ca_cert", conf->ca_cert);
	}
	/*
	 * Bound now, not only at start: a section --check-config passes must
	 * not stop the output from starting. So are the two sections outside
	 * output.http that the output reads.
	 */
	r |= http_transform_section_bind(c, conf->notif,
	    "output.http.notification_service_transformer", &sect);
	http_transform_section_free(&sect);
	if (root != NULL)
		r |= http_transform_check_shared(c, root);
	/* pauditd: an explicit buffer_size must hold one event per worker. */
	p = ynode_pair(node, "buffer_size");
	if (p != NULL && p->val != NULL && p->val->kind == YNODE_SCALAR &&
	    cfg_parse_int(p->val->str, &bs) == 0 && bs < conf->worker_count) {
		cfg_error(c, p->line, "output.http.buffer_size",
		    "must be at least worker_count (%lld)", conf->worker_count);
		r = -EINVAL;
	}
	return r < 0 ? -EINVAL : 0;
}

