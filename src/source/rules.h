/*
 * rules.h: kernel audit rules through auditctl.
 *
 * A rule is one auditctl command line without the program name
 * ("-w /etc/passwd -p wa -k 'passwd changes'"). It is split into words as
 * a POSIX shell would (quotes, backslashes, # comments; no expansion) and
 * auditctl is executed directly, never through a shell. auditctl's
 * stdout and stderr are captured so that a failure can be reported with
 * auditctl's own words, and so that nothing it prints reaches our stdout
 * (which may be an output). Nothing here logs above debug.
 */
#ifndef PAUDITD_RULES_H
#define PAUDITD_RULES_H

#include <stddef.h>
#include <sys/types.h>

#define RULES_MAX_WORDS		256	/* words in one rule */
#define RULES_LIST_MAX		(4 << 20) /* auditctl -l's output */
#define RULES_LINE_MAX		8192	/* one listed rule */
#define RULES_TIMEOUT_MS	15000	/* one auditctl run */

/*
 * Split `s` into words. On success *ret_argv is a NULL-terminated array
 * (free it with rules_argv_free) and *ret_argc its length, which is 0
 * for a blank or comment-only rule. Returns 0, -EINVAL for an
 * unterminated quote or a trailing backslash (with a reason in *ret_why
 * when not NULL), -E2BIG beyond RULES_MAX_WORDS, -ENOMEM.
 */
int rules_split(const char *s, char ***ret_argv, size_t *ret_argc,
    const char **ret_why);
char **rules_argv_free(char **argv);
/*
 * Split a line of `auditctl -l` into auditctl's arguments: an option
 * word ("-w", "-F", "--backlog_wait_time"), then its value up to the
 * next option, spaces included, for auditctl prints keys and paths as
 * they are, unquoted ("-w /d -p r -k a key"). No quotes or escapes are
 * read. Returns 0 (argv as rules_split's) or -E2BIG, -ENOMEM.
 */
int rules_split_listed(const char *s, char ***ret_argv, size_t *ret_argc);

/*
 * Run `auditctl` (a path, or a name searched in $PATH then /sbin and
 * /usr/sbin) with `args` (NULL-terminated, without argv[0]). Its merged
 * stdout and stderr go to `out` (NUL-terminated, trailing space
 * trimmed, truncated to outlen). Returns the exit status (0..255), or
 * -errno when it could not be run (-ENOENT: not found, -ETIMEDOUT:
 * killed after RULES_TIMEOUT_MS, -EINTR: killed by a signal).
 */
int rules_auditctl(const char *auditctl, char *const args[], char *out,
    size_t outlen);

/*
 * Load a rule set: "auditctl -D", then, when exclude_pid > 0,
 * "-a never,exit -F pid=<exclude_pid>" (so that the daemon's own system
 * calls never feed back into events), then every non-blank rule in
 * order. A rule that is just "-D" (pauditd configs often start with one)
 * deletes as asked and puts the self-exclusion back first. Stops at the first failure: returns -EINVAL (or the -errno of
 * rules_auditctl), *ret_failed is the 0-based index of the failing rule
 * (RULES_FAILED_DELETE / RULES_FAILED_EXCLUDE for the two implicit
 * steps) and `err` says why. Returns the number of rules added.
 */
#define RULES_FAILED_DELETE	((size_t)-1)
#define RULES_FAILED_EXCLUDE	((size_t)-2)
int rules_apply(const char *auditctl, const char *const *rules, size_t n,
    pid_t exclude_pid, size_t *ret_failed, char *err, size_t errlen);

/*
 * The kernel's rules as "auditctl -l" lists them, one per line (a form
 * auditctl takes back), in *ret (free it): "" when there are none.
 * 0, or -errno / -EINVAL when auditctl failed, -E2BIG past
 * RULES_LIST_MAX.
 */
int rules_list(const char *auditctl, char **ret);

/*
 * Put back a list that rules_list took: "auditctl -D", then each line.
 * Returns how many lines failed to load (the last one's reason in err),
 * or -errno if the deletion did; *ret_n counts the rules loaded.
 */
int rules_restore(const char *auditctl, const char *list, size_t *ret_n,
    char *err, size_t errlen);

/* Delete the self-exclusion that rules_apply added for `pid`. */
int rules_unexclude(const char *auditctl, pid_t pid, char *err, size_t errlen);

#endif
