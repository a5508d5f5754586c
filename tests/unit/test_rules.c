/*
 * test_rules.c: shell-style word splitting of rules, and rule loading
 * against a fake auditctl that records its arguments (no kernel).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <stdbool.h>
#include <unistd.h>

#include "harness.h"
#include "../../src/source/rules.h"

/*
 * Split s (as a configured rule, or with `listed` as a line of auditctl
 * -l) and join the words with '|' into out; returns the split's r.
 */
static int
split_join_as(const char *s, bool listed, char *out, size_t len,
    size_t *ret_argc)
{
	char **argv;
	size_t argc, i;
	int r;

	out[0] = '\0';
	r = listed ? rules_split_listed(s, &argv, &argc) :
	    rules_split(s, &argv, &argc, NULL);
	if (r < 0)
		return r;
	for (i = 0; i < argc; i++) {
		if (i > 0)
			strncat(out, "|", len - strlen(out) - 1);
		strncat(out, argv[i], len - strlen(out) - 1);
	}
	if (argv[argc] != NULL)
		r = -EFAULT;
	*ret_argc = argc;
	rules_argv_free(argv);
	return r;
}

static int
split_join(const char *s, char *out, size_t len, size_t *ret_argc)
{
	return split_join_as(s, false, out, len, ret_argc);
}

/*
 * auditctl -l prints keys and paths as they are: a probe lost a watch
 * keyed "probe_rules pre a" when the previous rules were put back (the
 * line split at its spaces).
 */
TEST(split_listed_values_with_spaces)
{
	char out[256];
	size_t n;

	ASSERT_EQ(split_join_as("-w /tmp/a dir -p r -k probe_rules pre a", true,
	    out, sizeof(out), &n), 0);
	ASSERT_EQ(n, 6);
	ASSERT_STREQ(out, "-w|/tmp/a dir|-p|r|-k|probe_rules pre a");
	ASSERT_EQ(split_join_as("-a always,exit -F arch=b64 -S getpid,getppid "
	    "-F exe=/tmp/x y -F exit=-2 -F key=it's \"a\" key", true, out,
	    sizeof(out), &n), 0);
	ASSERT_STREQ(out, "-a|always,exit|-F|arch=b64|-S|getpid,getppid|-F|"
	    "exe=/tmp/x y|-F|exit=-2|-F|key=it's \"a\" key");
	ASSERT_EQ(split_join_as("--backlog_wait_time 60000", true, out,
	    sizeof(out), &n), 0);
	ASSERT_STREQ(out, "--backlog_wait_time|60000");
	ASSERT_EQ(split_join_as("", true, out, sizeof(out), &n), 0);
	ASSERT_EQ(n, 0);
}

TEST(split_plain)
{
	char out[256];
	size_t n;

	ASSERT_EQ(split_join("  -a always,exit\t-F arch=b64  -S execve ",
	    out, sizeof(out), &n), 0);
	ASSERT_EQ(n, 6);
	ASSERT_STREQ(out, "-a|always,exit|-F|arch=b64|-S|execve");
}

TEST(split_quotes)
{
	char out[256];
	size_t n;

	ASSERT_EQ(split_join("-w '/srv/my data' -p wa -k \"two words\"",
	    out, sizeof(out), &n), 0);
	ASSERT_EQ(n, 6);
	ASSERT_STREQ(out, "-w|/srv/my data|-p|wa|-k|two words");
	/* Adjacent quoted and bare parts make one word, as in sh. */
	ASSERT_EQ(split_join("-k ab'c d'\"e\"f", out, sizeof(out), &n), 0);
	ASSERT_STREQ(out, "-k|abc def");
	/* An empty quoted word is still a word. */
	ASSERT_EQ(split_join("-k ''", out, sizeof(out), &n), 0);
	ASSERT_EQ(n, 2);
	ASSERT_STREQ(out, "-k|");
}

TEST(split_escapes)
{
	char out[256];
	size_t n;

	ASSERT_EQ(split_join("-w /a\\ b -k \"q\\\"x\\\\y\\n\"", out,
	    sizeof(out), &n), 0);
	ASSERT_STREQ(out, "-w|/a b|-k|q\"x\\y\\n");
	/* Single quotes keep backslashes literally. */
	ASSERT_EQ(split_join("-k 'a\\b'", out, sizeof(out), &n), 0);
	ASSERT_STREQ(out, "-k|a\\b");
	/* Backslash-newline is a line continuation. */
	ASSERT_EQ(split_join("-w /x \\\n-k y", out, sizeof(out), &n), 0);
	ASSERT_STREQ(out, "-w|/x|-k|y");
}

TEST(split_comments_and_blank)
{
	char out[256];
	size_t n;

	ASSERT_EQ(split_join("   ", out, sizeof(out), &n), 0);
	ASSERT_EQ(n, 0);
	ASSERT_EQ(split_join("# all commented", out, sizeof(out), &n), 0);
	ASSERT_EQ(n, 0);
	ASSERT_EQ(split_join("-e 1 # enable", out, sizeof(out), &n), 0);
	ASSERT_STREQ(out, "-e|1");
	/* '#' inside a word is not a comment. */
	ASSERT_EQ(split_join("-k a#b", out, sizeof(out), &n), 0);
	ASSERT_STREQ(out, "-k|a#b");
}

TEST(split_errors)
{
	const char *why = NULL;
	char **argv = NULL;
	char big[RULES_MAX_WORDS * 2 + 8];
	size_t n, i;

	ASSERT_EQ(rules_split("-k 'open", &argv, &n, &why), -EINVAL);
	ASSERT_STREQ(why, "unterminated quote");
	ASSERT_EQ(rules_split("-k \"open", &argv, &n, &why), -EINVAL);
	ASSERT_EQ(rules_split("-k x\\", &argv, &n, &why), -EINVAL);
	ASSERT_STREQ(why, "trailing backslash");
	for (i = 0; i < RULES_MAX_WORDS + 1; i++) {
		big[2 * i] = 'x';
		big[2 * i + 1] = ' ';
	}
	big[2 * i] = '\0';
	ASSERT_EQ(rules_split(big, &argv, &n, &why), -E2BIG);
	ASSERT(argv == NULL);
}

/* A fake auditctl: logs "argc:arg|arg|..." per call, fails on "bad". */
static const char fake_script[] =
    "#!/bin/sh\n"
    "log=\"$(dirname \"$0\")/calls\"\n"
    "line=\"$#:\"; sep=''\n"
    "for a in \"$@\"; do line=\"$line$sep$a\"; sep='|'; done\n"
    "echo \"$line\" >> \"$log\"\n"
    "echo 'chatter on stdout'\n"
    "for a in \"$@\"; do case \"$a\" in\n"
    "  bad*) echo \"Error: rule '$a' is wrong\" >&2; exit 3;;\n"
    "esac; done\n"
    "exit 0\n";

static char fake_dir[64];
static char fake_path[96];

static int
fake_setup(void)
{
	char p[128];
	FILE *f;

	snprintf(fake_dir, sizeof(fake_dir), "/tmp/pauditd-rules-XXXXXX");
	if (mkdtemp(fake_dir) == NULL)
		return -1;
	snprintf(fake_path, sizeof(fake_path), "%s/auditctl", fake_dir);
	if ((f = fopen(fake_path, "w")) == NULL)
		return -1;
	fputs(fake_script, f);
	fclose(f);
	chmod(fake_path, 0755);
	snprintf(p, sizeof(p), "%s/calls", fake_dir);
	unlink(p);
	return 0;
}

static void
fake_teardown(void)
{
	char p[128];

	snprintf(p, sizeof(p), "%s/calls", fake_dir);
	unlink(p);
	unlink(fake_path);
	rmdir(fake_dir);
}

static void
fake_calls(char *out, size_t len)
{
	char p[128];
	size_t n;
	FILE *f;

	snprintf(p, sizeof(p), "%s/calls", fake_dir);
	out[0] = '\0';
	if ((f = fopen(p, "r")) == NULL)
		return;
	n = fread(out, 1, len - 1, f);
	out[n] = '\0';
	fclose(f);
}

TEST(apply_order_and_words)
{
	const char *rules[] = { "-w '/srv/a b' -k \"my key\"", "  ", "-e 1" };
	char err[256], calls[1024];
	size_t failed = 99;

	ASSERT_EQ(fake_setup(), 0);
	ASSERT_EQ(rules_apply(fake_path, rules, 3, 4242, &failed, err,
	    sizeof(err)), 2);
	fake_calls(calls, sizeof(calls));
	fake_teardown();
	ASSERT_STREQ(calls,
	    "1:-D\n"
	    "4:-a|never,exit|-F|pid=4242\n"
	    "4:-w|/srv/a b|-k|my key\n"
	    "2:-e|1\n");
	ASSERT_EQ(failed, 99);
}

TEST(apply_no_exclude)
{
	const char *rules[] = { "-b 8192" };
	char err[256], calls[1024];
	size_t failed;

	ASSERT_EQ(fake_setup(), 0);
	ASSERT_EQ(rules_apply(fake_path, rules, 1, 0, &failed, err,
	    sizeof(err)), 1);
	fake_calls(calls, sizeof(calls));
	fake_teardown();
	ASSERT_STREQ(calls, "1:-D\n2:-b|8192\n");
}

TEST(apply_user_delete_keeps_exclusion)
{
	const char *rules[] = { "-D", "-e 1", " -D " };
	char err[256], calls[1024];
	size_t failed = 99;

	ASSERT_EQ(fake_setup(), 0);
	ASSERT_EQ(rules_apply(fake_path, rules, 3, 9, &failed, err,
	    sizeof(err)), 1);
	fake_calls(calls, sizeof(calls));
	fake_teardown();
	ASSERT_STREQ(calls,
	    "1:-D\n4:-a|never,exit|-F|pid=9\n"
	    "1:-D\n4:-a|never,exit|-F|pid=9\n"
	    "2:-e|1\n"
	    "1:-D\n4:-a|never,exit|-F|pid=9\n");
}

TEST(apply_failure_reports_stderr)
{
	const char *rules[] = { "-e 1", "-w /x -k bad_one", "-e 0" };
	char err[256], calls[1024];
	size_t failed = 0;

	ASSERT_EQ(fake_setup(), 0);
	ASSERT_EQ(rules_apply(fake_path, rules, 3, 0, &failed, err,
	    sizeof(err)), -EINVAL);
	fake_calls(calls, sizeof(calls));
	fake_teardown();
	ASSERT_EQ(failed, 1);
	ASSERT(strstr(err, "status 3") != NULL);
	ASSERT(strstr(err, "Error: rule 'bad_one' is wrong") != NULL);
	/* The rules after the failing one are not run. */
	ASSERT_STREQ(calls, "1:-D\n2:-e|1\n4:-w|/x|-k|bad_one\n");
}

TEST(apply_split_error)
{
	const char *rules[] = { "-e 1", "-k 'open" };
	char err[256];
	size_t failed = 0;

	ASSERT_EQ(fake_setup(), 0);
	ASSERT_EQ(rules_apply(fake_path, rules, 2, 0, &failed, err,
	    sizeof(err)), -EINVAL);
	fake_teardown();
	ASSERT_EQ(failed, 1);
	ASSERT_STREQ(err, "unterminated quote");
}

TEST(auditctl_output_and_missing)
{
	char *args[] = { "-s", NULL };
	char out[64];

	ASSERT_EQ(fake_setup(), 0);
	ASSERT_EQ(rules_auditctl(fake_path, args, out, sizeof(out)), 0);
	fake_teardown();
	ASSERT_STREQ(out, "chatter on stdout");
	ASSERT_EQ(rules_auditctl("/nonexistent/auditctl", args, out,
	    sizeof(out)), -ENOENT);
	ASSERT_EQ(rules_auditctl("pauditd-no-such-program", args, out,
	    sizeof(out)), -ENOENT);
	/* The program named without a slash is found in $PATH. */
	ASSERT_EQ(rules_auditctl("true", args, out, sizeof(out)), 0);
	ASSERT_EQ(rules_auditctl("false", args, out, sizeof(out)), 1);
}

TEST(apply_delete_failure)
{
	const char *rules[] = { "-e 1" };
	char err[256];
	size_t failed = 0;

	ASSERT_EQ(rules_apply("false", rules, 1, 0, &failed, err,
	    sizeof(err)), -EINVAL);
	ASSERT_EQ(failed, RULES_FAILED_DELETE);
	ASSERT(strstr(err, "status 1") != NULL);
	ASSERT(strstr(err, "(no output)") != NULL);
}

TEST_MAIN(T(split_plain), T(split_listed_values_with_spaces), T(split_quotes), T(split_escapes),
    T(split_comments_and_blank), T(split_errors), T(apply_order_and_words),
    T(apply_no_exclude), T(apply_user_delete_keeps_exclusion),
    T(apply_failure_reports_stderr),
    T(apply_split_error), T(auditctl_output_and_missing),
    T(apply_delete_failure))
