/*
 * config.h: pauditd's configuration: the top-level schema, the embedded
 * defaults, and the raw sections that other modules bind themselves
 * (output.*, filters, rules, netlink, metrics).
 *
 * Ownership: config_load returns a config that owns its YAML tree; the
 * `const struct ynode *` sections point into it and live as long as the
 * config. Every key of pauditd and go-audit is accepted.
 */
#ifndef PAUDITD_CONFIG_H
#define PAUDITD_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "cfgmap.h"
#include "yaml.h"

struct config {
	struct ydoc		*doc;
	const char		*file;		/* path, or "<defaults>" */
	bool			 embedded;	/* no -config given */

	long long		 socket_buffer_receive;	/* 0: leave as is */
	long long		 events_min, events_max;
	uint64_t		 events_timeout_ms;
	long long		 events_max_in_flight;
	long long		 events_max_in_flight_bytes;
	long long		 events_max_records;
	bool			 mt_enabled;
	bool			 mt_log_out_of_order;
	long long		 mt_max_out_of_order;
	bool			 uid_caching;
	bool			 uid_caching_set;
	char			*password_file_path;
	long long		 log_flags;		/* go-audit; unused */

	/* Sections other modules bind (NULL when absent). */
	const struct ynode	*output;
	const struct ynode	*rules;
	const struct ynode	*filters;
	const struct ynode	*metrics;
	const struct ynode	*netlink;
	const struct ynode	*extras;
	const struct ynode	*notif_top;	/* notification-service-transformer */
	bool			 rules_set;	/* the rules: key is present */
	const struct ynode	*extras_canary_unused;
};

/*
 * Load and bind `path` (NULL: the embedded defaults). Errors and
 * warnings are reported through `c` (file:line: key: reason). Returns
 * the config (even with errors, so that all of them can be listed) or
 * NULL when the file could not be read or parsed at all.
 */
struct config *config_load(const char *path, struct cfg_ctx *c);
struct config *config_load_string(const char *name, const char *text,
    struct cfg_ctx *c);
struct config *config_free(struct config *conf);

/* The embedded defaults as YAML text (for --help and the man page). */
extern const char config_embedded_yaml[];

#endif
