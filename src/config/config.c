/*
 * config.c: the top-level schema of pauditd.yaml.
 *
 * Every key of pauditd and go-audit is known here, with their defaults;
 * sections with their own owners (output, filters, rules, netlink,
 * metrics) are kept as raw YAML nodes for those modules to bind with
 * their own tables. Without -config the embedded defaults are loaded
 * through the same path, so they are validated like any file.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../log.h"
#include "config.h"

const char config_embedded_yaml[] =
	"# pauditd's embedded defaults: JSON on stdout, no change to the kernel's rules.\n"
	"output:\n"
	"  stdout:\n"
	"    enabled: true\n"
	"    attempts: 3\n";

#define F(k, t, field, d, lo, hi, dsc) \
	{ .key = k, .type = t, .offset = offsetof(struct config, field), \
	  .def = d, .min = lo, .max = hi, .set_offset = CFG_NOSET, .desc = dsc }
#define N(k, field, dsc) \
	{ .key = k, .type = CFG_NODE, .offset = offsetof(struct config, field), \
	  .set_offset = CFG_NOSET, .desc = dsc }
#define S(k, tbl, dsc) \
	{ .key = k, .type = CFG_SECTION, .sub = tbl, .set_offset = CFG_NOSET, .desc = dsc }

static const struct cfg_field socket_buffer_fields[] = {
	/* SO_RCVBUF doubles it into an int. */
	F("receive", CFG_INT, socket_buffer_receive, "0", 0, 1073741823,
	    "SO_RCVBUF of the netlink socket in bytes; 0 leaves it as is"),
	{ 0 }
};

static const struct cfg_field events_fields[] = {
	F("min", CFG_INT, events_min, "1300", 0, 65535, "lowest record type kept"),
	F("max", CFG_INT, events_max, "1399", 0, 65535, "highest record type kept"),
	F("timeout", CFG_DURATION, events_timeout_ms, "2s", 1, 3600000,
	    "an event without EOE ends after this long"),
	F("max_in_flight", CFG_INT, events_max_in_flight, "16384", 1, 1048576,
	    "events being assembled at once; the oldest is completed early beyond it"),
	F("max_in_flight_bytes", CFG_INT, events_max_in_flight_bytes, "67108864",
	    65536, 17179869184.0, "record bytes held by events being assembled"),
	F("max_records", CFG_INT, events_max_records, "8192", 1, 1048576,
	    "records kept per event; more are dropped and counted"),
	{ 0 }
};

static const struct cfg_field tracking_fields[] = {
	F("enabled", CFG_BOOL, mt_enabled, "true", 0, 0, "detect gaps in serials"),
	F("log_out_of_order", CFG_BOOL, mt_log_out_of_order, "false", 0, 0,
	    "log serials that arrive late"),
	F("max_out_of_order", CFG_INT, mt_max_out_of_order, "500", 1, 1048576,
	    "serials after which a missing one is declared missed"),
	{ 0 }
};

static const struct cfg_field log_fields[] = {
	F("flags", CFG_INT, log_flags, "0", 0, 0,
	    "go-audit's log prefix flags; accepted, unused"),
	{ 0 }
};

static const struct cfg_field parser_fields[] = {
	{ .key = "enable_uid_caching", .type = CFG_BOOL,
	  .offset = offsetof(struct config, uid_caching), .def = "true",
	  .set_offset = offsetof(struct config, uid_caching_set),
	  .desc = "cache user names (dropped when the password file changes)" },
	F("password_file_path", CFG_STR, password_file_path, "/etc/passwd", 0, 0,
	    "file whose changes drop the user name cache"),
	{ 0 }
};

static const struct cfg_field top_fields[] = {
	S("socket_buffer", socket_buffer_fields, "netlink socket buffer"),
	S("events", events_fields, "record types kept and event assembly"),
	S("message_tracking", tracking_fields, "serial gap detection"),
	S("log", log_fields, "logging"),
	S("parser", parser_fields, "user name resolution"),
	N("output", output, "outputs"),
	{ .key = "rules", .type = CFG_NODE, .offset = offsetof(struct config, rules),
	  .set_offset = offsetof(struct config, rules_set), .desc = "auditctl rules" },
	N("filters", filters, "event filters"),
	N("metrics", metrics, "statsd and Prometheus metrics"),
	N("netlink", netlink, "kernel connection"),
	N("extras", extras, "go-audit extras (containers, cgroups)"),
	N("notification-service-transformer", notif_top,
	    "extra attributes of the notification-service transformer (pauditd's example path)"),
	N("canary", extras_canary_unused, "go-audit's retired canary; ignored"),
	{ 0 }
};

static void
check(struct config *conf, struct cfg_ctx *c)
{
	static const char *const unsupported[] = {
		"extras.containers.enabled", "extras.cgroups.enabled",
	};
	const struct ynode *root = conf->doc ? conf->doc->root : NULL;
	const struct ynode *en;
	bool on;
	size_t i;

	if (conf->events_min > conf->events_max) {
		const struct ypair *p = ynode_pair(ynode_get(root, "events"), "min");

		cfg_error(c, p ? p->line : 0, "events.min",
		    "must not be greater than events.max (%lld > %lld)",
		    conf->events_min, conf->events_max);
	}
	/* go-audit's extras: accepted, not implemented yet; say so when on. */
	for (i = 0; i < nitems(unsupported); i++) {
		en = ynode_path(root, unsupported[i]);
		if (en != NULL && en->kind == YNODE_SCALAR &&
		    cfg_parse_bool(en->str, &on) == 0 && on)
			cfg_warn(c, en->line, unsupported[i],
			    "not supported yet, ignoring");
	}
}

static struct config *
bind(struct ydoc *doc, bool embedded, struct cfg_ctx *c)
{
	struct config *conf = calloc(1, sizeof(*conf));
	size_t i;

	if (conf == NULL)
		fatal("config");
	conf->doc = doc;
	conf->file = doc->file;
	conf->embedded = embedded;
	c->file = doc->file;
	for (i = 0; i < doc->ndups; i++)
		cfg_warn(c, doc->dups[i].line, doc->dups[i].path,
		    "given again (first at line %d): this value counts",
		    doc->dups[i].first);
	if (doc->next_doc_line > 0)
		cfg_warn(c, doc->next_doc_line, NULL,
		    "text after the first YAML document, ignored: only the first is read");
	cfg_bind(c, top_fields, doc->root, "", conf);
	check(conf, c);
	return conf;
}

struct config *
config_load(const char *path, struct cfg_ctx *c)
{
	char err[512];
	struct ydoc *doc;

	if (path == NULL)
		return config_load_string("<defaults>", config_embedded_yaml, c);
	if ((doc = ydoc_load_file(path, err, sizeof(err))) == NULL) {
		c->errors++;
		snprintf(c->last, sizeof(c->last), "%s", err);
		if (!c->quiet)
			fprintf(stderr, "%s\n", err);
		return NULL;
	}
	return bind(doc, false, c);
}

struct config *
config_load_string(const char *name, const char *text, struct cfg_ctx *c)
{
	char err[512];
	struct ydoc *doc;

	doc = ydoc_load_string(name, text, strlen(text), err, sizeof(err));
	if (doc == NULL) {
		c->errors++;
		snprintf(c->last, sizeof(c->last), "%s", err);
		if (!c->quiet)
			fprintf(stderr, "%s\n", err);
		return NULL;
	}
	return bind(doc, strcmp(name, "<defaults>") == 0, c);
}

struct config *
config_free(struct config *conf)
{
	if (conf == NULL)
		return NULL;
	cfg_free(top_fields, conf);
	ydoc_free(conf->doc);
	free(conf);
	return NULL;
}
