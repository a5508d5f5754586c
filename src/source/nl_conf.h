/*
 * nl_conf.h: the kernel source's configuration (netlink.* and the rules
 * list) and the loading of rules at start-up.
 *
 * Ownership: nl_conf_bind fills a struct nl_conf whose strings are freed
 * by nl_conf_free. nl_conf_rules returns an array of pointers into the
 * config's YAML tree (free the array only); it lives as long as conf.
 */
#ifndef PAUDITD_NL_CONF_H
#define PAUDITD_NL_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct config;
struct cfg_ctx;

enum nl_mode { NL_MODE_AUTO, NL_MODE_UNICAST, NL_MODE_MULTICAST };

struct nl_conf {
	char		*mode_name;
	enum nl_mode	 mode;
	bool		 enable;	/* unicast: set enabled=1 */
	bool		 reclaim;	/* unicast: take the pid back */
	bool		 exclude_self;	/* first rule: -F pid=<ours> never */
	uint64_t	 status_interval_ms;
	long long	 coalesce_us;	/* wait once after a partial batch */
	char		*auditctl;
};

/* Bind netlink.*; errors go to c. 0 or -EINVAL. */
int nl_conf_bind(const struct config *conf, struct cfg_ctx *c,
    struct nl_conf *ret);
void nl_conf_free(struct nl_conf *nc);

/*
 * The rules: list as strings (each checked by word splitting). *ret_n
 * is 0 when the key is absent, empty or null. 0 or -EINVAL.
 */
int nl_conf_rules(const struct config *conf, struct cfg_ctx *c,
    const char ***ret, size_t *ret_n);

/* src_netlink_ops.check: netlink.*, rules and socket_buffer.receive. */
int nl_conf_check(const struct config *conf, struct cfg_ctx *c);

/*
 * Load the n rules (none: leave the kernel's rules alone; locked: warn
 * and leave them), excluding pid `self` first when it is > 0
 * (*ret_excluded says whether that rule is in). Logs the outcome; on
 * failure, auditctl's message with the rule's index, line and text, and
 * the kernel's previous rules are put back. 0 or -errno.
 */
int nl_conf_load_rules(const struct nl_conf *nc, const struct config *conf,
    const char **rules, size_t n, bool locked, pid_t self, bool *ret_excluded);

#endif
