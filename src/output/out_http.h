/*
 * out_http.h: the http output's configuration, shared by its two files:
 * out_http_conf.c binds and checks it (also for --check-config), out_http.c
 * sends. Internal to them.
 */
#ifndef PAUDITD_OUT_HTTP_H
#define PAUDITD_OUT_HTTP_H

#include <stdbool.h>
#include <stdint.h>

#include "../config/cfgmap.h"

struct config;

#define HTTP_HEADER_NAME_MAX	256	/* trace_header_name, in bytes */

struct http_conf {
	char			*url;
	long long		 worker_count;
	char			*trace_header_name;
	char			*transformer;
	bool			 debug;
	double			 breaker_failure_ratio;
	uint64_t		 idle_conn_timeout_ms;
	uint64_t		 timeout_ms;
	bool			 ssl_enabled;
	char			*client_cert;
	char			*client_key;
	char			*ca_cert;
	const struct ynode	*notif;		/* notification_service_transformer */
	const struct ynode	*stats;		/* pauditd leftovers, ignored */
	const struct ynode	*mute_stats;
};

/* output.http's keys. */
extern const struct cfg_field http_fields[];
/* The output's check (output_ops.check): cross-key rules, files, sections. */
int http_check(const void *vconf, const struct ynode *node,
    const struct config *root, struct cfg_ctx *c);

#endif
