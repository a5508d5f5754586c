/*
 * nl_conf.c: netlink.* and rules: binding, checking (also for
 * --check-config, without touching the kernel) and loading the rules
 * through auditctl at start-up.
 *
 * pauditd made an empty rule list fatal and always ran auditctl -D.
 * Here no rules: key (or an empty list) means "leave the kernel's rules
 * as they are", which is what multicast beside auditd needs, and a
 * kernel locked with -e 2 is left alone with a warning.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../config/config.h"
#include "../log.h"
#include "nl_conf.h"
#include "rules.h"

static const char *const nl_mode_names[] = { "auto", "unicast", "multicast" };

static const struct cfg_field nl_fields[] = {
	{ "mode", CFG_STR, offsetof(struct nl_conf, mode_name), "auto", 0, 0,
	  NULL, 0, CFG_NOSET, "unicast, multicast or auto" },
	{ "enable", CFG_BOOL, offsetof(struct nl_conf, enable), "true", 0, 0,
	  NULL, 0, CFG_NOSET, "unicast: set the kernel's enabled flag to 1" },
	{ "reclaim", CFG_BOOL, offsetof(struct nl_conf, reclaim), "true", 0, 0,
	  NULL, 0, CFG_NOSET, "unicast: take the audit pid back when lost" },
	{ "exclude_self", CFG_BOOL, offsetof(struct nl_conf, exclude_self),
	  "true", 0, 0, NULL, 0, CFG_NOSET,
	  "first rule: never audit pauditd's own system calls" },
	{ "status_interval", CFG_DURATION,
	  offsetof(struct nl_conf, status_interval_ms), "5s", 1000, 3600000,
	  NULL, 0, CFG_NOSET, "how often to poll the kernel's audit status" },
	{ "read_coalesce_us", CFG_INT, offsetof(struct nl_conf, coalesce_us),
	  "1000", 0, 10000, NULL, 0, CFG_NOSET,
	  "after a partial batch, wait this long once for more records" },
	{ "auditctl", CFG_STR, offsetof(struct nl_conf, auditctl), "auditctl",
	  0, 0, NULL, 0, CFG_NOSET, "the auditctl program that loads rules" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, 0, CFG_NOSET, NULL },
};

static int
parse_mode(const char *s, enum nl_mode *ret)
{
	size_t i;

	for (i = 0; i < nitems(nl_mode_names); i++)
		if (strcmp(s, nl_mode_names[i]) == 0) {
			*ret = (enum nl_mode)i;
			return 0;
		}
	return -EINVAL;
}

int
nl_conf_bind(const struct config *conf, struct cfg_ctx *c, struct nl_conf *nc)
{
	const struct ypair *p = ynode_pair(conf->netlink, "mode");
	int r;

	memset(nc, 0, sizeof(*nc));
	r = cfg_bind(c, nl_fields, conf->netlink, "netlink", nc);
	if (parse_mode(nc->mode_name, &nc->mode) < 0) {
		cfg_error(c, p != NULL ? p->line : 0, "netlink.mode",
		    "must be unicast, multicast or auto, not \"%s\"",
		    nc->mode_name);
		r = -EINVAL;
	}
	if (nc->auditctl[0] == '\0') {
		p = ynode_pair(conf->netlink, "auditctl");
		cfg_error(c, p != NULL ? p->line : 0, "netlink.auditctl",
		    "must not be empty");
		r = -EINVAL;
	}
	return r;
}

int
nl_conf_rules(const struct config *conf, struct cfg_ctx *c,
    const char ***ret, size_t *ret_n)
{
	const struct ynode *l = conf->rules, *it;
	const char **v, *why;
	char **argv;
	size_t i, argc;
	int r = 0;

	*ret = NULL;
	*ret_n = 0;
	if (!conf->rules_set || l == NULL || l->kind == YNODE_NULL)
		return 0;
	if (l->kind != YNODE_SEQ) {
		cfg_error(c, l->line, "rules",
		    "must be a list of auditctl arguments, not %s",
		    ynode_kind_name(l->kind));
		return -EINVAL;
	}
	if ((v = calloc(l->n + 1, sizeof(*v))) == NULL)
		fatal("rules");
	for (i = 0; i < l->n; i++) {
		it = l->items[i];
		if (it == NULL || it->kind != YNODE_SCALAR) {
			cfg_error(c, it != NULL ? it->line : l->line, "rules",
			    "rule #%zu must be a string", i + 1);
			r = -EINVAL;
			continue;
		}
		if (rules_split(it->str, &argv, &argc, &why) < 0) {
			cfg_error(c, it->line, "rules", "rule #%zu \"%s\": %s",
			    i + 1, it->str, why);
			r = -EINVAL;
			continue;
		}
		rules_argv_free(argv);
		v[i] = it->str;
	}
	*ret = v;
	*ret_n = l->n;
	return r;
}

void
nl_conf_free(struct nl_conf *nc)
{
	cfg_free(nl_fields, nc);
}

int
nl_conf_check(const struct config *conf, struct cfg_ctx *c)
{
	struct nl_conf nc;
	const char **rules;
	size_t n;
	int r, r2;

	r = nl_conf_bind(conf, c, &nc);
	nl_conf_free(&nc);
	r2 = nl_conf_rules(conf, c, &rules, &n);
	free(rules);
	return r < 0 ? r : r2;
}

/* After a failed load: the rules the kernel had before, as they were. */
static void
put_back(const struct nl_conf *nc, const char *saved)
{
	char err[1200];
	size_t n;
	int r;

	if (saved == NULL) {
		log_warnx("netlink: rules: the kernel's previous rules could "
		    "not be listed, so they are not put back: it has what "
		    "loaded before the failure");
		return;
	}
	r = rules_restore(nc->auditctl, saved, &n, err, sizeof(err));
	if (r == 0)
		log_warnx("netlink: rules: the kernel's %zu previous rules are "
		    "back", n);
	else if (r > 0)
		log_warnx("netlink: rules: putting the previous rules back: "
		    "%zu loaded, %d failed (the last: %s)", n, r, err);
	else
		log_warnx("netlink: rules: putting the previous rules back: %s",
		    err);
}

int
nl_conf_load_rules(const struct nl_conf *nc, const struct config *conf,
    const char **rules, size_t n, bool locked, pid_t self, bool *ret_excluded)
{
	char err[1200], *saved = NULL;
	size_t failed;
	int r;

	*ret_excluded = false;
	if (n == 0) {
		log_info("netlink: no rules configured: leaving the kernel's "
		    "audit rules as they are");
		return 0;
	}
	if (locked) {
		log_warnx("netlink: the kernel's audit configuration is locked "
		    "(enabled 2): not loading the %zu configured rules", n);
		return 0;
	}
	/*
	 * A rule auditctl refuses is found only by loading it, after the
	 * kernel's rules were deleted: what the kernel had is listed first,
	 * to be put back then rather than leave a half-loaded set.
	 */
	if ((r = rules_list(nc->auditctl, &saved)) < 0)
		log_debug("netlink: rules: auditctl -l: %s", strerror(-r));
	r = rules_apply(nc->auditctl, rules, n, self, &failed, err,
	    sizeof(err));
	if (r >= 0) {
		free(saved);
		*ret_excluded = self > 0;
		log_info("netlink: loaded %d audit rules%s", r, self ?
		    " (the first one excludes this process)" : "");
		return 0;
	}
	if (failed == RULES_FAILED_DELETE)
		log_warnx("netlink: rules: deleting the kernel's rules "
		    "(auditctl -D): %s", err);
	else if (failed == RULES_FAILED_EXCLUDE)
		log_warnx("netlink: rules: excluding this process "
		    "(-a never,exit -F pid=%d): %s", self, err);
	else
		log_warnx("netlink: rules: rule #%zu (%s line %d) \"%s\": %s",
		    failed + 1, conf->file, conf->rules->items[failed]->line,
		    rules[failed], err);
	if (failed != RULES_FAILED_DELETE)
		put_back(nc, saved);
	/*
	 * Not listed, not put back: the self-exclusion, loaded before the
	 * failing rule, is still in, for the exit's undo to delete.
	 */
	if (saved == NULL && failed != RULES_FAILED_DELETE &&
	    failed != RULES_FAILED_EXCLUDE)
		*ret_excluded = self > 0;
	free(saved);
	return r;
}
