/*
 * rules.c: load kernel audit rules by running auditctl.
 *
 * DESIGN
 * pauditd and go-audit split a rule on blanks, so a key or a path with a
 * space could not be written; here a rule is split as a shell would split
 * it, without any expansion, and auditctl runs directly (fork + execv,
 * never sh -c). The program path is resolved before fork so that the
 * child only calls async-signal-safe functions: the daemon already has
 * threads when rules are loaded. The child gets a clean signal mask and
 * default dispositions (the main loop blocks signals for its signalfd),
 * /dev/null as stdin, one pipe as stdout and stderr, and no other fd.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../log.h"
#include "../pauditd.h"
#include "rules.h"

struct words {
	char	**v;
	size_t	  n;
};

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '\v' || c == '\f';
}

static int
words_push(struct words *w, const char *s, size_t len)
{
	char **nv;

	if (w->n >= RULES_MAX_WORDS)
		return -E2BIG;
	nv = realloc(w->v, (w->n + 2) * sizeof(*nv));
	if (nv == NULL)
		return -ENOMEM;
	w->v = nv;
	if ((w->v[w->n] = strndup(s, len)) == NULL)
		return -ENOMEM;
	w->v[++w->n] = NULL;
	return 0;
}

char **
rules_argv_free(char **argv)
{
	size_t i;

	if (argv == NULL)
		return NULL;
	for (i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
	return NULL;
}

/*
 * Copy one quoted span starting after the opening quote `q` into `cur`;
 * returns the position after the closing quote, or NULL if there is none.
 * Inside double quotes a backslash escapes only " \ $ ` and newline.
 */
static const char *
copy_quoted(const char *p, char q, char *cur, size_t *len)
{
	for (; *p != '\0' && *p != q; p++) {
		if (q == '"' && p[0] == '\\' && p[1] != '\0' &&
		    strchr("\"\\$`\n", p[1]) != NULL) {
			if (*++p == '\n')
				continue;
		}
		cur[(*len)++] = *p;
	}
	return *p == q ? p + 1 : NULL;
}

int
rules_split(const char *s, char ***ret_argv, size_t *ret_argc,
    const char **ret_why)
{
	struct words w = { NULL, 0 };
	const char *p = s, *why = NULL;
	bool in_word = false;
	size_t len = 0;
	char *cur;
	int r = 0;

	if ((cur = malloc(strlen(s) + 1)) == NULL)
		return -ENOMEM;
	while (*p != '\0') {
		if (!in_word) {
			if (is_blank(*p)) {
				p++;
				continue;
			}
			if (*p == '#')
				break;
			in_word = true;
			len = 0;
		}
		if (is_blank(*p)) {
			if ((r = words_push(&w, cur, len)) < 0)
				goto fail;
			in_word = false;
		} else if (*p == '\'' || *p == '"') {
			if ((p = copy_quoted(p + 1, *p, cur, &len)) == NULL) {
				why = "unterminated quote";
				r = -EINVAL;
				goto fail;
			}
			continue;
		} else if (*p == '\\') {
			if (p[1] == '\0') {
				why = "trailing backslash";
				r = -EINVAL;
				goto fail;
			}
			if (p[1] != '\n')
				cur[len++] = p[1];
			p += 2;
			continue;
		} else
			cur[len++] = *p;
		p++;
	}
	if (in_word && (r = words_push(&w, cur, len)) < 0)
		goto fail;
	if (w.v == NULL && (w.v = calloc(1, sizeof(char *))) == NULL) {
		r = -ENOMEM;
		goto fail;
	}
	free(cur);
	*ret_argv = w.v;
	*ret_argc = w.n;
	return 0;
fail:
	if (r == -E2BIG)
		why = "too many words";
	if (ret_why != NULL)
		*ret_why = why != NULL ? why : strerror(-r);
	free(cur);
	rules_argv_free(w.v);
	return r;
}

/* Find an executable: a path as given, else $PATH, /sbin, /usr/sbin. */
static int
resolve(const char *name, char *buf, size_t len)
{
	const char *path = getenv("PATH"), *dir, *end;
	char dirs[PATH_MAX + 32];

	if (strchr(name, '/') != NULL) {
		if (access(name, X_OK) < 0)
			return -errno;
		snprintf(buf, len, "%s", name);
		return 0;
	}
	snprintf(dirs, sizeof(dirs), "%s:/sbin:/usr/sbin",
	    path != NULL ? path : "/usr/bin:/bin");
	for (dir = dirs; *dir != '\0'; dir = *end ? end + 1 : end) {
		end = strchrnul(dir, ':');
		if (end == dir)
			continue;
		if ((size_t)snprintf(buf, len, "%.*s/%s", (int)(end - dir), dir,
		    name) >= len)
			continue;
		if (access(buf, X_OK) == 0)
			return 0;
	}
	return -ENOENT;
}

static void __attribute__((noreturn))
child(const char *path, char *const argv[], int wfd)
{
	sigset_t none;
	int fd, sig;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	if ((fd = open("/dev/null", O_RDONLY)) >= 0 && fd != 0)
		dup2(fd, 0);
	if (dup2(wfd, 1) < 0 || dup2(wfd, 2) < 0)
		_exit(126);
	close_range(3, ~0U, 0);
	execv(path, argv);
	_exit(127);
}

/* Read the child's output until EOF or the deadline; keep what fits. */
static int
collect(int fd, char *out, size_t outlen, uint64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t used = 0;
	char scratch[512];
	ssize_t n;
	uint64_t now;

	for (;;) {
		now = now_mono_ms();
		if (now >= deadline)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, (int)(deadline - now)) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (used + 1 < outlen)
			n = read(fd, out + used, outlen - used - 1);
		else
			n = read(fd, scratch, sizeof(scratch));
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		if (used + 1 < outlen)
			used += (size_t)n;
	}
	if (outlen > 0)
		out[used] = '\0';
	return 0;
}

/* One line for a log: newlines become "; ", trailing space is cut. */
static void
tidy(char *s)
{
	size_t n = strlen(s);
	char *p;

	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	for (p = s; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = (p[1] != '\0' && p[1] != '\n') ? ';' : ' ';
}

static int
wait_child(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return -EINTR;
}

/* rules_auditctl without the tidying of its output. */
static int
capture(const char *auditctl, char *const args[], char *out, size_t outlen)
{
	char path[PATH_MAX], *argv[RULES_MAX_WORDS + 2];
	int pfd[2], r;
	size_t i;
	pid_t pid;

	if (outlen > 0)
		out[0] = '\0';
	if ((r = resolve(auditctl, path, sizeof(path))) < 0)
		return r;
	argv[0] = path;
	for (i = 0; i < RULES_MAX_WORDS && args[i] != NULL; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	if ((pid = fork()) < 0) {
		r = -errno;
		close(pfd[0]);
		close(pfd[1]);
		return r;
	}
	if (pid == 0)
		child(path, argv, pfd[1]);
	close(pfd[1]);
	r = collect(pfd[0], out, outlen, now_mono_ms() + RULES_TIMEOUT_MS);
	close(pfd[0]);
	if (r == -ETIMEDOUT)
		kill(pid, SIGKILL);
	if (r < 0) {
		wait_child(pid);
		return r;
	}
	return wait_child(pid);
}

int
rules_auditctl(const char *auditctl, char *const args[], char *out,
    size_t outlen)
{
	int r = capture(auditctl, args, out, outlen);

	if (outlen > 0)
		tidy(out);
	return r;
}

/* Run one auditctl command; on failure write the reason to err. */
static int
run(const char *auditctl, char *const args[], char *err, size_t errlen)
{
	char out[1024];
	int r;

	r = rules_auditctl(auditctl, args, out, sizeof(out));
	if (r == 0)
		return 0;
	if (r < 0)
		snprintf(err, errlen, "cannot run %s: %s", auditctl,
		    strerror(-r));
	else
		snprintf(err, errlen, "auditctl exited with status %d: %s", r,
		    out[0] != '\0' ? out : "(no output)");
	return r < 0 ? r : -EINVAL;
}

/* Delete every rule, then add the self-exclusion (when pid > 0). */
static int
reset(const char *auditctl, pid_t pid, size_t *ret_failed, char *err,
    size_t errlen)
{
	char *del[] = { "-D", NULL };
	char pidarg[32];
	char *excl[] = { "-a", "never,exit", "-F", pidarg, NULL };
	int r;

	if ((r = run(auditctl, del, err, errlen)) < 0) {
		*ret_failed = RULES_FAILED_DELETE;
		return r;
	}
	if (pid <= 0)
		return 0;
	snprintf(pidarg, sizeof(pidarg), "pid=%ld", (long)pid);
	if ((r = run(auditctl, excl, err, errlen)) < 0)
		*ret_failed = RULES_FAILED_EXCLUDE;
	return r;
}

int
rules_apply(const char *auditctl, const char *const *rules, size_t n,
    pid_t exclude_pid, size_t *ret_failed, char *err, size_t errlen)
{
	const char *why;
	char **argv;
	size_t i, argc;
	int r, added = 0;

	if ((r = reset(auditctl, exclude_pid, ret_failed, err, errlen)) < 0)
		return r;
	for (i = 0; i < n; i++) {
		if ((r = rules_split(rules[i], &argv, &argc, &why)) < 0) {
			snprintf(err, errlen, "%s", why);
			*ret_failed = i;
			return r;
		}
		if (argc == 1 && strcmp(argv[0], "-D") == 0) {
			/*
			 * pauditd configs often start with "-D": delete as
			 * asked, and keep the self-exclusion first.
			 */
			r = reset(auditctl, exclude_pid, ret_failed, err, errlen);
			rules_argv_free(argv);
			if (r < 0)
				return r;
			continue;
		}
		if (argc > 0) {
			r = run(auditctl, argv, err, errlen);
			log_debug("rules: #%zu \"%s\": %s", i + 1, rules[i],
			    r < 0 ? err : "added");
		}
		rules_argv_free(argv);
		if (r < 0) {
			*ret_failed = i;
			return r;
		}
		added += argc > 0;
	}
	return added;
}

/* An option word of auditctl's listing: "-k", "-F", "--backlog_wait_time". */
static bool
is_option(const char *w, size_t len)
{
	size_t i;

	if (len == 2 && w[0] == '-' && isalpha((unsigned char)w[1]))
		return true;
	if (len < 3 || w[0] != '-' || w[1] != '-')
		return false;
	for (i = 2; i < len; i++)
		if (!islower((unsigned char)w[i]) && w[i] != '_')
			return false;
	return true;
}

int
rules_split_listed(const char *s, char ***ret_argv, size_t *ret_argc)
{
	struct words w = { NULL, 0 };
	const char *p = s, *word, *val = NULL, *val_end = NULL;
	size_t len;
	int r = 0;

	for (;;) {
		while (*p == ' ')
			p++;
		word = p;
		while (*p != ' ' && *p != '\0')
			p++;
		len = (size_t)(p - word);
		/*
		 * A value runs from its option to the next option: auditctl
		 * prints a key or a path with a space as it is, unquoted.
		 */
		if (len == 0 || is_option(word, len)) {
			if (val != NULL && (r = words_push(&w, val,
			    (size_t)(val_end - val))) < 0)
				break;
			val = NULL;
			if (len == 0)
				break;
			if ((r = words_push(&w, word, len)) < 0)
				break;
			continue;
		}
		if (val == NULL)
			val = word;
		val_end = p;
	}
	if (r == 0 && w.v == NULL && (w.v = calloc(1, sizeof(char *))) == NULL)
		r = -ENOMEM;
	if (r < 0) {
		rules_argv_free(w.v);
		return r;
	}
	*ret_argv = w.v;
	*ret_argc = w.n;
	return 0;
}

int
rules_list(const char *auditctl, char **ret)
{
	char *list[] = { "-l", NULL }, *out;
	size_t len;
	int r;

	*ret = NULL;
	if ((out = malloc(RULES_LIST_MAX)) == NULL)
		return -ENOMEM;
	if ((r = capture(auditctl, list, out, RULES_LIST_MAX)) != 0) {
		free(out);
		return r < 0 ? r : -EINVAL;
	}
	len = strlen(out);
	if (len + 1 >= RULES_LIST_MAX) {
		free(out);
		return -E2BIG;
	}
	/* auditctl's word for an empty list. */
	if (strcmp(out, "No rules\n") == 0 || strcmp(out, "No rules") == 0)
		out[0] = '\0';
	*ret = out;
	return 0;
}

int
rules_restore(const char *auditctl, const char *list, size_t *ret_n,
    char *err, size_t errlen)
{
	char *del[] = { "-D", NULL }, **argv, line[RULES_LINE_MAX];
	const char *p = list, *e;
	int r, failed = 0;
	size_t argc, len;

	*ret_n = 0;
	if ((r = run(auditctl, del, err, errlen)) < 0)
		return r;
	for (; *p != '\0'; p = *e != '\0' ? e + 1 : e) {
		e = strchr(p, '\n');
		if (e == NULL)
			e = p + strlen(p);
		len = (size_t)(e - p);
		if (len == 0)
			continue;
		if (len >= sizeof(line)) {
			snprintf(err, errlen, "a listed rule of %zu bytes", len);
			failed++;
			continue;
		}
		memcpy(line, p, len);
		line[len] = '\0';
		if (rules_split_listed(line, &argv, &argc) < 0) {
			snprintf(err, errlen, "\"%s\": cannot be split", line);
			failed++;
			continue;
		}
		if (argc > 0 && run(auditctl, argv, err, errlen) < 0)
			failed++;
		else if (argc > 0)
			(*ret_n)++;
		rules_argv_free(argv);
	}
	return failed;
}

int
rules_unexclude(const char *auditctl, pid_t pid, char *err, size_t errlen)
{
	char pidarg[32];
	char *excl[] = { "-d", "never,exit", "-F", pidarg, NULL };

	snprintf(pidarg, sizeof(pidarg), "pid=%ld", (long)pid);
	return run(auditctl, excl, err, errlen);
}
