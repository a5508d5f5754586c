/*
 * http_transform.h: request body transformers for the HTTP output.
 *
 * A transformer turns one encoded event into the body of one POST. It is
 * an ops table in a static registry (http_transform.c), selected by
 * output.http.response_body_transformer. Built-in: "noop" (the event's
 * JSON line as is) and "notification-service" (Pantheon's pub/sub DTO).
 * docs/TRANSFORMERS.md explains how to add one.
 *
 * Threads: setup and free run on the main thread; transform runs on every
 * HTTP worker at once, so it must only read its state.
 */
#ifndef PAUDITD_HTTP_TRANSFORM_H
#define PAUDITD_HTTP_TRANSFORM_H

#include <stddef.h>

#include "../config/cfgmap.h"

struct buf;
struct msg;

#define HTTP_TRANSFORM_EXTRA_MAX	3	/* places extra attributes come from */

struct http_transform_args {
	const char		*hostname;	/* NULL: $HOSTNAME, else short host name */
	/* Extra attribute maps in increasing precedence; NULL entries skipped. */
	const struct cfg_strmap	*extra[HTTP_TRANSFORM_EXTRA_MAX];
};

struct http_transform_ops {
	const char	*name;
	/* Build the state from the config. 0 or -errno (-ENOMEM). */
	int		(*setup)(const struct http_transform_args *args,
			    void **ret_state);
	/*
	 * Make the body for event `m` sent with trace id `trace_id` (a UUID,
	 * also in the trace header). On success set *ret_body and *ret_len, either
	 * into `scratch` (reset by the caller between calls) or into m->line,
	 * and return 0. Return -ENOMSG when the event must not be sent (the
	 * transformer counts it), -EINVAL when it cannot be transformed.
	 */
	int		(*transform)(const void *state, const char *trace_id,
			    const struct msg *m, struct buf *scratch,
			    const char **ret_body, size_t *ret_len);
	void		(*free)(void *state);	/* accepts NULL */
};

/* NULL-terminated registry. */
extern const struct http_transform_ops *const http_transform_registry[];

/* The transformer called `name`, or NULL. */
const struct http_transform_ops *http_transform_lookup(const char *name);

/*
 * The short host name pauditd reports: $HOSTNAME when set and not empty,
 * else gethostname(), cut at the first dot. Writes at most `len` bytes
 * including the NUL.
 */
void http_transform_hostname(char *out, size_t len);

#endif
