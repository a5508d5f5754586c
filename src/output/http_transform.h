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
 * HTTP worker at once, so it must only read its state, but for what the
 * state guards itself (notification-service's map of topic counters,
 * behind a pointer, with its own lock).
 */
#ifndef PAUDITD_HTTP_TRANSFORM_H
#define PAUDITD_HTTP_TRANSFORM_H

#include <stddef.h>

#include "../config/cfgmap.h"

struct buf;
struct config;
struct msg;

#define HTTP_TRANSFORM_EXTRA_MAX	3	/* places extra attributes come from */
/*
 * notification-service counts sent events per topic for this many
 * distinct topics (per output), and the later ones together under the
 * topic "_other": a counter per rule key must not grow without bound.
 */
#define HTTP_NOTIF_TOPICS_MAX		1024

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
	 * and return 0. Return -ENOMSG when the event is not to be sent, by
	 * design (the transformer counts it; the output reports it skipped
	 * and says once why, with skip_reason), -EINVAL when it cannot be
	 * transformed (the output drops it as rejected).
	 */
	int		(*transform)(const void *state, const char *trace_id,
			    const struct msg *m, struct buf *scratch,
			    const char **ret_body, size_t *ret_len);
	/*
	 * Optional: event `m` was delivered (a 2xx), called once per event
	 * however many attempts it took; on the workers, as transform is.
	 */
	void		(*sent)(const void *state, const struct msg *m);
	void		(*free)(void *state);	/* accepts NULL */
	/* Why transform returns -ENOMSG, for the log; NULL if it never does. */
	const char	*skip_reason;
};

/* NULL-terminated registry. */
extern const struct http_transform_ops *const http_transform_registry[];

/* The transformer called `name`, or NULL. */
const struct http_transform_ops *http_transform_lookup(const char *name);

/*
 * The notification-service transformer's settings. pauditd's example,
 * README and code each put them in another place, so three sections are
 * read, in increasing precedence: the top-level
 * notification-service-transformer, output.notification_service_transformer
 * and output.http.notification_service_transformer. Each holds one key,
 * extra_attributes, a mapping of strings.
 */
struct http_transform_section {
	struct cfg_strmap	 extra;		/* extra_attributes */
};

/*
 * Bind the section `node` (NULL: absent), named `path` in messages, into
 * *ret, zeroed beforehand. Its unknown keys are warned about through `c`;
 * a YAML null in extra_attributes is "", as viper reads it. 0, or -EINVAL
 * with the error reported. Free with http_transform_section_free.
 */
int http_transform_section_bind(struct cfg_ctx *c, const struct ynode *node,
    const char *path, struct http_transform_section *ret);
void http_transform_section_free(struct http_transform_section *s);

/*
 * The two sections outside output.http (top level and output), in that
 * order, from the configuration `conf` (struct config). Same contract as
 * http_transform_section_bind; ret[] is freed by the caller either way.
 */
int http_transform_bind_shared(struct cfg_ctx *c, const struct config *conf,
    struct http_transform_section ret[2]);
/*
 * Check those two sections (the output's check does, for --check-config
 * and the start-up's configuration pass alike). 0 or -EINVAL.
 */
int http_transform_check_shared(struct cfg_ctx *c, const struct config *conf);

/*
 * The short host name pauditd reports: $HOSTNAME when set and not empty,
 * else gethostname(), cut at the first dot. Writes at most `len` bytes
 * including the NUL.
 */
void http_transform_hostname(char *out, size_t len);

#endif
